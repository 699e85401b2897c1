/* Lab 1 - hello server (loops over clients) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define BACKLOG 10

static void die(const char *msg)
{
    perror(msg);
    exit(EXIT_FAILURE);
}

int main(int argc, char **argv)
{
    const char *greeting = "Hello world!\n";
    struct sockaddr_in addr;
    int listenfd, connfd, on = 1;

    if (argc < 2) {
        fprintf(stderr, "usage: %s port\n", argv[0]);
        return EXIT_FAILURE;
    }

    if ((listenfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        die("socket");
    setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[1]));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);

    if (bind(listenfd, (struct sockaddr *)&addr, sizeof addr) < 0)
        die("bind");
    if (listen(listenfd, BACKLOG) < 0)
        die("listen");

    printf("listening on port %s\n", argv[1]);
    fflush(stdout);

    for (;;) {
        if ((connfd = accept(listenfd, NULL, NULL)) < 0) {
            perror("accept");
            continue;
        }
        if (send(connfd, greeting, strlen(greeting), 0) < 0)
            perror("send");
        close(connfd);
    }

    close(listenfd);
    return 0;
}
