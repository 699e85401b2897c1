/* Hostile test data (sockgrade isolation test): maps and touches memory
 * without end. The memory limit (1 GiB) must kill it: verdict ML.
 * It asks for huge pages (MADV_HUGEPAGE) so that it reaches the limit within a
 * second or two even when a fork bomb next door takes most of the CPU: touched
 * 4 KiB at a time it once ran out of time (TO) before it reached the limit.
 * Safety cap for this shared test machine: stops at 2 GiB (only reached when
 * the limit is missing, e.g. SOCKGRADE_TEST_WEAKEN=limits) and then sleeps. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (64u << 20)

int main(void)
{
    size_t mb;
    for (mb = 0; mb < 2048; mb += CHUNK >> 20) {
        char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            fprintf(stderr, "memory_hog: mmap failed after %zu MiB\n", mb);
            break;
        }
        madvise(p, CHUNK, MADV_HUGEPAGE);
        memset(p, 0x5a, CHUNK);        /* touch every page */
        if ((mb + (CHUNK >> 20)) % 256 == 0)
            fprintf(stderr, "memory_hog: %zu MiB touched\n", mb + (CHUNK >> 20));
    }
    fprintf(stderr, "memory_hog: NOT STOPPED: holding %zu MiB\n", mb);
    for (;;)
        pause();
}
