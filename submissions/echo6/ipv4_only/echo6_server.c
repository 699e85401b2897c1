/*
 * echo6_server.c - sample: the classic IPv4-only server (AF_INET, INADDR_ANY).
 *
 * Usage: echo6_server <port>
 *
 * An iterative TCP echo server on every IPv4 address (INADDR_ANY) at <port>.
 * It serves one client at a time, forever: every byte the client sends is
 * written back unchanged, until the client closes its sending side (read()
 * returns 0); then the connection is closed and the next client accepted.
 * A client that resets (ECONNRESET on read, ECONNRESET/EPIPE on write) ends
 * only its own connection: SIGPIPE is ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

static void die(const char *what)
{
    perror(what);
    exit(1);
}

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

/* Echo everything from fd back to it until EOF or an error on this client. */
static void serve(int fd)
{
    static char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n == 0)
            return;                     /* the client has finished sending */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");             /* ECONNRESET: this client is gone */
            return;
        }
        if (write_all(fd, buf, (size_t)n) < 0) {
            perror("write");            /* ECONNRESET or EPIPE: likewise */
            return;
        }
    }
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
    /* Writing to a client that reset must fail with EPIPE, not kill us. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal");

    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0)
        die("socket");
    /* Allow an immediate restart while old connections sit in TIME_WAIT. */
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
    if (listen(listen_fd, 16) < 0)
        die("listen");
    for (;;) {
        int client_fd = accept(listen_fd, NULL, NULL);
        if (client_fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;               /* transient: wait for the next one */
            die("accept");
        }
        serve(client_fd);
        close(client_fd);
    }
}
