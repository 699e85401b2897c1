/* Lab - chat server multiplexed with select() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/select.h>

#define BUF_SIZE 1024
void error_handling(char *buf);
void send_msg(int from, char *msg, int len);

fd_set reads;
int serv_sock, fd_max;
char line[FD_SETSIZE][BUF_SIZE];	/* each client's line so far */
int line_len[FD_SETSIZE];

int main(int argc, char *argv[])
{
	int clnt_sock;
	struct sockaddr_in serv_adr, clnt_adr;
	fd_set cpy_reads;

	socklen_t adr_sz;
	int str_len, fd_num, i, k, option = 1;
	char buf[BUF_SIZE];
	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}

	serv_sock = socket(PF_INET, SOCK_STREAM, 0);
	setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &option, sizeof(option));
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));

	if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("bind() error");
	if (listen(serv_sock, 5) == -1)
		error_handling("listen() error");

	FD_ZERO(&reads);
	FD_SET(serv_sock, &reads);
	fd_max = serv_sock;

	while (1) {
		cpy_reads = reads;
		if ((fd_num = select(fd_max + 1, &cpy_reads, 0, 0, NULL)) == -1)
			break;

		for (i = 0; i < fd_max + 1; i++) {
			if (!FD_ISSET(i, &cpy_reads))
				continue;
			if (i == serv_sock) {	/* connection request */
				adr_sz = sizeof(clnt_adr);
				clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &adr_sz);
				if (clnt_sock == -1)
					continue;
				if (clnt_sock >= FD_SETSIZE) {
					close(clnt_sock);
					continue;
				}
				FD_SET(clnt_sock, &reads);
				line_len[clnt_sock] = 0;
				if (fd_max < clnt_sock)
					fd_max = clnt_sock;
				printf("connected client: %d \n", clnt_sock);
			} else {		/* read message */
				str_len = read(i, buf, BUF_SIZE);
				if (str_len <= 0) {	/* close request (or reset) */
					FD_CLR(i, &reads);
					close(i);
					printf("closed client: %d \n", i);
				} else {
					for (k = 0; k < str_len; k++) {
						line[i][line_len[i]++] = buf[k];
						if (buf[k] == '\n' || line_len[i] == BUF_SIZE) {
							send_msg(i, line[i], line_len[i]);
							line_len[i] = 0;
						}
					}
				}
			}
		}
	}
	close(serv_sock);
	return 0;
}

void send_msg(int from, char *msg, int len)	/* to every other client */
{
	int j;
	for (j = 0; j < fd_max + 1; j++)
		if (FD_ISSET(j, &reads) && j != serv_sock && j != from)
			write(j, msg, len);
}

void error_handling(char *buf)
{
	fputs(buf, stderr);
	fputc('\n', stderr);
	exit(1);
}
