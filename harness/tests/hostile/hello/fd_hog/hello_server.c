/* Hostile test data (sockgrade isolation test): opens files and sockets
 * without end. RLIMIT_NOFILE (256) must stop it. Safety cap for the shared
 * test machine: 4000 descriptors. It reports how many it got, then exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int n = 0, fd, highest = 2;
    for (;;) {
        fd = n % 2 ? socket(AF_INET, SOCK_STREAM, 0) : open("/dev/null", O_RDONLY);
        if (fd < 0 || n >= 4000)
            break;
        highest = fd > highest ? fd : highest;
        n++;
    }
    fprintf(stderr, "fd_hog: opened %d descriptors, highest fd %d, then: %s\n", n, highest,
            fd < 0 ? strerror(errno) : "safety cap");
    return 1;
}
