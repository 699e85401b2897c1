/*
 * probe: one interpreter for every probe. A probe is a list of steps; each
 * step kind is a function with the same signature, listed in step_table at
 * the end of this file with the options it takes (spec.c validates specs
 * against that table). A new step kind is a function and a table row.
 *
 * Every wait is a deadline on the monotonic clock served by one poll loop,
 * pump(), which also reads every open connection into its buffer and drains
 * the output of every started program, so that neither side can block the
 * other. The only sleep is a pause that a spec asks for, and that too is a
 * pump() until its deadline.
 */
#include "probe.h"
#include "launch.h"
#include "match.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 32
#define MAX_PROCS 8
#define MAX_HELD 8
#define MAX_DGRAMS 256
#define SETTLE_MS 50		/* how long bytes after a match may lag behind and still count */
#define QUIET_MS 200		/* silence that ends what the reference said */
#define TRANSCRIPT_CAP (256 * 1024)
#define MAX_EVENTS 20000	/* events kept per probe; the rest are folded into the last */
#define MAX_BUFFERED (64 << 20)	/* bytes a peer may send that no step has taken yet */
#define READS_PER_TURN 16	/* reads of one connection before pump() looks at the clock again */

struct dgram {
	char *data;
	size_t len;
	int port;		/* the sender's port */
};

struct conn {
	char name[64];
	int fd;			/* -1 once closed */
	int udp;
	int listener;		/* a listening socket of the harness */
	int port;		/* listener: its port */
	int eof, rst;
	int err;		/* errno of a failed read other than a reset */
	int noread;		/* flooded, or still connecting: the harness does not read it */
	int served;		/* a UDP socket the harness serves on (listen): replies come from clients */
	struct strbuf in;	/* TCP: received and not yet consumed */
	struct strbuf sent;	/* TCP: sent since the last expect_echo; UDP: the last datagram */
	struct sockaddr_storage from; /* UDP: the sender of the last datagram */
	socklen_t fromlen;
	struct dgram dg[MAX_DGRAMS]; /* UDP: datagrams received and not yet consumed */
	size_t ndg;
};

struct proc {
	char *program;
	char *argv;
	struct sbproc *p;
	int fds_at_ready;	/* open descriptors when it became ready, or -1 */
	int exit_noted;		/* its end is in the transcript */
};

struct probe_run {
	const struct probe_env *env;
	const struct probe *probe;
	int step;
	int run;		/* which repetition of the probe */
	uint64_t rng;
	int64_t t0;
	struct probe_var *vars;
	size_t nvars;
	struct conn conns[MAX_CONNS];
	size_t nconns;
	struct proc procs[MAX_PROCS];
	size_t nprocs;
	int held[MAX_HELD];	/* sockets that keep a port taken */
	size_t nheld;
	int watch_fd;		/* pump() also watches this fd, or -1 */
	short watch_events;	/* for these events */
	int watch_hit;		/* set when they came */
	size_t transcript_bytes;
	int64_t blocked_us;	/* time spent waiting on programs, peers and pauses */
	struct probe_result *res;
};

const char *event_name(enum event_kind k)
{
	static const char *const names[] = {
		[EV_SEND] = "send", [EV_RECV] = "recv", [EV_CONNECT] = "connect",
		[EV_ACCEPT] = "accept", [EV_REFUSED] = "refused", [EV_FIN] = "FIN",
		[EV_RST] = "RST", [EV_CLOSE] = "close", [EV_ABORT] = "abort (RST)",
		[EV_SHUTDOWN] = "shutdown", [EV_START] = "start", [EV_READY] = "ready",
		[EV_EXIT] = "exit", [EV_STDIN] = "stdin", [EV_TIMEOUT] = "timeout",
		[EV_NOTE] = "note",
	};
	return names[k];
}

/* ---- results ---- */

static void ev(struct probe_run *r, enum event_kind k, const char *who, const void *data, size_t len)
{
	struct probe_result *res = r->res;
	/*
	 * Past the transcript's cap, bytes are counted, not kept: a run of sends
	 * or receives on one connection folds into its last event, and past the
	 * event cap everything folds into the last one.
	 */
	if (res->nevents && (r->transcript_bytes >= TRANSCRIPT_CAP || res->nevents >= MAX_EVENTS)) {
		struct event *last = &res->events[res->nevents - 1];
		if (res->nevents >= MAX_EVENTS ||
		    (last->kind == k && (k == EV_SEND || k == EV_RECV) && !strcmp(last->who, who ? who : ""))) {
			last->len += len;
			return;
		}
	}
	res->events = xrealloc(res->events, (res->nevents + 1) * sizeof *res->events);
	struct event *e = &res->events[res->nevents++];
	size_t keep = len < EVENT_KEEP ? len : EVENT_KEEP;
	if (r->transcript_bytes >= TRANSCRIPT_CAP)
		keep = 0;
	r->transcript_bytes += keep;
	e->t_ms = now_ms() - r->t0;
	e->kind = k;
	e->who = xstrdup(who ? who : "");
	e->data = xstrndup(data ? data : "", keep);
	e->kept = keep;
	e->len = len;
}

static void note(struct probe_run *r, enum event_kind k, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void note(struct probe_run *r, enum event_kind k, const char *who, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	ev(r, k, who, sb.buf, sb.len);
	sb_release(&sb);
}

static int fail(struct probe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct probe_run *r, const char *fmt, ...)
{
	if (r->res->why)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->res->why = sb_detach(&sb, NULL);
	r->res->failed_step = r->step;
	return -1;
}

static void set_expected(struct probe_run *r, const char *data, size_t len)
{
	free(r->res->expected);
	r->res->expected = xstrndup(data, len);
	r->res->expected_len = len;
	r->res->has_expected = 1;
}

static void set_observed(struct probe_run *r, const char *data, size_t len, long diff_at)
{
	free(r->res->observed);
	r->res->observed = xstrndup(data, len);
	r->res->observed_len = len;
	r->res->has_observed = 1;
	r->res->diff_at = diff_at;
}

/* ---- variables ---- */

static struct probe_var *var_find(struct probe_run *r, const char *name, size_t nlen)
{
	for (size_t i = 0; i < r->nvars; i++)
		if (strlen(r->vars[i].name) == nlen && !memcmp(r->vars[i].name, name, nlen))
			return &r->vars[i];
	return NULL;
}

static void var_set(struct probe_run *r, const char *name, const char *value, size_t len)
{
	struct probe_var *v = var_find(r, name, strlen(name));
	if (!v) {
		r->vars = xrealloc(r->vars, (r->nvars + 1) * sizeof *r->vars);
		v = &r->vars[r->nvars++];
		v->name = xstrdup(name);
	} else {
		free(v->value);
	}
	v->value = xstrndup(value, len);
	v->len = len;
}

static void var_set_int(struct probe_run *r, const char *name, int n)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%d", n);
	var_set(r, name, buf, (size_t)len);
}

