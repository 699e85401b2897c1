/* Hostile test data (sockgrade isolation test): leaves a daemon behind.
 * The original process opens the listening socket, double-forks a daemon
 * (setsid, ignores SIGTERM/SIGHUP/SIGINT, keeps the listening socket), then
 * serves like a correct server. The daemon also serves and, to dodge a
 * kill-by-pid sweep, hops to a new pid every 5 ms (fork, parent exits).
 * Nothing of it may outlive the probe. Safety cap for the shared test
 * machine: the daemon ends by itself after 20 s. */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void greet(int s)
{
    int c = accept(s, NULL, NULL);
    if (c >= 0) {
        if (write(c, "Hello world!", 12) < 0) {
        }
        close(c);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <port>\n", argv[0]);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) {
        perror("bind/listen");
        return 1;
    }
    if (fork() == 0) {
        setsid();                               /* out of the process group */
        if (fork() != 0)
            _exit(0);                           /* the daemon is orphaned */
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        prctl(PR_SET_NAME, "sg-daemon");
        time_t end = time(NULL) + 20;
        while (time(NULL) < end) {
            struct pollfd p = { .fd = s, .events = POLLIN };
            if (poll(&p, 1, 5) > 0)
                greet(s);
            if (fork() > 0)
                _exit(0);                       /* hop: a new pid */
        }
        _exit(0);
    }
    for (;;)
        greet(s);
}
