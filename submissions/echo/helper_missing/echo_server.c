/* echo_server.c: an iterative echo server on the course's netprog library.
 * (netprog.c, which defines tcp_listen() and writen(), was left out of the hand-in.) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

#include "error_handling.h"
#include "netprog.h"

#define BUF_SIZE 1024

int main(int argc, char *argv[])
{
	int serv_sock, clnt_sock;
	char buf[BUF_SIZE];
	ssize_t n;

	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
	serv_sock = tcp_listen(argv[1]);
	if (serv_sock < 0)
		error_handling("tcp_listen error");
	for (;;) {
		clnt_sock = accept(serv_sock, NULL, NULL);
		if (clnt_sock < 0)
			continue;
		while ((n = read(clnt_sock, buf, BUF_SIZE)) > 0)
			if (writen(clnt_sock, buf, n) < 0)
				break;
		close(clnt_sock);
	}
}
