/* report/results: reading a results.json, and what every page asks of it. */
#include "results.h"

#include <stdio.h>
#include <string.h>

/* Reads and parses a results.json; the root, or NULL with err "path: what". */
struct json *load_results(const char *path, char *err)
{
	struct json *root = json_parse_file(path, err);

	if (root && json_kind(json_get(root, "extra_data")) != JSON_KIND_OBJECT) {
		snprintf(err, ERRLEN, "%s: not a sockgrade results file (no extra_data)", path);
		json_free(root);
		root = NULL;
	}
	return root;
}

const struct json *extra(const struct json *root)
{
	return json_get(root, "extra_data");
}

/* 1 if obj[key] is a non-empty string. */
int has_str(const struct json *obj, const char *key)
{
	const struct json *j = json_get(obj, key);
	return json_kind(j) == JSON_KIND_STRING && json_str_len(j) > 0;
}

int probe_hidden(const struct json *p)
{
	return json_bool(json_get(p, "hidden"), 0) == 1;
}

int probe_passed(const struct json *p)
{
	return json_bool(json_get(p, "passed"), 0) == 1;
}

long long probe_number(const struct json *p, size_t i)
{
	return json_int(json_get(p, "number"), (long long)i + 1);
}

int harness_failed(const struct json *root)
{
	return json_kind(json_get(extra(root), "harness_error")) == JSON_KIND_STRING;
}

/*
 * extra_data.coverage: the object, or NULL when coverage was off (null, or
 * a results file older than coverage).
 */
const struct json *coverage_of(const struct json *root)
{
	const struct json *c = json_get(extra(root), "coverage");

	return json_kind(c) == JSON_KIND_OBJECT ? c : NULL;
}

int coverage_done(const struct json *c)
{
	return json_bool(json_get(c, "done"), 0) == 1;
}

/* The lab's title from a results file, or NULL. */
const char *lab_title(const struct json *root)
{
	const struct json *x = extra(root);

	if (has_str(x, "title"))
		return json_get_str(x, "title", NULL);
	if (has_str(x, "lab"))
		return json_get_str(x, "lab", NULL);
	return NULL;
}

/* The probe named name in a results file, or NULL. */
const struct json *find_probe(const struct json *root, const char *name)
{
	const struct json *probes = json_get(extra(root), "probes");

	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (!strcmp(json_get_str(p, "name", ""), name))
			return p;
	}
	return NULL;
}
