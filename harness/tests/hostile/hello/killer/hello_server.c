/* Hostile test data (sockgrade isolation test): tries to kill everything it
 * can: kill(1, SIGKILL), kill(-1, SIGTERM), kill(-1, SIGKILL), reports the
 * results, the processes it can see in /proc and its own pid (in a pid
 * namespace of its own: 2, under the box's init), then serves like a correct
 * server. Only its own box may be affected. */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void try_kill(pid_t pid, int sig, const char *what)
{
    int r = kill(pid, sig);
    fprintf(stderr, "killer: %s: %s\n", what, r == 0 ? "SENT" : strerror(errno));
}

int main(int argc, char **argv)
{
    try_kill(1, SIGKILL, "kill(1, SIGKILL)");
    try_kill(-1, SIGTERM, "kill(-1, SIGTERM)");
    try_kill(-1, SIGKILL, "kill(-1, SIGKILL)");
    /* what can it see? a box shows its init and this process only */
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    char seen[2048] = "";
    while (d && (e = readdir(d))) {
        if (atoi(e->d_name) <= 0)
            continue;
        char path[300], comm[64] = "?";
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        if (f)
            fclose(f);
        if (strlen(seen) < sizeof seen - 100)
            snprintf(seen + strlen(seen), sizeof seen - strlen(seen), " %s:%s", e->d_name, comm);
        n++;
    }
    fprintf(stderr, "killer: sees %d processes:%s\n", n, seen);
    fprintf(stderr, "killer: pid %d, parent %d\n", (int)getpid(), (int)getppid());
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
