/*
 * import/handin: a student's hand-in, stage 2 of an import (import.c): each
 * kept entry copied into <lab>/.import.tmp/<student>/ within the student's
 * limits (tree.c); then the archives of the hand-in unpacked (archive.c),
 * the files of a lone folder moved out of it, and files renamed to the
 * spec's source names when unambiguous (rename.c).
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

/* Where a lone folder is moved while its files move up out of it. */
#define HOIST ".sockgrade-hoist"
/* The most of a source file read to tell its role. */
#define SCAN_MAX (1L << 20)

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

int plan_put_entry(void *ctx, size_t i, const struct reader *r, char *err)
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
int plan_finish_student(struct plan *P, struct student *s, char *err)
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

