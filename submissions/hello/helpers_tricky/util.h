#ifndef UTIL_H
#define UTIL_H

void die(const char *what);
int count_braces(const char *s);

#endif
