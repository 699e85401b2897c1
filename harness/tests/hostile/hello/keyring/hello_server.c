/* Hostile test data (sockgrade isolation test): a keyring spy. Kernel keyrings
 * are not namespaced, so before serving like a correct server it tries:
 *   - to find the key the test planted in the grader's session keyring
 *     (description "sockgrade-grader-secret"), in the session keyring it was
 *     started with and in its user keyrings: "LEAK <where>: <value>";
 *   - to find a key an earlier box of the same user id left
 *     ("sockgrade-box-key"): "LEAK earlier box: <value>";
 *   - to add such a key to its user keyring and to its session keyring, for
 *     a later box to find: "ADDED <where>".
 * The last line, "keyring: done: leaks=N added=M (...)", counts them; in a box
 * both are 0 (the key syscalls are refused, the session keyring is the box's). */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

static int leaks, added;
static char last_error[64] = "none";

static void note_error(const char *what)
{
    snprintf(last_error, sizeof last_error, "%s: %s", what, strerror(errno));
}

static void look(long ring, const char *where, const char *desc)
{
    long id = syscall(SYS_keyctl, KEYCTL_SEARCH, ring, "user", desc, 0);
    if (id < 0) {
        note_error("search");
        return;
    }
    char buf[128] = "";
    long n = syscall(SYS_keyctl, KEYCTL_READ, id, buf, sizeof buf - 1);
    buf[n > 0 && n < (long)sizeof buf ? n : 0] = '\0';
    fprintf(stderr, "LEAK %s: '%s' is there (%s)\n", where, desc, n >= 0 ? buf : "unreadable");
    leaks++;
}

static void add(long ring, const char *where)
{
    char val[64];
    snprintf(val, sizeof val, "left by box pid %d uid %d", (int)getpid(), (int)getuid());
    if (syscall(SYS_add_key, "user", "sockgrade-box-key", val, strlen(val), ring) < 0) {
        note_error("add_key");
        return;
    }
    fprintf(stderr, "ADDED %s\n", where);
    added++;
}

int main(int argc, char *argv[])
{
    look(KEY_SPEC_SESSION_KEYRING, "grader session keyring", "sockgrade-grader-secret");
    look(KEY_SPEC_USER_KEYRING, "user keyring", "sockgrade-grader-secret");
    look(KEY_SPEC_USER_SESSION_KEYRING, "user session keyring", "sockgrade-grader-secret");
    look(KEY_SPEC_USER_KEYRING, "earlier box (user keyring)", "sockgrade-box-key");
    look(KEY_SPEC_SESSION_KEYRING, "earlier box (session keyring)", "sockgrade-box-key");
    add(KEY_SPEC_USER_KEYRING, "user keyring");
    add(KEY_SPEC_SESSION_KEYRING, "session keyring");
    fprintf(stderr, "keyring: done: leaks=%d added=%d (last error: %s)\n", leaks, added, last_error);
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
