#ifndef SOCK_H
#define SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

/* Stevens-style wrappers: each calls the function of the same name in lower
 * case and exits through error_handling() when it fails. */
int Socket(int family, int type, int protocol);
void Setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen);
void Bind(int fd, const struct sockaddr *sa, socklen_t salen);
void Listen(int fd, int backlog);
int Accept(int fd, struct sockaddr *sa, socklen_t *salenptr);
void Connect(int fd, const struct sockaddr *sa, socklen_t salen);
void Close(int fd);

/* write() until all n bytes are out; -1 when the peer is gone (does not exit). */
ssize_t writen(int fd, const void *buf, size_t n);
/* read() until n bytes have come or the peer closed; -1 on an error. */
ssize_t readn(int fd, void *buf, size_t n);

#endif
