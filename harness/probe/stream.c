/*
 * probe/stream: the steps on TCP connections: connect, listen and accept,
 * send and expect, closes and resets, silence.
 */
#include "run.h"
#include "match.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Writes all of data to c, serving everything else while the socket is full. */
int send_all(struct probe_run *r, struct conn *c, const char *data, size_t len,
	     int64_t deadline)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			ev(r, EV_SEND, c->name, data + off, (size_t)n);
			sb_add(&c->sent, data + off, (size_t)n);
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			if (errno == ECONNRESET || errno == EPIPE)
				ev(r, EV_RST, c->name, NULL, 0);
			return fail(r, "could not send on '%s' after %zu of %zu bytes: %s", c->name, off,
				    len, strerror(errno));
		}
		if (!wait_fd(r, c->fd, POLLOUT, deadline)) {
			ev(r, EV_TIMEOUT, c->name, NULL, 0);
			return fail(r, "the peer stopped reading: only %zu of %zu bytes could be sent "
				       "within the deadline", off, len);
		}
	}
	return 0;
}

int step_connect(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct sockaddr_storage ss;
	socklen_t len;
	int family;
	const struct step_arg *refused = step_opt(s, "refused");
	int want_refused = refused && refused->num;

	if (resolve(r, s, &ss, &len, &family) < 0)
		return -1;
	int fd = make_socket(family, SOCK_STREAM);
	if (fd < 0)
		return fail(r, "harness error: socket: %s", strerror(errno));
	struct conn *c = conn_new(r, name, fd);
	if (!c) {
		close(fd);
		return fail(r, "spec error: more than %d connections in one probe", MAX_CONNS);
	}
	char addr[64];
	int port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
					      ((struct sockaddr_in *)&ss)->sin_port);
	inet_ntop(family, family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr :
					       (void *)&((struct sockaddr_in *)&ss)->sin_addr,
		  addr, sizeof addr);
	int e = 0;
	/* until it is connected, pump() must not read it: a read would take its error */
	c->noread = 1;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			if (!wait_fd(r, fd, POLLOUT, within(r, s))) {
				ev(r, EV_TIMEOUT, name, NULL, 0);
				conn_close_fd(c);
				return fail(r, "connecting to %s port %d did not complete in time", addr,
					    port);
			}
			socklen_t el = sizeof e;
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		}
	}
	c->noread = 0;
	/* accepted, then reset before we looked: a connection all the same, already reset */
	if (e && e != ECONNRESET) {
		conn_close_fd(c);
		note(r, EV_REFUSED, name, "%s port %d: %s", addr, port, strerror(e));
		if (want_refused && e == ECONNREFUSED)
			return 0;
		return fail(r, "could not connect to %s port %d: %s", addr, port, strerror(e));
	}
	note(r, EV_CONNECT, name, "%s port %d", addr, port);
	set_peer_vars(r, c);
	if (e == ECONNRESET) {
		/* SO_ERROR took the reset: a read() would now say EOF, so the reset is recorded here */
		c->rst = 1;
		ev(r, EV_RST, name, NULL, 0);
	}
	if (want_refused)
		return fail(r, "the connection to %s port %d was accepted; expected it refused", addr,
			    port);
	return 0;
}

/* Turns hex text ("48 65 6c", spaces allowed) into bytes, in place. */
static int hex_to_bytes(struct probe_run *r, struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	int hi = -1;
	for (size_t i = 0; i < sb->len; i++) {
		char ch = sb->buf[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
			ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0) {
			if (ch == ' ' || ch == '\n' || ch == ':')
				continue;
			sb_release(&out);
			return fail(r, "spec error: '%c' is not a hex digit", ch);
		}
		if (hi < 0) {
			hi = d;
		} else {
			sb_addc(&out, (char)(hi * 16 + d));
			hi = -1;
		}
	}
	if (hi >= 0) {
		sb_release(&out);
		return fail(r, "spec error: odd number of hex digits");
	}
	sb_release(sb);
	*sb = out;
	return 0;
}

int step_send(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	struct strbuf data = STRBUF_INIT;
	const struct step_arg *pieces = step_opt(s, "pieces");
	const struct step_arg *pause = step_opt(s, "pause");
	int rc = -1;

	if (!c || value_bytes(r, s, &data) < 0)
		goto out;
	const struct step_arg *hex = step_opt(s, "hex");
	if (hex && hex->num && hex_to_bytes(r, &data) < 0)
		goto out;
	if (c->fd < 0) {
		fail(r, "spec error: connection '%s' is closed", c->name);
		goto out;
	}
	size_t np = pieces ? (size_t)pieces->num : 1;
	if (np < 1)
		np = 1;
	if (np > data.len && data.len)
		np = data.len;
	size_t off = 0;
	for (size_t i = 0; i < np; i++) {
		size_t len = data.len / np + (i < data.len % np);
		if (i && pause)
			pump(r, now_ms() + scaled_ms(pause->num), NULL, NULL);
		if (send_all(r, c, data.buf + off, len, within(r, s)) < 0)
			goto out;
		off += len;
	}
	rc = 0;
out:
	sb_release(&data);
	return rc;
}

