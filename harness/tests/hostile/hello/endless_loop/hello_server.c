/* Hostile test data (sockgrade isolation test): spins on the CPU forever and
 * never listens. Expected: TO (wall-clock readiness deadline or RLIMIT_CPU). */
int main(void)
{
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
