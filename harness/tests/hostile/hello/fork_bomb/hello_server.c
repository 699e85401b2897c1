/* Hostile test data (sockgrade isolation test): a fork bomb. Every process
 * forks without end and never listens; the pids limit (128 per box) must hold
 * it. A counter shared by all processes records the forks that succeeded; the
 * first process reports it on stderr. Safety cap for the shared test machine:
 * 1000 forks in all (only reached when the limit is missing); then every process
 * sleeps in pause(), for 1000 processes that wake each millisecond took a 2-core
 * machine for minutes, and the other programs of the run (builds, deadlines) with it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    long *forks = mmap(NULL, sizeof *forks, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t first = getpid();
    long reported = -1;
    if (forks == MAP_FAILED)
        return 2;
    for (unsigned i = 0;; i++) {
        pid_t p = *forks < 1000 ? fork() : -2;
        if (p > 0)
            __sync_fetch_and_add(forks, 1);
        if (p < 0)
            usleep(1000);                 /* limit reached: try again soon */
        if (getpid() == first && *forks != reported && (p < 0 || i % 64 == 0)) {
            reported = *forks;
            fprintf(stderr, "fork_bomb: %ld forks succeeded%s%s\n", reported,
                    p == -1 ? ", then fork: " : "", p == -1 ? strerror(errno) : "");
        }
        if (p == -2)
            pause();                      /* the cap: no limit held it */
    }
}
