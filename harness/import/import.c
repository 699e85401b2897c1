/*
 * import/import: the driver. An import reads the download twice (source.c):
 *
 *   1. list it; tell its format (or take FORMAT); give each entry to a
 *      student (a claim: whose, and where in their folder) or to no one;
 *      keep the latest of a student's resubmissions (Canvas -N) or attempts
 *      (Blackboard), listing the others;
 *   2. copy each kept entry into <lab>/.import.tmp/<student>/, within that
 *      student's limits (tree.c); then per student: unpack the archives of
 *      the hand-in (archive.c), move files out of a lone folder, rename
 *      files to the spec's source names when unambiguous (rename.c);
 *   3. move each student's folder into place whole, and write import.tsv
 *      (manifest.c), keeping the lines of students not in this download.
 *
 * What is refused or left as it is gets a note: on the terminal, in the
 * manifest and, through results.json, on the student's page.
 */
#include "lms.h"
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

enum format { F_CANVAS, F_MOODLE, F_BLACKBOARD, F_FOLDERS, F_NONE };
static const char *const format_names[] = { "canvas", "moodle", "blackboard", "folders" };
static const char *const format_shapes[] = {
	"lastfirst_<userid>_<submissionid>_<file>",
	"<Full Name>_<id>_assignsubmission_file_/",
	"<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>",
	"one folder per student",
};

/* The staging folder below <lab>/: a dot name, which the grader skips. */
#define STAGE ".import.tmp"
/* Where a lone folder is moved while its files move up out of it. */
#define HOIST ".sockgrade-hoist"
/* The most of a source file read to tell its role. */
#define SCAN_MAX (1L << 20)

/* What one entry of the download is to the plan. */
struct claim {
	char *key;		/* whose (the LMS's id); NULL: no student's */
	char *name;		/* the student's name as the LMS writes it, or NULL */
	char *rel;		/* where in the student's folder ("" the folder itself) */
	char *shown;		/* the file's own name as handed in, for lists */
	char *submission;	/* Canvas submission id */
	char *when;		/* Blackboard attempt */
	int late;		/* Canvas _LATE_ */
	int receipt;		/* a Blackboard receipt: read, never copied */
	int resub;		/* Canvas: the N of a -N resubmission, 0 for none */
};

struct student {
	char *key;		/* the LMS's id */
	char *folder;		/* its folder's name below <lab>/ */
	char *name;		/* as the LMS writes it */
	char *submission;	/* Canvas submission id, Blackboard attempt */
	int late;
	struct budget b;	/* what its folder may still take */
	struct notes notes;	/* refusals and what was left as it is */
	struct notes older;	/* files handed in but not used */
	struct import_rename *renamed;
	size_t nrenamed;
	long refused, over, unlisted;	/* refusals: said, past the file limit, past the cap */
	int git;		/* a .git folder was left out */
	long files;		/* files in its folder at the end */
};

