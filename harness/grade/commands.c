/*
 * grade/commands: the commands beside grading a lab: report (the class files
 * from results alone, or the shards still missing), kit (the secret-free
 * part of a student kit) and selfcheck (a student's check of one submission).
 */
#include "grade.h"
#include "internal.h"
#include "json.h"
#include "report.h"
#include "score.h"
#include "spec.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1 when dir/results.json says the student was graded (not missing, not a harness error). */
static int results_graded(const char *dir)
{
	char *path = xasprintf("%s/results.json", dir);
	struct json *root = json_parse_file(path, NULL);
	int ok = root && !json_get_str(json_get(root, "extra_data"), "harness_error", NULL);

	json_free(root);
	free(path);
	return ok;
}

/* 1 when dir/index.html is missing or older than dir/results.json, which exists. */
static int page_stale(const char *dir)
{
	char *res = xasprintf("%s/results.json", dir), *page = xasprintf("%s/index.html", dir);
	struct stat rs, ps;
	int stale = stat(res, &rs) == 0 &&
		    (stat(page, &ps) < 0 || ps.st_mtim.tv_sec < rs.st_mtim.tv_sec ||
		     (ps.st_mtim.tv_sec == rs.st_mtim.tv_sec && ps.st_mtim.tv_nsec < rs.st_mtim.tv_nsec));
	free(res);
	free(page);
	return stale;
}

/* report --missing-shards N: the shards that own a student not graded, one a line. */
static void print_missing_shards(const char *lab_dir, char **names, size_t n, int have_roster,
				 int nshards)
{
	char *missing = xcalloc((size_t)nshards, 1);
	if (!have_roster) {
		/* no shard has started: every one is missing */
		fprintf(stderr, "sockgrade: no roster in '%s' yet: every shard is missing\n", lab_dir);
		memset(missing, 1, (size_t)nshards);
	}
	for (size_t i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", lab_dir, names[i]);
		if (!results_graded(dir))
			missing[shard_of(names[i], nshards)] = 1;
		free(dir);
	}
	for (int k = 0; k < nshards; k++)
		if (missing[k])
			printf("%d\n", k);
	free(missing);
}