static const char *var_get(struct probe_run *r, const char *name)
{
	struct probe_var *v = var_find(r, name, strlen(name));
	return v ? v->value : NULL;
}

/* Replaces {name} by the variable's value; {{ and }} stand for braces. */
static int subst(struct probe_run *r, const char *s, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '{' && i + 1 < len && s[i + 1] == '{') {
			sb_addc(out, '{');
			i++;
		} else if (s[i] == '}' && i + 1 < len && s[i + 1] == '}') {
			sb_addc(out, '}');
			i++;
		} else if (s[i] == '{') {
			const char *end = memchr(s + i, '}', len - i);
			if (!end)
				return fail(r, "unclosed '{' in '%.*s'", (int)len, s);
			struct probe_var *v = var_find(r, s + i + 1, (size_t)(end - s - i - 1));
			if (!v)
				return fail(r, "spec error: no variable '%.*s' is set before this step",
					    (int)(end - s - i - 1), s + i + 1);
			sb_add(out, v->value, v->len);
			i = (size_t)(end - s);
		} else {
			sb_addc(out, s[i]);
		}
	}
	return 0;
}

/* ---- option helpers ---- */

static int64_t within(struct probe_run *r, const struct step *s)
{
	const struct step_arg *a = step_opt(s, "within");
	return now_ms() + scaled_ms(a ? a->num : r->env->spec->within_ms);
}

static const char *opt_text(const struct step *s, const char *key, const char *dflt)
{
	const struct step_arg *a = step_opt(s, key);
	return a ? a->text : dflt;
}

static struct conn *conn_find(struct probe_run *r, const char *name)
{
	for (size_t i = 0; i < r->nconns; i++)
		if (!strcmp(r->conns[i].name, name))
			return &r->conns[i];
	return NULL;
}

static void conn_close_fd(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void conn_release(struct conn *c)
{
	conn_close_fd(c);
	sb_release(&c->in);
	sb_release(&c->sent);
	for (size_t i = 0; i < c->ndg; i++)
		free(c->dg[i].data);
	c->ndg = 0;
}

/* A new connection slot named name; an old one of that name is closed first. */
static struct conn *conn_new(struct probe_run *r, const char *name, int fd)
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
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return c;
}

static struct conn *conn_get(struct probe_run *r, const struct step *s, const char *key,
			     const char *dflt)
{
	const char *name = opt_text(s, key, dflt);
	struct conn *c = conn_find(r, name);
	if (!c)
		fail(r, "spec error: no connection '%s' is open at this step", name);
	return c;
}

static struct proc *proc_get(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "program", NULL);
	for (size_t i = r->nprocs; i-- > 0;)
		if (!name || !strcmp(r->procs[i].program, name))
			return &r->procs[i];
	fail(r, "spec error: %s%s%s has not been started at this step", name ? "'" : "no program",
	     name ? name : "", name ? "'" : "");
	return NULL;
}

/* ---- the event loop ---- */

static void conn_read(struct probe_run *r, struct conn *c)
{
	char buf[65536];

	for (int turn = 0; turn < READS_PER_TURN; turn++) {
		if (c->in.len >= MAX_BUFFERED) {
			/* a peer that floods the harness gets no more of its memory */
			c->err = EFBIG;
			note(r, EV_NOTE, c->name, "more than %d MiB arrived that no step took: no longer read",
			     MAX_BUFFERED >> 20);
			return;
		}
		if (c->udp) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(c->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN) {
					c->err = errno;
					note(r, EV_NOTE, c->name, "recvfrom: %s", strerror(errno));
				}
				return;
			}
			c->from = from;
			c->fromlen = fl;
			int port = from.ss_family == AF_INET6 ?
					   ntohs(((struct sockaddr_in6 *)&from)->sin6_port) :
					   ntohs(((struct sockaddr_in *)&from)->sin_port);
			ev(r, EV_RECV, c->name, buf, (size_t)n);
			if (c->ndg < MAX_DGRAMS) {
				c->dg[c->ndg].data = xstrndup(buf, (size_t)n);
				c->dg[c->ndg].len = (size_t)n;
				c->dg[c->ndg].port = port;
				c->ndg++;
			}
			continue;
		}
		ssize_t n = read(c->fd, buf, sizeof buf);
		if (n > 0) {
			sb_add(&c->in, buf, (size_t)n);
			ev(r, EV_RECV, c->name, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			ev(r, EV_FIN, c->name, NULL, 0);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return;
		if (errno == ECONNRESET) {
			c->rst = 1;
			ev(r, EV_RST, c->name, NULL, 0);
		} else {
			c->err = errno;
			note(r, EV_NOTE, c->name, "read: %s", strerror(errno));
		}
		return;
	}
}

/* Puts a program's end in the transcript, once. */
static void note_exit(struct probe_run *r, struct proc *pr)
{
	if (pr->exit_noted || !sbproc_ended(pr->p))
		return;
	struct strbuf d = STRBUF_INIT;
	verdict_describe(sbproc_verdict(pr->p), &d);
	ev(r, EV_EXIT, pr->program, d.buf, d.len);
	sb_release(&d);
	pr->exit_noted = 1;
}

/* Why reading a connection stopped, other than EOF or a reset. */
static const char *read_error(const struct conn *c)
{
	static char buf[128];
	if (c->err == EFBIG)
		snprintf(buf, sizeof buf, "the peer sent more than %d MiB that no step took",
			 MAX_BUFFERED >> 20);
	else
		snprintf(buf, sizeof buf, "reading failed: %s", strerror(c->err));
	return buf;
}

typedef int (*done_fn)(struct probe_run *r, void *arg);

/*
 * Serves every connection and program until done() says so (1) or the
 * deadline passes (0). A NULL done waits for the deadline.
 */
