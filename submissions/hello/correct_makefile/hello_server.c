// hello_server.c -- Lab 1
// Sends "Hello world!" to every client that connects.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

void errorExit(const char *where) {
    perror(where);
    exit(1);
}

int main(int argc, char *argv[]) {
    char message[] = "Hello world!";
    struct sockaddr_in serverAddr, clientAddr;
    socklen_t clientLen;
    int serverSock, clientSock, port, opt = 1;

    if (argc != 2) {
        fprintf(stderr, "Usage: %s <port>\n", argv[0]);
        exit(1);
    }
    port = atoi(argv[1]);

    serverSock = socket(AF_INET, SOCK_STREAM, 0);
    if (serverSock < 0) errorExit("socket");
    setsockopt(serverSock, SOL_SOCKET, SO_REUSEADDR, &opt, sizeof(opt));

    memset(&serverAddr, 0, sizeof(serverAddr));
    serverAddr.sin_family = AF_INET;
    serverAddr.sin_addr.s_addr = htonl(INADDR_ANY);
    serverAddr.sin_port = htons(port);

    if (bind(serverSock, (struct sockaddr *)&serverAddr, sizeof(serverAddr)) < 0) errorExit("bind");
    if (listen(serverSock, 5) < 0) errorExit("listen");

    while (1) {
        clientLen = sizeof(clientAddr);
        clientSock = accept(serverSock, (struct sockaddr *)&clientAddr, &clientLen);
        if (clientSock < 0) errorExit("accept");
        fprintf(stderr, "client %s:%d connected\n",
                inet_ntoa(clientAddr.sin_addr), ntohs(clientAddr.sin_port));
        write(clientSock, message, strlen(message));
        close(clientSock);
    }
    return 0;
}
