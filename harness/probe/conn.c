/*
 * probe/conn: the harness's own sockets: a run's connection slots, loopback
 * addresses and free ports, and the address a step says to talk to.
 */
#include "run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn *conn_find(struct probe_run *r, const char *name)
{
	for (size_t i = 0; i < r->nconns; i++)
		if (!strcmp(r->conns[i].name, name))
			return &r->conns[i];
	return NULL;
}

void conn_close_fd(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void conn_release(struct conn *c)
{
	conn_close_fd(c);
	sb_release(&c->in);
	sb_release(&c->sent);
	sb_release(&c->received);
	for (size_t i = 0; i < c->ndg; i++)
		free(c->dg[i].data);
	c->ndg = 0;
}

/* Whether an expect_file of the probe compares a file with what connection name received. */
static int received_wanted(const struct probe_run *r, const char *name)
{
	for (size_t i = 0; r->probe && i < r->probe->nsteps; i++) {
		const struct step *s = &r->probe->steps[i];
		if (s->def->kind == STEP_EXPECT_FILE && !strcmp(opt_text(s, "received", ""), name))
			return 1;
	}
	return 0;
}

/* A new connection slot named name; an old one of that name is closed first. */
struct conn *conn_new(struct probe_run *r, const char *name, int fd)
{
	struct conn *c = conn_find(r, name);
	if (c) {
		conn_release(c);
	} else {
		if (r->nconns == MAX_CONNS)
			return NULL;
		c = &r->conns[r->nconns++];
	}
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->fd = fd;
	c->keep_received = received_wanted(r, name);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return c;
}

struct conn *conn_get(struct probe_run *r, const struct step *s, const char *key,
		      const char *dflt)
{
	const char *name = opt_text(s, key, dflt);
	struct conn *c = conn_find(r, name);
	if (!c)
		fail(r, "spec error: no connection '%s' is open at this step", name);
	return c;
}

int conn_changed(struct probe_run *r, void *arg)
{
	struct wait_conn *w = arg;
	(void)r;
	return w->c->in.len != w->len || w->c->ndg != w->ndg || w->c->eof || w->c->rst ||
	       w->c->err || w->c->fd < 0;
}

/* 1 when a step from step `from` on writes on the connection named name, or ends it itself. */
static int steps_ahead_use(const struct probe_run *r, const char *name, int from)
{
	static const char *const writers[] = { "send", "send_payload", "flood" };
	static const char *const enders[] = { "shutdown", "close", "abort" };

	for (size_t i = from < 0 ? 0 : (size_t)from; i < r->probe->nsteps; i++) {
		const struct step *s = &r->probe->steps[i];
		const char *kind = s->def->name;
		const char *value = s->value.present ? s->value.text : "c";
		/* a new connection of that name: what follows is about it, not this one */
		if ((!strcmp(kind, "connect") || !strcmp(kind, "accept")) && !strcmp(value, name))
			return 0;
		for (size_t k = 0; k < sizeof writers / sizeof *writers; k++)
			if (!strcmp(kind, writers[k]) && !strcmp(opt_text(s, "conn", "c"), name))
				return 1;
		for (size_t k = 0; k < sizeof enders / sizeof *enders; k++)
			if (!strcmp(kind, enders[k]) && !strcmp(value, name))
				return 1;
	}
	return 0;
}

void answer_fin(struct probe_run *r, struct conn *c, int from)
{
	if (!c->eof || c->fin_answered || c->fd < 0 || c->udp || c->listener)
		return;
	if (steps_ahead_use(r, c->name, from))
		return;
	c->fin_answered = 1;
	if (shutdown(c->fd, SHUT_WR) == 0)
		note(r, EV_SHUTDOWN, c->name, "the peer closed its side: the harness closes its own, "
			"as a correct peer does once it has sent everything");
}

/* Why reading a connection stopped, other than EOF or a reset. */
const char *read_error(const struct conn *c)
{
	static char buf[128];
	if (c->err == EFBIG)
		snprintf(buf, sizeof buf, "the peer sent more than %d MiB that no step took",
			 MAX_BUFFERED >> 20);
	else
		snprintf(buf, sizeof buf, "reading failed: %s", strerror(c->err));
	return buf;
}

int make_socket(int family, int type)
{
	return socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

int bind_loopback(int fd, int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons((uint16_t)port);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons((uint16_t)port);
		len = sizeof *a;
	}
	return bind(fd, (struct sockaddr *)&ss, len);
}

int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A port the kernel just handed out and nobody holds: for a server to listen on. */
int free_port(int type)
{
	int fd = make_socket(AF_INET, type);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0)
		port = local_port(fd);
	close(fd);
	return port;
}

int resolve(struct probe_run *r, const struct step *s, struct sockaddr_storage *ss,
	    socklen_t *len, int *family)
{
	const char *fam = opt_text(s, "family", "ipv4");
	struct strbuf host = STRBUF_INIT, port = STRBUF_INIT;
	const struct step_arg *h = step_opt(s, "host");
	const struct step_arg *p = step_opt(s, "port");
	int rc = -1;

	*family = !strcmp(fam, "ipv6") ? AF_INET6 : AF_INET;
	if (h) {
		if (subst(r, h->text, h->len, &host) < 0)
			goto out;
	} else {
		sb_adds(&host, *family == AF_INET6 ? "::1" : "127.0.0.1");
	}
	if (p) {
		if (subst(r, p->text, p->len, &port) < 0)
			goto out;
	} else if (var_get(r, "port")) {
		sb_adds(&port, var_get(r, "port"));
	} else {
		fail(r, "spec error: no port to use (start a server or give 'port')");
		goto out;
	}
	memset(ss, 0, sizeof *ss);
	int pn = atoi(port.buf);
	if (*family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET6, host.buf, &a->sin6_addr) != 1) {
			fail(r, "spec error: '%s' is not an IPv6 address", host.buf);
			goto out;
		}
		*len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET, host.buf, &a->sin_addr) != 1) {
			fail(r, "spec error: '%s' is not an IPv4 address", host.buf);
			goto out;
		}
		*len = sizeof *a;
	}
	rc = 0;
out:
	sb_release(&host);
	sb_release(&port);
	return rc;
}
