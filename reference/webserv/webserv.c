/*
 * Lab: webserv <port>, a small HTTP/1.0 server for the files of its working folder.
 *
 * One client at a time: accept, read the request head (up to the blank line,
 * at most HEAD_MAX bytes), answer, close. "GET /name HTTP/1.x" gives 200 with
 * the file's bytes and its Content-Length; a missing file 404; a path with ".."
 * or a second leading '/' 403; another method 501; anything else 400. A client
 * that resets or goes away costs its own connection only: SIGPIPE is ignored,
 * every send uses MSG_NOSIGNAL, and no error on a client's socket is fatal.
 */
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
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define HEAD_MAX 8192		/* the longest request head accepted */
#define READ_TIMEOUT_S 10	/* a client silent this long is dropped */
#define LINGER_MS 1000		/* how long a closed answer waits for the client's close */

/* Sends all n bytes; 0, or -1 once the client is gone. */
static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A whole answer without a file: the status line, headers, a one-line body. */
static void send_status(int fd, int code, const char *reason)
{
	char msg[256];
	char body[128];
	int blen = snprintf(body, sizeof body, "%d %s\n", code, reason);
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
			 "Connection: close\r\n\r\n%s",
			 code, reason, blen, body);
	send_all(fd, msg, (size_t)n);
}

/*
 * Reads the request head into buf (NUL-terminated) until the blank line that
 * ends it (CRLF CRLF, or LF LF from a lenient client). Returns its length, 0
 * if the client left or reset first, -1 if it is longer than cap - 1 bytes.
 */
static ssize_t read_head(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	for (;;) {
		if (len == cap - 1)
			return -1;
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)	/* EOF, ECONNRESET, or the read timeout */
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (ssize_t)len;
	}
}

/* The media type by the name's extension. */
static const char *content_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (dot && !strcmp(dot, ".html"))
		return "text/html";
	if (dot && !strcmp(dot, ".txt"))
		return "text/plain";
	return "application/octet-stream";
}

/* Sends the file's head and bytes; a file that cannot be opened is a 404. */
static void send_file(int fd, const char *name)
{
	int file = open(name, O_RDONLY | O_NOCTTY);
	struct stat st;
	if (file < 0 || fstat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (file >= 0)
			close(file);
		send_status(fd, 404, "Not Found");
		return;
	}
	char head[256];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
			 "Connection: close\r\n\r\n",
			 content_type(name), (long long)st.st_size);
	if (send_all(fd, head, (size_t)n) < 0)
		goto out;
	char buf[16384];
	off_t left = st.st_size;	/* never more than the length announced */
	while (left > 0) {
		ssize_t r = read(file, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (r > left)
			r = (ssize_t)left;
		if (send_all(fd, buf, (size_t)r) < 0)
			break;
		left -= r;
	}
out:
	close(file);
}

/* The request line's parts, in place; 0, or -1 if it is not "METHOD TARGET HTTP/1.x". */
static int parse_request_line(char *head, char **method, char **target)
{
	char *eol = strchr(head, '\n');
	if (!eol)
		return -1;
	*eol = '\0';
	if (eol > head && eol[-1] == '\r')
		eol[-1] = '\0';
	char *sp1 = strchr(head, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == head || sp2 == sp1 + 1 || strchr(sp2 + 1, ' '))
		return -1;
	*sp1 = *sp2 = '\0';
	const char *version = sp2 + 1;
	if (strncmp(version, "HTTP/1.", 7) || !version[7] ||
	    strspn(version + 7, "0123456789") != strlen(version + 7))
		return -1;
	for (const char *m = head; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return -1;
	/* every header line needs a name and a colon */
	for (char *line = eol + 1; *line && *line != '\r' && *line != '\n';) {
		char *end = strchr(line, '\n');
		char *colon = strchr(line, ':');
		if (!end || !colon || colon > end || colon == line || *line == ' ' || *line == '\t')
			return -1;
		line = end + 1;
	}
	*method = head;
	*target = sp1 + 1;
	return 0;
}

static void serve(int fd)
{
	char head[HEAD_MAX];
	char *method, *target;
	ssize_t n = read_head(fd, head, sizeof head);

	if (n == 0)
		return;
	if (n < 0 || parse_request_line(head, &method, &target) < 0) {
		send_status(fd, 400, "Bad Request");
		return;
	}
	if (strcmp(method, "GET")) {
		send_status(fd, 501, "Not Implemented");
		return;
	}
	if (target[0] != '/') {
		send_status(fd, 400, "Bad Request");
		return;
	}
	const char *name = target + 1;
	if (name[0] == '/' || strstr(name, "..")) {
		send_status(fd, 403, "Forbidden");
		return;
	}
	send_file(fd, name[0] ? name : "index.html");
}

/*
 * Ends the connection: a FIN after the answer, then what the client still
 * sends is read and dropped until it closes (or LINGER_MS), so that close()
 * never turns unread input into a reset that could destroy the answer.
 */
static void end_connection(int fd)
{
	char sink[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (shutdown(fd, SHUT_WR) == 0) {
		while (poll(&p, 1, LINGER_MS) > 0 && read(fd, sink, sizeof sink) > 0)
			;
	}
	close(fd);
}

int main(int argc, char *argv[])
{
	char *end;
	long port;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <port>\n", argv[0]);
		return 1;
	}
	port = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		fprintf(stderr, "%s: bad port '%s'\n", argv[0], argv[1]);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	int srv = socket(AF_INET, SOCK_STREAM, 0);
	if (srv < 0) {
		perror("socket");
		return 1;
	}
	int on = 1;
	if (setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
		perror("setsockopt SO_REUSEADDR");
		return 1;
	}
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((unsigned short)port);
	if (bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("bind");
		return 1;
	}
	if (listen(srv, 16) < 0) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int fd = accept(srv, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
			    errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				continue;
			perror("accept");
			return 1;
		}
		struct timeval tv = { .tv_sec = READ_TIMEOUT_S };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		serve(fd);
		end_connection(fd);
	}
}
