/* op_client: the textbook's calculator client. Reads an operand count, the
 * operands and an operator from stdin, sends them (1-byte count, 4-byte ints
 * in host order, 1-byte operator), and prints the server's 4-byte result. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 1024
#define RLT_SIZE 4
#define OPSZ 4

static void error_handling(const char *message)
{
	fputs(message, stderr);
	fputc('\n', stderr);
	exit(1);
}

int main(int argc, char *argv[])
{
	int sock;
	char opmsg[BUF_SIZE];
	int result, opnd_cnt, i;
	struct sockaddr_in serv_adr;

	if (argc != 3) {
		printf("Usage : %s <IP> <port>\n", argv[0]);
		exit(1);
	}
	sock = socket(PF_INET, SOCK_STREAM, 0);
	if (sock == -1)
		error_handling("socket() error");
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = inet_addr(argv[1]);
	serv_adr.sin_port = htons(atoi(argv[2]));
	if (connect(sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("connect() error!");
	else
		puts("Connected...........");

	fputs("Operand count: ", stdout);
	if (scanf("%d", &opnd_cnt) != 1 || opnd_cnt < 1 || opnd_cnt > 255)
		error_handling("bad operand count");
	opmsg[0] = (char)opnd_cnt;
	for (i = 0; i < opnd_cnt; i++) {
		printf("Operand %d: ", i + 1);
		int v;
		if (scanf("%d", &v) != 1)
			error_handling("bad operand");
		memcpy(&opmsg[i * OPSZ + 1], &v, OPSZ);
	}
	fputs("Operator: ", stdout);
	/* %c without a space: it reads the newline after the last operand */
	if (scanf("%c", &opmsg[opnd_cnt * OPSZ + 1]) != 1)
		error_handling("no operator");
	size_t len = (size_t)opnd_cnt * OPSZ + 2, off = 0;
	while (off < len) {
		ssize_t n = write(sock, opmsg + off, len - off);
		if (n <= 0)
			error_handling("write() error");
		off += (size_t)n;
	}
	int got = 0;
	while (got < RLT_SIZE) {
		ssize_t n = read(sock, (char *)&result + got, RLT_SIZE - got);
		if (n <= 0)
			error_handling("read() error");
		got += (int)n;
	}
	printf("Operation result: %d \n", result);
	close(sock);
	return 0;
}
