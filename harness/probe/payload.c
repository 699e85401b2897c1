/*
 * probe/payload: bulk data on a TCP connection: payloads drawn from the
 * seed, the check that exactly they came back, floods of a peer that does
 * not read.
 */
#include "run.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Payload bytes: each block of 256 holds all 256 values once, so that every
 * payload holds NUL, 0xff and the rest, and a strlen() or a text-only echo
 * cannot pass by luck. A fresh shuffle every 64 blocks; each block between is
 * that shuffle rotated and XORed with a byte (both bijections), drawn per
 * block, so that blocks differ and a 64 MiB payload costs the harness little.
 */
void payload_fill(struct probe_run *r, char *buf, size_t n)
{
	unsigned char base[256];
	for (size_t off = 0, k = 0; off < n; off += 256, k++) {
		if (k % 64 == 0) {
			uint64_t bits = 0;
			int left = 0;
			for (int i = 0; i < 256; i++)
				base[i] = (unsigned char)i;
			for (int i = 255; i > 0; i--) {
				if (!left) {
					bits = rng_next(&r->rng);
					left = 4;
				}
				/* 16 random bits scaled to 0..i (Lemire's reduction, no division) */
				uint32_t j = ((uint32_t)(bits & 0xffff) * (uint32_t)(i + 1)) >> 16;
				bits >>= 16;
				left--;
				unsigned char t = base[i];
				base[i] = base[j];
				base[j] = t;
			}
		}
		uint64_t v = rng_next(&r->rng);
		unsigned int rot = (unsigned int)(v & 255), key = (unsigned int)((v >> 8) & 255);
		size_t m = n - off < 256 ? n - off : 256;
		for (size_t i = 0; i < m; i++)
			buf[off + i] = (char)(base[(i + rot) & 255] ^ key);
	}
}

static void record_payload(struct probe_run *r, const char *conn, const char *buf, size_t n)
{
	struct strbuf v = STRBUF_INIT;
	sb_addf(&v, "%zu bytes from the seed, beginning ", n);
	sb_add_escaped(&v, buf, n < 16 ? n : 16);
	char *name = xasprintf("payload on %s", conn);
	r->res->vars = xrealloc(r->res->vars, (r->res->nvars + 1) * sizeof *r->res->vars);
	struct probe_var *pv = &r->res->vars[r->res->nvars++];
	pv->name = name;
	pv->len = v.len;
	pv->value = sb_detach(&v, NULL);
}

int step_send_payload(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	const struct step_arg *chunk = step_opt(s, "chunk");
	const struct step_arg *pause = step_opt(s, "pause");
	size_t n = (size_t)s->value.num;
	if (!c)
		return -1;
	if (c->fd < 0)
		return fail(r, "spec error: connection '%s' is closed", c->name);
	char *buf = xmalloc(n ? n : 1);
	payload_fill(r, buf, n);
	record_payload(r, c->name, buf, n);
	size_t step = chunk && chunk->num ? (size_t)chunk->num : n;
	int rc = 0;
	for (size_t off = 0; off < n && rc == 0; off += step) {
		if (off && pause)
			pump(r, now_ms() + scaled_ms(pause->num), NULL, NULL);
		size_t len = n - off < step ? n - off : step;
		rc = send_all(r, c, buf + off, len, within(r, s));
	}
	free(buf);
	return rc;
}

/* Exactly the bytes sent on the connection since the last expect_echo, checked as they come. */
int step_expect_echo(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	if (!c)
		return -1;
	const char *want = c->sent.buf ? c->sent.buf : "";
	size_t wlen = c->sent.len;
	size_t checked = 0;
	int64_t deadline = within(r, s);
	int rc = -1;

	for (;;) {
		size_t upto = c->in.len < wlen ? c->in.len : wlen;
		if (upto > checked) {
			const char *a = want + checked, *b = c->in.buf + checked;
			size_t n = upto - checked;
			if (memcmp(a, b, n)) {
				size_t k = 0;
				while (a[k] == b[k])
					k++;
				long at = (long)(checked + k);
				/* show the neighbourhood of the difference, not megabytes */
				size_t from = (size_t)at > 64 ? (size_t)at - 64 : 0;
				set_expected(r, want + from, (wlen - from) < 256 ? wlen - from : 256);
				set_observed(r, c->in.buf + from,
					     (c->in.len - from) < 256 ? c->in.len - from : 256, at - (long)from);
				fail(r, "the echo differs from what was sent at byte %ld of %zu%s", at, wlen,
				     from ? " (shown from byte " : "");
				if (from) {
					char *why = xasprintf("%s%zu)", r->res->why, from);
					free(r->res->why);
					r->res->why = why;
				}
				goto out;
			}
			checked = upto;
		}
		if (c->in.len >= wlen)
			break;
		if (c->eof || c->rst || c->err || c->fd < 0)
			break;
		struct wait_conn w = { c, c->in.len, c->ndg };
		if (!pump(r, deadline, conn_changed, &w)) {
			ev(r, EV_TIMEOUT, c->name, NULL, 0);
			break;
		}
	}
	if (c->in.len < wlen) {
		size_t from = c->in.len > 64 ? c->in.len - 64 : 0;
		set_expected(r, want + from, (wlen - from) < 256 ? wlen - from : 256);
		set_observed(r, c->in.buf ? c->in.buf + from : "", c->in.len - from,
			     (long)(c->in.len - from));
		fail(r, "only %zu of the %zu bytes sent came back (%s)", c->in.len, wlen,
		     c->rst ? "then the connection was reset" :
		     c->eof ? "then the connection was closed" :
		     c->err ? read_error(c) : "then the deadline passed");
		goto out;
	}
	/* more than was sent: wait no longer for it, but what is there counts */
	pump(r, now_ms(), NULL, NULL);
	if (c->in.len > wlen) {
		size_t extra = c->in.len - wlen;
		size_t from = wlen > 64 ? wlen - 64 : 0;
		set_expected(r, want + from, wlen - from);
		set_observed(r, c->in.buf + from, (c->in.len - from) < 256 ? c->in.len - from : 256,
			     (long)(wlen - from));
		fail(r, "%zu bytes came back beyond the %zu that were sent", extra, wlen);
		goto out;
	}
	sb_reset(&c->in);
	rc = 0;
out:
	sb_reset(&c->sent);
	return rc;
}

/* Sends without reading the replies until the peer stops taking data: a client that vanishes. */
int step_flood(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	size_t n = (size_t)s->value.num, off = 0;
	char buf[65536];
	if (!c)
		return -1;
	if (c->fd < 0)
		return fail(r, "spec error: connection '%s' is closed", c->name);
	c->noread = 1;
	int64_t deadline = within(r, s);
	/* one buffer of payload, sent again and again: what matters is that the peer gets data */
	payload_fill(r, buf, n < sizeof buf ? n : sizeof buf);
	while (off < n) {
		size_t len = n - off < sizeof buf ? n - off : sizeof buf;
		ssize_t k = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN)
			break;
		/* full: the peer has stopped reading (it is writing to us) once it stays full */
		int64_t quiet = now_ms() + scaled_ms(QUIET_MS);
		if (!wait_fd(r, c->fd, POLLOUT, quiet < deadline ? quiet : deadline))
			break;
	}
	note(r, EV_SEND, c->name, "%zu bytes sent without reading the replies", off);
	if (!off)
		return fail(r, "could not send anything on '%s'", c->name);
	return 0;
}
