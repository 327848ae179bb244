#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The parent uses no CPU; four children burn 1.5 s of CPU each. Only a limit measured over the
 * whole tree (6 s > 2 s) turns this into TLE; a judge that times the main process says AC. */
static void burn(double seconds) {
    volatile unsigned long x = 0;
    while ((double)clock() / CLOCKS_PER_SEC < seconds) x++;
}

int main(void) {
    for (int i = 0; i < 4; i++) {
        if (fork() == 0) {
            burn(1.5);
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {
    }
    puts("3");
    return 0;
}