static int pump(struct probe_run *r, int64_t deadline, done_fn done, void *arg)
{
	struct pollfd fds[MAX_CONNS + 3 * MAX_PROCS + 1];
	struct conn *who[MAX_CONNS + 3 * MAX_PROCS + 1];
	struct sbproc *owner[MAX_CONNS + 3 * MAX_PROCS + 1];

	for (;;) {
		if (done && done(r, arg))
			return 1;
		int n = 0;
		for (size_t i = 0; i < r->nconns; i++) {
			struct conn *c = &r->conns[i];
			if (c->fd < 0 || c->listener || c->noread || c->eof || c->rst || c->err)
				continue;
			fds[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			who[n] = c;
			owner[n++] = NULL;
		}
		for (size_t i = 0; i < r->nprocs; i++) {
			int k = sbproc_pollfds(r->procs[i].p, fds + n, 3);
			for (int j = 0; j < k; j++) {
				who[n + j] = NULL;
				owner[n + j] = r->procs[i].p;
			}
			n += k;
		}
		int wfd = -1;
		if (r->watch_fd >= 0 && !r->watch_hit) {
			wfd = n;
			fds[n] = (struct pollfd){ .fd = r->watch_fd, .events = r->watch_events };
			who[n] = NULL;
			owner[n++] = NULL;
		}
		/* even at the deadline, one poll: what has already happened counts */
		int left = ms_left(deadline);
		int64_t t0 = now_us();
		int rc = poll(fds, (nfds_t)n, left);
		r->blocked_us += now_us() - t0;
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fail(r, "harness error: poll: %s", strerror(errno));
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (!fds[i].revents)
				continue;
			if (i == wfd)
				r->watch_hit = 1;
			else if (who[i])
				conn_read(r, who[i]);
		}
		/* a process's fds are handled together, once */
		for (int i = 0; i < n; i++) {
			if (!owner[i])
				continue;
			int j = i;
			while (j < n && owner[j] == owner[i])
				j++;
			sbproc_events(owner[i], fds + i, j - i);
			for (size_t k = 0; k < r->nprocs; k++)
				if (r->procs[k].p == owner[i])
					note_exit(r, &r->procs[k]);
			i = j - 1;
		}
		if (!left || (rc == 0 && !ms_left(deadline)))
			return done ? done(r, arg) : 0;
	}
}

static int watch_done(struct probe_run *r, void *arg)
{
	(void)arg;
	return r->watch_hit;
}

/* Waits for events on fd, serving everything else meanwhile; 1 when they came. */
static int wait_fd(struct probe_run *r, int fd, short events, int64_t deadline)
{
	r->watch_fd = fd;
	r->watch_events = events;
	r->watch_hit = 0;
	pump(r, deadline, watch_done, NULL);
	r->watch_fd = -1;
	return r->watch_hit;
}

/* Seconds of the step's deadline, for messages. */
static double within_s(struct probe_run *r, const struct step *s)
{
	const struct step_arg *a = step_opt(s, "within");
	return (double)scaled_ms(a ? a->num : r->env->spec->within_ms) / 1000;
}