/* The reference's answer: what it sends until it closes or goes quiet. */
static int record_reference(struct probe_run *r, const struct step *s, struct conn *c)
{
	int64_t deadline = within(r, s);
	for (;;) {
		struct wait_conn w = { c, c->in.len, c->ndg };
		/* the first byte may take the step's whole deadline; then quiet ends the answer */
		int64_t quiet = c->in.len ? now_ms() + scaled_ms(QUIET_MS) : deadline;
		if (!pump(r, quiet < deadline ? quiet : deadline, conn_changed, &w))
			break;
		if (c->eof || c->rst || c->err)
			break;
	}
	if (!c->in.len)
		return fail(r, "the reference sent nothing at this step");
	ref_add(r->env->ref, r->probe->name, r->step, r->run, c->in.buf, c->in.len);
	sb_reset(&c->in);
	return 0;
}

/* Any n bytes: waits for them and consumes them. */
static int expect_length(struct probe_run *r, const struct step *s, struct conn *c, size_t n)
{
	int64_t deadline = within(r, s);
	while (c->in.len < n && !c->eof && !c->rst && !c->err && c->fd >= 0) {
		struct wait_conn w = { c, c->in.len, c->ndg };
		if (!pump(r, deadline, conn_changed, &w))
			break;
	}
	if (c->in.len < n) {
		set_observed(r, c->in.buf ? c->in.buf : "", c->in.len, -1);
		return fail(r, "received %zu bytes, expected %zu", c->in.len, n);
	}
	if (n) {
		memmove(c->in.buf, c->in.buf + n, c->in.len - n);
		sb_truncate(&c->in, c->in.len - n);
	}
	return 0;
}

/* A match that needed a tolerance or ignore_case is noted: accepted, and said. */
static void note_variant(struct probe_run *r, const struct match_opts *how, const struct strbuf *want,
			 const struct conn *c, size_t used)
{
	if (how->mode != MATCH_EXACT)
		return;
	if (how->ignore_case && want->len && used >= want->len && memcmp(c->in.buf, want->buf, want->len)) {
		struct strbuf got = STRBUF_INIT;
		sb_add_escaped(&got, c->in.buf, want->len);
		add_note(r, "sent \"%s\": letters in another case (accepted)", got.buf);
		sb_release(&got);
	}
	if (how->tol == TOL_NUL_OR_NEWLINE && used == want->len + 1)
		add_note(r, "sent a trailing %s (tolerated)", c->in.buf[want->len] ? "newline" : "NUL");
}

int step_expect(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	struct strbuf want = STRBUF_INIT;
	int record, rc = -1;

	if (c && s->value.fields) {
		rc = expect_fields(r, s, c);
		goto out;
	}
	if (!c || expectation(r, s, &want, &record) < 0)
		goto out;
	if (record) {
		rc = record_reference(r, s, c);
		goto out;
	}
	const struct step_arg *len = step_opt(s, "length");
	if (len) {
		rc = expect_length(r, s, c, (size_t)len->num);
		goto out;
	}
	struct match_opts how;
	match_opts_of(s, "exact", &how);
	int64_t deadline = within(r, s);
	int final = 0;
	for (;;) {
		size_t used;
		long diff;
		char err[ERRLEN] = "";
		if (c->eof || c->rst || c->err || c->fd < 0)
			final = 1;
		enum match_verdict m = match_bytes(&how, want.buf ? want.buf : "", want.len,
						   c->in.buf ? c->in.buf : "", c->in.len, final,
						   &used, &diff, err);
		if (m == MATCH_YES) {
			note_variant(r, &how, &want, c, used);
			/* what follows the match stays for the next step */
			if (used) {
				memmove(c->in.buf, c->in.buf + used, c->in.len - used);
				sb_truncate(&c->in, c->in.len - used);
			}
			rc = 0;
			break;
		}
		if (m == MATCH_YES_MORE) {
			struct wait_conn w = { c, c->in.len, c->ndg };
			int64_t settle = now_ms() + scaled_ms(SETTLE_MS);
			if (!pump(r, settle < deadline ? settle : deadline, conn_changed, &w))
				final = 1;
			continue;
		}
		if (m == MATCH_NO) {
			set_expected(r, want.buf ? want.buf : "", want.len);
			set_observed(r, c->in.buf ? c->in.buf : "", c->in.len, diff);
			if (*err)
				fail(r, "spec error: %s", err);
			else if (!c->in.len && c->rst)
				fail(r, "the connection was reset before anything arrived");
			else if (!c->in.len && c->eof)
				fail(r, "the connection was closed before anything arrived");
			else if (!c->in.len)
				fail(r, "nothing arrived within %.1fs", within_s(r, s));
			else if (how.mode == MATCH_EXACT && diff >= (long)want.len)
				fail(r, "received %zu bytes: the expected %zu and then %zu more",
				     c->in.len, want.len, c->in.len - want.len);
			else if (diff >= 0 && (size_t)diff >= c->in.len)
				fail(r, "received %zu bytes, expected %zu, then the %s", c->in.len,
				     want.len, c->eof ? "connection closed" :
					       c->rst ? "connection was reset" : "deadline passed");
			else if (diff >= 0)
				fail(r, "received bytes differ from the expected at byte %ld", diff);
			else
				fail(r, "received bytes do not match (%s)", opt_text(s, "match", "exact"));
			break;
		}
		/* MATCH_MORE */
		if (final) {
			continue;
		}
		struct wait_conn w = { c, c->in.len, c->ndg };
		if (!pump(r, deadline, conn_changed, &w)) {
			ev(r, EV_TIMEOUT, c->name, NULL, 0);
			final = 1;
		}
	}
out:
	sb_release(&want);
	return rc;
}

