/*
 * import/tree: writing files below a student's folder, and nowhere else.
 * Every path is cleaned first (no absolute path, no ".."); every folder on
 * the way is opened relative to the one before with O_NOFOLLOW, so that no
 * link, whoever made it, leads out; nothing that exists is replaced; and a
 * student's budget of files and bytes (the grader's own limits) bounds
 * what is written.
 */
#include "lms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tree_clean_path(const char *raw, const char **why)
{
	struct strbuf out = STRBUF_INIT;
	char *s = xstrdup(raw);
	int depth = 0;

	*why = NULL;
	for (char *c = s; *c; c++)
		if (*c == '\\')
			*c = '/';
	if (s[0] == '/' || (((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') && s[1] == ':')) {
		*why = "an absolute path";
		goto out;
	}
	for (char *part = s, *next; part; part = next) {
		next = strchr(part, '/');
		if (next)
			*next++ = '\0';
		if (!*part || !strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			*why = "a path that leads outside the submission ('..')";
			goto out;
		}
		for (const unsigned char *p = (const unsigned char *)part; *p; p++)
			if (*p < 0x20 || *p == 0x7F) {
				*why = "a name with control characters";
				goto out;
			}
		if (strlen(part) > 255) {
			*why = "a name longer than 255 bytes";
			goto out;
		}
		if (++depth > IMPORT_MAX_DEPTH) {
			*why = "folders nested too deep";
			goto out;
		}
		if (out.len)
			sb_addc(&out, '/');
		sb_adds(&out, part);
	}
out:
	free(s);
	if (*why) {
		sb_release(&out);
		return NULL;
	}
	return out.buf ? sb_detach(&out, NULL) : xstrdup("");
}

const char tree_too_many[] =
	"more than 2000 files and folders in the submission (the grader's limit)";

/* Takes one file or folder from b: 0, or 1 with *why when it is spent. */
static int spend_entry(struct budget *b, const char **why)
{
	if (b->files >= IMPORT_MAX_FILES) {
		*why = tree_too_many;
		return 1;
	}
	b->files++;
	return 0;
}

/*
 * Opens (making when missing) each folder of the first parts of rel below
 * dirfd, leaving *leaf at the last part. The last folder's descriptor, or
 * -1 with *why (refused, errno 0) or errno (the importer's failure).
 */
static int walk_parents(int dirfd, char *rel, char **leaf, int make, struct budget *b,
			const char **why)
{
	int fd = dup(dirfd);
	char *part = rel;
	errno = 0;
	if (fd < 0)
		return -1;
	for (char *slash; (slash = strchr(part, '/')); part = slash + 1) {
		*slash = '\0';
		int sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == ENOENT && make) {
			if (spend_entry(b, why)) {
				close(fd);
				errno = 0;
				return -1;
			}
			if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
				close_keep_errno(fd);
				return -1;
			}
			sub = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (sub < 0) {
			int e = errno;
			close(fd);
			if (e == ENOTDIR || e == ELOOP || e == ENOENT) {
				*why = "a file of that name is in the way of its folder";
				errno = 0;
			} else {
				errno = e;
			}
			return -1;
		}
		close(fd);
		fd = sub;
	}
	*leaf = part;
	return fd;
}

int tree_open_dir(int dirfd, const char *rel)
{
	if (!*rel)
		return openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *copy = xasprintf("%s/", rel);
	char *leaf;
	const char *why = NULL;
	struct budget none = { 0, 0 };
	int fd = walk_parents(dirfd, copy, &leaf, 0, &none, &why);
	free(copy);
	if (fd < 0 && why)
		errno = ENOENT;
	return fd;
}

int tree_put_dir(int dirfd, const char *rel, struct budget *b, const char **why, char *err)
{
	if (!*rel)
		return 0;
	char *copy = xasprintf("%s/", rel);
	char *leaf;
	*why = NULL;
	int fd = walk_parents(dirfd, copy, &leaf, 1, b, why);
	free(copy);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (*why)
		return 1;
	snprintf(err, ERRLEN, "'%s': cannot create: %s", rel, strerror(errno));
	return -1;
}

int tree_put_file(int dirfd, const char *rel, mode_t mode, const struct reader *r,
		  struct budget *b, const char **why, char *err)
{
	char *copy = xstrdup(rel), *leaf;
	int rc = -1, fd = -1, parent;
	char buf[65536];

	*why = NULL;
	parent = walk_parents(dirfd, copy, &leaf, 1, b, why);
	if (parent < 0) {
		if (*why) {
			rc = 1;
		} else {
			snprintf(err, ERRLEN, "'%s': cannot create: %s", rel, strerror(errno));
		}
		goto out;
	}
	if (!*leaf) {
		*why = "an empty name";
		rc = 1;
		goto out;
	}
	if (spend_entry(b, why)) {
		rc = 1;
		goto out;
	}
	fd = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0755);
	if (fd < 0) {
		b->files--;
		if (errno == EEXIST || errno == ELOOP || errno == EISDIR) {
			*why = "a file or folder of that name is already in the hand-in";
			rc = 1;
		} else {
			snprintf(err, ERRLEN, "'%s': cannot create: %s", rel, strerror(errno));
		}
		goto out;
	}
	for (;;) {
		ssize_t n = r->read(r->h, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = "its data cannot be read (a damaged archive?)";
			rc = 1;
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (b->bytes + n > IMPORT_MAX_BYTES) {
			*why = "more than 64 MiB in the submission (the grader's limit)";
			rc = 1;
			break;
		}
		if (write_all(fd, buf, (size_t)n) != 0) {
			snprintf(err, ERRLEN, "'%s': cannot write: %s", rel, strerror(errno));
			break;
		}
		b->bytes += n;
	}
	if (close(fd) < 0 && rc == 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", rel, strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		/* nothing is left of a file not written whole; its bytes are given back */
		struct stat st;
		if (fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0)
			b->bytes -= st.st_size;
		unlinkat(parent, leaf, 0);
		b->files--;
	}
out:
	if (parent >= 0)
		close(parent);
	free(copy);
	return rc;
}
