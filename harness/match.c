#include "match.h"
#include "util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int match_mode_parse(const char *s)
{
	if (!strcmp(s, "exact"))
		return MATCH_EXACT;
	if (!strcmp(s, "prefix"))
		return MATCH_PREFIX;
	if (!strcmp(s, "contains"))
		return MATCH_CONTAINS;
	if (!strcmp(s, "regex"))
		return MATCH_REGEX;
	if (!strcmp(s, "line"))
		return MATCH_LINE;
	return -1;
}

static long first_diff(const char *a, size_t al, const char *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (long)i;
	return al == bl ? -1 : (long)n;
}

static int tolerated(enum match_tolerance tol, char c)
{
	return tol == TOL_NUL_OR_NEWLINE && (c == '\0' || c == '\n');
}

static enum match_verdict match_exact(enum match_tolerance tol, const char *want, size_t wlen,
				      const char *buf, size_t blen, int final, size_t *consumed,
				      long *diff_at)
{
	size_t n = blen < wlen ? blen : wlen;
	long d = first_diff(want, n, buf, n);

	if (d >= 0) {
		*diff_at = d;
		return MATCH_NO;
	}
	if (blen < wlen) {
		*diff_at = (long)blen;
		return final ? MATCH_NO : MATCH_MORE;
	}
	if (blen == wlen) {
		/* exactly these bytes, and nothing more: what follows soon must be looked at */
		*consumed = wlen;
		return final ? MATCH_YES : MATCH_YES_MORE;
	}
	if (tolerated(tol, buf[wlen]) && blen == wlen + 1) {
		*consumed = wlen + 1;
		return final ? MATCH_YES : MATCH_YES_MORE;
	}
	*diff_at = (long)(tolerated(tol, buf[wlen]) ? wlen + 1 : wlen);
	return MATCH_NO;
}

/* The length of s without its trailing spaces, tabs and carriage returns. */
static size_t trim_end(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* match: line: a whole line equal to want, trailing blanks and \r aside on both sides. */
static enum match_verdict match_line(const char *want, size_t wlen, const char *buf, size_t blen,
				     int final, size_t *consumed)
{
	size_t w = trim_end(want, wlen);
	for (size_t at = 0; at < blen || (at == blen && final && !blen);) {
		const char *nl = memchr(buf + at, '\n', blen - at);
		if (!nl && !final)
			return MATCH_MORE;	/* the last line may not be complete yet */
		size_t end = nl ? (size_t)(nl - buf) : blen;
		size_t n = trim_end(buf + at, end - at);
		if (n == w && !memcmp(buf + at, want, w)) {
			*consumed = nl ? end + 1 : end;
			return MATCH_YES;
		}
		if (!nl)
			break;
		at = end + 1;
	}
	return final ? MATCH_NO : MATCH_MORE;
}

/* A copy of n bytes with ASCII letters in lower case (NUL bytes kept). */
static char *fold_case(const char *s, size_t n)
{
	char *t = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		t[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	t[n] = '\0';
	return t;
}

static enum match_verdict match_mode_bytes(enum match_mode mode, enum match_tolerance tol,
					   int regex_flags, const char *want, size_t wlen,
					   const char *buf, size_t blen, int final, size_t *consumed,
					   long *diff_at, char *err)
{
	switch (mode) {
	case MATCH_EXACT:
		return match_exact(tol, want, wlen, buf, blen, final, consumed, diff_at);
	case MATCH_PREFIX: {
		size_t n = blen < wlen ? blen : wlen;
		long d = first_diff(want, n, buf, n);
		if (d >= 0) {
			*diff_at = d;
			return MATCH_NO;
		}
		if (blen < wlen) {
			*diff_at = (long)blen;
			return final ? MATCH_NO : MATCH_MORE;
		}
		*consumed = wlen;
		return MATCH_YES;
	}
	case MATCH_CONTAINS: {
		const char *hit = wlen ? memmem(buf, blen, want, wlen) : buf;
		if (hit) {
			*consumed = (size_t)(hit - buf) + wlen;
			return MATCH_YES;
		}
		return final ? MATCH_NO : MATCH_MORE;
	}
	case MATCH_LINE:
		return match_line(want, wlen, buf, blen, final, consumed);
	case MATCH_REGEX: {
		regex_t re;
		char *pat = xstrndup(want, wlen);
		regmatch_t m;
		int rc = regcomp(&re, pat, REG_EXTENDED | regex_flags);
		free(pat);
		if (rc) {
			char msg[128];
			regerror(rc, &re, msg, sizeof msg);
			snprintf(err, ERRLEN, "bad regular expression: %s", msg);
			return MATCH_NO;
		}
		/* the whole buffer, NUL bytes included */
		m.rm_so = 0;
		m.rm_eo = (regoff_t)blen;
		rc = regexec(&re, buf, 1, &m, REG_STARTEND);
		regfree(&re);
		if (rc == 0) {
			*consumed = (size_t)m.rm_eo;
			/* a match that reaches the last byte may grow with the next ones */
			return (size_t)m.rm_eo == blen && !final ? MATCH_YES_MORE : MATCH_YES;
		}
		return final ? MATCH_NO : MATCH_MORE;
	}
	}
	return MATCH_NO;
}

/*
 * ignore_case is handled here, once, for every mode: the received bytes (and
 * a text to compare with) are compared in lower case; a regex is compiled
 * with REG_ICASE instead, as folding its text would change escapes such as
 * \W. Positions (consumed, diff_at) are the same in the folded copies.
 */
enum match_verdict match_bytes(const struct match_opts *how, const char *want, size_t wlen,
			       const char *buf, size_t blen, int final, size_t *consumed,
			       long *diff_at, char *err)
{
	*consumed = 0;
	*diff_at = -1;
	if (!how->ignore_case)
		return match_mode_bytes(how->mode, how->tol, 0, want, wlen, buf, blen, final, consumed,
					diff_at, err);
	int regex = how->mode == MATCH_REGEX;
	char *w = regex ? NULL : fold_case(want, wlen), *b = fold_case(buf, blen);
	enum match_verdict v = match_mode_bytes(how->mode, how->tol, regex ? REG_ICASE : 0,
						regex ? want : w, wlen, b, blen, final, consumed,
						diff_at, err);
	free(w);
	free(b);
	return v;
}