int step_expect_eof(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	if (!c)
		return -1;
	struct wait_conn w = { c, 0, 0 };
	int64_t deadline = within(r, s);
	while (!c->eof && !c->rst && !c->err && c->fd >= 0) {
		w.len = c->in.len;
		w.ndg = c->ndg;
		if (!pump(r, deadline, conn_changed, &w))
			break;
	}
	const struct step_arg *reset_ok = step_opt(s, "reset_ok");
	size_t extra = c->in.len;
	sb_reset(&c->in);
	if (c->eof)
		return 0;
	if (c->rst)
		return reset_ok && reset_ok->num ? 0 :
			fail(r, "the connection was reset (RST) instead of closed (FIN)");
	if (c->err)
		return fail(r, "%s", read_error(c));
	ev(r, EV_TIMEOUT, c->name, NULL, 0);
	return fail(r, "the connection was still open after %.1fs%s", within_s(r, s),
		    extra ? " (data arrived, but no close)" : "");
}

/*
 * The connection the step's value names ("c" when none), and open if
 * need_open; NULL (fail: "no [open] connection 'c' to what") otherwise.
 */
static struct conn *named_conn(struct probe_run *r, const struct step *s, int need_open,
			       const char *what)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct conn *c = conn_find(r, name);

	if (c && (!need_open || c->fd >= 0))
		return c;
	fail(r, "spec error: no %sconnection '%s' to %s", need_open ? "open " : "", name, what);
	return NULL;
}

/*
 * close; after_peer: only once the peer has closed its side (FIN or RST, within), so that
 * it is the peer's socket that holds TIME_WAIT; at the deadline the harness closes first.
 */
int step_close(struct probe_run *r, const struct step *s)
{
	struct conn *c = named_conn(r, s, 0, "close");
	if (!c)
		return -1;
	const struct step_arg *after = step_opt(s, "after_peer");
	if (after && after->num && c->fd >= 0) {
		struct wait_conn w = { c, 0, 0 };
		int64_t deadline = within(r, s);
		while (!c->eof && !c->rst && !c->err) {
			w.len = c->in.len;
			w.ndg = c->ndg;
			if (!pump(r, deadline, conn_changed, &w)) {
				note(r, EV_NOTE, c->name, "the peer had not closed within %.1fs: the "
				     "harness closes first", within_s(r, s));
				break;
			}
		}
		sb_reset(&c->in);
	}
	conn_close_fd(c);
	ev(r, EV_CLOSE, c->name, NULL, 0);
	return 0;
}

