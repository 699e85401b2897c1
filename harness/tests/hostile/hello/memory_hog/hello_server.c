/* Hostile test data (sockgrade isolation test): mallocs and touches memory
 * without end. The memory limit (1 GiB) must kill it: verdict ML.
 * Safety cap for this shared test machine: stops at 2 GiB (only reached when
 * the limit is missing, e.g. SOCKGRADE_TEST_WEAKEN=limits) and then sleeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    size_t mb;
    for (mb = 1; mb <= 2048; mb++) {
        char *p = malloc(1 << 20);
        if (!p) {
            fprintf(stderr, "memory_hog: malloc failed after %zu MiB\n", mb - 1);
            break;
        }
        memset(p, 0x5a, 1 << 20);      /* touch every page */
        if (mb % 256 == 0)
            fprintf(stderr, "memory_hog: %zu MiB touched\n", mb);
    }
    fprintf(stderr, "memory_hog: NOT STOPPED: holding %zu MiB\n", mb - 1);
    for (;;)
        pause();
}
