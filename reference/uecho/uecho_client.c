/*
 * uecho_client.c - reference solution for Lab 3.
 *
 * Usage: uecho_client <ip> <port>
 *
 * Reads lines from standard input.  Each line (with its newline) is sent to
 * the server as one datagram, and the reply is printed as
 * "Message from server: <reply>".  A line "q" or "Q", or the end of input,
 * ends the program with status 0; an error (e.g. the server's port is
 * closed) ends it with status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char reply[65536];

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s <ip> <port>\n", argv[0]);
        exit(1);
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "%s: invalid IPv4 address '%s'\n", argv[0], argv[1]);
        exit(1);
    }
    char *end;
    long port = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr, "%s: invalid port '%s'\n", argv[0], argv[2]);
        exit(1);
    }
    addr.sin_port = htons((unsigned short)port);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        die("socket");
    /* A connected UDP socket receives only from the server. */
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        die("connect");

    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        size_t text = (size_t)len - (line[len - 1] == '\n');
        if (text == 1 && (line[0] == 'q' || line[0] == 'Q'))
            break;
        while (send(fd, line, (size_t)len, 0) < 0) {
            if (errno != EINTR)
                die("send");
        }
        ssize_t n;
        while ((n = recv(fd, reply, sizeof(reply), 0)) < 0) {
            if (errno != EINTR)
                die("recv");
        }
        /* fwrite, not printf("%s"): the reply may hold NULs. */
        fputs("Message from server: ", stdout);
        fwrite(reply, 1, (size_t)n, stdout);
        if (n == 0 || reply[n - 1] != '\n')
            putchar('\n');
        if (fflush(stdout) == EOF)
            die("stdout");
    }
    if (ferror(stdin))
        die("stdin");
    free(line);
    close(fd);
    return 0;
}
