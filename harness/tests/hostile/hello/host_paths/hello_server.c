/* Hostile test data (sockgrade isolation test): a correct server that first
 * reports, on stderr, every path a box shows it of its own folder: its cwd
 * (getcwd and the /proc/self/cwd link), argv[0], what its build saw (its
 * Makefile's build-paths.txt: $PWD, CURDIR, LDLIBS), its /proc/self/cgroup
 * lines (each must read "/": a cgroup namespace of the box's), and for each line of
 * /proc/self/mountinfo the mount's root within its file system and its mount
 * point. None may name a path of the host's (the run's work folder, the
 * worker's pid): "paths: " lines, then "paths: done: N lines". */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char cwd[4096] = "?", link[4096] = "?", line[2048];
    int n = 0;
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "(getcwd failed)");
    ssize_t len = readlink("/proc/self/cwd", link, sizeof link - 1);
    link[len > 0 ? len : 0] = '\0';
    fprintf(stderr, "paths: cwd %s link %s argv0 %s\n", cwd, link, argv[0]);
    FILE *b = fopen("build-paths.txt", "r");        /* what its build saw (Makefile) */
    if (b && fgets(line, sizeof line, b))
        fprintf(stderr, "paths: %s", line);
    else
        fprintf(stderr, "paths: build (no build-paths.txt)\n");
    if (b)
        fclose(b);
    FILE *g = fopen("/proc/self/cgroup", "r");       /* the grader's cgroup and worker pid? */
    while (g && fgets(line, sizeof line, g))
        fprintf(stderr, "paths: cgroup %s", line);
    if (g)
        fclose(g);
    FILE *f = fopen("/proc/self/mountinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char root[1024], point[1024];
        if (sscanf(line, "%*d %*d %*s %1023s %1023s", root, point) == 2) {
            fprintf(stderr, "paths: mount %s at %s\n", root, point);
            n++;
        }
    }
    if (f)
        fclose(f);
    fprintf(stderr, "paths: done: %d mounts%s\n", n, f ? "" : " (no mountinfo)");
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
