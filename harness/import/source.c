/*
 * import/source: the download, a folder or an archive, read twice: once
 * listed (names, kinds, and the few small texts the plan needs, Blackboard
 * receipts), once copied, entry by entry in the same order, to where the
 * plan says. Nothing is unpacked to disk but what the plan keeps, each
 * student's part within their own limits.
 */
#include "lms.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A download lists no more entries than this (a class of 500 at the grader's limit). */
#define SOURCE_MAX_ENTRIES 1000000L
/* A small text kept from the listing (a receipt) is no longer than this. */
#define SOURCE_MAX_TEXT 65536

void source_release(struct source *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].raw);
		free(s->v[i].text);
	}
	free(s->v);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

static struct src_entry *add_entry(struct source *s, const char *raw)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	struct src_entry *e = &s->v[s->n++];
	memset(e, 0, sizeof *e);
	e->raw = xstrdup(raw);
	return e;
}

/* Reads up to SOURCE_MAX_TEXT bytes of r into e->text. */
static void keep_text(struct src_entry *e, const struct reader *r)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t k;
	while (sb.len < SOURCE_MAX_TEXT && (k = r->read(r->h, buf, sizeof buf)) > 0)
		sb_add(&sb, buf, (size_t)k);
	e->text_len = sb.len;
	e->text = sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
}

static ssize_t fd_read(void *h, void *buf, size_t n)
{
	return read(*(int *)h, buf, n);
}

/* Lists the folder base (rel below the top) into s, depth-first, sorted; 0 or -1 with err. */
static int list_dir(struct source *s, int base, const char *rel, int depth,
		    int (*keep)(const char *), char *err)
{
	DIR *d = fdopendir(base);
	char **names = NULL;
	size_t n = 0;
	int rc = -1;

	if (!d) {
		snprintf(err, ERRLEN, "'%s': cannot read: %s", *rel ? rel : s->path, strerror(errno));
		close(base);
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	qsort(names, n, sizeof *names, cmp_strp);
	for (size_t i = 0; i < n; i++) {
		if ((long)s->n >= SOURCE_MAX_ENTRIES) {
			snprintf(err, ERRLEN, "'%s': more than %ld files: not a class's download",
				 s->path, SOURCE_MAX_ENTRIES);
			goto out;
		}
		char *path = *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		struct src_entry *e = add_entry(s, path);
		struct stat st;
		const char *why = NULL;
		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			e->why = "it cannot be read";
		} else if (S_ISLNK(st.st_mode)) {
			e->why = "a symbolic link";
		} else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			e->why = "neither a file nor a folder";
		} else if (!(e->path = tree_clean_path(path, &why))) {
			e->why = why;
		} else if (S_ISREG(st.st_mode)) {
			e->kind = 'f';
			e->mode = (st.st_mode & 0111) ? 0755 : 0644;
			if (keep && keep(path)) {
				int fd = openat(dirfd(d), names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
				struct reader r = { fd_read, &fd };
				if (fd >= 0) {
					keep_text(e, &r);
					close(fd);
				}
			}
		} else {
			e->kind = 'd';
			/* a repository's history is nobody's hand-in: listed, not walked */
			if (depth >= IMPORT_MAX_DEPTH) {
				e->why = "folders nested too deep";
				e->kind = 0;
			} else if (strcmp(names[i], ".git")) {
				int sub = openat(dirfd(d), names[i],
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub < 0) {
					e->why = "it cannot be read";
					e->kind = 0;
				} else if (list_dir(s, sub, path, depth + 1, keep, err) < 0) {
					free(path);
					goto out;
				}
			}
		}
		free(path);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

/* Lists an archive's entries; 0 or -1 with err. */
static int list_archive(struct source *s, int (*keep)(const char *), char *err)
{
	char aerr[ERRLEN];
	struct archive *a = arc_open(s->fd, aerr);
	struct archive_entry *ae;
	int rc = -1;

	if (!a) {
		snprintf(err, ERRLEN, "'%s': not a folder nor an archive the importer reads: %s",
			 s->path, aerr);
		return -1;
	}
	for (;;) {
		int r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			snprintf(err, ERRLEN, "'%s': %s", s->path,
				 archive_error_string(a) ? archive_error_string(a) : "cannot be read");
			goto out;
		}
		if ((long)s->n >= SOURCE_MAX_ENTRIES) {
			snprintf(err, ERRLEN, "'%s': more than %ld entries: not a class's download",
				 s->path, SOURCE_MAX_ENTRIES);
			goto out;
		}
		const char *raw = arc_path(ae), *why = NULL;
		struct src_entry *e = add_entry(s, raw ? raw : "?");
		if (!raw) {
			e->why = "a name that cannot be read";
			continue;
		}
		int kind = arc_kind(ae, &why);
		if (!kind) {
			e->why = why;
			continue;
		}
		if (!(e->path = tree_clean_path(raw, &why))) {
			e->why = why;
			continue;
		}
		e->kind = kind;
		e->mode = arc_mode(ae);
		if (kind == 'f' && keep && keep(e->path)) {
			struct reader rd = arc_reader(a);
			keep_text(e, &rd);
		}
	}
	rc = 0;
out:
	arc_close(a);
	return rc;
}

int source_list(struct source *s, const char *path, int (*keep)(const char *path), char *err)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		snprintf(err, ERRLEN, "'%s': %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		/* a descriptor of its own: a dup would share the position of the listing */
		int fd = openat(s->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, ERRLEN, "'%s': %s", path, strerror(errno));
			return -1;
		}
		return list_dir(s, fd, "", 0, keep, err);
	}
	s->is_archive = 1;
	return list_archive(s, keep, err);
}

int source_extract(struct source *s, const unsigned char *want, source_put_fn put, void *ctx,
		   char *err)
{
	if (!s->is_archive) {
		for (size_t i = 0; i < s->n; i++) {
			const struct src_entry *e = &s->v[i];
			if (!want[i])
				continue;
			int fd = -1, rc;
			struct reader r = { fd_read, &fd };
			if (e->kind == 'f') {
				/* through its folders as listed, no link followed on the way */
				const char *slash = strrchr(e->path, '/');
				char *dir = slash ? xstrndup(e->path, (size_t)(slash - e->path)) : xstrdup("");
				int dfd = tree_open_dir(s->fd, dir);
				if (dfd >= 0) {
					fd = openat(dfd, slash ? slash + 1 : e->path,
						    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
					close(dfd);
				}
				free(dir);
			}
			rc = put(ctx, i, fd < 0 ? NULL : &r, err);
			if (fd >= 0)
				close(fd);
			if (rc < 0)
				return -1;
		}
		return 0;
	}

	char aerr[ERRLEN];
	if (lseek(s->fd, 0, SEEK_SET) < 0) {
		snprintf(err, ERRLEN, "'%s': %s", s->path, strerror(errno));
		return -1;
	}
	struct archive *a = arc_open(s->fd, aerr);
	struct archive_entry *ae;
	if (!a) {
		snprintf(err, ERRLEN, "'%s': %s", s->path, aerr);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < s->n; i++) {
		int r = archive_read_next_header(a, &ae);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			snprintf(err, ERRLEN, "'%s': read a second time, it ends early", s->path);
			rc = -1;
			break;
		}
		if (!want[i])
			continue;
		struct reader rd = arc_reader(a);
		if (put(ctx, i, s->v[i].kind == 'f' ? &rd : NULL, err) < 0) {
			rc = -1;
			break;
		}
	}
	arc_close(a);
	return rc;
}
