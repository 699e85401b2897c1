/* util: growable buffers, escaping, the one monotonic clock, careful I/O. */
#ifndef SG_UTIL_H
#define SG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

/* Size of every caller-provided error buffer. */
#define ERRLEN 512

/* A growable byte buffer, always NUL-terminated (buf may hold NULs too). */
struct strbuf {
	char *buf;	/* NULL until the first append */
	size_t len;	/* bytes in use, not counting the terminating NUL */
	size_t cap;	/* bytes allocated */
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_add(struct strbuf *sb, const void *data, size_t len);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_release(struct strbuf *sb);
/* Hands the buffer to the caller (never NULL) and resets sb. */
char *sb_detach(struct strbuf *sb, size_t *len);
/* Keeps the bytes but drops everything past len. */
void sb_truncate(struct strbuf *sb, size_t len);

/* Appends data escaped as C-like text: \n \r \t \\ \" \0 and \xHH for the rest. */
void sb_add_escaped(struct strbuf *sb, const void *data, size_t len);
/* Length of the valid UTF-8 sequence at p (n bytes available, n > 0): 1 for ASCII, 0 if invalid. */
size_t utf8_len(const unsigned char *p, size_t n);
/*
 * Appends data escaped for HTML text and attribute values; a control
 * character (but tab, newline, CR) as its picture (U+2400...), a byte that
 * is not UTF-8 as U+FFFD.
 */
void sb_add_html(struct strbuf *sb, const char *s, size_t len);

/* Allocation that aborts on failure: out of memory is not a recoverable state here. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Milliseconds on the monotonic clock: the one clock every deadline uses. */
int64_t now_ms(void);
/* The same clock in microseconds, for measuring. */
int64_t now_us(void);
/* Scale applied to every deadline (TIME_SCALE); 1.0 unless set. */
extern double time_scale;
int64_t scaled_ms(int64_t ms);
/* Milliseconds left until deadline (never negative), for poll(). */
int ms_left(int64_t deadline);

/* write() all of it, retrying on EINTR; 0 or -1 with errno. */
int write_all(int fd, const void *buf, size_t len);
/* Reads what is left of fd into sb (appending); 0 or -1 with errno. */
int read_fd(int fd, struct strbuf *sb);
/* Reads a whole file into sb (appending); 0 or -1 with errno. */
int read_file(const char *path, struct strbuf *sb);
/*
 * Writes a file atomically (a new temporary file beside it, never one that is
 * there, nor a link; fsync-free rename); 0 or -1, err filled.
 */
int write_file_atomic(const char *path, const void *data, size_t len, char *err);
/* mkdir -p; 0 or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);
/*
 * Opens rel below the folder dir (O_RDONLY | extra), following no symbolic
 * link on the way, the last component included, and refusing "..": a file
 * named by what a student controls stays inside the student's folder. The
 * descriptor, or -1 with errno (ELOOP: a link on the way; EXDEV: "..").
 */
int open_beneath(const char *dir, const char *rel, int extra);
/*
 * For the isolation tests only: 1 when SOCKGRADE_TEST_WEAKEN (a comma-separated
 * list) names part, so that a test can show that its check goes red when the
 * wall it checks is left out. Never set in a grading run.
 */
int test_weakened(const char *part);
/* The part of path after "dir/" when path is below the folder dir, else NULL. */
const char *path_below(const char *path, const char *dir);
/*
 * Reads (appending to sb) the regular file rel below dir, through no link, as
 * open_beneath opens it; 0, or -1 with errno (as open_beneath's; EINVAL: not a
 * regular file; EFBIG: more than max bytes).
 */
int read_beneath(const char *dir, const char *rel, size_t max, struct strbuf *sb);
/*
 * The names in a folder but "." and ".." (with no_hidden, none that starts
 * with '.'), sorted by strcmp, *n of them; NULL (and *n 0) when it cannot be
 * opened. Free with names_free.
 */
char **dir_names(const char *dir, int no_hidden, size_t *n);
void names_free(char **names, size_t n);
/* rm -rf without following symbolic links; 0 or -1 with errno. */
int remove_tree(const char *path);
/* close() that keeps errno. */
void close_keep_errno(int fd);

/* Parses a duration such as "2s", "300ms", "1.5s" or a bare number of seconds; -1 if malformed. */
int64_t parse_duration_ms(const char *s);

/* Seeded randomness: splitmix64 steps and an FNV-1a hash to derive seeds from names. */
uint64_t rng_next(uint64_t *state);
uint64_t hash64(const char *s, uint64_t seed);
/* FNV-1a over bytes, continuing from h. */
uint64_t hash64_bytes(uint64_t h, const void *data, size_t len);

/* Levenshtein distance, for "did you mean" suggestions. */
int edit_distance(const char *a, const char *b);

#endif
