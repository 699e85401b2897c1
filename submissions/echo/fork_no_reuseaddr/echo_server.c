/* Lab 2 - echo server, concurrent: one child process per client.
 * Ctrl-C stops the parent at once; a child says goodbye to its client first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#define MAXLINE 4096
#define LISTENQ 1024

static void err_sys(const char *msg)
{
    perror(msg);
    exit(1);
}

/* reap every child that has exited, so that none stays a zombie */
static void sig_chld(int signo)
{
    int saved_errno = errno;

    (void)signo;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved_errno;
}

/* write n bytes to a descriptor (Stevens, UNP 3.9) */
static ssize_t writen(int fd, const void *vptr, size_t n)
{
    size_t nleft = n;
    const char *ptr = vptr;
    ssize_t nwritten;

    while (nleft > 0) {
        if ((nwritten = write(fd, ptr, nleft)) <= 0) {
            if (nwritten < 0 && errno == EINTR)
                nwritten = 0;           /* and call write() again */
            else
                return -1;              /* error */
        }
        nleft -= nwritten;
        ptr += nwritten;
    }
    return n;
}

static volatile sig_atomic_t stopping;
static int client_fd = -1;

/* Ctrl-C in a child: stop reading, so that the loop ends wherever it was */
static void on_int(int signo)
{
    (void)signo;
    stopping = 1;
    shutdown(client_fd, SHUT_RD);
}

static void str_echo(int sockfd)
{
    ssize_t n;
    char buf[MAXLINE];

again:
    while ((n = read(sockfd, buf, MAXLINE)) > 0)
        if (writen(sockfd, buf, n) < 0)
            return;                     /* the client went away */
    if (stopping) {
        usleep(50000);                  /* let the client read the last echo */
        writen(sockfd, "server shutting down\n", 21);
        return;
    }
    if (n < 0 && errno == EINTR)
        goto again;
    /* n == 0: the client closed; n < 0: it reset. Done either way. */
}

int main(int argc, char **argv)
{
    int listenfd, connfd;
    pid_t childpid;
    struct sockaddr_in servaddr;
    struct sigaction sa;

    if (argc != 2) {
        fprintf(stderr, "usage: %s <port>\n", argv[0]);
        exit(1);
    }

    if ((listenfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        err_sys("socket");

    memset(&servaddr, 0, sizeof(servaddr));
    servaddr.sin_family = AF_INET;
    servaddr.sin_addr.s_addr = htonl(INADDR_ANY);
    servaddr.sin_port = htons(atoi(argv[1]));

    if (bind(listenfd, (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0)
        err_sys("bind");
    if (listen(listenfd, LISTENQ) < 0)
        err_sys("listen");

    signal(SIGPIPE, SIG_IGN);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sig_chld;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);      /* no SA_RESTART: accept() gets EINTR */

    for (;;) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0) {
            if (errno == EINTR)
                continue;               /* back to accept() */
            err_sys("accept");
        }
        if ((childpid = fork()) == 0) { /* child process */
            struct sigaction si;
            memset(&si, 0, sizeof(si));
            client_fd = connfd;
            si.sa_handler = on_int;
            sigemptyset(&si.sa_mask);
            sigaction(SIGINT, &si, NULL);
            close(listenfd);            /* close listening socket */
            str_echo(connfd);           /* process the request */
            close(connfd);
            exit(0);
        }
        if (childpid < 0)
            perror("fork");
        close(connfd);                  /* parent closes connected socket */
    }
}
