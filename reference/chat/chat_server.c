/*
 * chat_server.c - reference solution of the chat lab.  Usage: chat_server <port>
 *
 * One process, one poll() loop.  Every line a client sends (the bytes up to
 * and including '\n') is relayed whole to every other connected client, never
 * back to its sender.  Each client has an input buffer, where a line that
 * arrives in pieces waits until its '\n' comes, and an output queue, where
 * the lines relayed to it wait until its socket takes them: every socket is
 * non-blocking, so a client that sends half a line, or reads slowly, never
 * holds up the others.  A client that leaves (read() returns 0), resets
 * (ECONNRESET, EPIPE) or lets its queue grow past MAX_QUEUE is dropped alone;
 * SIGPIPE is ignored and every send uses MSG_NOSIGNAL.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 1000
#define MAX_LINE 4096			/* a longer line is relayed in parts of this size */
#define MAX_QUEUE (1024 * 1024)		/* bytes waiting for one client before it is dropped */

struct client {
	int fd;				/* -1: a slot to be removed at the end of the round */
	char in[MAX_LINE];		/* the line being received, not yet relayed */
	size_t in_len;			/* its bytes so far */
	char *out;			/* lines relayed to this client, not yet sent */
	size_t out_len;			/* bytes in out */
	size_t out_cap;			/* size of out */
};

static struct client *clients[MAX_CLIENTS];
static size_t nclients;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Closes a client's socket and marks its slot for removal; keeps errno. */
static void drop(struct client *c)
{
	int saved = errno;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	errno = saved;
}

/*
 * Sends what is queued for c as far as its socket takes it.  Returns 0, or -1
 * when the client is gone (reset, broken pipe): it is then dropped.
 */
static int flush(struct client *c)
{
	size_t done = 0;
	while (done < c->out_len) {
		ssize_t n = send(c->fd, c->out + done, c->out_len - done, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			drop(c);
			return -1;
		}
		done += (size_t)n;
	}
	memmove(c->out, c->out + done, c->out_len - done);
	c->out_len -= done;
	return 0;
}

/* Queues len bytes for c and sends what its socket takes now. */
static void enqueue(struct client *c, const char *buf, size_t len)
{
	if (c->fd < 0)
		return;
	if (c->out_len + len > MAX_QUEUE) {
		fprintf(stderr, "chat_server: client %d reads too slowly: dropped\n", c->fd);
		drop(c);
		return;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p) {
			drop(c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	flush(c);
}

/* Relays one line from `from` to every other client still connected. */
static void relay(const struct client *from, const char *line, size_t len)
{
	for (size_t i = 0; i < nclients; i++)
		if (clients[i] != from)
			enqueue(clients[i], line, len);
}

/*
 * Reads once what c has sent (poll() calls again while more waits, so that a
 * client that sends without pause cannot starve the others) and relays each
 * line it completes.  A client that has left or reset is dropped; its
 * unfinished line goes with it.
 */
static void receive(struct client *c)
{
	ssize_t n;
	do
		n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {		/* 0: it left (FIN); -1: a reset or another error */
		drop(c);
		return;
	}
	size_t start = 0, end = c->in_len + (size_t)n;
	for (size_t i = c->in_len; i < end; i++)
		if (c->in[i] == '\n') {
			relay(c, c->in + start, i + 1 - start);
			start = i + 1;
		}
	if (start == 0 && end == sizeof c->in) {
		relay(c, c->in, end);	/* no '\n' in MAX_LINE bytes: pass it on */
		start = end;
	}
	memmove(c->in, c->in + start, end - start);
	c->in_len = end - start;
}

/* Accepts every client waiting on the listener. */
static void accept_all(int listen_fd)
{
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("accept");	/* EMFILE, say: try again next round */
			return;
		}
		struct client *c = nclients < MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
		if (!c || set_nonblocking(fd) < 0) {
			fprintf(stderr, "chat_server: cannot take one more client\n");
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		clients[nclients++] = c;
	}
}

/* Removes the slots of the clients dropped during the round, keeping the others' order. */
static void sweep(void)
{
	size_t kept = 0;
	for (size_t i = 0; i < nclients; i++) {
		if (clients[i]->fd < 0) {
			free(clients[i]->out);
			free(clients[i]);
		} else {
			clients[kept++] = clients[i];
		}
	}
	nclients = kept;
}

int main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <port>\n", argv[0]);
		exit(1);
	}
	char *end;
	long port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "%s: invalid port '%s'\n", argv[0], argv[1]);
		exit(1);
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal(SIGPIPE)");

	int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (listen_fd < 0)
		die("socket");
	int on = 1;
	if (setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		die("setsockopt(SO_REUSEADDR)");
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((unsigned short)port);
	if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (listen(listen_fd, 64) < 0)
		die("listen");
	if (set_nonblocking(listen_fd) < 0)
		die("fcntl(O_NONBLOCK)");

	static struct pollfd fds[MAX_CLIENTS + 1];
	for (;;) {
		/* fds[0] is the listener, fds[1 + i] clients[i] */
		fds[0].fd = listen_fd;
		fds[0].events = POLLIN;
		for (size_t i = 0; i < nclients; i++) {
			fds[1 + i].fd = clients[i]->fd;
			fds[1 + i].events = POLLIN | (clients[i]->out_len ? POLLOUT : 0);
			fds[1 + i].revents = 0;
		}
		size_t polled = nclients;
		if (poll(fds, 1 + polled, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (fds[0].revents & POLLIN)
			accept_all(listen_fd);
		/* clients accepted just now are polled next round */
		for (size_t i = 0; i < polled; i++) {
			struct client *c = clients[i];
			short rev = fds[1 + i].revents;
			if (c->fd >= 0 && (rev & POLLOUT))
				flush(c);
			if (c->fd >= 0 && (rev & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
				receive(c);
		}
		sweep();
	}
}