/* Writes all of data to c, serving everything else while the socket is full. */
static int send_all(struct probe_run *r, struct conn *c, const char *data, size_t len,
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


/* ---- sockets of the harness ---- */

static int make_socket(int family, int type)
{
	return socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

static int bind_loopback(int fd, int family, int port)
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

static int local_port(int fd)
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
static int free_port(int type)
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

static int resolve(struct probe_run *r, const struct step *s, struct sockaddr_storage *ss,
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

/* ---- steps: processes ---- */

static void describe_end(const struct sbproc *p, struct strbuf *sb)
{
	verdict_describe(sbproc_verdict(p), sb);
	const struct capture *e = sbproc_stderr(p);
	if (e->total) {
		struct strbuf tail = STRBUF_INIT;
		capture_tail(e, 200, &tail);
		sb_adds(sb, "; its stderr ends with \"");
		sb_add_escaped(sb, tail.buf, tail.len);
		sb_adds(sb, "\"");
		sb_release(&tail);
	}
}

/* Writes text to a program's stdin (a pipe), serving everything else while it is full. */
static int write_stdin(struct probe_run *r, struct proc *pr, const struct step_arg *text, int close_after,
		       int64_t deadline)
{
	struct strbuf data = STRBUF_INIT;
	int rc = -1;

	if (subst(r, text->text, text->len, &data) < 0)
		goto out;
	int fd = sbproc_stdin(pr->p);
	if (fd < 0) {
		fail(r, "spec error: %s's stdin is not open (give 'stdin' when starting it)", pr->program);
		goto out;
	}
	size_t off = 0;
	while (off < data.len) {
		ssize_t n = write(fd, data.buf + off, data.len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(r, fd, POLLOUT, deadline))
			continue;
		break;	/* a program that stopped reading (or ended) gets no more */
	}
	ev(r, EV_STDIN, pr->program, data.buf, off);
	if (close_after)
		sbproc_close_stdin(pr->p);
	rc = 0;
out:
	sb_release(&data);
	return rc;
}

static int step_start(struct probe_run *r, const struct step *s)
{
	const struct spec *spec = r->env->spec;
	const struct program *prog = spec_program(spec, s->value.text);
	size_t idx = (size_t)(prog - spec->programs);
	const char *ready = opt_text(s, "ready", prog->ready);
	const struct step_arg *argv_opt = step_opt(s, "argv");
	char **tmpl = argv_opt ? argv_opt->list : prog->argv;
	size_t ntmpl = argv_opt ? argv_opt->nlist : prog->argc;
	int rc = -1;

	if (!r->env->bins[idx])
		return fail(r, "%s was not built: %s", prog->name,
			    r->env->build_why[idx] ? r->env->build_why[idx] : "unknown reason");
	if (r->nprocs == MAX_PROCS)
		return fail(r, "spec error: more than %d programs in one probe", MAX_PROCS);

	int want_port = -1;
	const struct step_arg *same = step_opt(s, "same_port");
	if (same && same->num) {
		if (!var_get(r, "port"))
			return fail(r, "spec error: same_port, but no port was used before");
		want_port = atoi(var_get(r, "port"));
	} else if (strcmp(ready, "none")) {
		want_port = free_port(!strcmp(ready, "udp") ? SOCK_DGRAM : SOCK_STREAM);
		if (want_port < 0)
			return fail(r, "harness error: no free port: %s", strerror(errno));
		var_set_int(r, "port", want_port);
	}
	if (!var_get(r, "host"))
		var_set(r, "host", "127.0.0.1", 9);

	const char **argv = xcalloc(ntmpl + 2, sizeof *argv);
	struct strbuf shown = STRBUF_INIT;
	/* argv[0] as a shell in the submission's folder gives it: no scratch path in a usage line */
	const char *bin = r->env->bins[idx];
	size_t wl = strlen(r->env->workdir);
	char arg0[512];
	int rel = !strncmp(bin, r->env->workdir, wl) && bin[wl] == '/' &&
		  snprintf(arg0, sizeof arg0, ".%s", bin + wl) < (int)sizeof arg0;
	argv[0] = rel ? arg0 : bin;
	sb_adds(&shown, prog->name);
	for (size_t i = 0; i < ntmpl; i++) {
		struct strbuf a = STRBUF_INIT;
		if (subst(r, tmpl[i], strlen(tmpl[i]), &a) < 0) {
			sb_release(&a);
			goto out;
		}
		argv[i + 1] = sb_detach(&a, NULL);
		sb_addf(&shown, " %s", argv[i + 1]);
	}

	struct sandbox_limits lim;
	sandbox_default_limits(&lim);
	/* the spec's limits, then the program's own, over the defaults */
	const struct spec_limits *ls[2] = { &spec->limits, &prog->limits };
	for (int i = 0; i < 2; i++) {
		if (ls[i]->cpu_ms >= 0)
			lim.cpu_ms = ls[i]->cpu_ms;
		if (ls[i]->memory_mb >= 0)
			lim.memory_mb = ls[i]->memory_mb;
		if (ls[i]->nofile >= 0)
			lim.nofile = (int)ls[i]->nofile;
		if (ls[i]->fsize_mb >= 0)
			lim.fsize_mb = ls[i]->fsize_mb;
		if (ls[i]->output_kb >= 0)
			lim.output_cap = (size_t)ls[i]->output_kb * 1024;
	}
	const struct step_arg *in = step_opt(s, "stdin");
	struct spawn sp = { .argv = argv, .cwd = r->env->workdir, .stdin_pipe = in != NULL,
			    .stdout_pty = prog->stdout_pty, .lim = &lim };
	char err[ERRLEN];
	struct sbproc *p;
	if (sandbox_spawn(r->env->sb, &sp, &p, err) < 0) {
		fail(r, "%s", err);
		goto out;
	}
	struct proc *pr = &r->procs[r->nprocs++];
	pr->program = xstrdup(prog->name);
	pr->argv = xstrdup(shown.buf);
	pr->p = p;
	pr->fds_at_ready = -1;
	pr->exit_noted = 0;
	ev(r, EV_START, prog->name, shown.buf, shown.len);
	if (in) {
		const struct step_arg *open_ = step_opt(s, "stdin_open");
		if (write_stdin(r, pr, in, !(open_ && open_->num), now_ms() + scaled_ms(spec->within_ms)) < 0)
			goto out;
	}

	if (!strcmp(ready, "none")) {
		rc = 0;
		goto out;
	}
	const struct step_arg *rw = step_opt(s, "ready_within");
	int64_t deadline = now_ms() + scaled_ms(rw ? rw->num : spec->ready_within_ms);
	struct endpoint eps[16];
	int n;
	int st = launch_wait_ready(p, ready, deadline, eps, 16, &n, &r->blocked_us);
	if (st < 0) {
		struct strbuf d = STRBUF_INIT;
		describe_end(p, &d);
		note_exit(r, pr);
		fail(r, "%s ended before it was %s: %s", prog->name,
		     !strcmp(ready, "udp") ? "bound to a UDP port" : "listening", d.buf);
		sb_release(&d);
		goto out;
	}
	if (st == 0) {
		ev(r, EV_TIMEOUT, prog->name, NULL, 0);
		sbproc_timeout(p);
		note_exit(r, pr);
		fail(r, "%s was not %s within %.1fs", prog->name,
		     !strcmp(ready, "udp") ? "bound to a UDP port" : "listening on a TCP port",
		     (double)scaled_ms(rw ? rw->num : spec->ready_within_ms) / 1000);
		goto out;
	}
	struct endpoint *ep = NULL;
	for (int i = 0; i < n; i++)
		if (eps[i].port == want_port && (!ep || eps[i].family == AF_INET))
			ep = &eps[i];
	if (!ep) {
		const struct step_arg *any = step_opt(s, "any_port");
		if (!any || !any->num) {
			fail(r, "%s listens on port %d, not on port %d given in argv", prog->name,
			     eps[0].port, want_port);
			goto out;
		}
		ep = &eps[0];
		note(r, EV_NOTE, prog->name, "listens on port %d instead of %d; probing port %d",
		     ep->port, want_port, ep->port);
		var_set_int(r, "port", ep->port);
	}
	const char *addr = opt_text(s, "address", NULL);
	if (addr && !strcmp(addr, "any") && !endpoint_is_any(ep)) {
		fail(r, "%s listens on %s only, not on every address", prog->name, ep->addr);
		goto out;
	}
	note(r, EV_READY, prog->name, "%s %s port %d", !strcmp(ready, "udp") ? "bound to" : "listening on",
	     ep->addr, ep->port);
	pr->fds_at_ready = launch_count_fds(sbproc_pid(p));
	rc = 0;
out:
	for (size_t i = 1; i <= ntmpl; i++)
		free((char *)argv[i]);
	free(argv);
	sb_release(&shown);
	return rc;
}

static int proc_ended(struct probe_run *r, void *arg)
{
	(void)r;
	return sbproc_ended(((struct proc *)arg)->p);
}

static int step_expect_exit(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	int64_t deadline = within(r, s);
	if (!pump(r, deadline, proc_ended, pr)) {
		ev(r, EV_TIMEOUT, pr->program, NULL, 0);
		sbproc_timeout(pr->p);
		return fail(r, "%s was still running after %.1fs; expected it to exit", pr->program,
			    within_s(r, s));
	}
	const struct verdict *v = sbproc_verdict(pr->p);
	int64_t want = s->value.num;
	struct strbuf d = STRBUF_INIT;
	describe_end(pr->p, &d);
	int exited = v->status == V_OK || v->status == V_EXIT;
	int ok = want == -2 ? exited || v->status == V_SIGNAL :
		 want == -1 ? v->status == V_EXIT : exited && v->exit_code == want;
	int rc = 0;
	if (!ok) {
		if (want == -2)
			rc = fail(r, "%s %s; expected it to exit", pr->program, d.buf);
		else if (want == -1)
			rc = fail(r, "%s %s; expected an exit with a non-zero status", pr->program, d.buf);
		else
			rc = fail(r, "%s %s; expected exit status %d", pr->program, d.buf, (int)want);
	}
	sb_release(&d);
	return rc;
}

/* Text from the step's value, or what the reference produced at this step. */
static int expectation(struct probe_run *r, const struct step *s, struct strbuf *want,
		       int *record)
{
	const char *from = opt_text(s, "from", NULL);
	*record = 0;
	if (from && !strcmp(from, "reference")) {
		if (r->env->is_reference) {
			*record = 1;
			return 0;
		}
		const struct ref_obs *o = r->env->ref ? ref_find(r->env->ref, r->probe->name, r->step, r->run) :
						       NULL;
		if (!o)
			return fail(r, "harness error: no reference output recorded for step %d",
				    r->step + 1);
		sb_add(want, o->data, o->len);
		return 0;
	}
	return subst(r, s->value.text, s->value.len, want);
}

/* ---- steps: connections ---- */

struct wait_conn {
	struct conn *c;
	size_t len;		/* buffer length when the wait began */
	size_t ndg;
};

static int conn_changed(struct probe_run *r, void *arg)
{
	struct wait_conn *w = arg;
	(void)r;
	return w->c->in.len != w->len || w->c->ndg != w->ndg || w->c->eof || w->c->rst ||
	       w->c->err || w->c->fd < 0;
}

static int step_connect(struct probe_run *r, const struct step *s)
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

static int step_send(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	struct strbuf data = STRBUF_INIT;
	const struct step_arg *pieces = step_opt(s, "pieces");
	const struct step_arg *pause = step_opt(s, "pause");
	int rc = -1;

	if (!c || subst(r, s->value.text, s->value.len, &data) < 0)
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

static int step_expect(struct probe_run *r, const struct step *s)
{
	struct conn *c = conn_get(r, s, "conn", "c");
	struct strbuf want = STRBUF_INIT;
	int record, rc = -1;

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
	int mode = match_mode_parse(opt_text(s, "match", "exact"));
	const char *tol_s = opt_text(s, "tolerate", "none");
	enum match_tolerance tol = !strcmp(tol_s, "nul_or_newline") ? TOL_NUL_OR_NEWLINE : TOL_NONE;
	int64_t deadline = within(r, s);
	int final = 0;
	for (;;) {
		size_t used;
		long diff;
		char err[ERRLEN] = "";
		if (c->eof || c->rst || c->err || c->fd < 0)
			final = 1;
		enum match_verdict m = match_bytes(mode, tol, want.buf ? want.buf : "", want.len,
						   c->in.buf ? c->in.buf : "", c->in.len, final,
						   &used, &diff, err);
		if (m == MATCH_YES) {
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
			else if (mode == MATCH_EXACT && diff >= (long)want.len)
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

static int step_expect_eof(struct probe_run *r, const struct step *s)
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

static int step_close(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct conn *c = conn_find(r, name);
	if (!c)
		return fail(r, "spec error: no connection '%s' to close", name);
	conn_close_fd(c);
	ev(r, EV_CLOSE, name, NULL, 0);
	return 0;
}

static int step_abort(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct conn *c = conn_find(r, name);
	if (!c || c->fd < 0)
		return fail(r, "spec error: no open connection '%s' to abort", name);
	struct linger lg = { 1, 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	conn_close_fd(c);
	ev(r, EV_ABORT, name, NULL, 0);
	return 0;
}

static int step_listen(struct probe_run *r, const struct step *s)
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

static int step_accept(struct probe_run *r, const struct step *s)
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
					describe_end(r->procs[i].p, &d);
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
	note(r, EV_ACCEPT, name, "from port %d",
	     ntohs(from.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&from)->sin6_port :
						((struct sockaddr_in *)&from)->sin_port));
	return 0;
}

static int step_unused_port(struct probe_run *r, const struct step *s)
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

static int step_random(struct probe_run *r, const struct step *s)
{
	static const char *const sets[][2] = {
		{ "alnum", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" },
		{ "alpha", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
		{ "digits", "0123456789" },
	};
	const struct step_arg *len = step_opt(s, "length");
	const char *cs = opt_text(s, "charset", "alnum");
	size_t n = len ? (size_t)len->num : 12;
	char *buf = xmalloc(n + 1);
	const char *set = NULL;

	for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
		if (!strcmp(sets[i][0], cs))
			set = sets[i][1];
	for (size_t i = 0; i < n; i++) {
		uint64_t x = rng_next(&r->rng);
		buf[i] = set ? set[x % strlen(set)] : (char)(x & 0xff);
	}
	var_set(r, s->value.text, buf, n);
	r->res->vars = xrealloc(r->res->vars, (r->res->nvars + 1) * sizeof *r->res->vars);
	struct probe_var *v = &r->res->vars[r->res->nvars++];
	v->name = xstrdup(s->value.text);
	v->value = xstrndup(buf, n);
	v->len = n;
	free(buf);
	return 0;
}

static int step_pause(struct probe_run *r, const struct step *s)
{
	pump(r, now_ms() + scaled_ms(s->value.num), NULL, NULL);
	return 0;
}

/* ---- steps: UDP ---- */

static int step_udp_send(struct probe_run *r, const struct step *s)
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

static int step_udp_expect(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = conn_find(r, name);
	struct strbuf want = STRBUF_INIT;
	int record, rc = -1;

	if (!c || !c->udp) {
		fail(r, "spec error: no UDP socket '%s' at this step", name);
		goto out;
	}
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
		int mode = match_mode_parse(opt_text(s, "match", "exact"));
		size_t used;
		long diff;
		char err[ERRLEN] = "";
		enum match_verdict m = match_bytes(mode, TOL_NONE, want.buf ? want.buf : "", want.len,
						   d.data, d.len, 1, &used, &diff, err);
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

/* ---- steps: program output ---- */

struct wait_out {
	struct proc *pr;
	int err;		/* 1: stderr, 0: stdout */
	enum match_mode mode;
	const struct strbuf *want;
};

static const struct capture *output_of(const struct proc *pr, int err)
{
	return err ? sbproc_stderr(pr->p) : sbproc_stdout(pr->p);
}

static int output_matches(struct probe_run *r, void *arg)
{
	struct wait_out *w = arg;
	struct strbuf out = STRBUF_INIT;
	size_t used;
	long diff;
	char err[ERRLEN];
	(void)r;
	capture_text(output_of(w->pr, w->err), &out);
	int ended = sbproc_ended(w->pr->p);
	enum match_verdict m = match_bytes(w->mode, TOL_NONE, w->want->buf ? w->want->buf : "",
					   w->want->len, out.buf ? out.buf : "", out.len, ended, &used,
					   &diff, err);
	sb_release(&out);
	return m == MATCH_YES || m == MATCH_YES_MORE || ended;
}

/* expect_stdout and expect_stderr: waits until the stream holds the text, the program ends, or the deadline. */
static int expect_output(struct probe_run *r, const struct step *s, int errstream)
{
	struct proc *pr = proc_get(r, s);
	struct strbuf want = STRBUF_INIT, out = STRBUF_INIT;
	int record, rc = -1;
	const char *what = errstream ? "stderr" : "stdout";

	if (!pr || expectation(r, s, &want, &record) < 0)
		goto out;
	int mode = match_mode_parse(opt_text(s, "match", "contains"));
	struct wait_out w = { pr, errstream, (enum match_mode)mode, &want };
	int64_t deadline = within(r, s);
	if (record) {
		pump(r, deadline, proc_ended, pr);
		capture_text(output_of(pr, errstream), &out);
		ref_add(r->env->ref, r->probe->name, r->step, r->run, out.buf ? out.buf : "", out.len);
		rc = 0;
		goto out;
	}
	int in_time = pump(r, deadline, output_matches, &w);
	capture_text(output_of(pr, errstream), &out);
	size_t used;
	long diff;
	char err[ERRLEN] = "";
	enum match_verdict m = match_bytes(mode, TOL_NONE, want.buf ? want.buf : "", want.len,
					   out.buf ? out.buf : "", out.len, 1, &used, &diff, err);
	if (m == MATCH_YES) {
		rc = 0;
		goto out;
	}
	set_expected(r, want.buf ? want.buf : "", want.len);
	set_observed(r, out.buf ? out.buf : "", out.len, mode == MATCH_CONTAINS ? -1 : diff);
	if (*err)
		fail(r, "spec error: %s", err);
	else if (!in_time)
		fail(r, "%s did not print the expected text on %s within %.1fs", pr->program, what,
		     within_s(r, s));
	else {
		struct strbuf d = STRBUF_INIT;
		describe_end(pr->p, &d);
		fail(r, "%s %s without printing the expected text on %s", pr->program, d.buf, what);
		sb_release(&d);
	}
out:
	sb_release(&want);
	sb_release(&out);
	return rc;
}

static int step_expect_stdout(struct probe_run *r, const struct step *s)
{
	return expect_output(r, s, 0);
}

static int step_expect_stderr(struct probe_run *r, const struct step *s)
{
	return expect_output(r, s, 1);
}

/* ---- steps: streams ---- */

/* Exactly the bytes sent on the connection since the last expect_echo, checked as they come. */
static int step_expect_echo(struct probe_run *r, const struct step *s)
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

/*
 * Payload bytes: each block of 256 holds all 256 values once, so that every
 * payload holds NUL, 0xff and the rest, and a strlen() or a text-only echo
 * cannot pass by luck. A fresh shuffle every 64 blocks; each block between is
 * that shuffle rotated and XORed with a byte (both bijections), drawn per
 * block, so that blocks differ and a 64 MiB payload costs the harness little.
 */
static void fill_random(struct probe_run *r, char *buf, size_t n)
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

static int step_send_payload(struct probe_run *r, const struct step *s)
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
	fill_random(r, buf, n);
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

/* Sends without reading the replies until the peer stops taking data: a client that vanishes. */
static int step_flood(struct probe_run *r, const struct step *s)
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
	fill_random(r, buf, n < sizeof buf ? n : sizeof buf);
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

static int step_shutdown(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : "c";
	struct conn *c = conn_find(r, name);
	if (!c || c->fd < 0)
		return fail(r, "spec error: no open connection '%s' to shut down", name);
	if (shutdown(c->fd, SHUT_WR) < 0)
		return fail(r, "shutdown: %s", strerror(errno));
	ev(r, EV_SHUTDOWN, name, NULL, 0);
	return 0;
}

static int step_expect_silence(struct probe_run *r, const struct step *s)
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

static int step_expect_reset(struct probe_run *r, const struct step *s)
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

/* ---- steps: processes ---- */

static int step_signal(struct probe_run *r, const struct step *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "SIGINT", SIGINT }, { "SIGTERM", SIGTERM }, { "SIGHUP", SIGHUP },
		{ "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 },
	};
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (!strcmp(sigs[i].name, s->value.text)) {
			pump(r, now_ms(), NULL, NULL);
			if (sbproc_ended(pr->p)) {
				struct strbuf d = STRBUF_INIT;
				describe_end(pr->p, &d);
				int rc = fail(r, "%s had already ended before %s: %s", pr->program,
					      sigs[i].name, d.buf);
				sb_release(&d);
				return rc;
			}
			sbproc_signal(pr->p, sigs[i].sig);
			note(r, EV_NOTE, pr->program, "sent %s", sigs[i].name);
			return 0;
		}
	return fail(r, "spec error: unknown signal '%s'", s->value.text);
}

static int step_alive(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : NULL;
	struct proc *pr = NULL;
	for (size_t i = r->nprocs; i-- > 0;)
		if (!name || !strcmp(r->procs[i].program, name)) {
			pr = &r->procs[i];
			break;
		}
	if (!pr)
		return fail(r, "spec error: %s has not been started", name ? name : "no program");
	pump(r, now_ms(), NULL, NULL);
	if (!sbproc_ended(pr->p))
		return 0;
	struct strbuf d = STRBUF_INIT;
	describe_end(pr->p, &d);
	int rc = fail(r, "%s is no longer running: %s", pr->program, d.buf);
	sb_release(&d);
	return rc;
}

static int step_stdin(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	const struct step_arg *cl = step_opt(s, "close");
	if (!pr)
		return -1;
	return write_stdin(r, pr, &s->value, cl && cl->num, within(r, s));
}

static int step_expect_no_zombies(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	pump(r, now_ms(), NULL, NULL);
	if (sbproc_ended(pr->p))
		return fail(r, "%s is no longer running", pr->program);
	int z = launch_count_zombies(sbproc_pid(pr->p));
	if (z > 0)
		return fail(r, "%s has %d zombie child process%s: it does not reap its children",
			    pr->program, z, z == 1 ? "" : "es");
	return 0;
}

static int step_expect_no_fd_leak(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	pump(r, now_ms(), NULL, NULL);
	if (sbproc_ended(pr->p))
		return fail(r, "%s is no longer running", pr->program);
	int now = launch_count_fds(sbproc_pid(pr->p));
	if (pr->fds_at_ready < 0 || now < 0)
		return fail(r, "spec error: %s was not started as a server", pr->program);
	if (now > pr->fds_at_ready)
		return fail(r, "%s has %d open file descriptors, %d more than when it started "
			       "listening: it does not close the sockets of clients that left",
			    pr->program, now, now - pr->fds_at_ready);
	return 0;
}

/* ---- steps: more UDP ---- */

static int step_udp_expect_none(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = conn_find(r, name);
	if (!c || !c->udp)
		return fail(r, "spec error: no UDP socket '%s' at this step", name);
	struct wait_conn w = { c, 0, c->ndg };
	if (!c->ndg && !pump(r, now_ms() + scaled_ms(s->value.num), conn_changed, &w))
		return 0;
	if (c->ndg) {
		set_observed(r, c->dg[0].data, c->dg[0].len, -1);
		return fail(r, "a datagram arrived where none was expected");
	}
	return fail(r, "%s", read_error(c));
}

static int step_udp_reply(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "socket", "u");
	struct conn *c = conn_find(r, name);
	struct strbuf data = STRBUF_INIT;
	int rc = -1;
	if (!c || !c->udp) {
		fail(r, "spec error: no UDP socket '%s' at this step", name);
		goto out;
	}
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

/* ---- the table ---- */

static const struct opt_def o_start[] = {
	{ "argv", OPT_LIST, NULL }, { "ready", OPT_ENUM, "tcp|udp|none" },
	{ "ready_within", OPT_DURATION, NULL }, { "any_port", OPT_BOOL, NULL },
	{ "address", OPT_ENUM, "any" }, { "stdin", OPT_TEXT, NULL }, { "stdin_open", OPT_BOOL, NULL },
	{ "same_port", OPT_BOOL, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_connect[] = {
	{ "host", OPT_TEXT, NULL }, { "port", OPT_TEXT, NULL }, { "family", OPT_ENUM, "ipv4|ipv6" },
	{ "refused", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_send[] = {
	{ "conn", OPT_NAME, NULL }, { "pieces", OPT_INT, NULL }, { "pause", OPT_DURATION, NULL },
	{ "hex", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_payload[] = {
	{ "conn", OPT_NAME, NULL }, { "chunk", OPT_SIZE, NULL }, { "pause", OPT_DURATION, NULL },
	{ "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_conn_within[] = {
	{ "conn", OPT_NAME, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_conn[] = { { "conn", OPT_NAME, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_program[] = { { "program", OPT_PROGRAM, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_stdin[] = {
	{ "program", OPT_PROGRAM, NULL }, { "close", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_socket[] = { { "socket", OPT_NAME, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_expect[] = {
	{ "conn", OPT_NAME, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex" },
	{ "tolerate", OPT_ENUM, "none|nul_or_newline" }, { "from", OPT_ENUM, "reference" },
	{ "length", OPT_SIZE, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_expect_eof[] = {
	{ "conn", OPT_NAME, NULL }, { "reset_ok", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_none[] = { { NULL, 0, NULL } };
static const struct opt_def o_listen[] = {
	{ "proto", OPT_ENUM, "tcp|udp" }, { "family", OPT_ENUM, "ipv4|ipv6" }, { NULL, 0, NULL },
};
static const struct opt_def o_accept[] = {
	{ "listener", OPT_NAME, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_random[] = {
	{ "length", OPT_INT, NULL }, { "charset", OPT_ENUM, "alnum|alpha|digits|bytes" },
	{ NULL, 0, NULL },
};
static const struct opt_def o_exit[] = {
	{ "program", OPT_PROGRAM, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_stdout[] = {
	{ "program", OPT_PROGRAM, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex" },
	{ "from", OPT_ENUM, "reference" }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_udp_send[] = {
	{ "socket", OPT_NAME, NULL }, { "host", OPT_TEXT, NULL }, { "port", OPT_TEXT, NULL },
	{ "family", OPT_ENUM, "ipv4|ipv6" }, { NULL, 0, NULL },
};
static const struct opt_def o_udp_expect[] = {
	{ "socket", OPT_NAME, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex" },
	{ "from", OPT_ENUM, "reference" }, { "sender", OPT_ENUM, "server|any" },
	{ "echo", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};

static const struct step_def step_table[] = {
	{ "start", OPT_PROGRAM, 1, o_start, step_start, NULL },
	{ "connect", OPT_NAME, 0, o_connect, step_connect, NULL },
	{ "send", OPT_TEXT, 1, o_send, step_send, NULL },
	{ "expect", OPT_TEXT, 0, o_expect, step_expect, NULL },
	{ "expect_eof", OPT_NONE, 0, o_expect_eof, step_expect_eof, NULL },
	{ "close", OPT_NAME, 0, o_none, step_close, NULL },
	{ "abort", OPT_NAME, 0, o_none, step_abort, NULL },
	{ "listen", OPT_NAME, 0, o_listen, step_listen, NULL },
	{ "accept", OPT_NAME, 0, o_accept, step_accept, NULL },
	{ "unused_port", OPT_NONE, 0, o_none, step_unused_port, NULL },
	{ "random", OPT_NAME, 1, o_random, step_random, NULL },
	{ "pause", OPT_DURATION, 1, o_none, step_pause, NULL },
	{ "expect_exit", OPT_EXIT, 1, o_exit, step_expect_exit, NULL },
	{ "expect_stdout", OPT_TEXT, 0, o_stdout, step_expect_stdout, NULL },
	{ "expect_stderr", OPT_TEXT, 0, o_stdout, step_expect_stderr, NULL },
	{ "udp_send", OPT_TEXT, 1, o_udp_send, step_udp_send, NULL },
	{ "udp_expect", OPT_TEXT, 0, o_udp_expect, step_udp_expect, NULL },
	{ "udp_expect_none", OPT_DURATION, 1, o_socket, step_udp_expect_none, NULL },
	{ "udp_reply", OPT_TEXT, 1, o_socket, step_udp_reply, NULL },
	{ "send_payload", OPT_SIZE, 1, o_payload, step_send_payload, NULL },
	{ "expect_echo", OPT_NONE, 0, o_conn_within, step_expect_echo, NULL },
	{ "flood", OPT_SIZE, 1, o_conn_within, step_flood, NULL },
	{ "shutdown", OPT_NAME, 0, o_none, step_shutdown, NULL },
	{ "expect_silence", OPT_DURATION, 1, o_conn, step_expect_silence, NULL },
	{ "expect_reset", OPT_NONE, 0, o_conn_within, step_expect_reset, NULL },
	{ "signal", OPT_ENUM, 1, o_program, step_signal,
	  "SIGINT|SIGTERM|SIGHUP|SIGKILL|SIGUSR1|SIGUSR2" },
	{ "alive", OPT_PROGRAM, 0, o_none, step_alive, NULL },
	{ "stdin", OPT_TEXT, 1, o_stdin, step_stdin, NULL },
	{ "expect_no_zombies", OPT_NONE, 0, o_program, step_expect_no_zombies, NULL },
	{ "expect_no_fd_leak", OPT_NONE, 0, o_program, step_expect_no_fd_leak, NULL },
};

const struct step_def *step_def_find(const char *name)
{
	for (size_t i = 0; i < sizeof step_table / sizeof *step_table; i++)
		if (!strcmp(step_table[i].name, name))
			return &step_table[i];
	return NULL;
}

const struct step_def *step_defs(size_t *n)
{
	*n = sizeof step_table / sizeof *step_table;
	return step_table;
}

/* ---- running a probe ---- */

static void run_release(struct probe_run *r)
{
	for (size_t i = 0; i < r->nconns; i++)
		conn_release(&r->conns[i]);
	for (size_t i = 0; i < r->nheld; i++)
		close(r->held[i]);
	for (size_t i = 0; i < r->nvars; i++) {
		free(r->vars[i].name);
		free(r->vars[i].value);
	}
	free(r->vars);
}

/* Stops every program of the run and keeps what each did. */
static void collect_procs(struct probe_run *r)
{
	struct probe_result *res = r->res;
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *pr = &r->procs[i];
		sbproc_stop(pr->p);
		note_exit(r, pr);
		res->procs = xrealloc(res->procs, (res->nprocs + 1) * sizeof *res->procs);
		struct proc_report *rep = &res->procs[res->nprocs++];
		rep->program = pr->program;
		rep->argv = pr->argv;
		rep->v = *sbproc_verdict(pr->p);
		struct strbuf sb = STRBUF_INIT;
		capture_tail(sbproc_stdout(pr->p), 16384, &sb);
		rep->out = sb_detach(&sb, &rep->out_len);
		capture_tail(sbproc_stderr(pr->p), 4096, &sb);
		rep->err = sb_detach(&sb, &rep->err_len);
		sbproc_free(pr->p);
	}
	r->nprocs = 0;
	sandbox_sweep(r->env->sb);
}

static void run_once(const struct probe_env *env, const struct probe *probe, int run_no,
		     struct probe_result *res)
{
	struct probe_run r;

	memset(&r, 0, sizeof r);
	r.env = env;
	r.probe = probe;
	r.res = res;
	r.watch_fd = -1;
	r.t0 = now_ms();
	int64_t t0_us = now_us();
	r.rng = hash64(probe->name, env->seed) + (uint64_t)run_no;
	r.run = run_no;
	res->failed_step = -1;
	res->diff_at = -1;
	for (size_t i = 0; i < probe->nsteps; i++) {
		r.step = (int)i;
		if (probe->steps[i].def->run(&r, &probe->steps[i]) < 0) {
			if (!res->why)
				fail(&r, "step failed");
			break;
		}
	}
	collect_procs(&r);
	run_release(&r);
	res->passed = res->why == NULL;
	res->wall_ms = now_ms() - r.t0;
	res->overhead_us = now_us() - t0_us - r.blocked_us;
}

#define SHOW_MAX 4096

static void trim(char **data, size_t *len, size_t from)
{
	size_t keep = *len > from ? *len - from : 0;
	if (keep > SHOW_MAX)
		keep = SHOW_MAX;
	char *t = xstrndup(*data ? *data + (from < *len ? from : *len) : "", keep);
	free(*data);
	*data = t;
	*len = keep;
}

/*
 * Expected and observed bytes are kept to a 4 KiB window that starts 1 KiB
 * before the first difference: a megabyte payload gets a readable report.
 */
static void trim_shown(struct probe_result *res)
{
	res->expected_total = res->expected_len;
	res->observed_total = res->observed_len;
	if (res->expected_len <= SHOW_MAX && res->observed_len <= SHOW_MAX)
		return;
	size_t from = res->diff_at > 1024 ? (size_t)res->diff_at - 1024 : 0;
	if (res->has_expected)
		trim(&res->expected, &res->expected_len, from);
	if (res->has_observed)
		trim(&res->observed, &res->observed_len, from);
	if (res->diff_at >= 0)
		res->diff_at -= (long)from;
	res->shown_from = from;
}

void probe_execute(const struct probe_env *env, const struct probe *probe,
		   struct probe_result *res)
{
	memset(res, 0, sizeof *res);
	int failed = 0;
	for (int run = 0; run < probe->repeat; run++) {
		struct probe_result one;
		memset(&one, 0, sizeof one);
		one.probe = probe;
		run_once(env, probe, run, &one);
		if (!one.passed)
			failed++;
		/* keep the first failing run, else the last */
		if (failed == 0 || (!one.passed && failed == 1)) {
			probe_result_release(res);
			*res = one;
		} else {
			probe_result_release(&one);
		}
	}
	res->probe = probe;
	res->runs = probe->repeat;
	res->failed_runs = failed;
	trim_shown(res);
	res->passed = failed == 0;
	res->score = res->passed ? probe->points : 0;
	if (failed && probe->repeat > 1 && res->why) {
		char *why = xasprintf("%s (failed %d of %d runs)", res->why, failed, probe->repeat);
		free(res->why);
		res->why = why;
	}
}

void probe_result_release(struct probe_result *res)
{
	free(res->why);
	free(res->expected);
	free(res->observed);
	for (size_t i = 0; i < res->nevents; i++) {
		free(res->events[i].who);
		free(res->events[i].data);
	}
	free(res->events);
	for (size_t i = 0; i < res->nprocs; i++) {
		free(res->procs[i].program);
		free(res->procs[i].argv);
		free(res->procs[i].out);
		free(res->procs[i].err);
	}
	free(res->procs);
	for (size_t i = 0; i < res->nvars; i++) {
		free(res->vars[i].name);
		free(res->vars[i].value);
	}
	free(res->vars);
	memset(res, 0, sizeof *res);
}

const struct ref_obs *ref_find(const struct ref_data *ref, const char *probe, int step, int run)
{
	for (size_t i = 0; i < ref->n; i++)
		if (ref->v[i].step == step && ref->v[i].run == run && !strcmp(ref->v[i].probe, probe))
			return &ref->v[i];
	return NULL;
}

void ref_add(struct ref_data *ref, const char *probe, int step, int run, const char *data,
	     size_t len)
{
	ref->v = xrealloc(ref->v, (ref->n + 1) * sizeof *ref->v);
	struct ref_obs *o = &ref->v[ref->n++];
	o->probe = xstrdup(probe);
	o->step = step;
	o->run = run;
	o->data = xstrndup(data, len);
	o->len = len;
}

void ref_release(struct ref_data *ref)
{
	for (size_t i = 0; i < ref->n; i++) {
		free(ref->v[i].probe);
		free(ref->v[i].data);
	}
	free(ref->v);
	ref->v = NULL;
	ref->n = 0;
}
