/*
 * uecho_server.c - reference solution for Lab 3.
 *
 * Usage: uecho_server <port>
 *
 * Binds a UDP socket to every IPv4 address (INADDR_ANY) at <port>.  Every
 * datagram it receives (any bytes, up to the largest UDP payload) is sent
 * back unchanged, as one datagram of the same length, to the address and
 * port it came from.  It serves any number of clients, forever, and prints
 * nothing unless something fails.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Larger than any UDP payload (65507 bytes over IPv4): nothing is cut. */
static char buf[65536];

static void die(const char *what)
{
    perror(what);
    exit(1);
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

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        die("bind");

    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof(peer);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &peer_len);
        if (n < 0) {
            if (errno != EINTR)
                perror("recvfrom");     /* transient (e.g. ENOMEM): keep serving */
            continue;
        }
        /* The length recvfrom() returned, never strlen(): the data may hold NULs. */
        while (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, peer_len) < 0) {
            if (errno != EINTR) {
                perror("sendto");       /* this datagram only */
                break;
            }
        }
    }
}
