/* Hostile test data (sockgrade isolation test): writes to stdout and stderr
 * forever and never listens. The harness must keep only a bounded head and
 * tail of each stream (1 MiB) and never block on the pipes. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char out[65536], err[65536];
    memset(out, 'o', sizeof out);
    memset(err, 'e', sizeof err);
    for (size_t i = 63; i < sizeof out; i += 64)
        out[i] = err[i] = '\n';
    for (;;) {
        if (write(1, out, sizeof out) < 0) {
            /* keep going: a closed pipe is not our problem */
        }
        if (write(2, err, sizeof err) < 0) {
        }
    }
}
