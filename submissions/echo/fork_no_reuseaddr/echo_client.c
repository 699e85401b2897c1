/* Lab 2 - echo client */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define MAXLINE 4096

static void err_sys(const char *msg)
{
    perror(msg);
    exit(1);
}

/* read n bytes from a descriptor (Stevens, UNP 3.9) */
static ssize_t readn(int fd, void *vptr, size_t n)
{
    size_t nleft = n;
    char *ptr = vptr;
    ssize_t nread;

    while (nleft > 0) {
        if ((nread = read(fd, ptr, nleft)) < 0) {
            if (errno == EINTR)
                nread = 0;              /* and call read() again */
            else
                return -1;
        } else if (nread == 0)
            break;                      /* EOF */
        nleft -= nread;
        ptr += nread;
    }
    return n - nleft;
}

static void str_cli(FILE *fp, int sockfd)
{
    char sendline[MAXLINE], recvline[MAXLINE + 1];
    size_t len;
    ssize_t n;

    while (fgets(sendline, MAXLINE, fp) != NULL) {
        if (strcmp(sendline, "q\n") == 0 || strcmp(sendline, "Q\n") == 0)
            return;
        len = strlen(sendline);
        if (write(sockfd, sendline, len) != (ssize_t)len)
            err_sys("write");
        if ((n = readn(sockfd, recvline, len)) < 0)
            err_sys("read");
        if ((size_t)n < len) {
            fprintf(stderr, "str_cli: server terminated prematurely\n");
            exit(1);
        }
        recvline[n] = '\0';
        printf("Message from server: %s", recvline);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    int sockfd;
    struct sockaddr_in servaddr;

    if (argc != 3) {
        fprintf(stderr, "usage: %s <IPaddress> <port>\n", argv[0]);
        exit(1);
    }

    if ((sockfd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
        err_sys("socket");

    memset(&servaddr, 0, sizeof(servaddr));
    servaddr.sin_family = AF_INET;
    servaddr.sin_port = htons(atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &servaddr.sin_addr) <= 0) {
        fprintf(stderr, "inet_pton error for %s\n", argv[1]);
        exit(1);
    }

    if (connect(sockfd, (struct sockaddr *)&servaddr, sizeof(servaddr)) < 0)
        err_sys("connect");

    str_cli(stdin, sockfd);             /* do it all */
    close(sockfd);
    exit(0);
}
