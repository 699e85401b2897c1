/* probe/udp: the steps on datagrams: send, expect, expect none, reply. */
#include "run.h"
#include "match.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The UDP socket the step's socket option names ("u"); NULL (fail) when there is none. */
static struct conn *udp_socket(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = conn_find(r, name);

	if (c && c->udp)
		return c;
	fail(r, "spec error: no UDP socket '%s' at this step", name);
	return NULL;
}

int step_udp_send(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = conn_find(r, name);
	struct sockaddr_storage ss;
	socklen_t len;
	int family;
	struct strbuf data = STRBUF_INIT;
	int rc = -1;

	if (resolve(r, s, &ss, &len, &family) < 0 || subst(r, s->value.text, s->value.len, &data) < 0)
		goto out;
	if (!c) {
		int fd = make_socket(family, SOCK_DGRAM);
		if (fd < 0 || bind_loopback(fd, family, 0) < 0) {
			if (fd >= 0)
				close(fd);
			fail(r, "harness error: UDP socket: %s", strerror(errno));
			goto out;
		}
		c = conn_new(r, name, fd);
		if (!c) {
			close(fd);
			fail(r, "spec error: more than %d sockets in one probe", MAX_CONNS);
			goto out;
		}
		c->udp = 1;
		c->port = local_port(fd);
	}
	if (sendto(c->fd, data.buf ? data.buf : "", data.len, 0, (struct sockaddr *)&ss, len) < 0) {
		fail(r, "could not send a datagram: %s", strerror(errno));
		goto out;
	}
	ev(r, EV_SEND, name, data.buf, data.len);
	sb_reset(&c->sent);
	sb_add(&c->sent, data.buf ? data.buf : "", data.len);
	rc = 0;
out:
	sb_release(&data);
	return rc;
}

int step_udp_expect(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = udp_socket(r, s);
	struct strbuf want = STRBUF_INIT;
	int record, rc = -1;

	if (!c)
		goto out;
	const struct step_arg *echo = step_opt(s, "echo");
	if (echo && echo->num) {
		record = 0;
		sb_add(&want, c->sent.buf ? c->sent.buf : "", c->sent.len);
	} else if (expectation(r, s, &want, &record) < 0) {
		goto out;
	}
	struct wait_conn w = { c, 0, c->ndg };
	if (!c->ndg && !pump(r, within(r, s), conn_changed, &w)) {
		ev(r, EV_TIMEOUT, name, NULL, 0);
		if (!record)
			set_expected(r, want.buf ? want.buf : "", want.len);
		fail(r, "no datagram arrived within %.1fs", within_s(r, s));
		goto out;
	}
	if (!c->ndg) {
		fail(r, "%s", read_error(c));
		goto out;
	}
	struct dgram d = c->dg[0];
	memmove(c->dg, c->dg + 1, (c->ndg - 1) * sizeof *c->dg);
	c->ndg--;
	if (record) {
		ref_add(r->env->ref, r->probe->name, r->step, r->run, d.data, d.len);
		rc = 0;
	} else {
		struct match_opts how;
		size_t used;
		long diff;
		char err[ERRLEN] = "";
		match_opts_of(s, "exact", &how);
		enum match_verdict m = match_bytes(&how, want.buf ? want.buf : "", want.len, d.data,
						   d.len, 1, &used, &diff, err);
		if (m != MATCH_YES) {
			set_expected(r, want.buf ? want.buf : "", want.len);
			set_observed(r, d.data, d.len, diff);
			fail(r, "the datagram differs from the expected%s", *err ? err : "");
		} else if (!c->served && strcmp(opt_text(s, "sender", "server"), "any") &&
			   var_get(r, "port") && d.port != atoi(var_get(r, "port"))) {
			fail(r, "the reply came from port %d, not from the server's port %s", d.port,
			     var_get(r, "port"));
		} else {
			rc = 0;
		}
	}
	free(d.data);
out:
	sb_release(&want);
	return rc;
}

int step_udp_expect_none(struct probe_run *r, const struct step *s)
{
	struct conn *c = udp_socket(r, s);
	if (!c)
		return -1;
	struct wait_conn w = { c, 0, c->ndg };
	if (!c->ndg && !pump(r, now_ms() + scaled_ms(s->value.num), conn_changed, &w))
		return 0;
	if (c->ndg) {
		set_observed(r, c->dg[0].data, c->dg[0].len, -1);
		return fail(r, "a datagram arrived where none was expected");
	}
	return fail(r, "%s", read_error(c));
}

int step_udp_reply(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = udp_socket(r, s);
	struct strbuf data = STRBUF_INIT;
	int rc = -1;
	if (!c)
		goto out;
	if (!c->fromlen) {
		fail(r, "no datagram has arrived on '%s' to reply to", name);
		goto out;
	}
	if (subst(r, s->value.text, s->value.len, &data) < 0)
		goto out;
	if (sendto(c->fd, data.buf ? data.buf : "", data.len, 0, (struct sockaddr *)&c->from,
		   c->fromlen) < 0) {
		fail(r, "could not send a datagram: %s", strerror(errno));
		goto out;
	}
	ev(r, EV_SEND, name, data.buf, data.len);
	rc = 0;
out:
	sb_release(&data);
	return rc;
}
