/* echo_server.c: an iterative echo server on the wrappers of sock.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "error_handling.h"
#include "sock.h"

#define BUF_SIZE 1024

int
main (int argc, char *argv[])
{
	int serv_sock, clnt_sock, option = 1;
	char buf[BUF_SIZE];
	ssize_t n;
	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;

	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);	/* a client that resets must not kill us */

	serv_sock = Socket(PF_INET, SOCK_STREAM, 0);
	Setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &option, sizeof(option));
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));
	Bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr));
	Listen(serv_sock, 5);

	for (;;) {
		clnt_adr_sz = sizeof(clnt_adr);
		clnt_sock = Accept(serv_sock, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
		while ((n = read(clnt_sock, buf, BUF_SIZE)) > 0)
			if (writen(clnt_sock, buf, n) < 0)
				break;	/* the client is gone */
		Close(clnt_sock);	/* n == 0: done; n == -1: reset */
	}
}
