/*
 * report/lab: a lab's class files (index.html, grades.csv and junit.xml)
 * from two passes over the students' results, each file streamed to disk
 * as it fills.
 */
#include "report.h"
#include "lab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A class of any size is reported in the memory of one student's results.
 * A first pass (lab_scan) reads every results.json once and keeps only what
 * the tops of the files need: the probe columns with their pass counts, the
 * counts and the sum of scores, the title, the maximum. A second pass
 * (report_lab) reads them again, one at a time, and streams each student's
 * table row, CSV line and testsuite to the three files. Only the folder
 * names and the reference's results are held for the whole class.
 */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The sub-folders of dir (not following links, no dot names), sorted;
 * 0, or -1 with err.
 */
int list_dirs(const char *dir, char ***names, size_t *n, char *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		snprintf(err, ERRLEN, "%s: cannot open: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		int isdir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
		free(p);
		if (!isdir)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
}

/*
 * What a class page, grades.csv and junit.xml never show: transcripts,
 * program output, the rest of long build logs. Dropped as soon as a
 * student's results are read.
 */
static void prune(struct json *root)
{
	struct json *x = (struct json *)json_get(root, "extra_data");
	const struct json *probes = json_get(x, "probes");
	for (size_t i = 0; i < json_len(probes); i++) {
		struct json *p = (struct json *)json_at(probes, i);
		json_remove(p, "transcript");
		json_remove(p, "processes");
		json_remove(p, "vars");
		/* junit.xml quotes the start of these */
		json_str_truncate((struct json *)json_get(p, "expected"), 512);
		json_str_truncate((struct json *)json_get(p, "observed"), 512);
	}
	/* Gradescope's copy of the same results, as text */
	json_remove(root, "tests");
	/* junit.xml shows the start of each build log */
	const struct json *progs = json_get(json_get(x, "build"), "programs");
	for (size_t i = 0; i < json_len(progs); i++)
		json_str_truncate((struct json *)json_get(json_at(progs, i), "log"), 4096);
}

static void entry_load(struct entry *e, const char *lab_dir, const char *name)
{
	char err[ERRLEN];
	char *path = xasprintf("%s/%s/results.json", lab_dir, name);
	struct stat st;

	e->name = xstrdup(name);
	e->problem = NULL;
	e->root = NULL;
	e->missing = lstat(path, &st) < 0 && errno == ENOENT;
	if (e->missing) {
		e->problem = xstrdup("its grading has not run, or did not finish");
		free(path);
		return;
	}
	e->root = load_results(path, err);
	if (!e->root)
		e->problem = xstrdup(err);
	else
		prune(e->root);
	free(path);
}

static void entry_release(struct entry *e)
{
	json_free(e->root);
	free(e->name);
	free(e->problem);
	memset(e, 0, sizeof *e);
}

void lab_release(struct lab *lab)
{
	for (size_t i = 0; i < lab->n; i++)
		free(lab->names[i]);
	free(lab->names);
	if (lab->ref.name)
		entry_release(&lab->ref);
	for (size_t c = 0; c < lab->ncols; c++)
		free(lab->cols[c].name);
	free(lab->cols);
	free(lab->title);
	free(lab->warned);
	free(lab->warning);
}

int graded(const struct entry *e)
{
	return e->root && !harness_failed(e->root);
}

/* Adds a column for each probe name of root that has none yet. */
static void add_columns_of(struct lab *lab, const struct json *root)
{
	const struct json *probes = json_get(extra(root), "probes");

	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		const struct json *name = json_get(p, "name");
		size_t k, len = json_str_len(name);
		if (json_kind(name) != JSON_KIND_STRING)
			continue;
		for (k = 0; k < lab->ncols && strcmp(lab->cols[k].name, json_str(name, "")); k++)
			;
		if (k < lab->ncols)
			continue;
		if (lab->ncols == lab->cap) {
			lab->cap = lab->cap ? lab->cap * 2 : 16;
			lab->cols = xrealloc(lab->cols, lab->cap * sizeof *lab->cols);
		}
		struct column *c = &lab->cols[lab->ncols];
		c->name = xmalloc(len + 1);
		memcpy(c->name, json_str(name, ""), len);
		c->name[len] = '\0';
		c->name_len = len;
		c->number = probe_number(p, lab->ncols);
		c->points = json_get_num(p, "points", 0);
		c->hidden = probe_hidden(p);
		c->graded = c->passed = 0;
		lab->ncols++;
	}
}

