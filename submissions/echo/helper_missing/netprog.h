#ifndef NETPROG_H
#define NETPROG_H

#include <sys/types.h>

/* netprog.c: the helpers of the course's network library. */
int tcp_listen(const char *port);	/* a listening socket on every address, SO_REUSEADDR set */
ssize_t writen(int fd, const void *buf, size_t n);

#endif
