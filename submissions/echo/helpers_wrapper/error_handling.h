#ifndef ERROR_HANDLING_H
#define ERROR_HANDLING_H

/* Prints the message (and errno's text, if set) and exits: call it from main()
 * or from a wrapper when there is nothing better to do. */
void error_handling(const char *message);

#endif
