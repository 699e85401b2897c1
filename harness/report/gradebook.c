/*
 * report/gradebook: the files an LMS takes back, after an import: canvas.csv
 * (Canvas's gradebook import) and moodle.csv (Moodle's grading worksheet),
 * a line per student of the import manifest from that LMS, the score the
 * same as grades.csv's. Canvas matches a line by ID (the user id of the
 * download's names); Moodle by Identifier, "Participant <id>". Columns a
 * download cannot fill (SIS ids, section) are left empty, as is the grade
 * of a student not graded: both LMSs then leave the grade as it was.
 */
#include "report.h"
#include "html.h"
#include "import.h"
#include "lab.h"
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Moodle's feedback comment is one line of at most this many bytes. */
#define FEEDBACK_MAX 1000

int report_canvas_column_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 5 || s[n - 1] != ')')
		return 0;
	size_t d = n - 1;
	while (d > 0 && isdigit((unsigned char)s[d - 1]))
		d--;
	return d < n - 1 && d >= 3 && s[d - 1] == '(' && s[d - 2] == ' ' && s[0] != ' ';
}

static void field(struct strbuf *sb, const char *s)
{
	csv_field(sb, s ? s : "", s ? strlen(s) : 0, 1);
}

/* The one-line summary Moodle shows the student: nothing hidden is named. */
static void feedback(struct strbuf *sb, const struct json *root, const struct import_row *row)
{
	const struct json *x = extra(root);

	sb_adds(sb, "sockgrade: ");
	if (!root) {
		sb_adds(sb, "no results for this hand-in");
		return;
	}
	if (harness_failed(root)) {
		sb_adds(sb, "not graded: the grader itself failed on this hand-in (not the "
			"student's doing)");
		return;
	}
	const struct json *probes = json_get(x, "probes");
	size_t n = json_len(probes), passed = 0, hidden_failed = 0, shown = 0;
	struct strbuf failed = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const struct json *p = json_at(probes, i);
		if (probe_passed(p)) {
			passed++;
		} else if (probe_hidden(p)) {
			hidden_failed++;
		} else {
			sb_adds(&failed, shown++ ? ", " : "");
			sb_adds(&failed, json_get_str(p, "name", "?"));
		}
	}
	add_num(sb, json_get_num(root, "score", 0));
	sb_adds(sb, " / ");
	add_num(sb, json_get_num(x, "max_score", 0));
	sb_addf(sb, " points; %zu of %zu probes passed", passed, n);
	if (shown)
		sb_addf(sb, "; failed: %s", failed.buf);
	if (hidden_failed)
		sb_addf(sb, "; %zu hidden probe%s failed", hidden_failed, hidden_failed == 1 ? "" : "s");
	const struct json *progs = json_get(json_get(x, "build"), "programs");
	for (size_t i = 0; i < json_len(progs); i++)
		if (json_bool(json_get(json_at(progs, i), "ok"), 0) != 1)
			sb_addf(sb, "; %s does not build", json_get_str(json_at(progs, i), "name", "?"));
	for (size_t i = 0; row && i < row->nrenamed; i++)
		sb_addf(sb, "%s%s renamed to %s", i ? ", " : "; ", row->renamed[i].from,
			row->renamed[i].to);
	sb_release(&failed);
}

/* A cell of text made one line: line breaks and tabs as spaces, cut short on a character. */
static void one_line(struct strbuf *sb, size_t from)
{
	for (size_t i = from; i < sb->len; i++)
		if (sb->buf[i] == '\n' || sb->buf[i] == '\r' || sb->buf[i] == '\t')
			sb->buf[i] = ' ';
	if (sb->len - from > FEEDBACK_MAX)
		sb_truncate(sb, from + cut_utf8(sb->buf + from, sb->len - from, FEEDBACK_MAX));
}

