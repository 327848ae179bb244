#include <stdio.h>
#include <unistd.h>

/* Prints the answer, leaves four children spinning (not in a new session), exits 0. */
int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", a + b);
    fflush(stdout);
    for (int i = 0; i < 4; i++) {
        if (fork() == 0) {
            volatile unsigned long x = 0;
            for (;;) x++;
        }
    }
    return 0;
}
