/* Lab 4 - multithreaded echo server: one detached thread per client */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#define BUF_SIZE 1024
void *handle_clnt(void *arg);
void error_handling(char *msg);

int main(int argc, char *argv[])
{
	int serv_sock, clnt_sock, option = 1;
	int *arg;
	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;
	pthread_t t_id;
	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);

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

	while (1) {
		clnt_adr_sz = sizeof(clnt_adr);
		clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
		if (clnt_sock == -1)
			continue;

		arg = malloc(sizeof(int));	/* each thread gets its own copy */
		*arg = clnt_sock;
		if (pthread_create(&t_id, NULL, handle_clnt, arg) != 0) {
			close(clnt_sock);
			free(arg);
			continue;
		}
		pthread_detach(t_id);
		printf("Connected client IP: %s \n", inet_ntoa(clnt_adr.sin_addr));
	}
	close(serv_sock);
	return 0;
}

void *handle_clnt(void *arg)
{
	int clnt_sock = *((int *)arg);
	int str_len = 0;
	char buf[BUF_SIZE];
	free(arg);

	while ((str_len = read(clnt_sock, buf, sizeof(buf))) > 0)
		write(clnt_sock, buf, str_len);

	close(clnt_sock);
	return NULL;
}

void error_handling(char *msg)
{
	fputs(msg, stderr);
	fputc('\n', stderr);
	exit(1);
}
