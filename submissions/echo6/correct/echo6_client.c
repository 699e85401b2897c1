/*
 * echo6_client.c - a correct client (the reference, as a student would hand it in).
 *
 * Usage: echo6_client <host> <port>
 *
 * Resolves <host> and <port> with getaddrinfo() (AF_UNSPEC, so "::1" and
 * "127.0.0.1" both work) and connects to the first address that accepts.
 * It sends one line read from stdin, reads the echo until as many bytes as
 * it sent have arrived (or the server closes), prints it, and exits 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096

/* Write all len bytes of buf, retrying on short writes and EINTR. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Connect to host:port by any address getaddrinfo() gives; -1 if none. */
static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints, *res, *ai;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "getaddrinfo %s %s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "connect %s %s: %s\n", host, port, strerror(errno));
    return fd;
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <host> <port>\n", argv[0]);
        exit(1);
    }
    char line[LINE_MAX_LEN];
    if (fgets(line, sizeof(line), stdin) == NULL) {
        fprintf(stderr, "%s: no line on stdin\n", argv[0]);
        exit(1);
    }
    int fd = connect_to(argv[1], argv[2]);
    if (fd < 0)
        exit(1);
    size_t len = strlen(line);
    if (write_all(fd, line, len) < 0) {
        perror("write");
        exit(1);
    }
    char reply[LINE_MAX_LEN];
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, reply + got, len - got);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            exit(1);
        }
        got += (size_t)n;
    }
    close(fd);
    fwrite(reply, 1, got, stdout);
    fflush(stdout);
    return 0;
}
