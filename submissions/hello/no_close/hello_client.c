/* Lab 1 - hello client */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define MAXLINE 512

static void die(const char *msg)
{
    perror(msg);
    exit(EXIT_FAILURE);
}

int main(int argc, char **argv)
{
    struct sockaddr_in servaddr;
    char buf[MAXLINE];
    size_t total = 0;
    ssize_t n = 0;
    int sockfd;

    if (argc != 3) {
        fprintf(stderr, "usage: %s <IPaddress> <port>\n", argv[0]);
        return EXIT_FAILURE;
    }

    if ((sockfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        die("socket");

    memset(&servaddr, 0, sizeof servaddr);
    servaddr.sin_family = AF_INET;
    servaddr.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &servaddr.sin_addr) <= 0) {
        fprintf(stderr, "bad address: %s\n", argv[1]);
        return EXIT_FAILURE;
    }

    if (connect(sockfd, (struct sockaddr *)&servaddr, sizeof servaddr) < 0)
        die("connect");

    /* the server may send the text in several segments: read until EOF */
    while (total < sizeof buf - 1 &&
           (n = recv(sockfd, buf + total, sizeof buf - 1 - total, 0)) > 0)
        total += (size_t)n;
    if (n < 0)
        die("recv");
    buf[total] = '\0';

    fputs("Message from server: ", stdout);
    fputs(buf, stdout);
    if (total == 0 || buf[total - 1] != '\n')
        putchar('\n');

    close(sockfd);
    return EXIT_SUCCESS;
}
