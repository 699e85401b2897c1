/*
 * error_handling.c: shared by the server and the client.
 * Not a program of its own: there is no "int main(void) { ... }" in here,
 * whatever this comment says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_handling.h"

static const char *usage_hint = "see main() in echo_server.c for the arguments";

void error_handling(const char *message)
{
	if (errno)
		fprintf(stderr, "%s: %s\n", message, strerror(errno));
	else
		fprintf(stderr, "%s\n", message);
	if (message[0] == '?')
		fputs(usage_hint, stderr);
	exit(1);
}
