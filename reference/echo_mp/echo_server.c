/*
 * echo_server.c - reference solution for Lab 4.  Usage: echo_server <port>
 *
 * A TCP echo server with one child process per client.  Each child echoes
 * every byte unchanged until its client closes its sending side, then closes
 * the connection and exits.  The parent closes its copy of each client's
 * socket at once and reaps every child (SIGCHLD).  A client that resets ends
 * only its own child: SIGPIPE is ignored, so writes fail with EPIPE instead.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUF_SIZE 4096

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Reap every child that has ended; keep errno for the code we interrupted. */
static void reap_children(int sig)
{
    int saved = errno;
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
    errno = saved;
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

/* Echo until the client closes its side (or an error such as a reset). */
static void serve(int fd)
{
    char buf[BUF_SIZE];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write_all(fd, buf, (size_t)n) < 0)
            break;
    }
    close(fd);
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

    /* A client that resets must not kill us: writes then fail with EPIPE. */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("signal(SIGPIPE)");
    /* Reap children as they end; SA_RESTART resumes an interrupted accept(). */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = reap_children;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) < 0)
        die("sigaction(SIGCHLD)");

    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0)
        die("socket");
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
        pid_t pid = fork();
        if (pid == 0) {                 /* child: this client only */
            close(listen_fd);
            serve(client_fd);
            _exit(0);
        }
        if (pid < 0)
            perror("fork");             /* drop this client, keep serving */
        close(client_fd);               /* the child has its own copy */
    }
}