int grade_report(const char *spec_path, const struct grade_opts *o, int missing_of)
{
	struct spec *spec = NULL;
	char *lab_dir = NULL;
	char **names = NULL;
	size_t n = 0, graded = 0;
	int have_roster = 0, rc = EXIT_ERROR;
	char err[ERRLEN];

	if (spec_load(spec_path, &spec, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_ERROR;
	}
	lab_dir = xasprintf("%s/%s", o->reports, spec->lab);
	if (missing_of > 0 && !is_dir(lab_dir)) {
		print_missing_shards(lab_dir, NULL, 0, 0, missing_of);
		rc = EXIT_GRADED;
		goto out;
	}
	if (report_class(lab_dir, &names, &n, &have_roster, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	if (missing_of > 0) {
		print_missing_shards(lab_dir, names, n, have_roster, missing_of);
		rc = EXIT_GRADED;
		goto out;
	}
	printf("%s: lab '%s', %s\n", spec_path, spec->lab, have_roster ?
	       "the class of roster.json" : "no roster.json: the class is the folders of results");
	rc = EXIT_GRADED;
	/* student pages a shard did not get to write (it was cancelled between the two) */
	for (size_t i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", lab_dir, names[i]);
		if (page_stale(dir) && report_student(lab_dir, names[i], err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			rc = EXIT_ERROR;
		}
		graded += print_summary(names[i], dir);
		free(dir);
	}
	char *ref = xasprintf("%s/.reference", lab_dir);
	if (page_stale(ref))
		report_student(lab_dir, ".reference", err);
	free(ref);
	if (report_lab(lab_dir, err) < 0 || report_index(o->reports, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		rc = EXIT_ERROR;
	}
	printf("  %zu student%s: %zu graded, %zu not graded\n", n, n == 1 ? "" : "s", graded,
	       n - graded);
	printf("  reports: %s/index.html\n", lab_dir);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	spec_free(spec);
	free(lab_dir);
	return rc;
}

/* 1 when a visible probe takes an expectation from the reference. */
static int needs_reference(const struct spec *spec)
{
	for (size_t i = 0; i < spec->nprobes; i++)
		for (size_t j = 0; !spec->probes[i].hidden && j < spec->probes[i].nsteps; j++)
			if (step_opt(&spec->probes[i].steps[j], "from"))
				return 1;
	return 0;
}

/* specs/<lab>.reference.json beside the spec: what a kit has instead of the reference. */
static char *recorded_reference(const char *spec_path, const char *lab)
{
	char *copy = xstrdup(spec_path);
	char *p = xasprintf("%s/%s.reference.json", dirname(copy), lab);
	free(copy);
	return p;
}

int grade_kit(const char *spec_path, const char *stage, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *ref_dir = NULL, *dir = NULL, *path = NULL;
	struct strbuf text = STRBUF_INIT;
	char err[ERRLEN];
	int rc = EXIT_ERROR;
	struct grade_opts ko = *o;

	ko.reports = xasprintf("%s/.kit-work", stage);
	if (lab_open(&L, spec_path, &ko, &spec, &lab_dir, NULL) < 0)
		goto out;
	dir = xasprintf("%s/specs", stage);
	if (mkdir_p(dir, 0755) < 0) {
		fprintf(stderr, "sockgrade: '%s': %s\n", dir, strerror(errno));
		goto out;
	}
	spec_write(spec, 1, &text);
	path = xasprintf("%s/%s.yaml", dir, spec->lab);
	if (write_file_atomic(path, text.buf, text.len, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	if (needs_reference(spec)) {
		ref_dir = default_reference(spec_path, spec->lab, o->reference_root);
		L.selfcheck = 1;	/* visible probes only: nothing hidden is recorded */
		if (grade_reference(&L, ref_dir) < 0)
			goto out;
		char *rec = recorded_reference(path, spec->lab);
		int w = score_write_reference(rec, spec, L.seed, &L.ref, err);
		free(rec);
		if (w < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			goto out;
		}
	}
	rc = EXIT_GRADED;
out:
	lab_close(&L);
	if (ko.reports)
		remove_tree(ko.reports);
	free((char *)ko.reports);
	sb_release(&text);
	spec_free(spec);
	free(lab_dir);
	free(ref_dir);
	free(dir);
	free(path);
	return rc;
}

int grade_selfcheck(const char *spec_path, const char *submission, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *ref_dir = NULL, *out = NULL;
	int rc = EXIT_ERROR;
	char err[ERRLEN];

	if (!is_dir(submission)) {
		fprintf(stderr, "sockgrade: no such folder '%s': give SUBMISSION=<folder with your "
				"files>\n", submission);
		return EXIT_ERROR;
	}
	if (lab_open(&L, spec_path, o, &spec, &lab_dir, "selfcheck") < 0)
		goto out;
	ref_dir = default_reference(spec_path, spec->lab, o->reference_root);
	L.selfcheck = 1;
	char *rec = recorded_reference(spec_path, spec->lab);
	if (is_dir(ref_dir)) {
		/* the reference proves the spec and records its answers; nothing hidden runs */
		if (grade_reference(&L, ref_dir) < 0) {
			free(rec);
			goto out;
		}
	} else if (access(rec, R_OK) == 0) {
		/* a student kit: the reference's answers were recorded with one seed */
		uint64_t seed;
		if (score_read_reference(rec, &L.ref, &seed, err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			free(rec);
			goto out;
		}
		if (!o->seed_given)
			L.seed = seed;
	} else if (needs_reference(spec)) {
		fprintf(stderr, "sockgrade: %s needs the reference's answers: neither '%s' nor '%s' "
				"exists\n", spec_path, ref_dir, rec);
		free(rec);
		goto out;
	}
	free(rec);
	out = xasprintf("%s/submission", lab_dir);
	remove_tree(out);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		worker_main(&L, submission, "submission", out, 0, NULL);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		write_harness_error(&L, "submission", out, status);
		fprintf(stderr, "sockgrade: internal error: the selfcheck worker failed\n");
		goto out;
	}
	if (report_selfcheck(out, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	char *results = xasprintf("%s/results.json", out);
	char *page = xasprintf("%s/index.html", out);
	rc = term_selfcheck(results, page, o->color, o->verbose);
	free(results);
	free(page);
out:
	lab_close(&L);
	spec_free(spec);
	free(lab_dir);
	free(ref_dir);
	free(out);
	return rc;
}