/* When the results were written, as Moodle's importer reads a time (strtotime). */
static void add_mtime(struct strbuf *sb, const char *path)
{
	struct stat st;
	struct tm tm;
	char buf[32];
	if (stat(path, &st) < 0 || !gmtime_r(&st.st_mtime, &tm) ||
	    !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	sb_adds(sb, buf);
}

/* The lab's title for canvas.csv's column: the reference's, else the folder's name. */
static char *lab_column(const char *lab_dir)
{
	char err[ERRLEN];
	char *path = xasprintf("%s/.reference/results.json", lab_dir);
	struct json *root = load_results(path, err);
	const char *t = root ? lab_title(root) : NULL;
	char *col = xstrdup(t ? t : base_name(lab_dir));
	json_free(root);
	free(path);
	return col;
}

int report_gradebooks(const char *lab_dir, const char *manifest, const char *canvas_column,
		      int *wrote, char *err)
{
	struct import_manifest m = { NULL, 0 };
	struct strbuf canvas = STRBUF_INIT, moodle = STRBUF_INIT, score = STRBUF_INIT;
	char *cpath = xasprintf("%s/canvas.csv", lab_dir);
	char *mpath = xasprintf("%s/moodle.csv", lab_dir);
	size_t ncanvas = 0, nmoodle = 0;
	int rc = -1;

	*wrote = 0;
	if (manifest && import_manifest_load(manifest, &m, err) < 0)
		goto out;
	char *col = canvas_column && *canvas_column ? xstrdup(canvas_column) : lab_column(lab_dir);
	sb_adds(&canvas, "Student,ID,SIS User ID,SIS Login ID,Section,");
	field(&canvas, col);
	sb_adds(&canvas, "\r\n");
	free(col);
	sb_adds(&moodle, "Identifier,Full name,Grade,Maximum grade,Last modified (grade),"
		"Feedback comments\r\n");
	for (size_t i = 0; i < m.n; i++) {
		const struct import_row *r = &m.rows[i];
		int is_canvas = !strcmp(r->lms, "canvas"), is_moodle = !strcmp(r->lms, "moodle");
		if (!is_canvas && !is_moodle)
			continue;
		char *path = xasprintf("%s/%s/results.json", lab_dir, r->student);
		char lerr[ERRLEN];
		struct json *root = load_results(path, lerr);
		sb_reset(&score);
		if (root && !harness_failed(root))
			add_num(&score, json_get_num(root, "score", 0));
		if (is_canvas) {
			field(&canvas, r->name);
			sb_addc(&canvas, ',');
			field(&canvas, r->id);
			sb_adds(&canvas, ",,,,");
			sb_adds(&canvas, score.buf ? score.buf : "");
			sb_adds(&canvas, "\r\n");
			ncanvas++;
		} else {
			struct strbuf id = STRBUF_INIT, cell = STRBUF_INIT;
			sb_addf(&id, "Participant %s", r->id);
			field(&moodle, id.buf);
			sb_addc(&moodle, ',');
			field(&moodle, r->name);
			sb_addf(&moodle, ",%s,", score.buf ? score.buf : "");
			if (root)
				add_num(&moodle, json_get_num(extra(root), "max_score", 0));
			sb_addc(&moodle, ',');
			if (root)
				add_mtime(&moodle, path);
			sb_addc(&moodle, ',');
			feedback(&cell, root, r);
			one_line(&cell, 0);
			field(&moodle, cell.buf);
			sb_adds(&moodle, "\r\n");
			sb_release(&id);
			sb_release(&cell);
			nmoodle++;
		}
		json_free(root);
		free(path);
	}
	if (ncanvas) {
		if (write_file_atomic(cpath, canvas.buf, canvas.len, err) < 0)
			goto out;
		*wrote |= 1;
	} else if (unlink(cpath) < 0 && errno != ENOENT) {
		snprintf(err, ERRLEN, "'%s': cannot remove: %s", cpath, strerror(errno));
		goto out;
	}
	if (nmoodle) {
		if (write_file_atomic(mpath, moodle.buf, moodle.len, err) < 0)
			goto out;
		*wrote |= 2;
	} else if (unlink(mpath) < 0 && errno != ENOENT) {
		snprintf(err, ERRLEN, "'%s': cannot remove: %s", mpath, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	import_manifest_release(&m);
	sb_release(&canvas);
	sb_release(&moodle);
	sb_release(&score);
	free(cpath);
	free(mpath);
	return rc;
}
