/*
 * probe/files: the steps on files of the programs' folder. write_file puts a
 * file there (text, or pseudo-random bytes) before a program reads it;
 * expect_file checks one a program wrote. The folder is the probe's own copy
 * (probe_env.folder): probes at once never see each other's files. What a
 * program wrote is untrusted: opened without following a link, read up to a
 * bound, a regular file or nothing.
 */
#include "run.h"
#include "match.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_READ_MAX RECEIVED_MAX	/* the most of a program's file the harness reads */

static const char *folder_of(const struct probe_run *r)
{
	return r->env->folder ? r->env->folder : r->env->workdir;
}

static int open_folder(struct probe_run *r)
{
	int fd = open(folder_of(r), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fail(r, "harness error: the programs' folder: %s", strerror(errno));
	return fd;
}

int step_write_file(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.text;
	const struct step_arg *text = step_opt(s, "text");
	const struct step_arg *rnd = step_opt(s, "random");
	const char *var = opt_text(s, "var", NULL);
	struct strbuf data = STRBUF_INIT;
	int rc = -1, dfd = -1, fd = -1;
	char err[ERRLEN];

	if (text && rnd)
		return fail(r, "spec error: write_file takes 'text' or 'random', not both");
	if (text && subst(r, text->text, text->len, &data) < 0)
		goto out;
	if (rnd && rnd->num > 0) {
		char *buf = xmalloc((size_t)rnd->num);
		payload_fill(r, buf, (size_t)rnd->num);
		sb_add(&data, buf, (size_t)rnd->num);
		free(buf);
	}
	if (var)
		var_set(r, var, data.buf ? data.buf : "", data.len);
	if ((dfd = open_folder(r)) < 0)
		goto out;
	/* a file of the same name is replaced, a link of that name is not followed */
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		fail(r, "harness error: cannot replace '%s': %s", name, strerror(errno));
		goto out;
	}
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, data.buf ? data.buf : "", data.len) < 0) {
		fail(r, "harness error: cannot write '%s': %s", name, strerror(errno));
		goto out;
	}
	if (sandbox_prepare_dir(r->env->sb, folder_of(r), err) < 0) {
		fail(r, "harness error: %s", err);
		goto out;
	}
	note(r, EV_NOTE, name, "wrote %zu bytes into %s", data.len, name);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	sb_release(&data);
	return rc;
}

/* What expect_file found: the file's bytes (up to a bound), or why there are none. */
struct file_seen {
	int found;		/* 1: a regular file was read */
	int err;		/* errno of the open, when not found */
	int not_regular;	/* a folder, a fifo, ...: not a file */
	off_t size;		/* its size as fstat gives it */
	struct strbuf data;
};

static void file_read(struct probe_run *r, const char *name, size_t cap, struct file_seen *fs)
{
	sb_reset(&fs->data);
	fs->found = fs->not_regular = 0;
	fs->err = 0;
	fs->size = 0;
	int dfd = open(folder_of(r), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		fs->err = errno;
		return;
	}
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	fs->err = fd < 0 ? errno : 0;
	close(dfd);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fs->not_regular = 1;
		close(fd);
		return;
	}
	fs->found = 1;
	fs->size = st.st_size;
	char buf[65536];
	while (fs->data.len < cap) {
		size_t want = cap - fs->data.len < sizeof buf ? cap - fs->data.len : sizeof buf;
		ssize_t k = read(fd, buf, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		sb_add(&fs->data, buf, (size_t)k);
	}
	close(fd);
}

struct wait_file {
	const char *name;
	const struct strbuf *want;	/* NULL: only a size is expected */
	int64_t size;			/* -1: any */
	struct file_seen seen;
};

static int file_ok(struct wait_file *w)
{
	if (!w->seen.found)
		return 0;
	if (w->size >= 0 && w->seen.size != w->size)
		return 0;
	return !w->want || (w->seen.data.len == w->want->len && (size_t)w->seen.size == w->want->len &&
			    !memcmp(w->seen.data.buf ? w->seen.data.buf : "", w->want->buf ? w->want->buf : "",
				    w->want->len));
}

