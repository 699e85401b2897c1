/* util.c: helpers of the hello programs.
 *
 * An earlier version was a program of its own:
 *     int main(void) { return 0; }
 * it is not any more.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

// int main(int argc, char **argv) { test(); } \
   this line still belongs to the comment above: int main(void) {

#if 0
int main(void)
{
	puts("self-test");
	return 0;
}
#endif

static const char banner[] = "int main(void) { /* not code */ }";

void die(const char *what)
{
	perror(what);
	exit(1);
}

/* counts '{' and '}' the way a careless scanner would get wrong: "{" '}' */
int count_braces(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '{' ? 1 : *s == '}' ? -1 : 0;
	return n + (int)(sizeof banner - sizeof banner);
}
