/*
 * hello_client.c - reference solution for Lab 1.
 *
 * Usage: hello_client <ip> <port>
 *
 * Connects to the server, reads until the server closes the connection
 * (one read() may return only part of the message: TCP is a byte stream),
 * prints "Message from server: <message>" and exits 0.  Any error, such as
 * nothing listening at <ip>:<port>, makes it exit 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 1024

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

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        if (errno != EINTR)
            die("connect");
    }

    /* Read until EOF (read() returns 0); keep one byte for the NUL. */
    char buf[BUF_SIZE];
    size_t len = 0;
    for (;;) {
        if (len == sizeof(buf) - 1) {
            fprintf(stderr, "%s: message too long\n", argv[0]);
            exit(1);
        }
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read");
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(fd);

    /* printf("%s") stops at a NUL the server may have sent after its text. */
    printf("Message from server: %s\n", buf);
    if (fflush(stdout) == EOF)
        die("stdout");
    return 0;
}
