/* echo_client.c: sends each line of input and prints what comes back; q or Q quits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "error_handling.h"
#include "sock.h"

#define BUF_SIZE 1024

int main (int argc, char **argv)
{
	int sock;
	char message[BUF_SIZE], reply[BUF_SIZE];
	struct sockaddr_in serv_adr;

	if (argc != 3) {
		printf("Usage : %s <IP> <port>\n", argv[0]);
		exit(1);
	}
	sock = Socket(PF_INET, SOCK_STREAM, 0);
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = inet_addr(argv[1]);
	serv_adr.sin_port = htons(atoi(argv[2]));
	Connect(sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr));
	puts("Connected...........");

	for (;;) {
		fputs("Input message(Q to quit): ", stdout);
		if (fgets(message, BUF_SIZE, stdin) == NULL)
			break;
		if (!strcmp(message, "q\n") || !strcmp(message, "Q\n"))
			break;
		size_t len = strlen(message);
		if (writen(sock, message, len) < 0)
			error_handling("write error");
		ssize_t got = readn(sock, reply, len);
		if (got < 0)
			error_handling("read error");
		if ((size_t)got < len)
			error_handling("server closed the connection");
		reply[got] = '\0';
		printf("Message from server: %s", reply);
	}
	Close(sock);
	return 0;
}
