/*
 * import/import: the driver. An import reads the download twice (source.c):
 *
 *   1. list it; tell its format (or take FORMAT); give each entry to a
 *      student (a claim: whose, and where in their folder) or to no one;
 *      keep the latest of a student's resubmissions (Canvas -N) or attempts
 *      (Blackboard), listing the others (claims.c);
 *   2. copy each kept entry into <lab>/.import.tmp/<student>/, within that
 *      student's limits (tree.c); then per student: unpack the archives of
 *      the hand-in (archive.c), move files out of a lone folder, rename
 *      files to the spec's source names when unambiguous (rename.c), all
 *      from handin.c;
 *   3. move each student's folder into place whole, and write import.tsv
 *      (manifest.c), keeping the lines of students not in this download.
 *
 * What is refused or left as it is gets a note: on the terminal, in the
 * manifest and, through results.json, on the student's page.
 */
#include "plan.h"
#include "spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const plan_format_names[] = { "canvas", "moodle", "blackboard", "folders" };
const char *const plan_format_shapes[] = {
	"lastfirst_<userid>_<submissionid>_<file>",
	"<Full Name>_<id>_assignsubmission_file_/",
	"<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>",
	"one folder per student",
};

static void claim_release(struct claim *c)
{
	free(c->key);
	free(c->name);
	free(c->rel);
	free(c->shown);
	free(c->submission);
	free(c->when);
	memset(c, 0, sizeof *c);
}

static void student_release(struct student *s)
{
	free(s->key);
	free(s->folder);
	free(s->name);
	free(s->submission);
	notes_release(&s->notes);
	notes_release(&s->older);
	for (size_t i = 0; i < s->nrenamed; i++) {
		free(s->renamed[i].from);
		free(s->renamed[i].to);
	}
	free(s->renamed);
}

static void plan_release(struct plan *P)
{
	for (size_t i = 0; i < P->src.n; i++) {
		if (P->claims)
			claim_release(&P->claims[i]);
		if (P->receipts)
			bb_receipt_release(&P->receipts[i]);
	}
	free(P->claims);
	free(P->receipts);
	free(P->owner);
	free(P->want);
	for (size_t i = 0; i < P->nst; i++)
		student_release(&P->st[i]);
	free(P->st);
	notes_release(&P->skipped);
	free(P->prefix);
	free(P->assignment);
	source_release(&P->src);
	if (P->stagefd >= 0)
		close(P->stagefd);
}

int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A Blackboard receipt's name: kept at listing, so that the plan can read it. */
static int is_receipt_name(const char *path)
{
	struct bb_name b;
	if (strchr(path, '/') && strchr(strchr(path, '/') + 1, '/'))
		return 0;	/* the top, or inside one wrapping folder */
	const char *leaf = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (lms_split_blackboard(leaf, &b) < 0)
		return 0;
	int receipt = !b.file;
	bb_name_release(&b);
	return receipt;
}

/* The part of path below the plan's prefix, or NULL when it is not below it. */
const char *plan_below(const struct plan *P, const char *path)
{
	size_t pl = strlen(P->prefix);
	return strncmp(path, P->prefix, pl) ? NULL : path + pl;
}


static const struct student *g_students_for_sort;

static int cmp_by_folder(const void *a, const void *b)
{
	return strcmp(g_students_for_sort[*(const size_t *)a].folder,
		      g_students_for_sort[*(const size_t *)b].folder);
}

/* ---- the manifest and the terminal --------------------------------------- */

static void copy_list(char ***to, size_t *n, const struct notes *from)
{
	*n = from->n;
	*to = xcalloc(from->n + 1, sizeof **to);
	for (size_t i = 0; i < from->n; i++)
		(*to)[i] = xstrdup(from->v[i]);
}

static int cmp_row_student(const void *a, const void *b)
{
	return strcmp(((const struct import_row *)a)->student, ((const struct import_row *)b)->student);
}