int step_abort(struct probe_run *r, const struct step *s)
{
	struct conn *c = named_conn(r, s, 1, "abort");
	if (!c)
		return -1;
	struct linger lg = { 1, 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	conn_close_fd(c);
	ev(r, EV_ABORT, c->name, NULL, 0);
	return 0;
}

int step_shutdown(struct probe_run *r, const struct step *s)
{
	struct conn *c = named_conn(r, s, 1, "shut down");
	if (!c)
		return -1;
	if (shutdown(c->fd, SHUT_WR) < 0)
		return fail(r, "shutdown: %s", strerror(errno));
	ev(r, EV_SHUTDOWN, c->name, NULL, 0);
	return 0;
}

int step_listen(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "l";
	int udp = !strcmp(opt_text(s, "proto", "tcp"), "udp");
	int family = !strcmp(opt_text(s, "family", "ipv4"), "ipv6") ? AF_INET6 : AF_INET;
	int fd = make_socket(family, udp ? SOCK_DGRAM : SOCK_STREAM);
	if (fd < 0)
		return fail(r, "harness error: socket: %s", strerror(errno));
	if (bind_loopback(fd, family, 0) < 0 || (!udp && listen(fd, 16) < 0)) {
		int e = errno;
		close(fd);
		return fail(r, "harness error: cannot listen: %s", strerror(e));
	}
	struct conn *c = conn_new(r, name, fd);
	if (!c) {
		close(fd);
		return fail(r, "spec error: more than %d connections in one probe", MAX_CONNS);
	}
	c->udp = udp;
	c->listener = !udp;
	c->served = udp;
	c->port = local_port(fd);
	var_set_int(r, "port", c->port);
	var_set(r, "host", family == AF_INET6 ? "::1" : "127.0.0.1", family == AF_INET6 ? 3 : 9);
	note(r, EV_READY, name, "harness %s on %s port %d", udp ? "bound" : "listening",
	     family == AF_INET6 ? "::1" : "127.0.0.1", c->port);
	return 0;
}

int step_accept(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct conn *l = conn_get(r, s, "listener", "l");
	if (!l)
		return -1;
	if (!l->listener)
		return fail(r, "spec error: '%s' is not a TCP listener", l->name);
	int64_t deadline = within(r, s);
	struct sockaddr_storage from;
	socklen_t fl;
	int fd;
	for (;;) {
		fl = sizeof from;
		fd = accept4(l->fd, (struct sockaddr *)&from, &fl, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			return fail(r, "harness error: accept: %s", strerror(errno));
		if (!wait_fd(r, l->fd, POLLIN, deadline)) {
			ev(r, EV_TIMEOUT, l->name, NULL, 0);
			struct strbuf d = STRBUF_INIT;
			for (size_t i = 0; i < r->nprocs; i++)
				if (sbproc_ended(r->procs[i].p)) {
					sb_addf(&d, "; %s ", r->procs[i].program);
					describe_end(r, r->procs[i].p, &d);
				}
			int rc = fail(r, "nobody connected within %.1fs%s", within_s(r, s),
				      d.buf ? d.buf : "");
			sb_release(&d);
			return rc;
		}
	}
	struct conn *c = conn_new(r, name, fd);
	if (!c) {
		close(fd);
		return fail(r, "spec error: more than %d connections in one probe", MAX_CONNS);
	}
	set_peer_vars(r, c);
	note(r, EV_ACCEPT, name, "from port %d",
	     ntohs(from.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&from)->sin6_port :
						((struct sockaddr_in *)&from)->sin_port));
	return 0;
}

int step_unused_port(struct probe_run *r, const struct step *s)
{
	(void)s;
	if (r->nheld == MAX_HELD)
		return fail(r, "spec error: too many unused ports in one probe");
	/* bound but not listening: the port stays taken and connect() is refused */
	int fd = make_socket(AF_INET, SOCK_STREAM);
	if (fd < 0 || bind_loopback(fd, AF_INET, 0) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(r, "harness error: cannot reserve a port: %s", strerror(errno));
	}
	r->held[r->nheld++] = fd;
	var_set_int(r, "port", local_port(fd));
	var_set(r, "host", "127.0.0.1", 9);
	note(r, EV_NOTE, "", "port %d: nothing listens there", local_port(fd));
	return 0;
}

int step_expect_silence(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	if (!c)
		return -1;
	struct wait_conn w = { c, c->in.len, c->ndg };
	if (c->in.len || c->ndg)
		return fail(r, "%zu bytes were waiting where silence was expected", c->in.len);
	if (!pump(r, now_ms() + scaled_ms(s->value.num), conn_changed, &w))
		return 0;
	if (c->in.len || c->ndg) {
		set_observed(r, c->in.buf ? c->in.buf : "", c->in.len, -1);
		return fail(r, "data arrived where silence was expected");
	}
	return fail(r, "the connection was %s where silence was expected",
		    c->rst ? "reset" : c->eof ? "closed" : "broken");
}

int step_expect_reset(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	if (!c)
		return -1;
	int64_t deadline = within(r, s);
	while (!c->rst && !c->eof && !c->err && c->fd >= 0) {
		struct wait_conn w = { c, c->in.len, c->ndg };
		if (!pump(r, deadline, conn_changed, &w))
			break;
	}
	if (c->rst)
		return 0;
	if (c->eof)
		return fail(r, "the connection was closed (FIN), not reset (RST)");
	ev(r, EV_TIMEOUT, c->name, NULL, 0);
	return fail(r, "no reset within %.1fs", within_s(r, s));
}