/* What the first pass keeps of one student's results (none, or unreadable: e->root NULL). */
static void lab_add(struct lab *lab, const struct entry *e)
{
	const struct json *root = e->root, *x = extra(root);
	const char *name = e->name;
	const char *t;

	if (!root) {
		if (e->missing)
			lab->nmissing++;
		else
			lab->nnone++;
		return;
	}
	add_columns_of(lab, root);
	if (!lab->title && (t = lab_title(root)))
		lab->title = xstrdup(t);
	if (!lab->max_set) {
		lab->max = json_get_num(x, "max_score", -1);
		lab->max_set = 1;
	}
	if (!lab->warned && has_str(x, "sandbox_warning")) {
		const struct json *w = json_get(x, "sandbox_warning");
		lab->warned = xstrdup(name);
		lab->warning_len = json_str_len(w);
		lab->warning = xmalloc(lab->warning_len + 1);
		memcpy(lab->warning, json_str(w, ""), lab->warning_len + 1);
	}
	if (harness_failed(root)) {
		lab->nharness++;
		return;
	}
	lab->ngraded++;
	lab->sum += json_get_num(root, "score", 0);
	for (size_t c = 0; c < lab->ncols; c++) {
		const struct json *p = find_probe(root, lab->cols[c].name);
		if (!p)
			continue;
		lab->cols[c].graded++;
		lab->cols[c].passed += probe_passed(p);
	}

	/* as add_student_suite counts them */
	const struct json *probes = json_get(x, "probes");
	size_t tests = 0;
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (json_kind(p) != JSON_KIND_OBJECT)
			continue;
		tests++;
		lab->judged.failures += !probe_passed(p);
	}
	if (!tests) {
		tests = 1;
		lab->judged.errors++;
	}
	lab->judged.tests += tests;
	lab->judged.time += json_get_num(root, "execution_time", 0);
}

/*
 * The first pass: lists the class of lab_dir (roster and student folders)
 * and reads each one's results (and the reference's, which stay loaded) for the lab's
 * columns, counts, title and maximum. 0, or -1 with err if lab_dir cannot
 * be read; lab_release(lab) after either.
 */
int lab_scan(struct lab *lab, const char *lab_dir, char *err)
{
	struct stat st;

	memset(lab, 0, sizeof *lab);
	lab->max = -1;
	int have_roster;
	if (report_class(lab_dir, &lab->names, &lab->n, &have_roster, err) < 0)
		return -1;

	char *ref = xasprintf("%s/.reference/results.json", lab_dir);
	if (lstat(ref, &st) == 0)
		entry_load(&lab->ref, lab_dir, ".reference");
	free(ref);
	if (lab->ref.root) {
		add_columns_of(lab, lab->ref.root);
		const char *t = lab_title(lab->ref.root);
		if (t)
			lab->title = xstrdup(t);
		lab->max = json_get_num(extra(lab->ref.root), "max_score", -1);
		lab->max_set = 1;
	}

	for (size_t i = 0; i < lab->n; i++) {
		struct entry e;
		entry_load(&e, lab_dir, lab->names[i]);
		lab_add(lab, &e);
		entry_release(&e);
	}
	return 0;
}

/* The mean of the graded students' scores as shown: two decimals at most. */
double lab_mean(const struct lab *lab)
{
	return (double)(long long)(lab->sum / (double)lab->ngraded * 100 + 0.5) / 100;
}

const char *base_name(const char *path)
{
	const char *end = path + strlen(path);

	while (end > path && end[-1] == '/')
		end--;
	const char *s = end;
	while (s > path && s[-1] != '/')
		s--;
	return s;
}

