/* webserv: a simple HTTP/1.0 web server. Serves the files of the current
 * folder, one client after another: GET /file HTTP/1.0 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 2048
#define SMALL_BUF 100

void error_handling(char *message);
void send_data(int sock, char *file_name);
void send_error(int sock, char *status);
void write_all(int sock, char *buf, int len);

int main(int argc, char *argv[])
{
	int serv_sock, clnt_sock;
	struct sockaddr_in serv_adr, clnt_adr;
	socklen_t clnt_adr_sz;
	char req[BUF_SIZE];
	char method[SMALL_BUF], file_name[SMALL_BUF], version[SMALL_BUF];
	int str_len, req_len;

	if (argc != 2) {
		printf("Usage : %s <port>\n", argv[0]);
		exit(1);
	}

	serv_sock = socket(PF_INET, SOCK_STREAM, 0);
	if (serv_sock == -1)
		error_handling("socket() error");
	int option = 1;
	setsockopt(serv_sock, SOL_SOCKET, SO_REUSEADDR, &option, sizeof(option));
	memset(&serv_adr, 0, sizeof(serv_adr));
	serv_adr.sin_family = AF_INET;
	serv_adr.sin_addr.s_addr = htonl(INADDR_ANY);
	serv_adr.sin_port = htons(atoi(argv[1]));
	if (bind(serv_sock, (struct sockaddr *)&serv_adr, sizeof(serv_adr)) == -1)
		error_handling("bind() error");
	if (listen(serv_sock, 20) == -1)
		error_handling("listen() error");

	while (1) {
		clnt_adr_sz = sizeof(clnt_adr);
		clnt_sock = accept(serv_sock, (struct sockaddr *)&clnt_adr, &clnt_adr_sz);
		if (clnt_sock == -1)
			continue;

		/* read the request up to the empty line */
		req_len = 0;
		req[0] = 0;
		while (strstr(req, "\r\n\r\n") == NULL && req_len < BUF_SIZE - 1) {
			str_len = read(clnt_sock, req + req_len, BUF_SIZE - 1 - req_len);
			if (str_len <= 0)
				break;
			req_len += str_len;
			req[req_len] = 0;
		}
		if (strstr(req, "\r\n\r\n") == NULL) {
			close(clnt_sock);
			continue;
		}

		if (sscanf(req, "%99s %99s %99s", method, file_name, version) != 3 ||
		    strncmp(version, "HTTP/", 5) != 0 || file_name[0] != '/') {
			send_error(clnt_sock, "400 Bad Request");
			close(clnt_sock);
			continue;
		}
		if (strcmp(method, "GET") != 0) {
			send_error(clnt_sock, "501 Not Implemented");
			close(clnt_sock);
			continue;
		}
		if (strstr(file_name, "..") != NULL || file_name[1] == '/') {
			send_error(clnt_sock, "403 Forbidden");
			close(clnt_sock);
			continue;
		}
		send_data(clnt_sock, file_name + 1);
		close(clnt_sock);
	}
	close(serv_sock);
	return 0;
}

void send_data(int sock, char *file_name)
{
	char header[BUF_SIZE], buf[BUF_SIZE];
	long file_size;
	size_t n;
	FILE *fp;

	fp = fopen(file_name, "rb");
	if (fp == NULL) {
		send_error(sock, "404 Not Found");
		return;
	}
	fseek(fp, 0, SEEK_END);
	file_size = ftell(fp);
	fseek(fp, 0, SEEK_SET);

	sprintf(header, "HTTP/1.0 200 OK\r\nServer: simple web server\r\n"
		"Content-length: %ld\r\nContent-type: text/plain\r\n\r\n", file_size);
	write_all(sock, header, strlen(header));
	/* the file in pieces, as it is read */
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		write(sock, buf, n);
	fclose(fp);
}

void send_error(int sock, char *status)
{
	char msg[BUF_SIZE];
	sprintf(msg, "HTTP/1.0 %s\r\nServer: simple web server\r\nContent-length: %d\r\n"
		"Content-type: text/html\r\n\r\n<html><body>%s</body></html>",
		status, (int)strlen(status) + 26, status);
	write_all(sock, msg, strlen(msg));
}

void write_all(int sock, char *buf, int len)
{
	int done = 0, n;
	while (done < len) {
		n = write(sock, buf + done, len - done);
		if (n <= 0)
			return;
		done += n;
	}
}

void error_handling(char *message)
{
	fputs(message, stderr);
	fputc('\n', stderr);
	exit(1);
}
