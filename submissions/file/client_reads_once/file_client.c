/* Lab: file client. Receives a file until EOF, saves it, thanks the server. */
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
	int sd;
	FILE *fp;
	char buf[BUF_SIZE];
	ssize_t read_cnt;
	struct sockaddr_in serv_adr;

	if (argc != 4) {
		fprintf(stderr, "Usage: %s <IP> <port> <outfile>\n", argv[0]);
		exit(1);
	}
	fp = fopen(argv[3], "wb");
	if (fp == NULL)
		error_handling("fopen() error");
	sd = socket(PF_INET, SOCK_STREAM, 0);
	if (sd == -1)
		error_handling("socket() error");
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = inet_addr(argv[1]);
	serv_adr.sin_port = htons(atoi(argv[2]));
	if (connect(sd, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("connect() error");

	/* defect: one read(), as if the whole file came at once */
	if ((read_cnt = read(sd, buf, BUF_SIZE)) > 0)
		fwrite(buf, 1, (size_t)read_cnt, fp);
	if (read_cnt < 0)
		error_handling("read() error");
	fclose(fp);

	puts("Received file data");
	write(sd, "Thank you", 10);
	close(sd);
	return 0;
}
