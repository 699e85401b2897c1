/* Hostile test data (sockgrade isolation test): nested namespaces. In a user
 * namespace of its own a process holds every capability there and can mount
 * tmpfs (more kernel surface). Before serving like a correct server it tries
 * unshare(CLONE_NEWUSER | CLONE_NEWNS) and then to mount a tmpfs, a clone()
 * with CLONE_NEWUSER, and unshare(CLONE_NEWNET): "ESCAPE <what>" for each
 * that works. The last line, "userns: done: escapes=N (...)", counts them;
 * in a box it is 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int escapes;
static char errors[160] = "";

static void note_error(const char *what)
{
    size_t n = strlen(errors);
    snprintf(errors + n, sizeof errors - n, "%s%s: %s", n ? "; " : "", what, strerror(errno));
}

int main(int argc, char *argv[])
{
    /* a child, so that the server itself stays in the box's namespaces */
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
            fprintf(stderr, "userns: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s\n", strerror(errno));
            _exit(2);
        }
        fprintf(stderr, "ESCAPE unshare(CLONE_NEWUSER|CLONE_NEWNS) worked\n");
        mkdir("/tmp/userns-mnt", 0700);
        if (mount("none", "/tmp/userns-mnt", "tmpfs", 0, "size=1m") == 0)
            fprintf(stderr, "ESCAPE mounted a tmpfs in its own user namespace\n");
        else
            fprintf(stderr, "userns: mount tmpfs: %s\n", strerror(errno));
        _exit(1);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    if (pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1)
        escapes++;
    else
        snprintf(errors, sizeof errors, "unshare: refused (the line above says how)");
    long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
    if (c == 0)
        _exit(0);
    if (c > 0) {
        waitpid((pid_t)c, NULL, 0);
        fprintf(stderr, "ESCAPE clone(CLONE_NEWUSER) worked\n");
        escapes++;
    } else {
        note_error("clone");
    }
    if (unshare(CLONE_NEWNET) == 0) {
        fprintf(stderr, "ESCAPE unshare(CLONE_NEWNET) worked\n");
        escapes++;
    } else {
        note_error("unshare(CLONE_NEWNET)");
    }
    fprintf(stderr, "userns: done: escapes=%d (%s)\n", escapes, errors);
    if (argc != 2)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0)
        return 1;
    for (;;) {
        int cl = accept(s, NULL, NULL);
        if (cl >= 0 && write(cl, "Hello world!", 12) < 0) {
        }
        close(cl);
    }
}
