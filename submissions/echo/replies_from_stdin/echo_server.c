#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 1000

void error_handling(char *message);
int write_all(int sock, char *buf, int len);

int main(int argc, char *argv[])
{
	int serv_sock, clnt_sock;
	char message[BUF_SIZE], typed[BUF_SIZE];
	int str_len, i;
	int option = 1;

	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;

	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}

	signal(SIGPIPE, SIG_IGN);	/* a client that resets must not kill us */

	serv_sock = socket(PF_INET, SOCK_STREAM, 0);
	if (serv_sock == -1)
		error_handling("socket() error");
	setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &option, sizeof(option));

	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));

	if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("bind() error");

	if (listen(serv_sock, 5) == -1)
		error_handling("listen() error");

	for (i = 1; ; i++) {
		clnt_adr_sz = sizeof(clnt_adr);
		clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
		if (clnt_sock == -1)
			continue;
		printf("Connected client %d \n", i);

		while ((str_len = read(clnt_sock, message, BUF_SIZE)) != 0) {
			if (str_len == -1)
				break;	/* connection reset by the client */
			/* chat: answer with what is typed here; echo once nothing more is typed */
			if (fgets(typed, sizeof(typed), stdin) != NULL)
				write_all(clnt_sock, typed, strlen(typed));
			else
				write_all(clnt_sock, message, str_len);
		}

		close(clnt_sock);
	}

	close(serv_sock);
	return 0;
}

/* write() may write less than asked: repeat until everything is sent */
int write_all(int sock, char *buf, int len)
{
	int done = 0, n;

	while (done < len) {
		n = write(sock, buf + done, len - done);
		if (n == -1)
			return -1;
		done += n;
	}
	return done;
}

void error_handling(char *message)
{
	fputs(message, stderr);
	fputc('\n', stderr);
	exit(1);
}