struct plan {
	const struct spec *spec;
	struct source src;
	enum format fmt;
	char *prefix;		/* a folder the whole download sits in, with its '/', or "" */
	struct claim *claims;	/* per entry */
	ssize_t *owner;		/* per entry: its student, or -1 */
	unsigned char *want;	/* per entry: 1 to be copied */
	struct student *st;
	size_t nst;
	struct notes skipped;	/* what belongs to no student */
	struct bb_receipt *receipts;	/* Blackboard: per entry, what a receipt says */
	char *assignment;	/* Blackboard: the assignment part of every name */
	int stagefd;		/* <lab>/.import.tmp */
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
static const char *below(const struct plan *P, const char *path)
{
	size_t pl = strlen(P->prefix);
	return strncmp(path, P->prefix, pl) ? NULL : path + pl;
}

/* ---- telling the format -------------------------------------------------- */

/* The format of the names just below prefix: F_NONE when none fits. *ndirs: folders there. */
static enum format guess_below(const struct plan *P, const char *prefix, size_t *ndirs,
			       char **lone)
{
	char **tops = NULL;
	int *isdir = NULL;
	size_t n = 0, pl = strlen(prefix);
	size_t score[F_NONE] = { 0 }, files = 0;

	*ndirs = 0;
	for (size_t i = 0; i < P->src.n; i++) {
		const char *p = P->src.v[i].path ? P->src.v[i].path : P->src.v[i].raw;
		if (strncmp(p, prefix, pl) || !p[pl])
			continue;
		p += pl;
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		int dir = slash || P->src.v[i].kind == 'd';
		size_t k;
		for (k = 0; k < n && (strlen(tops[k]) != len || strncmp(tops[k], p, len)); k++)
			;
		if (k < n) {
			isdir[k] |= dir;
			continue;
		}
		tops = xrealloc(tops, (n + 1) * sizeof *tops);
		isdir = xrealloc(isdir, (n + 1) * sizeof *isdir);
		tops[n] = xstrndup(p, len);
		isdir[n++] = dir;
	}
	for (size_t k = 0; k < n; k++) {
		struct lms_name nm;
		struct bb_name bb;
		if (tops[k][0] == '.' || is_mac_litter(tops[k]))
			continue;
		if (lms_parse_moodle(tops[k], &nm) == 0) {
			score[F_MOODLE]++;
			lms_name_release(&nm);
		}
		if (!isdir[k] && lms_split_blackboard(tops[k], &bb) == 0) {
			score[F_BLACKBOARD]++;
			bb_name_release(&bb);
		}
		if (!isdir[k] && lms_parse_canvas(tops[k], &nm) == 0) {
			score[F_CANVAS]++;
			lms_name_release(&nm);
		}
		if (isdir[k])
			(*ndirs)++;
		else
			files++;
	}
	*lone = NULL;
	for (size_t k = 0; k < n; k++) {
		if (*ndirs == 1 && !files && isdir[k] && !*lone && tops[k][0] != '.' &&
		    !is_mac_litter(tops[k]))
			*lone = xstrdup(tops[k]);
		free(tops[k]);
	}
	free(tops);
	free(isdir);
	size_t all = *ndirs + files;
	enum format f = F_NONE;
	if (score[F_MOODLE] && 2 * score[F_MOODLE] >= all)
		f = F_MOODLE;
	else if (score[F_BLACKBOARD] && 2 * score[F_BLACKBOARD] >= all)
		f = F_BLACKBOARD;
	else if (score[F_CANVAS] && 2 * score[F_CANVAS] >= all)
		f = F_CANVAS;
	else if (*ndirs && 2 * *ndirs >= all)
		f = F_FOLDERS;
	return f;
}

/*
 * The download's format (given, or guessed) and the folder it all sits in
 * when it was zipped inside one. 0, or -1 with err.
 */
static int tell_format(struct plan *P, const char *given, char *err)
{
	size_t ndirs, inner_dirs;
	char *lone = NULL, *inner_lone = NULL;
	enum format want = F_NONE;

	if (given && *given) {
		for (int f = 0; f < F_NONE; f++)
			if (!strcmp(given, format_names[f]))
				want = (enum format)f;
		if (want == F_NONE) {
			snprintf(err, ERRLEN, "FORMAT='%s': not canvas, moodle, blackboard or folders",
				 given);
			return -1;
		}
	}
	P->prefix = xstrdup("");
	enum format top = guess_below(P, "", &ndirs, &lone);
	enum format f = want != F_NONE ? want : top;
	if (lone) {
		/* all in one folder, as a download zipped again is: look inside */
		char *prefix = xasprintf("%s/", lone);
		enum format inner = guess_below(P, prefix, &inner_dirs, &inner_lone);
		free(inner_lone);
		int lms = inner != F_NONE && inner != F_FOLDERS;
		if (want != F_NONE ? inner == want && top != want : lms) {
			free(P->prefix);
			P->prefix = prefix;
			f = inner;
		} else {
			free(prefix);
		}
	}
	free(lone);
	if (f == F_NONE) {
		snprintf(err, ERRLEN, "'%s': cannot tell which LMS it comes from; say it with "
			 "FORMAT=canvas, moodle, blackboard or folders", P->src.path);
		return -1;
	}
	P->fmt = f;
	return 0;
}

/* ---- claims: whose each entry is ----------------------------------------- */

/* The first part of rest (to be freed) and what follows its '/' (NULL if none). */
static char *first_part(const char *rest, const char **tail)
{
	const char *slash = strchr(rest, '/');
	*tail = slash ? slash + 1 : NULL;
	return slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
}

static void claim_canvas(const char *rest, int dir, struct claim *c)
{
	struct lms_name n;
	if (dir || strchr(rest, '/') || lms_parse_canvas(rest, &n) < 0)
		return;
	c->key = n.id;
	c->name = n.name;
	c->rel = xstrdup(n.file);
	c->shown = n.file;
	c->submission = n.submission;
	c->late = n.late;
	free(n.plugin);
}

static void claim_moodle(const char *rest, struct claim *c)
{
	const char *tail;
	char *first = first_part(rest, &tail);
	struct lms_name n;
	if (lms_parse_moodle(first, &n) == 0) {
		c->key = n.id;
		c->name = n.name;
		if (!*n.file)
			c->rel = xstrdup(tail ? tail : "");
		else
			c->rel = tail ? xasprintf("%s/%s", n.file, tail) : xstrdup(n.file);
		c->shown = xstrdup(c->rel);
		free(n.file);
		free(n.plugin);
		free(n.submission);
	}
	free(first);
}

static void claim_blackboard(struct plan *P, size_t i, const char *rest, int dir, struct claim *c)
{
	struct bb_name b;
	if (dir || strchr(rest, '/') || lms_split_blackboard(rest, &b) < 0)
		return;
	const struct bb_receipt *r = P->receipts ? &P->receipts[i] : NULL;
	size_t hl = strlen(b.head), ul = r && r->username ? strlen(r->username) : 0;
	if (ul && hl > ul && b.head[hl - ul - 1] == '_' && !strcmp(b.head + hl - ul, r->username))
		c->key = xstrdup(r->username);
	else
		c->key = lms_blackboard_user(b.head, P->assignment);
	if (!c->key) {
		bb_name_release(&b);
		return;
	}
	c->when = b.when;
	c->receipt = !b.file;
	c->rel = b.file ? xstrdup(b.file) : xstrdup("");
	c->shown = b.file ? b.file : xstrdup(rest);
	if (r && r->name)
		c->name = xstrdup(r->name);
	free(b.head);
}

static void claim_folders(const char *rest, int dir, struct claim *c)
{
	const char *tail;
	char *first = first_part(rest, &tail);
	if ((!tail && !dir) || first[0] == '.' || is_mac_litter(first)) {
		free(first);
		return;
	}
	c->key = first;
	c->name = xstrdup(first);
	c->rel = xstrdup(tail ? tail : "");
	c->shown = xstrdup(c->rel);
}

/* Blackboard: the receipts read, and the assignment every name starts with. */
static void blackboard_prepare(struct plan *P)
{
	char **heads = xcalloc(P->src.n + 1, sizeof *heads);
	char **users = xcalloc(P->src.n + 1, sizeof *users);
	size_t n = 0;
	P->receipts = xcalloc(P->src.n + 1, sizeof *P->receipts);
	for (size_t i = 0; i < P->src.n; i++) {
		const struct src_entry *e = &P->src.v[i];
		const char *rest = e->path ? below(P, e->path) : NULL;
		struct bb_name b;
		if (!rest || strchr(rest, '/') || lms_split_blackboard(rest, &b) < 0)
			continue;
		if (!b.file && e->text)
			lms_parse_receipt(e->text, e->text_len, &P->receipts[i]);
		heads[n] = b.head;
		users[n++] = P->receipts[i].username;
		b.head = NULL;
		bb_name_release(&b);
	}
	P->assignment = n ? lms_blackboard_assignment(heads, users, n) : NULL;
	for (size_t k = 0; k < n; k++)
		free(heads[k]);
	free(heads);
	free(users);
}

/* Gives every entry its claim: whose it is and where it goes. */
static void make_claims(struct plan *P)
{
	P->claims = xcalloc(P->src.n + 1, sizeof *P->claims);
	if (P->fmt == F_BLACKBOARD)
		blackboard_prepare(P);
	for (size_t i = 0; i < P->src.n; i++) {
		const struct src_entry *e = &P->src.v[i];
		const char *rest = below(P, e->path ? e->path : e->raw);
		struct claim *c = &P->claims[i];
		int dir = e->kind == 'd';
		if (!rest || !*rest)
			continue;
		switch (P->fmt) {
		case F_CANVAS: claim_canvas(rest, dir, c); break;
		case F_MOODLE: claim_moodle(rest, c); break;
		case F_BLACKBOARD: claim_blackboard(P, i, rest, dir, c); break;
		case F_FOLDERS: claim_folders(rest, dir, c); break;
		case F_NONE: break;
		}
	}
}

/* ---- students ------------------------------------------------------------ */

static const struct claim *g_claims_for_sort;

static int cmp_by_key(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, k = *(const size_t *)b;
	int c = strcmp(g_claims_for_sort[i].key, g_claims_for_sort[k].key);
	return c ? c : (i > k) - (i < k);
}

static const struct student *g_students_for_sort;

static int cmp_by_folder(const void *a, const void *b)
{
	return strcmp(g_students_for_sort[*(const size_t *)a].folder,
		      g_students_for_sort[*(const size_t *)b].folder);
}

static int folder_taken(const struct plan *P, size_t upto, const char *folder,
			const struct import_manifest *old, int labfd)
{
	static const char *const reserved[] = {
		"import.tsv", "index.html", "grades.csv", "junit.xml", "canvas.csv", "moodle.csv",
		"selfcheck", "coverage", "kits", "screenshots",
	};
	for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
		if (!strcmp(folder, reserved[r]))
			return 1;
	for (size_t k = 0; k < upto; k++)
		if (!strcmp(P->st[k].folder, folder))
			return 1;
	/* a folder there that no import made is someone's: never replaced */
	struct stat st;
	if (fstatat(labfd, folder, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !import_manifest_find(old, folder))
		return 1;
	return 0;
}

/* The students the claims name, in the order of their keys, each with a folder name. */
static void make_students(struct plan *P, const struct import_manifest *old, int labfd)
{
	size_t *idx = xcalloc(P->src.n + 1, sizeof *idx), m = 0;
	P->owner = xcalloc(P->src.n + 1, sizeof *P->owner);
	for (size_t i = 0; i < P->src.n; i++) {
		P->owner[i] = -1;
		if (P->claims[i].key)
			idx[m++] = i;
	}
	g_claims_for_sort = P->claims;
	qsort(idx, m, sizeof *idx, cmp_by_key);
	for (size_t j = 0; j < m; j++) {
		const struct claim *c = &P->claims[idx[j]];
		if (!P->nst || strcmp(P->st[P->nst - 1].key, c->key)) {
			P->st = xrealloc(P->st, (P->nst + 1) * sizeof *P->st);
			struct student *s = &P->st[P->nst++];
			memset(s, 0, sizeof *s);
			s->key = xstrdup(c->key);
		}
		struct student *s = &P->st[P->nst - 1];
		P->owner[idx[j]] = (ssize_t)(P->nst - 1);
		if (!s->name && c->name)
			s->name = xstrdup(c->name);
		if (c->late)
			s->late = 1;
		if (c->submission && !s->submission)
			s->submission = xstrdup(c->submission);
	}
	free(idx);
	for (size_t k = 0; k < P->nst; k++) {
		struct student *s = &P->st[k];
		char *base;
		if (P->fmt == F_FOLDERS) {
			base = lms_safe_name(s->key) ? xstrdup(s->key) : lms_folder(NULL, s->key);
		} else if (P->fmt == F_BLACKBOARD) {
			base = lms_folder(NULL, s->key);
		} else {
			base = lms_folder(s->name, s->key);
		}
		char *f = xstrdup(base);
		for (int n = 2; folder_taken(P, k, f, old, labfd); n++) {
			free(f);
			f = xasprintf("%s-%d", base, n);
		}
		if (P->fmt == F_FOLDERS && strcmp(f, s->key))
			notes_add(&s->notes, "the folder '%s' is imported as '%s'", s->key, f);
		else if (strcmp(f, base))
			notes_add(&s->notes, "imported as '%s': '%s' is another student's, or a "
				  "folder the importer did not make", f, base);
		free(base);
		s->folder = f;
	}
}

static int is_makefile_name(const char *name)
{
	return !strcmp(name, "Makefile") || !strcmp(name, "makefile") || !strcmp(name, "GNUmakefile");
}

static int is_spec_source(const struct spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nprograms; i++)
		for (size_t k = 0; k < spec->programs[i].nsources; k++)
			if (!strcmp(spec->programs[i].sources[k], name))
				return 1;
	return 0;
}

/*
 * Canvas: of hello.c, hello-1.c, hello-2.c the last one handed in wins, as
 * hello.c; the others are listed. A "-N" is read as Canvas's only where
 * that is likely: the name without it is a source of the spec or a
 * Makefile, or another file of the hand-in has that name or that stem.
 */
static void canvas_resubmissions(struct plan *P, struct student *s, size_t si)
{
	size_t *mine = NULL, k = 0;
	char **target = NULL, **bases = NULL;
	int *nth = NULL;

	for (size_t i = 0; i < P->src.n; i++) {
		if (P->owner[i] != (ssize_t)si || P->src.v[i].kind != 'f' || !P->claims[i].rel)
			continue;
		mine = xrealloc(mine, (k + 1) * sizeof *mine);
		bases = xrealloc(bases, (k + 1) * sizeof *bases);
		nth = xrealloc(nth, (k + 1) * sizeof *nth);
		mine[k] = i;
		nth[k] = lms_resubmission(P->claims[i].rel, &bases[k]);
		k++;
	}
	target = xcalloc(k + 1, sizeof *target);
	for (size_t a = 0; a < k; a++) {
		int strip = 0;
		if (bases[a]) {
			strip = is_spec_source(P->spec, bases[a]) || is_makefile_name(bases[a]);
			for (size_t b = 0; b < k && !strip; b++)
				if (b != a && (!strcmp(P->claims[mine[b]].rel, bases[a]) ||
					       (bases[b] && !strcmp(bases[b], bases[a]))))
					strip = 1;
		}
		target[a] = strip ? bases[a] : P->claims[mine[a]].rel;
		if (!strip)
			nth[a] = 0;
	}
	for (size_t a = 0; a < k; a++) {
		size_t best = a;
		for (size_t b = 0; b < k; b++)
			if (!strcmp(target[b], target[a]) && nth[b] > nth[best])
				best = b;
		struct claim *c = &P->claims[mine[a]];
		if (best != a) {
			P->want[mine[a]] = 0;
			notes_add(&s->older, "%s", lms_t(0, c->shown));
		} else if (strcmp(target[a], c->rel)) {
			s->renamed = xrealloc(s->renamed, (s->nrenamed + 1) * sizeof *s->renamed);
			s->renamed[s->nrenamed].from = xstrdup(c->rel);
			s->renamed[s->nrenamed].to = xstrdup(target[a]);
			s->nrenamed++;
			c->resub = nth[a];
			free(c->rel);
			c->rel = xstrdup(target[a]);
		}
	}
	for (size_t a = 0; a < k; a++)
		free(bases[a]);
	free(bases);
	free(target);
	free(nth);
	free(mine);
}

/*
 * Blackboard: only the latest attempt is imported, under the names the
 * receipt gives (Original filename); the other attempts' files are listed.
 */
static void blackboard_attempts(struct plan *P, struct student *s, size_t si)
{
	const char *latest = NULL;
	for (size_t i = 0; i < P->src.n; i++)
		if (P->owner[i] == (ssize_t)si && P->claims[i].when &&
		    (!latest || strcmp(P->claims[i].when, latest) > 0))
			latest = P->claims[i].when;
	if (!latest)
		return;
	s->submission = xstrdup(latest);
	const struct bb_receipt *receipt = NULL;
	for (size_t i = 0; i < P->src.n; i++)
		if (P->owner[i] == (ssize_t)si && P->claims[i].receipt &&
		    !strcmp(P->claims[i].when, latest))
			receipt = &P->receipts[i];
	if (receipt && receipt->name) {
		free(s->name);
		s->name = xstrdup(receipt->name);
	}
	for (size_t i = 0; i < P->src.n; i++) {
		struct claim *c = &P->claims[i];
		if (P->owner[i] != (ssize_t)si)
			continue;
		if (c->receipt) {
			P->want[i] = 0;
			continue;
		}
		if (strcmp(c->when, latest)) {
			P->want[i] = 0;
			notes_add(&s->older, "%s (attempt %s)", lms_t(0, c->shown), c->when);
			continue;
		}
		const char *leaf = below(P, P->src.v[i].path ? P->src.v[i].path : P->src.v[i].raw);
		for (size_t f = 0; receipt && f < receipt->nfiles; f++) {
			const char *why;
			char *orig;
			if (strcmp(receipt->stored[f], leaf) ||
			    !(orig = tree_clean_path(receipt->original[f], &why)))
				continue;
			if (*orig && !strchr(orig, '/')) {
				free(c->rel);
				c->rel = orig;
				free(c->shown);
				c->shown = xstrdup(orig);
			} else {
				free(orig);
			}
			break;
		}
	}
}

/* Which entries are copied, and what is said of those that are not. */
static void choose_entries(struct plan *P)
{
	char *last_top = NULL;	/* what no one's is said once per top-level name */
	P->want = xcalloc(P->src.n + 1, 1);
	for (size_t i = 0; i < P->src.n; i++) {
		const struct src_entry *e = &P->src.v[i];
		const struct claim *c = &P->claims[i];
		const char *rest = below(P, e->path ? e->path : e->raw);
		if (P->owner[i] < 0) {
			const char *tail;
			char *top = rest && *rest ? first_part(rest, &tail) : NULL;
			if (!top || is_mac_litter(top) || (last_top && !strcmp(top, last_top)) ||
			    (top[0] == '.' && !e->why)) {
				free(top);
				continue;
			}
			free(last_top);
			last_top = top;
			if (e->why)
				notes_add(&P->skipped, "refused '%s': %s", lms_t(0, e->raw), e->why);
			else if (P->fmt == F_FOLDERS)
				notes_add(&P->skipped, "'%s' is in no student's folder: skipped",
					  lms_t(0, top));
			else
				notes_add(&P->skipped, "'%s' is not named as %s names files (%s): skipped",
					  lms_t(0, top), import_lms_title(format_names[P->fmt]),
					  format_shapes[P->fmt]);
			continue;
		}
		struct student *s = &P->st[P->owner[i]];
		if (e->why) {
			notes_add(&s->notes, "refused '%s': %s", lms_t(0, c->shown ? c->shown : e->raw),
				  e->why);
			continue;
		}
		if (is_mac_litter(c->rel))
			continue;
		if (!strcmp(c->rel, ".git") || !strncmp(c->rel, ".git/", 5) || strstr(c->rel, "/.git/") ||
		    (strlen(c->rel) > 5 && !strcmp(c->rel + strlen(c->rel) - 5, "/.git"))) {
			if (!s->git++)
				notes_add(&s->notes, "'.git' left out: a repository's history is not "
					  "part of the hand-in");
			continue;
		}
		if (!*c->rel)
			continue;	/* the student's folder itself */
		P->want[i] = 1;
	}
	free(last_top);
	for (size_t k = 0; k < P->nst; k++) {
		if (P->fmt == F_CANVAS)
			canvas_resubmissions(P, &P->st[k], k);
		else if (P->fmt == F_BLACKBOARD)
			blackboard_attempts(P, &P->st[k], k);
	}
}

/* ---- copying and what follows -------------------------------------------- */

/* A refusal of something in s's hand-in, noted (counted past the cap or the file limit). */
static void refuse(struct student *s, const char *what, const char *why)
{
	if (why == tree_too_many) {
		s->over++;
	} else if (++s->refused <= IMPORT_MAX_REFUSALS) {
		notes_add(&s->notes, "refused '%s': %s", lms_t(0, what), why);
	} else {
		s->unlisted++;
	}
}

static int put_entry(void *ctx, size_t i, const struct reader *r, char *err)
{
	struct plan *P = ctx;
	const struct src_entry *e = &P->src.v[i];
	const struct claim *c = &P->claims[i];
	struct student *s = &P->st[P->owner[i]];
	const char *why = NULL;
	int w;

	int dirfd = openat(P->stagefd, s->folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(err, ERRLEN, "'%s/%s': %s", STAGE, s->folder, strerror(errno));
		return -1;
	}
	if (e->kind == 'd') {
		w = tree_put_dir(dirfd, c->rel, &s->b, &why, err);
	} else if (!r) {
		why = "it cannot be read";
		w = 1;
	} else {
		w = tree_put_file(dirfd, c->rel, e->mode, r, &s->b, &why, err);
	}
	close(dirfd);
	if (w < 0)
		return -1;
	if (w > 0)
		refuse(s, c->shown ? c->shown : c->rel, why);
	return 0;
}

/* The files below rel in dirfd whose names are archives, into *v (depth first). */
static void find_archives(int base, const char *rel, int depth, char ***v, size_t *n)
{
	int fd = tree_open_dir(base, rel);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		char *p = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (S_ISDIR(st.st_mode) && depth < IMPORT_MAX_DEPTH && strcmp(de->d_name, ".git")) {
			find_archives(base, p, depth + 1, v, n);
		} else if (S_ISREG(st.st_mode) && arc_is_archive(de->d_name)) {
			*v = xrealloc(*v, (*n + 1) * sizeof **v);
			(*v)[(*n)++] = p;
			continue;
		}
		free(p);
	}
	closedir(d);
}

