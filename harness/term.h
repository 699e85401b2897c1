/* term: what a student sees in the terminal after a selfcheck. */
#ifndef SG_TERM_H
#define SG_TERM_H

/*
 * Prints one line per probe of results_path (✓/✗, name, reason, hint), the
 * sandbox line, "N passed, M failed" and the page's path. With verbose, the
 * conversation of each failing probe. Returns 0 all passed, 1 some failed,
 * 2 when the results cannot be read or the harness failed.
 */
int term_selfcheck(const char *results_path, const char *page, int color, int verbose);

#endif
