#include <pthread.h>
#include <stdio.h>
#include <time.h>

/* Four threads burn 1.5 s of CPU each while main waits in join: 6 s of process CPU time against a
 * 2 s limit. A judge that measured only the main thread (or wall time) would say AC. */
static void *burn(void *arg) {
    (void)arg;
    struct timespec ts;
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++) x = x + 1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    } while (ts.tv_sec + ts.tv_nsec / 1e9 < 1.5);
    return NULL;
}

int main(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, burn, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    puts("3");
    return 0;
}
