/*
 * report/roster: the class as the grader found it. Each grading run (a
 * shard's, an --only run's) writes <lab>/roster.json, every student folder
 * of the submissions, whichever of them it grades; the class files list
 * the roster and every folder that holds results, so that a student whose
 * shard never ran or did not finish is shown as not graded, not left out.
 */
#include "report.h"
#include "json.h"
#include "lab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int report_roster_write(const char *lab_dir, const char *lab, char *const *names, size_t n,
			char *err)
{
	struct strbuf out = STRBUF_INIT;
	struct json_writer w;
	char *path = xasprintf("%s/roster.json", lab_dir);

	jw_init(&w, &out, 1);
	jw_object_begin(&w);
	jw_key(&w, "lab");
	jw_string(&w, lab);
	jw_key(&w, "students");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++)
		jw_string(&w, names[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	int rc = write_file_atomic(path, out.buf, out.len, err);
	jw_release(&w);
	sb_release(&out);
	free(path);
	return rc;
}

/* A roster name that is a folder name of lab_dir: not empty, no '/', no leading dot. */
static int roster_name_ok(const struct json *j)
{
	const char *s = json_str(j, NULL);

	return s && *s && *s != '.' && !strchr(s, '/') && strlen(s) == json_str_len(j);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int report_class(const char *lab_dir, char ***names, size_t *n, int *have_roster, char *err)
{
	char *path = xasprintf("%s/roster.json", lab_dir);
	struct json *root = NULL;
	int rc = -1;

	*have_roster = 0;
	if (list_dirs(lab_dir, names, n, err) < 0)
		goto out;
	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	root = json_parse_file(path, err);
	if (!root)
		goto out;
	const struct json *students = json_get(root, "students");
	if (json_kind(students) != JSON_KIND_ARRAY) {
		snprintf(err, ERRLEN, "%s: no \"students\" list", path);
		goto out;
	}
	size_t m = json_len(students);
	*names = xrealloc(*names, (*n + m + 1) * sizeof **names);
	for (size_t i = 0; i < m; i++) {
		const struct json *s = json_at(students, i);
		if (!roster_name_ok(s)) {
			snprintf(err, ERRLEN, "%s: student %zu is not a folder name", path, i + 1);
			goto out;
		}
		(*names)[(*n)++] = xstrdup(json_str(s, ""));
	}
	qsort(*names, *n, sizeof **names, cmp_str);
	/* each name once: a graded student is both on the roster and a folder */
	size_t u = 0;
	for (size_t i = 0; i < *n; i++) {
		if (u && !strcmp((*names)[u - 1], (*names)[i]))
			free((*names)[i]);
		else
			(*names)[u++] = (*names)[i];
	}
	*n = u;
	*have_roster = 1;
	rc = 0;
out:
	if (rc < 0 && *names) {
		for (size_t i = 0; i < *n; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*n = 0;
	}
	json_free(root);
	free(path);
	return rc;
}