/* Counts the files below dirfd. */
static long count_files(int base, int depth)
{
	int fd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	long n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			n++;
		} else if (S_ISDIR(st.st_mode) && depth < IMPORT_MAX_DEPTH) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				n += count_files(sub, depth + 1);
				close(sub);
			}
		}
	}
	closedir(d);
	return n;
}

/*
 * Unpacks the hand-in's archives, and those they hold, IMPORT_MAX_NESTING
 * levels deep; an archive unpacked is removed (its contents replace it).
 * 0, or -1 with err.
 */
static int unpack_all(struct student *s, int dirfd, char *err)
{
	char **failed = NULL;
	size_t nfailed = 0;
	int rc = 0;

	for (int round = 0; round <= IMPORT_MAX_NESTING && rc == 0; round++) {
		char **v = NULL;
		size_t n = 0, fresh = 0;
		find_archives(dirfd, "", 0, &v, &n);
		if (n)
			qsort(v, n, sizeof *v, cmp_strp);	/* the same order on every file system */
		for (size_t i = 0; i < n; i++) {
			int known = 0;
			for (size_t k = 0; k < nfailed; k++)
				known |= !strcmp(failed[k], v[i]);
			if (known)
				continue;
			fresh++;
			if (round == IMPORT_MAX_NESTING) {
				notes_add(&s->notes, "'%s' not unpacked: archives in archives more than "
					  "%d deep", lms_t(0, v[i]), IMPORT_MAX_NESTING);
				failed = xrealloc(failed, (nfailed + 1) * sizeof *failed);
				failed[nfailed++] = xstrdup(v[i]);
				continue;
			}
			struct stat st;
			long written = 0;
			int have = fstatat(dirfd, v[i], &st, AT_SYMLINK_NOFOLLOW) == 0;
			int r = unpack_archive(dirfd, v[i], &s->b, &s->notes, &written, err);
			if (r < 0) {
				rc = -1;
				break;
			}
			if (r == 0 && unlinkat(dirfd, v[i], 0) == 0) {
				s->b.files--;
				if (have)
					s->b.bytes -= st.st_size;
				notes_add(&s->notes, "unpacked '%s' (%ld entr%s)", lms_t(0, v[i]),
					  written, written == 1 ? "y" : "ies");
			} else {
				failed = xrealloc(failed, (nfailed + 1) * sizeof *failed);
				failed[nfailed++] = xstrdup(v[i]);
			}
		}
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		if (!fresh)
			break;
	}
	for (size_t k = 0; k < nfailed; k++)
		free(failed[k]);
	free(failed);
	return rc;
}

