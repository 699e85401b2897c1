/*
 * import/archive: archives read with libarchive (Debian's libarchive-dev),
 * and a hand-in's archives unpacked into it: entry by entry through
 * tree.c, so that a path outside the folder, a link, a device or what is
 * over the limits is refused, said, and skipped, and the rest unpacked.
 */
#include "lms.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void notes_add(struct notes *ns, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof *ns->v);
	ns->v[ns->n++] = sb_detach(&sb, NULL);
}

void notes_release(struct notes *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
}

int arc_is_archive(const char *name)
{
	static const char *const ends[] = { ".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz" };
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
		size_t el = strlen(ends[i]);
		if (len > el && !strcasecmp(name + len - el, ends[i]))
			return 1;
	}
	return 0;
}

struct archive *arc_open(int fd, char *err)
{
	struct archive *a = archive_read_new();
	/* the formats hand-ins come in; filters built in, none run as a program */
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_7zip(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		snprintf(err, ERRLEN, "%s", archive_error_string(a) ? archive_error_string(a) :
					     "not an archive");
		archive_read_free(a);
		return NULL;
	}
	return a;
}

void arc_close(struct archive *a)
{
	if (a)
		archive_read_free(a);
}

const char *arc_path(struct archive_entry *e)
{
	const char *p = archive_entry_pathname_utf8(e);
	return p ? p : archive_entry_pathname(e);
}

int arc_kind(struct archive_entry *e, const char **why)
{
	*why = NULL;
	if (archive_entry_hardlink(e)) {
		*why = "a hard link";
		return 0;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFREG: return 'f';
	case AE_IFDIR: return 'd';
	case AE_IFLNK: *why = "a symbolic link"; return 0;
	case AE_IFCHR: case AE_IFBLK: *why = "a device"; return 0;
	case AE_IFIFO: *why = "a named pipe"; return 0;
	case AE_IFSOCK: *why = "a socket"; return 0;
	}
	*why = "neither a file nor a folder";
	return 0;
}

mode_t arc_mode(struct archive_entry *e)
{
	return (archive_entry_perm(e) & 0111) ? 0755 : 0644;
}

static ssize_t arc_read(void *h, void *buf, size_t n)
{
	la_ssize_t k = archive_read_data((struct archive *)h, buf, n);
	if (k < 0) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)k;
}

struct reader arc_reader(struct archive *a)
{
	return (struct reader){ arc_read, a };
}

int is_mac_litter(const char *rel)
{
	const char *leaf = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	return !strcmp(rel, "__MACOSX") || !strncmp(rel, "__MACOSX/", 9) ||
	       strstr(rel, "/__MACOSX/") || !strcmp(leaf, ".DS_Store") ||
	       (strlen(leaf) > 2 && !strncmp(leaf, "._", 2) && strstr(rel, "__MACOSX"));
}

/* The folder of rel ("" at the top), to be freed. */
static char *dir_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');
	return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

int unpack_archive(int dirfd, const char *rel, struct budget *b, struct notes *ns,
		   long *written, char *err)
{
	char *base = dir_of(rel);
	struct archive *a = NULL;
	struct archive_entry *e;
	char aerr[ERRLEN];
	long refused = 0, unlisted = 0, over = 0;
	int rc = 1, fd = -1, afd = -1;
	const char *leaf = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

	*written = 0;
	/* the archive is opened through its folder, never through a link */
	fd = tree_open_dir(dirfd, base);
	afd = fd < 0 ? -1 : openat(fd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (afd < 0) {
		notes_add(ns, "'%s' could not be unpacked: %s", rel, strerror(errno));
		goto out;
	}
	a = arc_open(afd, aerr);
	if (!a) {
		notes_add(ns, "'%s' could not be unpacked: %s", rel, aerr);
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			notes_add(ns, "'%s' is damaged, unpacked as far as it could be read: %s", rel,
				  archive_error_string(a) ? archive_error_string(a) : "?");
			break;
		}
		const char *raw = arc_path(e), *why = NULL;
		int kind = arc_kind(e, &why);
		char *clean = NULL;
		if (!raw)
			why = "a name that cannot be read";
		else if (!why)
			clean = tree_clean_path(raw, &why);
		if (clean && is_mac_litter(clean)) {
			free(clean);
			continue;
		}
		if (clean) {
			char *to = *base ? xasprintf("%s/%s", base, clean) : xstrdup(clean);
			int w;
			if (kind == 'd') {
				w = tree_put_dir(dirfd, to, b, &why, err);
			} else {
				struct reader rd = arc_reader(a);
				w = tree_put_file(dirfd, to, arc_mode(e), &rd, b, &why, err);
			}
			free(to);
			free(clean);
			if (w < 0) {
				rc = -1;
				goto out;
			}
			if (w == 0)
				(*written)++;
		}
		if (!why)
			continue;
		if (why == tree_too_many) {
			over++;	/* past the limit every entry is refused: said once, counted */
		} else if (++refused <= IMPORT_MAX_REFUSALS) {
			struct strbuf name = STRBUF_INIT;
			lms_term(&name, raw ? raw : "?");
			notes_add(ns, "refused '%s' in '%s': %s", name.buf, rel, why);
			sb_release(&name);
		} else {
			unlisted++;
		}
	}
	if (over)
		notes_add(ns, "refused %ld entr%s of '%s': %s", over, over == 1 ? "y" : "ies", rel,
			  tree_too_many);
	if (unlisted)
		notes_add(ns, "refused %ld more entr%s of '%s'", unlisted, unlisted == 1 ? "y" : "ies",
			  rel);
	rc = 0;
out:
	arc_close(a);
	if (afd >= 0)
		close(afd);
	free(base);
	if (fd >= 0)
		close(fd);
	return rc;
}
