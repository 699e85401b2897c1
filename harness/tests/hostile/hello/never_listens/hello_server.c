/* Hostile test data (sockgrade isolation test): sleeps forever, never listens,
 * ignores its arguments. Expected: TO, and nothing left behind. */
#include <unistd.h>

int main(void)
{
    for (;;)
        sleep(1000);
}
