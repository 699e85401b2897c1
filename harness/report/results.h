/*
 * report/results.h: reading a results.json (specs/RESULTS.md), shared by
 * the report's files (not for other modules).
 */
#ifndef SG_REPORT_RESULTS_H
#define SG_REPORT_RESULTS_H

#include <stddef.h>

#include "json.h"

/* Reads and parses a results.json; the root, or NULL with err "path: what". */
struct json *load_results(const char *path, char *err);
/* Its extra_data: sockgrade's part. */
const struct json *extra(const struct json *root);
/* 1 if obj[key] is a non-empty string. */
int has_str(const struct json *obj, const char *key);
int probe_hidden(const struct json *p);
int probe_passed(const struct json *p);
/* The probe's number in the spec; i + 1 for a file that has none. */
long long probe_number(const struct json *p, size_t i);
/* The probe named name in a results file, or NULL. */
const struct json *find_probe(const struct json *root, const char *name);
/* 1 when the grader itself failed on the submission (extra_data.harness_error). */
int harness_failed(const struct json *root);
/* extra_data.coverage, or NULL when coverage was off. */
const struct json *coverage_of(const struct json *root);
int coverage_done(const struct json *c);
/* The lab's title from a results file, or NULL. */
const char *lab_title(const struct json *root);

#endif
