// echo_client.c -- Lab 2
// Sends each line of input to the echo server and prints the reply.
// The reply is read one byte at a time until it is as long as the line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 1024

void errorExit(const char *where) {
    perror(where);
    exit(1);
}

int main(int argc, char *argv[]) {
    char line[BUF_SIZE], reply[BUF_SIZE];
    struct sockaddr_in serverAddr;
    int sock, len, got, n;

    if (argc != 3) {
        fprintf(stderr, "Usage: %s <ip> <port>\n", argv[0]);
        exit(1);
    }

    sock = socket(AF_INET, SOCK_STREAM, 0);
    if (sock < 0) errorExit("socket");

    memset(&serverAddr, 0, sizeof(serverAddr));
    serverAddr.sin_family = AF_INET;
    serverAddr.sin_addr.s_addr = inet_addr(argv[1]);
    serverAddr.sin_port = htons(atoi(argv[2]));

    if (connect(sock, (struct sockaddr *)&serverAddr, sizeof(serverAddr)) < 0) errorExit("connect");

    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strcmp(line, "q\n") == 0 || strcmp(line, "Q\n") == 0) break;
        len = strlen(line);
        if (write(sock, line, len) != len) errorExit("write");

        for (got = 0; got < len; got++) {
            n = read(sock, &reply[got], 1);
            if (n < 0) errorExit("read");
            if (n == 0) {
                fprintf(stderr, "server closed the connection\n");
                exit(1);
            }
        }
        reply[len] = '\0';
        printf("Message from server: %s", reply);
    }
    close(sock);
    return 0;
}
