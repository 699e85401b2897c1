/*
 * echo6_server.c - sample: BUG, binds with sizeof(struct sockaddr_in): EINVAL, it exits.
 *
 * Usage: echo6_server <port>
 *
 * An iterative TCP echo server for IPv4 and IPv6 clients alike: one AF_INET6
 * socket on :: (in6addr_any) at <port> with IPV6_V6ONLY turned off, so that
 * IPv4 clients arrive on it too, as IPv4-mapped addresses (::ffff:127.0.0.1).
 * For each client it prints "client <host> port <port>" on stdout, then
 * writes back every byte the client sends until the client closes its sending
 * side; then it closes the connection and accepts the next client. A client
 * that resets ends only its own connection: SIGPIPE is ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
            return;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("read");
            return;
        }
        if (write_all(fd, buf, (size_t)n) < 0) {
            perror("write");
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
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal");

    int listen_fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (listen_fd < 0)
        die("socket");
    int on = 1, off = 0;
    if (setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
        die("setsockopt(SO_REUSEADDR)");
    /* The system default (net.ipv6.bindv6only) may be 1: say 0 explicitly. */
    if (setsockopt(listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
        die("setsockopt(IPV6_V6ONLY)");
    struct sockaddr_in6 addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons((unsigned short)port);
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof(struct sockaddr_in)) < 0)
        die("bind");
    if (listen(listen_fd, 16) < 0)
        die("listen");
    for (;;) {
        struct sockaddr_in6 peer;
        socklen_t peer_len = sizeof(peer);
        int client_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_len);
        if (client_fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept");
        }
        char host[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, &peer.sin6_addr, host, sizeof(host)) == NULL)
            strcpy(host, "?");
        printf("client %s port %u\n", host, (unsigned)ntohs(peer.sin6_port));
        fflush(stdout);
        serve(client_fd);
        close(client_fd);
    }
}
