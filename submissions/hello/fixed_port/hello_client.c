// hello_client.c -- Lab 1
// Connects to the hello server and prints what it says.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 256

void errorExit(const char *where) {
    perror(where);
    exit(1);
}

int main(int argc, char *argv[]) {
    char buffer[BUF_SIZE];
    struct sockaddr_in serverAddr;
    int sock, got, len = 0;

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

    // keep reading until the server closes the connection (read returns 0)
    while (len < BUF_SIZE - 1) {
        got = read(sock, buffer + len, BUF_SIZE - 1 - len);
        if (got < 0) errorExit("read");
        if (got == 0) break;
        len += got;
    }
    buffer[len] = '\0';

    printf("Message from server: %s\n", buffer);
    close(sock);
    return 0;
}
