// echo_server.c -- Lab 2
// Echoes back everything a client sends, one client after another.
// It answers slowly on purpose (TCP is a byte stream!): it waits a little
// before each reply and writes the reply 16 bytes at a time.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 65536
#define PIECE 16
#define DELAY_US 20000

static char buffer[BUF_SIZE];

void errorExit(const char *where) {
    perror(where);
    exit(1);
}

// sends len bytes in pieces of at most PIECE bytes; -1 if the client is gone
int sendSlowly(int sock, const char *data, int len) {
    int sent = 0;
    usleep(DELAY_US);
    while (sent < len) {
        int piece = len - sent < PIECE ? len - sent : PIECE;
        int n = write(sock, data + sent, piece);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        sent += n;
    }
    return 0;
}

int main(int argc, char *argv[]) {
    struct sockaddr_in serverAddr;
    int serverSock, clientSock, got, opt = 1;

    if (argc != 2) {
        fprintf(stderr, "Usage: %s <port>\n", argv[0]);
        exit(1);
    }
    signal(SIGPIPE, SIG_IGN);

    serverSock = socket(AF_INET, SOCK_STREAM, 0);
    if (serverSock < 0) errorExit("socket");
    if (setsockopt(serverSock, SOL_SOCKET, SO_REUSEADDR, &opt, sizeof(opt)) < 0) errorExit("setsockopt");

    memset(&serverAddr, 0, sizeof(serverAddr));
    serverAddr.sin_family = AF_INET;
    serverAddr.sin_addr.s_addr = htonl(INADDR_ANY);
    serverAddr.sin_port = htons(atoi(argv[1]));

    if (bind(serverSock, (struct sockaddr *)&serverAddr, sizeof(serverAddr)) < 0) errorExit("bind");
    if (listen(serverSock, 5) < 0) errorExit("listen");

    while (1) {
        clientSock = accept(serverSock, NULL, NULL);
        if (clientSock < 0) {
            perror("accept");
            continue;
        }
        while (1) {
            got = read(clientSock, buffer, BUF_SIZE);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;    // 0: client is done; -1: it reset
            if (sendSlowly(clientSock, buffer, got) < 0) {
                perror("write");
                break;
            }
        }
        close(clientSock);
    }
    return 0;
}
