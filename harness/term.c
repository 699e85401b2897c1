/* term: renders a selfcheck's results.json for a student's terminal. */
#include "term.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the printable UTF-8 sequence at s (n bytes left): 0 for a control or invalid byte. */
static size_t printable_at(const unsigned char *s, size_t n)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 0;
	size_t len = utf8_len(s, n);
	if (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;	/* U+0080..U+009F: C1 controls (CSI among them) */
	return len;
}

char *term_cut(const char *s, size_t max)
{
	struct strbuf out = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), i = 0;
	while (i < n) {
		size_t k = printable_at(p + i, n - i);
		if (i + (k ? k : 1) > max || (!k && (p[i] < 0x20 || p[i] == 0x7f ||
						      (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
						       p[i + 1] < 0xa0)))) {
			sb_adds(&out, "…");
			break;
		}
		if (k)
			sb_add(&out, p + i, k);
		else
			sb_adds(&out, "?");
		i += k ? k : 1;
	}
	return sb_detach(&out, NULL);
}

char *term_escape(const char *s, size_t len, size_t max)
{
	struct strbuf out = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = len < max ? len : max;
	for (size_t i = 0; i < n;) {
		size_t k = printable_at(p + i, n - i);
		if (k && p[i] != '\\') {
			sb_add(&out, p + i, k);
			i += k;
			continue;
		}
		switch (p[i]) {
		case '\n': sb_adds(&out, "\\n"); break;
		case '\r': sb_adds(&out, "\\r"); break;
		case '\t': sb_adds(&out, "\\t"); break;
		case '\\': sb_adds(&out, "\\\\"); break;
		default: sb_addf(&out, "\\x%02x", p[i]);
		}
		i++;
	}
	if (len > max)
		sb_adds(&out, "…");
	return sb_detach(&out, NULL);
}

struct palette {
	const char *ok, *bad, *dim, *off;
};

/* Every text from results.json is cut or escaped: a student controls most of it. */
#define CUT(s) term_cut((s), 4096)

static void print_transcript(const struct json *probe, const struct palette *c)
{
	const struct json *t = json_get(probe, "transcript");
	for (size_t i = 0; i < json_len(t); i++) {
		const struct json *e = json_at(t, i);
		const char *kind = json_get_str(e, "kind", "?");
		const struct json *dj = json_get(e, "data");
		const char *data = json_str(dj, "");
		double len = json_get_num(e, "len", 0);
		char *who = term_cut(json_get_str(e, "who", ""), 64), *k = term_cut(kind, 32);
		printf("      %s%6.0f ms%s  %-12s %-8s", c->dim, json_get_num(e, "t", 0), c->off, who, k);
		if (!strcmp(kind, "send") || !strcmp(kind, "recv") || !strcmp(kind, "stdin")) {
			char *d = term_escape(data, json_str_len(dj), 200);
			printf(" \"%s\" (%.0f bytes)", d, len);
			free(d);
		} else if (*data) {
			char *d = term_cut(data, 200);
			printf(" %s", d);
			free(d);
		}
		printf("\n");
		free(who);
		free(k);
	}
}

int term_selfcheck(const char *results_path, const char *page, int color, int verbose)
{
	static const struct palette plain = { "", "", "", "" };
	static const struct palette ansi = { "\033[32m", "\033[31m", "\033[2m", "\033[0m" };
	const struct palette *c = color ? &ansi : &plain;
	char err[ERRLEN];
	int rc = 2;

	struct json *root = json_parse_file(results_path, err);
	if (!root) {
		fprintf(stderr, "sockgrade: %s\n", err);
		return 2;
	}
	const struct json *x = json_get(root, "extra_data");
	const char *herr = json_get_str(x, "harness_error", NULL);
	char *title = CUT(json_get_str(x, "title", "?")), *mode = CUT(json_get_str(x, "sandbox", "?"));
	printf("sockgrade selfcheck: %s (sandbox: %s)\n", title, mode);
	free(title);
	free(mode);
	const char *warn = json_get_str(x, "sandbox_warning", NULL);
	if (warn) {
		char *w = CUT(warn);
		printf("note: this run is %s\n", w);
		free(w);
	}
	if (herr) {
		char *h = CUT(herr);
		printf("%snot graded: harness error: %s%s\n", c->bad, h, c->off);
		free(h);
		goto out;
	}
	const struct json *progs = json_get(json_get(x, "build"), "programs");
	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		if (!json_bool(json_get(p, "ok"), 0)) {
			char *n = CUT(json_get_str(p, "name", "?")), *w = CUT(json_get_str(p, "why", "?"));
			printf("%s✗ build %s: %s%s\n", c->bad, n, w, c->off);
			free(n);
			free(w);
		}
	}
	const struct json *probes = json_get(x, "probes");
	int passed = 0, failed = 0;
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		char *name = CUT(json_get_str(p, "name", "?"));
		if (json_bool(json_get(p, "passed"), 0)) {
			passed++;
			const char *note = json_get_str(p, "note", NULL);
			char *n = note ? CUT(note) : NULL;
			printf("%s✓%s %s%s%s%s%s\n", c->ok, c->off, name, n ? " — " : "", n ? c->dim : "",
			       n ? n : "", n ? c->off : "");
			free(n);
			free(name);
			continue;
		}
		failed++;
		char *why = CUT(json_get_str(p, "why", "failed"));
		printf("%s✗%s %s: %s\n", c->bad, c->off, name, why);
		free(name);
		free(why);
		const struct json *exp = json_get(p, "expected"), *obs = json_get(p, "observed");
		if (json_kind(exp) == JSON_KIND_STRING) {
			char *e = term_escape(json_str(exp, ""), json_str_len(exp), 300);
			printf("    expected: \"%s\"\n", e);
			free(e);
		}
		if (json_kind(obs) == JSON_KIND_STRING) {
			char *o = term_escape(json_str(obs, ""), json_str_len(obs), 300);
			printf("    observed: \"%s\"\n", o);
			free(o);
		}
		const char *hint = json_get_str(p, "hint", NULL);
		if (hint) {
			char *h = CUT(hint);
			printf("    %shint: %s%s\n", c->dim, h, c->off);
			free(h);
		}
		if (verbose)
			print_transcript(p, c);
	}
	printf("%d passed, %d failed\n", passed, failed);
	char *pg = CUT(page);
	printf("details: %s\n", pg);
	free(pg);
	rc = failed ? 1 : 0;
out:
	json_free(root);
	fflush(stdout);
	return rc;
}
