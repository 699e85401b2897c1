/*
 * import/claims: the download read into students, stage 1 of an import
 * (import.c): its format told (or FORMAT taken), each entry given to a
 * student (a claim: whose, and where in their folder) or to no one, the
 * students made, and the latest of a student's resubmissions (Canvas -N) or
 * attempts (Blackboard) kept, the others listed.
 */
#include "plan.h"
#include "spec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
int plan_tell_format(struct plan *P, const char *given, char *err)
{
	size_t ndirs, inner_dirs;
	char *lone = NULL, *inner_lone = NULL;
	enum format want = F_NONE;

	if (given && *given) {
		for (int f = 0; f < F_NONE; f++)
			if (!strcmp(given, plan_format_names[f]))
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
		const char *rest = e->path ? plan_below(P, e->path) : NULL;
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
void plan_make_claims(struct plan *P)
{
	P->claims = xcalloc(P->src.n + 1, sizeof *P->claims);
	if (P->fmt == F_BLACKBOARD)
		blackboard_prepare(P);
	for (size_t i = 0; i < P->src.n; i++) {
		const struct src_entry *e = &P->src.v[i];
		const char *rest = plan_below(P, e->path ? e->path : e->raw);
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
void plan_make_students(struct plan *P, const struct import_manifest *old, int labfd)
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
		const char *leaf = plan_below(P, P->src.v[i].path ? P->src.v[i].path : P->src.v[i].raw);
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
void plan_choose_entries(struct plan *P)
{
	char *last_top = NULL;	/* what no one's is said once per top-level name */
	P->want = xcalloc(P->src.n + 1, 1);
	for (size_t i = 0; i < P->src.n; i++) {
		const struct src_entry *e = &P->src.v[i];
		const struct claim *c = &P->claims[i];
		const char *rest = plan_below(P, e->path ? e->path : e->raw);
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
					  lms_t(0, top), import_lms_title(plan_format_names[P->fmt]),
					  plan_format_shapes[P->fmt]);
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

