/* op_server: the textbook's calculator server. Reads a 1-byte operand count,
 * that many 4-byte ints (host order) and a 1-byte operator; replies with one
 * 4-byte int, the operands combined left to right, and closes. Serves one
 * client after another, forever. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 1024
#define OPSZ 4

static void error_handling(const char *message)
{
	fputs(message, stderr);
	fputc('\n', stderr);
	exit(1);
}

static int calculate(int opnum, const int opnds[], char op)
{
	int result = opnds[0];
	for (int i = 1; i < opnum; i++) {
		switch (op) {
		case '+': result += opnds[i]; break;
		case '-': result -= opnds[i]; break;
		case '*': result *= opnds[i]; break;
		}
	}
	return result;
}

int main(int argc, char *argv[])
{
	int serv_sock, clnt_sock;
	char opinfo[BUF_SIZE];
	int result, opnd_cnt, i;
	int recv_cnt, recv_len;
	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;

	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}
	serv_sock = socket(PF_INET, SOCK_STREAM, 0);
	if (serv_sock == -1)
		error_handling("socket() error");
	int on = 1;
	setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));
	if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("bind() error");
	if (listen(serv_sock, 5) == -1)
		error_handling("listen() error");
	clnt_adr_sz = sizeof(clnt_adr);

	/* one client, then the server ends */
	{
		opnd_cnt = 0;
		clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
		if (clnt_sock == -1)
			error_handling("accept() error");
		unsigned char cnt = 0;
		if (read(clnt_sock, &cnt, 1) != 1)
			error_handling("read() error");
		opnd_cnt = cnt;
		recv_len = 0;
		while ((opnd_cnt * OPSZ + 1) > recv_len) {
			recv_cnt = read(clnt_sock, &opinfo[recv_len], BUF_SIZE - 1 - recv_len);
			if (recv_cnt <= 0)
				break;
			recv_len += recv_cnt;
		}
		if (recv_len < opnd_cnt * OPSZ + 1 || opnd_cnt == 0)
			error_handling("short request");
		int opnds[255];
		memcpy(opnds, opinfo, (size_t)opnd_cnt * OPSZ);
		result = calculate(opnd_cnt, opnds, opinfo[recv_len - 1]);
		write(clnt_sock, (char *)&result, sizeof(result));
		close(clnt_sock);
		(void)i;
	}
	close(serv_sock);
	return 0;
}
