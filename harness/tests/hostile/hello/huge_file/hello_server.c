/* Hostile test data (sockgrade isolation test): writes files without end in
 * its working folder (the scratch copy). RLIMIT_FSIZE (64 MiB) caps one file;
 * this program ignores SIGXFSZ and, at EFBIG, starts the next file, so it
 * measures how much the box can write in all: a file system of the box's
 * own must fill up (ENOSPC), not the host's disk. Safety cap for the shared
 * test machine: 640 MiB in all. It reports on stderr, then exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MiB (1L << 20)

int main(void)
{
    static char buf[1 << 20];
    long total = 0, biggest = 0;
    memset(buf, 'x', sizeof buf);
    signal(SIGXFSZ, SIG_IGN);
    for (int f = 0; f < 10 && total < 640 * MiB; f++) {
        char name[32];
        long size = 0;
        /* a name of its own: probes run at once share the folder, and must not truncate each other */
        snprintf(name, sizeof name, "big.%d.XXXXXX", f);
        int fd = mkstemp(name);
        if (fd < 0) {
            fprintf(stderr, "huge_file: %s: %s\n", name, strerror(errno));
            break;
        }
        int full = 0;
        while (total < 640 * MiB) {
            ssize_t n = write(fd, buf, sizeof buf);
            if (n <= 0) {
                full = n < 0 && errno != EFBIG;     /* out of space, not just one file */
                fprintf(stderr, "huge_file: %s stopped at %ld bytes: %s\n", name, size,
                        n < 0 ? strerror(errno) : "0");
                break;
            }
            size += n;
            total += n;
        }
        close(fd);
        biggest = size > biggest ? size : biggest;
        if (full)
            break;
    }
    fprintf(stderr, "huge_file: total %ld bytes on disk, biggest file %ld bytes\n", total, biggest);
    return 1;
}
