/* Hostile test data (sockgrade isolation test): a source that includes an
 * endless file. cc1 reads /dev/zero and grows without end (3 GiB in 20 s
 * seen); the build's memory limit (1 GiB) must stop it, and the build's
 * reason must say so. */
#include "/dev/zero"
int main(void)
{
    return 0;
}