/* The manifest: this import's students, and the lines of earlier ones whose folders remain. */
static int write_manifest(struct plan *P, struct import_manifest *old, const char *lab_dir,
			  int labfd, char *err)
{
	struct import_manifest m = { NULL, 0 };
	m.rows = xcalloc(P->nst + old->n + 1, sizeof *m.rows);
	for (size_t k = 0; k < P->nst; k++) {
		const struct student *s = &P->st[k];
		struct import_row *r = &m.rows[m.n++];
		r->student = xstrdup(s->folder);
		r->lms = xstrdup(plan_format_names[P->fmt]);
		r->id = xstrdup(s->key);
		r->name = xstrdup(s->name ? s->name : "");
		r->submission = xstrdup(s->submission ? s->submission : "");
		r->late = s->late;
		r->nrenamed = s->nrenamed;
		r->renamed = xcalloc(s->nrenamed + 1, sizeof *r->renamed);
		for (size_t i = 0; i < s->nrenamed; i++) {
			r->renamed[i].from = xstrdup(s->renamed[i].from);
			r->renamed[i].to = xstrdup(s->renamed[i].to);
		}
		copy_list(&r->older, &r->nolder, &s->older);
		copy_list(&r->notes, &r->nnotes, &s->notes);
	}
	for (size_t i = 0; i < old->n; i++) {
		struct stat st;
		int mine = 0;
		for (size_t k = 0; k < P->nst && !mine; k++)
			mine = !strcmp(P->st[k].folder, old->rows[i].student);
		if (mine || fstatat(labfd, old->rows[i].student, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		m.rows[m.n++] = old->rows[i];
		memset(&old->rows[i], 0, sizeof old->rows[i]);
	}
	qsort(m.rows, m.n, sizeof *m.rows, cmp_row_student);
	char *path = xasprintf("%s/import.tsv", lab_dir);
	int rc = import_manifest_write(path, &m, err);
	free(path);
	import_manifest_release(&m);
	return rc;
}

static void print_student(const struct student *s)
{
	printf("  %-28s %ld file%s%s%s\n", lms_t(0, s->folder), s->files, s->files == 1 ? "" : "s",
	       s->late ? ", late" : "", s->notes.n ? ", see below" : "");
	for (size_t i = 0; i < s->nrenamed; i++)
		printf("      renamed '%s' to '%s'\n", lms_t(0, s->renamed[i].from),
		       lms_t(1, s->renamed[i].to));
	for (size_t i = 0; i < s->older.n; i++)
		printf("      not graded (an earlier upload or attempt): %s\n", lms_t(0, s->older.v[i]));
	for (size_t i = 0; i < s->notes.n; i++)
		printf("      %s\n", lms_t(0, s->notes.v[i]));
}

/* ---- the import ---------------------------------------------------------- */

/* 1 when a is b or below it (both real paths). */
static int path_within(const char *a, const char *b)
{
	size_t bl = strlen(b);
	return !strncmp(a, b, bl) && (a[bl] == '/' || a[bl] == '\0' || !strcmp(b, "/"));
}

/*
 * Stage 0: the download and <lab>/ must not overlap; <lab>/ is made and
 * opened (*labfd), its import.tsv of earlier imports read into old.
 */
static int open_lab(const struct import_opts *o, const char *lab_dir, int *labfd,
		    struct import_manifest *old, char *err)
{
	char real_from[PATH_MAX], real_lab[PATH_MAX];

	if (!realpath(o->from, real_from)) {
		snprintf(err, ERRLEN, "'%s': %s", o->from, strerror(errno));
		return -1;
	}
	if (mkdir_p(lab_dir, 0755) < 0 || !realpath(lab_dir, real_lab)) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", lab_dir, strerror(errno));
		return -1;
	}
	if (path_within(real_from, real_lab) || path_within(real_lab, real_from)) {
		snprintf(err, ERRLEN, "'%s' and '%s' overlap: import from a download outside the "
			 "submissions", o->from, lab_dir);
		return -1;
	}
	*labfd = open(lab_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*labfd < 0) {
		snprintf(err, ERRLEN, "'%s': %s", lab_dir, strerror(errno));
		return -1;
	}
	char *manifest = xasprintf("%s/import.tsv", lab_dir);
	int loaded = import_manifest_load(manifest, old, err);
	free(manifest);
	return loaded < 0 ? -1 : 0;
}

/* Stage 1 (claims.c): the download listed and read into students; says what it read. */
static int read_download(struct plan *P, const struct import_opts *o,
			 const struct import_manifest *old, const char *lab_dir, int labfd, char *err)
{
	if (source_list(&P->src, o->from, is_receipt_name, err) < 0 ||
	    plan_tell_format(P, o->format, err) < 0)
		return -1;
	plan_make_claims(P);
	plan_make_students(P, old, labfd);
	if (!P->nst) {
		snprintf(err, ERRLEN, "'%s': no student's hand-in in it, read as a %s download (%s)",
			 o->from, plan_format_names[P->fmt], plan_format_shapes[P->fmt]);
		return -1;
	}
	plan_choose_entries(P);
	printf("import: '%s', %s%s%s, into %s/\n", lms_t(0, o->from),
	       P->fmt == F_FOLDERS ? "" : "a ", import_lms_title(plan_format_names[P->fmt]),
	       P->fmt == F_FOLDERS ? "" : " download", lms_t(1, lab_dir));
	if (!o->format || !*o->format)
		printf("  (the format is a guess: FORMAT=canvas, moodle, blackboard or folders "
		       "says otherwise)\n");
	return 0;
}

/*
 * Stage 2a: the stage made afresh (*stage, its path, for the caller to
 * remove), a folder in it per student, and every kept entry copied there.
 */
static int copy_into_stage(struct plan *P, const char *lab_dir, int labfd, char **stage, char *err)
{
	*stage = xasprintf("%s/%s", lab_dir, STAGE);
	remove_tree(*stage);
	if (mkdirat(labfd, STAGE, 0755) < 0 ||
	    (P->stagefd = openat(labfd, STAGE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", *stage, strerror(errno));
		return -1;
	}
	for (size_t k = 0; k < P->nst; k++)
		if (mkdirat(P->stagefd, P->st[k].folder, 0755) < 0) {
			snprintf(err, ERRLEN, "'%s/%s': cannot create: %s", *stage, P->st[k].folder,
				 strerror(errno));
			return -1;
		}
	return source_extract(&P->src, P->want, plan_put_entry, P, err);
}

/* What an import says at the end: students late, with files renamed, with notes. */
struct tally {
	size_t late, renamed, noted;
};

/*
 * Stages 2b and 3: in the order of their folders, each student's staged
 * folder finished (handin.c), moved into place whole over what was there,
 * and printed; counted in *t.
 */
static int place_students(struct plan *P, const char *lab_dir, int labfd, struct tally *t,
			  char *err)
{
	int rc = -1;
	size_t *order = xcalloc(P->nst + 1, sizeof *order);
	for (size_t k = 0; k < P->nst; k++)
		order[k] = k;
	g_students_for_sort = P->st;
	qsort(order, P->nst, sizeof *order, cmp_by_folder);
	for (size_t j = 0; j < P->nst; j++) {
		struct student *s = &P->st[order[j]];
		if (plan_finish_student(P, s, err) < 0)
			goto out;
		char *dest = xasprintf("%s/%s", lab_dir, s->folder);
		remove_tree(dest);
		free(dest);
		if (renameat(P->stagefd, s->folder, labfd, s->folder) < 0) {
			snprintf(err, ERRLEN, "'%s/%s': cannot move into place: %s", lab_dir, s->folder,
				 strerror(errno));
			goto out;
		}
		t->late += s->late;
		t->renamed += s->nrenamed > 0;
		t->noted += s->notes.n > 0;
		print_student(s);
	}
	rc = 0;
out:
	free(order);
	return rc;
}

int import_lab(const struct import_opts *o, char *err)
{
	struct spec *spec = NULL;
	struct plan P;
	struct import_manifest old = { NULL, 0 };
	struct tally t = { 0, 0, 0 };
	char *lab_dir = NULL, *stage = NULL;
	int labfd = -1, rc = -1;
	const char *root = o->root && *o->root ? o->root : "submissions";

	memset(&P, 0, sizeof P);
	P.stagefd = -1;
	P.src.fd = -1;
	/*
	 * Names in archives are UTF-8 (zip's flag, pax): libarchive converts them
	 * to the locale's charset, which in the C locale has no room for them.
	 * This thread reads them in C.UTF-8 (glibc's, always there) until the end.
	 */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t was = utf8 ? uselocale(utf8) : (locale_t)0;
	if (spec_load(o->spec_path, &spec, err) < 0)
		goto out;
	P.spec = spec;
	lab_dir = xasprintf("%s/%s", root, spec->lab);
	if (open_lab(o, lab_dir, &labfd, &old, err) < 0 ||
	    read_download(&P, o, &old, lab_dir, labfd, err) < 0)
		goto out;
	/* each student's folder is made whole in the stage, then moved into place */
	if (copy_into_stage(&P, lab_dir, labfd, &stage, err) < 0 ||
	    place_students(&P, lab_dir, labfd, &t, err) < 0)
		goto out;
	for (size_t i = 0; i < P.skipped.n; i++)
		printf("  %s\n", P.skipped.v[i]);
	if (write_manifest(&P, &old, lab_dir, labfd, err) < 0)
		goto out;
	printf("import: %zu student%s into %s/ (%zu late, %zu with files renamed, %zu with notes); "
	       "manifest %s/import.tsv\n", P.nst, P.nst == 1 ? "" : "s", lms_t(0, lab_dir), t.late,
	       t.renamed, t.noted, lms_t(1, lab_dir));
	rc = 0;
out:
	if (stage)
		remove_tree(stage);
	if (labfd >= 0)
		close(labfd);
	import_manifest_release(&old);
	plan_release(&P);
	spec_free(spec);
	free(stage);
	free(lab_dir);
	if (utf8) {
		uselocale(was);
		freelocale(utf8);
	}
	return rc;
}
