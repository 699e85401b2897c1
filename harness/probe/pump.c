/*
 * probe/pump: the one clock. Every wait of a probe is a deadline on the
 * monotonic clock served by one poll loop, pump(), which also reads every
 * open connection into its buffer and drains the output of every started
 * program, so that neither side can block the other. The only sleep is a
 * pause that a spec asks for, and that too is a pump() until its deadline.
 */
#include "run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READS_PER_TURN 16	/* reads of one connection before pump() looks at the clock again */

/* What the probe's connections hold that no step has taken yet, all together. */
static size_t buffered(const struct probe_run *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nconns; i++)
		n += r->conns[i].in.len;
	return n;
}

static void conn_read(struct probe_run *r, struct conn *c)
{
	char buf[65536];

	for (int turn = 0; turn < READS_PER_TURN; turn++) {
		/*
		 * Peers that flood the harness get no more of its memory: MAX_BUFFERED
		 * for all of a probe's connections (32 of them would otherwise hold
		 * 2 GiB), and the grade stage runs at most PROBE_SLOTS probes at once.
		 */
		if (buffered(r) >= MAX_BUFFERED) {
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
			/* kept one byte past expect_file's limit, so that a longer stream is said to be */
			if (c->keep_received && c->received.len <= RECEIVED_MAX)
				sb_add(&c->received, buf, (size_t)n);
			ev(r, EV_RECV, c->name, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			ev(r, EV_FIN, c->name, NULL, 0);
			/* the step running now may still send on it: counted from this step */
			answer_fin(r, c, r->step);
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
void note_exit(struct probe_run *r, struct proc *pr)
{
	if (pr->exit_noted || !sbproc_ended(pr->p))
		return;
	struct strbuf d = STRBUF_INIT;
	verdict_describe(sbproc_verdict(pr->p), &d);
	ev(r, EV_EXIT, pr->program, d.buf, d.len);
	sb_release(&d);
	pr->exit_noted = 1;
}

/*
 * Serves every connection and program until done() says so (1) or the
 * deadline passes (0). A NULL done waits for the deadline.
 */
int pump(struct probe_run *r, int64_t deadline, done_fn done, void *arg)
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
int wait_fd(struct probe_run *r, int fd, short events, int64_t deadline)
{
	r->watch_fd = fd;
	r->watch_events = events;
	r->watch_hit = 0;
	pump(r, deadline, watch_done, NULL);
	r->watch_fd = -1;
	return r->watch_hit;
}

int pump_until(struct probe_run *r, int64_t deadline, done_fn cond, void *arg)
{
	int64_t interval = 1;

	for (;;) {
		if (cond(r, arg))
			return 1;
		if (!ms_left(deadline))
			return 0;
		int64_t next = now_ms() + interval;
		pump(r, next < deadline ? next : deadline, NULL, NULL);
		if (interval < 16)
			interval *= 2;
	}
}
