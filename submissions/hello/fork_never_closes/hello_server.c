/* Lab 1 - hello server: a child per client; the parent serves one client and exits */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

static void die(const char *msg)
{
    perror(msg);
    exit(1);
}

int main(int argc, char *argv[])
{
    const char message[] = "Hello world!";
    struct sockaddr_in addr;
    int listenfd, connfd, on = 1;
    char reply[100];

    if (argc != 2) {
        fprintf(stderr, "usage: %s <port>\n", argv[0]);
        exit(1);
    }

    if ((listenfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        die("socket");
    setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(atoi(argv[1]));
    if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");
    if (listen(listenfd, 5) < 0)
        die("listen");

    if ((connfd = accept(listenfd, NULL, NULL)) < 0)
        die("accept");
    if (fork() == 0) {
        close(listenfd);
        write(connfd, message, sizeof(message) - 1);
        /* the bug: waits for the client to answer instead of closing */
        read(connfd, reply, sizeof reply);
        close(connfd);
        _exit(0);
    }
    close(connfd);
    close(listenfd);
    return 0;
}
