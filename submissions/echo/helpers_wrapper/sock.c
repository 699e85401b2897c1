/* sock.c: wrapper functions, in the style of Stevens' UNP lib/wrapsock.c. */
#include <errno.h>
#include <unistd.h>

#include "error_handling.h"
#include "sock.h"

int Socket(int family, int type, int protocol)
{
	int n = socket(family, type, protocol);
	if (n < 0)
		error_handling("socket error");
	return n;
}

void Setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	if (setsockopt(fd, level, optname, optval, optlen) < 0)
		error_handling("setsockopt error");
}

void Bind(int fd, const struct sockaddr *sa, socklen_t salen)
{
	if (bind(fd, sa, salen) < 0)
		error_handling("bind error");
}

void Listen(int fd, int backlog)
{
	if (listen(fd, backlog) < 0)
		error_handling("listen error");
}

int Accept(int fd, struct sockaddr *sa, socklen_t *salenptr)
{
	int n;
again:
	if ((n = accept(fd, sa, salenptr)) < 0) {
		if (errno == EPROTO || errno == ECONNABORTED || errno == EINTR)
			goto again;
		error_handling("accept error");
	}
	return n;
}

void Connect(int fd, const struct sockaddr *sa, socklen_t salen)
{
	if (connect(fd, sa, salen) < 0)
		error_handling("connect error");
}

void Close(int fd)
{
	if (close(fd) == -1)
		error_handling("close error");
}

ssize_t writen(int fd, const void *vptr, size_t n)
{
	size_t nleft = n;
	const char *ptr = vptr;

	while (nleft > 0) {
		ssize_t nwritten = write(fd, ptr, nleft);
		if (nwritten <= 0) {
			if (nwritten < 0 && errno == EINTR)
				continue;
			return -1;
		}
		nleft -= nwritten;
		ptr += nwritten;
	}
	return n;
}

ssize_t readn(int fd, void *vptr, size_t n)
{
	size_t nleft = n;
	char *ptr = vptr;

	while (nleft > 0) {
		ssize_t nread = read(fd, ptr, nleft);
		if (nread < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (nread == 0)
			break;		/* EOF */
		nleft -= nread;
		ptr += nread;
	}
	return n - nleft;
}
