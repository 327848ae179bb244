#include <stdio.h>
#include <unistd.h>

/* Fork until refused; the children wait forever holding stdout. The parent reports how many it
 * got and exits 0: the run ends with the main process and every child is killed. A second run
 * must get as many processes again (no leftovers eating the budget). */
int main(void) {
    int n = 0;
    fflush(stdout);
    for (int i = 0; i < 100000; i++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;) pause();
        }
        if (p < 0) break;
        n++;
    }
    printf("forked %d\n", n);
    puts(n < 32 ? "contained" : "ESCAPED: more processes than the limit");
    if (n < 8) puts("starved: the limit left almost nothing");
    return 0;
}
