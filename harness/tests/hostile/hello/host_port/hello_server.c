/* Hostile test data (sockgrade isolation test): tries to reach services of
 * the host: TCP on 127.0.0.1 and ::1 at common ports and at HOST_PORT (the
 * test writes the port of a listener it started on the host into this line
 * before grading), and the abstract unix socket "@sockgrade-iso-HOST_PORT".
 * Prints CONNECTED or the error for each, then serves like a correct server.
 * The box has a network namespace of its own: nothing may connect. */
#define HOST_PORT 0 /* replaced by the test */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* connect with a 300 ms timeout; 0 when connected, else an errno */
static int try_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    int err = 0;
    socklen_t el = sizeof err;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return errno;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    if (poll(&p, 1, 300) != 1)
        return ETIMEDOUT;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
    return err;
}

static void tcp(int family, const char *ip, int port)
{
    struct sockaddr_storage ss = { 0 };
    struct sockaddr_in *a4 = (void *)&ss;
    struct sockaddr_in6 *a6 = (void *)&ss;
    if (family == AF_INET) {
        a4->sin_family = AF_INET, a4->sin_port = htons(port);
        inet_pton(AF_INET, ip, &a4->sin_addr);
    } else {
        a6->sin6_family = AF_INET6, a6->sin6_port = htons(port);
        inet_pton(AF_INET6, ip, &a6->sin6_addr);
    }
    int fd = socket(family, SOCK_STREAM, 0);
    int e = fd < 0 ? errno : try_connect(fd, (void *)&ss, sizeof ss);
    if (e == 0)
        fprintf(stderr, "host_port: CONNECTED to %s port %d\n", ip, port);
    else if (port == HOST_PORT)
        fprintf(stderr, "host_port: %s port %d: %s\n", ip, port, strerror(e));
    close(fd);
}

int main(int argc, char **argv)
{
    static const int common[] = { 22, 25, 53, 80, 111, 443, 631, 3306, 5000, 5432, 6379,
                                  8000, 8080, 9000, 9190, HOST_PORT };
    for (size_t i = 0; i < sizeof common / sizeof *common; i++) {
        tcp(AF_INET, "127.0.0.1", common[i]);
        tcp(AF_INET6, "::1", common[i]);
    }
    struct sockaddr_un u = { .sun_family = AF_UNIX };
    int n = snprintf(u.sun_path + 1, sizeof u.sun_path - 1, "sockgrade-iso-%d", HOST_PORT);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int e = try_connect(fd, (void *)&u, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n));
    fprintf(stderr, "host_port: %s @%s%s%s\n", e ? "abstract socket" : "CONNECTED to abstract socket",
            u.sun_path + 1, e ? ": " : "", e ? strerror(e) : "");
    close(fd);
    fprintf(stderr, "host_port: done\n");
    if (argc != 2)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0)
        return 1;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c >= 0 && write(c, "Hello world!", 12) < 0) {
        }
        close(c);
    }
}
