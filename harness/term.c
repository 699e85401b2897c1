/* term: renders a selfcheck's results.json for a student's terminal. */
#include "term.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct palette {
	const char *ok, *bad, *dim, *off;
};

static void print_transcript(const struct json *probe, const struct palette *c)
{
	const struct json *t = json_get(probe, "transcript");
	for (size_t i = 0; i < json_len(t); i++) {
		const struct json *e = json_at(t, i);
		const char *kind = json_get_str(e, "kind", "?");
		const char *data = json_get_str(e, "data", "");
		double len = json_get_num(e, "len", 0);
		printf("      %s%6.0f ms%s  %-12s %-8s", c->dim, json_get_num(e, "t", 0), c->off,
		       json_get_str(e, "who", ""), kind);
		if (!strcmp(kind, "send") || !strcmp(kind, "recv") || !strcmp(kind, "stdin"))
			printf(" \"%.200s\"%s (%.0f bytes)", data, strlen(data) > 200 ? "..." : "", len);
		else if (*data)
			printf(" %.200s", data);
		printf("\n");
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
	printf("sockgrade selfcheck: %s (sandbox: %s)\n", json_get_str(x, "title", "?"),
	       json_get_str(x, "sandbox", "?"));
	const char *warn = json_get_str(x, "sandbox_warning", NULL);
	if (warn)
		printf("note: this run is %s\n", warn);
	if (herr) {
		printf("%snot graded: harness error: %s%s\n", c->bad, herr, c->off);
		goto out;
	}
	const struct json *progs = json_get(json_get(x, "build"), "programs");
	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		if (!json_bool(json_get(p, "ok"), 0))
			printf("%s✗ build %s: %s%s\n", c->bad, json_get_str(p, "name", "?"),
			       json_get_str(p, "why", "?"), c->off);
	}
	const struct json *probes = json_get(x, "probes");
	int passed = 0, failed = 0;
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		const char *name = json_get_str(p, "name", "?");
		if (json_bool(json_get(p, "passed"), 0)) {
			passed++;
			printf("%s✓%s %s\n", c->ok, c->off, name);
			continue;
		}
		failed++;
		printf("%s✗%s %s: %s\n", c->bad, c->off, name, json_get_str(p, "why", "failed"));
		const char *exp = json_get_str(p, "expected", NULL);
		const char *obs = json_get_str(p, "observed", NULL);
		if (exp)
			printf("    expected: \"%.300s\"\n", exp);
		if (obs)
			printf("    observed: \"%.300s\"\n", obs);
		const char *hint = json_get_str(p, "hint", NULL);
		if (hint)
			printf("    %shint: %s%s\n", c->dim, hint, c->off);
		if (verbose)
			print_transcript(p, c);
	}
	printf("%d passed, %d failed\n", passed, failed);
	printf("details: %s\n", page);
	rc = failed ? 1 : 0;
out:
	json_free(root);
	fflush(stdout);
	return rc;
}