static int programs_ended(struct probe_run *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (!sbproc_ended(r->procs[i].p))
			return 0;
	return 1;
}

/* A pump_until() condition: the file is as expected, or no program is left to write it. */
static int file_settled(struct probe_run *r, void *arg)
{
	struct wait_file *w = arg;
	size_t cap = w->want ? w->want->len + 1 : 0;
	file_read(r, w->name, cap, &w->seen);
	return file_ok(w) || programs_ended(r);
}

int step_expect_file(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.text;
	const struct step_arg *text = step_opt(s, "text");
	const struct step_arg *size = step_opt(s, "size");
	const char *sent = opt_text(s, "sent", NULL);
	const char *received = opt_text(s, "received", NULL);
	const char *conn = sent ? sent : received;
	struct strbuf want = STRBUF_INIT;
	struct wait_file w = { .name = name, .size = size ? size->num : -1 };
	int rc = -1;

	if (!text && !size && !conn)
		return fail(r, "spec error: expect_file needs 'text' (what the file holds), 'sent', "
			       "'received' or 'size'");
	if (!!text + !!sent + !!received > 1)
		return fail(r, "spec error: expect_file takes one of 'text', 'sent' and 'received'");
	if (conn) {
		struct conn *c = conn_find(r, conn);
		if (!c || c->udp || c->listener)
			return fail(r, "spec error: no connection '%s' before this step", conn);
		if (sent)
			sb_add(&want, c->sent.buf ? c->sent.buf : "", c->sent.len);
		else
			sb_add(&want, c->received.buf ? c->received.buf : "", c->received.len);
	}
	if (text || conn) {
		if (text && subst(r, text->text, text->len, &want) < 0)
			goto out;
		if (want.len > FILE_READ_MAX) {
			fail(r, "spec error: expect_file compares at most %d bytes", FILE_READ_MAX);
			goto out;
		}
		w.want = &want;
	}
	pump_until(r, within(r, s), file_settled, &w);
	file_read(r, name, w.want ? want.len + 1 : 0, &w.seen);
	if (file_ok(&w)) {
		note(r, EV_NOTE, name, "%s holds %lld bytes, as expected", name, (long long)w.seen.size);
		rc = 0;
		goto out;
	}
	if (!w.seen.found) {
		if (w.seen.not_regular)
			fail(r, "'%s' in the program's folder is not a regular file", name);
		else if (w.seen.err == ELOOP)
			fail(r, "'%s' in the program's folder is a symbolic link, not the file expected", name);
		else if (w.seen.err == ENOENT)
			fail(r, "no file '%s' in the program's folder after %.1fs", name, within_s(r, s));
		else
			fail(r, "'%s' cannot be read: %s", name, strerror(w.seen.err));
		goto out;
	}
	if (w.size >= 0 && w.seen.size != w.size) {
		fail(r, "'%s' holds %lld bytes; expected %lld", name, (long long)w.seen.size,
		     (long long)w.size);
		goto out;
	}
	/* the first byte that differs, or where the shorter one ends */
	size_t n = w.seen.data.len < want.len ? w.seen.data.len : want.len, at = 0;
	while (at < n && w.seen.data.buf[at] == want.buf[at])
		at++;
	set_expected(r, want.buf ? want.buf : "", want.len);
	set_observed(r, w.seen.data.buf ? w.seen.data.buf : "", w.seen.data.len, (long)at);
	if (conn && (size_t)w.seen.size != want.len)
		fail(r, "'%s' holds %lld bytes; the harness %s %zu on %s (the first %zu are the same)",
		     name, (long long)w.seen.size, sent ? "sent" : "received", want.len, conn, at);
	else if (conn)
		fail(r, "'%s' differs at byte %zu from the bytes the harness %s on %s", name, at,
		     sent ? "sent" : "received", conn);
	else if ((size_t)w.seen.size != want.len)
		fail(r, "'%s' holds %lld bytes; expected %zu (the first %zu are as expected)", name,
		     (long long)w.seen.size, want.len, at);
	else
		fail(r, "'%s' differs from the expected at byte %zu", name, at);
out:
	sb_release(&w.seen.data);
	sb_release(&want);
	return rc;
}
