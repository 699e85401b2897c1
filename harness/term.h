/* term: what a student sees in the terminal after a selfcheck. */
#ifndef SG_TERM_H
#define SG_TERM_H

#include <stddef.h>

/*
 * Prints one line per probe of results_path (✓/✗, name, reason, hint), the
 * sandbox line, "N passed, M failed" and the page's path. With verbose, the
 * conversation of each failing probe. Returns 0 all passed, 1 some failed,
 * 2 when the results cannot be read or the harness failed.
 */
int term_selfcheck(const char *results_path, const char *page, int color, int verbose);

/*
 * Text a student controls, made safe for a terminal (to be freed):
 * term_cut keeps s up to its first control character (C0, DEL, or a C1 code
 * point in UTF-8) or its max-th byte, and shows the cut as "…"; a byte of
 * invalid UTF-8 becomes '?'. term_escape shows every byte: printable UTF-8 as
 * it is, anything else as \n, \r, \t, \\ or \xNN, at most max bytes of s.
 */
char *term_cut(const char *s, size_t max);
char *term_escape(const char *s, size_t len, size_t max);

#endif
