/* match: does what a peer sent meet what the spec expects? */
#ifndef SG_MATCH_H
#define SG_MATCH_H

#include <stddef.h>

enum match_mode { MATCH_EXACT, MATCH_PREFIX, MATCH_CONTAINS, MATCH_REGEX, MATCH_LINE };
enum match_tolerance { TOL_NONE, TOL_NUL_OR_NEWLINE };

/* How a step compares: its match, tolerate and ignore_case options. */
struct match_opts {
	enum match_mode mode;
	enum match_tolerance tol;
	int ignore_case;	/* 1: ASCII letters match in either case, in every mode */
};

enum match_verdict {
	MATCH_NO,	/* cannot match, whatever else arrives */
	MATCH_MORE,	/* not yet: more bytes could make it match */
	MATCH_YES,	/* matched; *consumed bytes belong to the match */
	MATCH_YES_MORE,	/* matched, but a tolerated byte may still follow */
};

/* Parses "exact", "prefix", "contains", "regex", "line"; -1 if none. */
int match_mode_parse(const char *s);

/*
 * Compares received bytes with the expectation. final is 1 when no more
 * bytes can come (EOF or deadline). On MATCH_YES and MATCH_YES_MORE,
 * *consumed is how many bytes of buf the match used. *diff_at is where
 * buf first differs from want (exact and prefix), or -1.
 * A regex that does not compile is MATCH_NO with *err set.
 * MATCH_LINE: some line of buf (the bytes before a '\n', or the last bytes
 * once final) equals want, both without their trailing spaces, tabs and
 * '\r'; *consumed ends after that line's newline.
 */
enum match_verdict match_bytes(const struct match_opts *how, const char *want, size_t wlen,
			       const char *buf, size_t blen, int final, size_t *consumed,
			       long *diff_at, char *err);

#endif
