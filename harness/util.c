#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double time_scale = 1.0;

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("sockgrade: internal error: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fputs("sockgrade: internal error: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fputs("sockgrade: internal error: out of memory\n", stderr);
		abort();
	}
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb_detach(&sb, NULL);
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const void *data, size_t len)
{
	sb_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	sb_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_truncate(struct strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *sb_detach(struct strbuf *sb, size_t *len)
{
	if (!sb->buf)
		sb_grow(sb, 0), sb->buf[0] = '\0';
	char *p = sb->buf;
	if (len)
		*len = sb->len;
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void sb_add_escaped(struct strbuf *sb, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		switch (c) {
		case '\n': sb_adds(sb, "\\n"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case '\t': sb_adds(sb, "\\t"); break;
		case '\\': sb_adds(sb, "\\\\"); break;
		case '"': sb_adds(sb, "\\\""); break;
		case '\0':
			/* \0 followed by a digit would read as octal: spell it out */
			if (i + 1 < len && p[i + 1] >= '0' && p[i + 1] <= '7')
				sb_adds(sb, "\\x00");
			else
				sb_adds(sb, "\\0");
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				sb_addf(sb, "\\x%02x", c);
			else
				sb_addc(sb, (char)c);
		}
	}
}

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 if invalid. */
size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < need; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return need;
}

void sb_add_html(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len; i++) {
		switch (p[i]) {
		case '&': sb_adds(sb, "&amp;"); continue;
		case '<': sb_adds(sb, "&lt;"); continue;
		case '>': sb_adds(sb, "&gt;"); continue;
		case '"': sb_adds(sb, "&quot;"); continue;
		case '\'': sb_adds(sb, "&#39;"); continue;
		case '\t': case '\n': case '\r': sb_addc(sb, (char)p[i]); continue;
		}
		size_t u = utf8_len(p + i, len - i);
		if (p[i] < 0x20 || p[i] == 0x7f) {
			/* a control shows as its picture: U+2400 + code, U+2421 for DEL */
			sb_addf(sb, "&#x%X;", p[i] == 0x7f ? 0x2421 : 0x2400 + p[i]);
		} else if (!u) {
			sb_adds(sb, "&#xFFFD;");	/* not UTF-8: never raw in a page */
		} else {
			sb_add(sb, p + i, u);
			i += u - 1;
		}
	}
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t scaled_ms(int64_t ms)
{
	return (int64_t)((double)ms * time_scale + 0.5);
}

int ms_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();
	if (left < 0)
		return 0;
	if (left > 1000000000)
		return 1000000000;
	return (int)left;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_fd(int fd, struct strbuf *sb)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		sb_add(sb, buf, (size_t)n);
	}
}

int read_file(const char *path, struct strbuf *sb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = read_fd(fd, sb);
	close_keep_errno(fd);
	return rc;
}

int write_file_atomic(const char *path, const void *data, size_t len, char *err)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	/*
	 * A new file, never one that is there: a student's build may leave a link
	 * of this name in its folder (for every pid), to a file of the host's.
	 * SOCKGRADE_TEST_WEAKEN=tmplinks opens it as before, for the isolation test.
	 */
	int fd;
	if (test_weakened("tmplinks")) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	} else {
		if (unlink(tmp) < 0 && errno != ENOENT) {
			snprintf(err, ERRLEN, "'%s': %s", tmp, strerror(errno));
			free(tmp);
			return -1;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	int rc = -1;

	if (fd < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}

int mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

static int remove_at(int parent, const char *name)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* A student may leave a folder without write or search permission. */
	fchmod(fd, 0700);
	DIR *d = fdopendir(fd);
	if (!d) {
		close_keep_errno(fd);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (remove_at(dirfd(d), e->d_name) < 0)
			rc = -1;
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **dir_names(const char *dir, int no_hidden, size_t *n)
{
	DIR *d = opendir(dir);
	*n = 0;
	if (!d)
		return NULL;
	char **names = xcalloc(1, sizeof *names);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (no_hidden && e->d_name[0] == '.'))
			continue;
		names = xrealloc(names, (*n + 1) * sizeof *names);
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof *names, cmp_name);
	return names;
}

void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int open_beneath(const char *dir, const char *rel, int extra)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *copy = xstrdup(rel);
	char *part = copy;
	while (fd >= 0 && part) {
		char *next = strchr(part, '/');
		if (next)
			*next++ = '\0';
		while (next && *next == '/')
			next++;
		if (next && !*next)
			next = NULL;
		if (!*part || !strcmp(part, ".")) {
			if (!next)
				break;
			part = next;
			continue;
		}
		int sub;
		if (!strcmp(part, "..")) {
			errno = EXDEV;
			sub = -1;
		} else {
			sub = openat(fd, part, next ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
						    : O_RDONLY | O_NOFOLLOW | O_CLOEXEC | extra);
		}
		close_keep_errno(fd);
		fd = sub;
		part = next;
	}
	free(copy);
	return fd;
}

int test_weakened(const char *part)
{
	const char *w = getenv("SOCKGRADE_TEST_WEAKEN");
	size_t n = strlen(part);
	for (const char *p = w; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, part, n))
			return 1;
		p += len;
		p += *p == ',';
	}
	return 0;
}

const char *path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && path[n] == '/' ? path + n + 1 : NULL;
}

int read_beneath(const char *dir, const char *rel, size_t max, struct strbuf *sb)
{
	/* O_NONBLOCK: a FIFO of the student's does not hang the open */
	int fd = open_beneath(dir, rel, O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		errno = EFBIG;
		goto out;
	}
	rc = read_fd(fd, sb);
out:
	close_keep_errno(fd);
	return rc;
}

int remove_tree(const char *path)
{
	return remove_at(AT_FDCWD, path);
}

void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

int64_t parse_duration_ms(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	if (!strcmp(end, "ms"))
		return (int64_t)(v + 0.5);
	if (!strcmp(end, "s") || !*end)
		return (int64_t)(v * 1000 + 0.5);
	if (!strcmp(end, "min"))
		return (int64_t)(v * 60000 + 0.5);
	return -1;
}

int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int *row = xmalloc((lb + 1) * sizeof *row);

	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	int d = row[lb];
	free(row);
	return d;
}

uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t hash64_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t hash64(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}
