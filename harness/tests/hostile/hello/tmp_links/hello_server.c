/*
 * hello_server.c - reference solution for Lab 1.
 *
 * Usage: hello_server <port>
 *
 * Listens on every IPv4 address (INADDR_ANY) at <port>.  To each client it
 * sends exactly "Hello world!" (12 bytes, no NUL, no newline), then closes
 * the connection.  It serves clients one after the other, forever.
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

static const char greeting[] = "Hello world!";

/* Print what failed and why, then give up. */
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
    /* A client that resets the connection must not kill us with SIGPIPE. */
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
        /* strlen, not sizeof: the greeting goes out without its NUL. */
        if (write_all(client_fd, greeting, strlen(greeting)) < 0)
            perror("write");            /* this client only; keep serving */
        if (close(client_fd) < 0)
            perror("close");
    }
}