/* The names at the top of dirfd, sorted (dot names too); *isdir[i] for each. */
static char **top_names(int dirfd, size_t *n, int **isdir)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	char **v = NULL;
	*n = 0;
	*isdir = NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		v = xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_strp);
	*isdir = xcalloc(*n + 1, sizeof **isdir);
	for (size_t i = 0; i < *n; i++) {
		struct stat st;
		(*isdir)[i] = fstatat(dirfd, v[i], &st, AT_SYMLINK_NOFOLLOW) == 0 ? S_ISDIR(st.st_mode) ?
			      1 : S_ISREG(st.st_mode) ? 0 : -1 : -1;
	}
	return v;
}

static void free_names(char **v, size_t n, int *isdir)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(isdir);
}

/* A hand-in that is one folder (lab1/...) has its files moved up out of it, up to three times. */
static void hoist(struct student *s, int dirfd)
{
	for (int round = 0; round < 3; round++) {
		size_t n;
		int *isdir;
		char **v = top_names(dirfd, &n, &isdir);
		int lone = n == 1 && isdir[0] == 1 && strcmp(v[0], ".git");
		char *name = lone ? xstrdup(v[0]) : NULL;
		free_names(v, n, isdir);
		if (!lone)
			return;
		if (renameat(dirfd, name, dirfd, HOIST) < 0) {
			free(name);
			return;
		}
		int sub = openat(dirfd, HOIST, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		char **kids = sub < 0 ? NULL : top_names(sub, &n, &isdir);
		int ok = sub >= 0;
		for (size_t i = 0; ok && i < n; i++)
			ok = renameat(sub, kids[i], dirfd, kids[i]) == 0;
		if (sub >= 0) {
			free_names(kids, n, isdir);
			close(sub);
		}
		if (ok && unlinkat(dirfd, HOIST, AT_REMOVEDIR) == 0) {
			s->b.files--;
			notes_add(&s->notes, "the files were in the folder '%s/': moved up out of it",
				  lms_t(0, name));
		} else {
			/* put back what can be: the hand-in as it came */
			renameat(dirfd, HOIST, dirfd, name);
			free(name);
			return;
		}
		free(name);
	}
}

/* The extension of name, or "". */
static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? dot : "";
}

