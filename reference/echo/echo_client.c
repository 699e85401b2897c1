/*
 * echo_client.c - reference solution for Lab 2.
 *
 * Usage: echo_client <ip> <port>
 *
 * Connects to the echo server, then reads lines from standard input. Each
 * line is sent, and the reply read until it is as long as the line (TCP may
 * deliver it in pieces), then printed as "Message from server: <reply>".
 * A line "q" or "Q", or the end of input, ends the client with status 0;
 * an error, or a server that closes before it has replied, with status 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Write all len bytes of buf, retrying on short writes and EINTR. */
static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* Read exactly len bytes into buf: one read() may return only a piece. */
static void read_exactly(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0) {
            fprintf(stderr, "echo_client: the server closed the connection\n");
            exit(1);
        }
        buf += n;
        len -= (size_t)n;
    }
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

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        if (errno != EINTR)
            die("connect");
    }

    char *line = NULL, *reply = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if ((line[0] == 'q' || line[0] == 'Q') && (line[1] == '\n' || line[1] == '\0'))
            break;                      /* "q" or "Q", with or without a newline */
        write_all(fd, line, (size_t)len);
        reply = realloc(reply, (size_t)len);
        if (!reply)
            die("realloc");
        read_exactly(fd, reply, (size_t)len);
        /* the reply is data, not a C string: it may hold NUL bytes */
        fputs("Message from server: ", stdout);
        fwrite(reply, 1, (size_t)len, stdout);
        if (reply[len - 1] != '\n')
            putchar('\n');
        if (fflush(stdout) == EOF)
            die("stdout");
    }
    if (ferror(stdin))
        die("stdin");
    close(fd);
    return 0;
}
