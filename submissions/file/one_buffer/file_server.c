/* Lab: file server. Sends a file to one client, half-closes, prints the client's reply. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 4096

static void error_handling(const char *message)
{
	perror(message);
	exit(1);
}

int main(int argc, char *argv[])
{
	int serv_sd, clnt_sd;
	FILE *fp;
	char buf[BUF_SIZE];
	size_t read_cnt;
	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;

	if (argc != 3) {
		fprintf(stderr, "Usage: %s <port> <file>\n", argv[0]);
		exit(1);
	}
	fp = fopen(argv[2], "rb");
	if (fp == NULL)
		error_handling("fopen() error");
	serv_sd = socket(PF_INET, SOCK_STREAM, 0);
	if (serv_sd == -1)
		error_handling("socket() error");
	int on = 1;
	setsockopt(serv_sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));
	if (bind(serv_sd, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("bind() error");
	if (listen(serv_sd, 5) == -1)
		error_handling("listen() error");
	clnt_adr_sz = sizeof(clnt_adr);
	clnt_sd = accept(serv_sd, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
	if (clnt_sd == -1)
		error_handling("accept() error");

	/* defect: one buffer of the file only, never a loop */
	if ((read_cnt = fread(buf, 1, BUF_SIZE, fp)) > 0) {
		size_t off = 0;
		while (off < read_cnt) {
			ssize_t w = write(clnt_sd, buf + off, read_cnt - off);
			if (w < 0)
				error_handling("write() error");
			off += (size_t)w;
		}
	}
	fclose(fp);

	shutdown(clnt_sd, SHUT_WR);
	ssize_t n = read(clnt_sd, buf, BUF_SIZE - 1);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	printf("Message from client: %s\n", buf);
	close(clnt_sd);
	close(serv_sd);
	return 0;
}