/* The spec's rename rule on the top of s's folder; 0, or -1 with err. */
static int rename_sources(const struct spec *spec, struct student *s, int dirfd, char *err)
{
	size_t n;
	int *isdir;
	char **v = top_names(dirfd, &n, &isdir);
	struct handin_file *files = xcalloc(n + 1, sizeof *files);
	size_t nf = 0;
	struct import_rename *ren = NULL;

	for (size_t i = 0; i < n; i++) {
		if (isdir[i] != 0)
			continue;
		struct handin_file *f = &files[nf++];
		f->name = v[i];
		int scan = 0;
		for (size_t p = 0; p < spec->nprograms; p++)
			if (spec->programs[p].nsources == 1 &&
			    !strcmp(ext_of(spec->programs[p].sources[0]), ext_of(v[i])) && *ext_of(v[i]))
				scan = 1;
		if (!scan)
			continue;
		int fd = openat(dirfd, v[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		char *text = xmalloc(SCAN_MAX);
		ssize_t k, len = 0;
		while (len < SCAN_MAX && (k = read(fd, text + len, (size_t)(SCAN_MAX - len))) > 0)
			len += k;
		close(fd);
		rename_scan(text, (size_t)len, &f->facts);
		free(text);
	}
	size_t nr = rename_decide(spec, files, nf, &ren, &s->notes);
	for (size_t i = 0; i < nr; i++) {
		if (renameat2(dirfd, ren[i].from, dirfd, ren[i].to, RENAME_NOREPLACE) < 0) {
			notes_add(&s->notes, "'%s' could not be renamed to '%s': %s",
				  lms_t(0, ren[i].from), ren[i].to, strerror(errno));
			continue;
		}
		s->renamed = xrealloc(s->renamed, (s->nrenamed + 1) * sizeof *s->renamed);
		s->renamed[s->nrenamed].from = xstrdup(ren[i].from);
		s->renamed[s->nrenamed].to = xstrdup(ren[i].to);
		s->nrenamed++;
	}
	(void)err;
	free(ren);
	free(files);
	free_names(v, n, isdir);
	return 0;
}

/* Everything after the copy, in s's staged folder; 0, or -1 with err. */
static int finish_student(struct plan *P, struct student *s, char *err)
{
	int dirfd = openat(P->stagefd, s->folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = -1;
	if (dirfd < 0) {
		snprintf(err, ERRLEN, "'%s/%s': %s", STAGE, s->folder, strerror(errno));
		return -1;
	}
	if (s->over)
		notes_add(&s->notes, "refused %ld file%s: %s", s->over, s->over == 1 ? "" : "s",
			  tree_too_many);
	if (s->unlisted)
		notes_add(&s->notes, "refused %ld more file%s", s->unlisted, s->unlisted == 1 ? "" : "s");
	if (unpack_all(s, dirfd, err) < 0)
		goto out;
	hoist(s, dirfd);
	if (rename_sources(P->spec, s, dirfd, err) < 0)
		goto out;
	s->files = count_files(dirfd, 0);
	rc = 0;
out:
	close(dirfd);
	return rc;
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
		r->lms = xstrdup(format_names[P->fmt]);
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

int import_lab(const struct import_opts *o, char *err)
{
	struct spec *spec = NULL;
	struct plan P;
	struct import_manifest old = { NULL, 0 };
	char *lab_dir = NULL, *stage = NULL;
	char real_from[PATH_MAX], real_lab[PATH_MAX];
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
	if (!realpath(o->from, real_from)) {
		snprintf(err, ERRLEN, "'%s': %s", o->from, strerror(errno));
		goto out;
	}
	if (mkdir_p(lab_dir, 0755) < 0 || !realpath(lab_dir, real_lab)) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", lab_dir, strerror(errno));
		goto out;
	}
	if (path_within(real_from, real_lab) || path_within(real_lab, real_from)) {
		snprintf(err, ERRLEN, "'%s' and '%s' overlap: import from a download outside the "
			 "submissions", o->from, lab_dir);
		goto out;
	}
	labfd = open(lab_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (labfd < 0) {
		snprintf(err, ERRLEN, "'%s': %s", lab_dir, strerror(errno));
		goto out;
	}
	char *manifest = xasprintf("%s/import.tsv", lab_dir);
	int loaded = import_manifest_load(manifest, &old, err);
	free(manifest);
	if (loaded < 0)
		goto out;

	if (source_list(&P.src, o->from, is_receipt_name, err) < 0 || tell_format(&P, o->format, err) < 0)
		goto out;
	make_claims(&P);
	make_students(&P, &old, labfd);
	if (!P.nst) {
		snprintf(err, ERRLEN, "'%s': no student's hand-in in it, read as a %s download (%s)",
			 o->from, format_names[P.fmt], format_shapes[P.fmt]);
		goto out;
	}
	choose_entries(&P);
	printf("import: '%s', %s%s%s, into %s/\n", lms_t(0, o->from),
	       P.fmt == F_FOLDERS ? "" : "a ", import_lms_title(format_names[P.fmt]),
	       P.fmt == F_FOLDERS ? "" : " download", lms_t(1, lab_dir));
	if (!o->format || !*o->format)
		printf("  (the format is a guess: FORMAT=canvas, moodle, blackboard or folders "
		       "says otherwise)\n");

	/* each student's folder is made whole in the stage, then moved into place */
	stage = xasprintf("%s/%s", lab_dir, STAGE);
	remove_tree(stage);
	if (mkdirat(labfd, STAGE, 0755) < 0 ||
	    (P.stagefd = openat(labfd, STAGE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", stage, strerror(errno));
		goto out;
	}
	for (size_t k = 0; k < P.nst; k++)
		if (mkdirat(P.stagefd, P.st[k].folder, 0755) < 0) {
			snprintf(err, ERRLEN, "'%s/%s': cannot create: %s", stage, P.st[k].folder,
				 strerror(errno));
			goto out;
		}
	if (source_extract(&P.src, P.want, put_entry, &P, err) < 0)
		goto out;
	size_t late = 0, renamed = 0, noted = 0;
	size_t *order = xcalloc(P.nst + 1, sizeof *order);
	for (size_t k = 0; k < P.nst; k++)
		order[k] = k;
	g_students_for_sort = P.st;
	qsort(order, P.nst, sizeof *order, cmp_by_folder);
	for (size_t j = 0; j < P.nst; j++) {
		struct student *s = &P.st[order[j]];
		if (finish_student(&P, s, err) < 0) {
			free(order);
			goto out;
		}
		char *dest = xasprintf("%s/%s", lab_dir, s->folder);
		remove_tree(dest);
		free(dest);
		if (renameat(P.stagefd, s->folder, labfd, s->folder) < 0) {
			snprintf(err, ERRLEN, "'%s/%s': cannot move into place: %s", lab_dir, s->folder,
				 strerror(errno));
			free(order);
			goto out;
		}
		late += s->late;
		renamed += s->nrenamed > 0;
		noted += s->notes.n > 0;
		print_student(s);
	}
	free(order);
	for (size_t i = 0; i < P.skipped.n; i++)
		printf("  %s\n", P.skipped.v[i]);
	if (write_manifest(&P, &old, lab_dir, labfd, err) < 0)
		goto out;
	printf("import: %zu student%s into %s/ (%zu late, %zu with files renamed, %zu with notes); "
	       "manifest %s/import.tsv\n", P.nst, P.nst == 1 ? "" : "s", lms_t(0, lab_dir), late,
	       renamed, noted, lms_t(1, lab_dir));
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