/* ---- streaming a file ----------------------------------------------------- */

/* A file written a piece at a time, under a temporary name until it is complete. */
struct out {
	char *path;		/* the file's name */
	char *tmp;		/* what it is written as until out_commit */
	int fd;			/* tmp, open; -1 when not */
	struct strbuf sb;	/* text not written yet */
};

/* Bytes held before out_flush writes them. */
#define OUT_CHUNK (64 * 1024)

/* Creates the temporary file for path; 0, or -1 with err. out_release in either case. */
static int out_open(struct out *o, const char *path, char *err)
{
	o->path = xstrdup(path);
	o->tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	o->sb = (struct strbuf)STRBUF_INIT;
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", o->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes what o holds once it is OUT_CHUNK or more (all of it if all); 0, or -1 with err. */
static int out_flush(struct out *o, int all, char *err)
{
	if (o->sb.len < (all ? 1 : OUT_CHUNK))
		return 0;
	if (write_all(o->fd, o->sb.buf, o->sb.len) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", o->tmp, strerror(errno));
		return -1;
	}
	sb_reset(&o->sb);
	return 0;
}

/* Writes the rest, closes and renames the file to its name; 0, or -1 with err. */
static int out_commit(struct out *o, char *err)
{
	if (out_flush(o, 1, err) < 0)
		return -1;
	int rc = close(o->fd);
	o->fd = -1;
	if (rc < 0 || rename(o->tmp, o->path) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", o->path, strerror(errno));
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

/* Frees o; a file not committed is removed. */
static void out_release(struct out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	sb_release(&o->sb);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

/* ---- the class files ------------------------------------------------------ */

enum { OUT_PAGE, OUT_CSV, OUT_JUNIT, OUT_N };

int report_lab(const char *lab_dir, char *err)
{
	static const char *const files[OUT_N] = { "index.html", "grades.csv", "junit.xml" };
	struct lab lab;
	struct out out[OUT_N];
	const char *lab_name = base_name(lab_dir);
	size_t *count = NULL;
	int rc = -1;

	for (int f = 0; f < OUT_N; f++)
		out[f] = (struct out){ NULL, NULL, -1, STRBUF_INIT };
	if (lab_scan(&lab, lab_dir, err) < 0)
		goto out;
	for (int f = 0; f < OUT_N; f++) {
		char *path = xasprintf("%s/%s", lab_dir, files[f]);
		int opened = out_open(&out[f], path, err);
		free(path);
		if (opened < 0)
			goto out;
	}
	class_head(&out[OUT_PAGE].sb, &lab, lab_dir);
	csv_head(&out[OUT_CSV].sb, &lab);
	junit_head(&out[OUT_JUNIT].sb, &lab, lab_name);

	/* the second pass: a student at a time, each file written as it fills */
	count = xcalloc((size_t)hist_bins(lab.max), sizeof *count);
	for (size_t i = 0; i < lab.n; i++) {
		struct entry e;
		entry_load(&e, lab_dir, lab.names[i]);
		add_student_row(&out[OUT_PAGE].sb, &e, lab.cols, lab.ncols);
		csv_row(&out[OUT_CSV].sb, &lab, &e);
		add_student_suite(&out[OUT_JUNIT].sb, &e, lab_name, lab.cols, lab.ncols);
		if (graded(&e))
			hist_add(count, lab.max, json_get_num(e.root, "score", 0));
		entry_release(&e);
		for (int f = 0; f < OUT_N; f++)
			if (out_flush(&out[f], 0, err) < 0)
				goto out;
	}

	class_tail(&out[OUT_PAGE].sb, &lab, count);
	sb_adds(&out[OUT_JUNIT].sb, "</testsuites>\n");
	for (int f = 0; f < OUT_N; f++)
		if (out_commit(&out[f], err) < 0)
			goto out;
	rc = 0;
out:
	for (int f = 0; f < OUT_N; f++)
		out_release(&out[f]);
	free(count);
	lab_release(&lab);
	return rc;
}
