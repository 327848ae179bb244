#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Six children of 64 MiB each: none alone exceeds 256 MiB, together they do. The parent waits,
 * reports what became of them, and exits 0 whatever happened. */
int main(void) {
    for (int i = 0; i < 6; i++) {
        if (fork() == 0) {
            size_t n = (size_t)64 << 20;
            char *p = malloc(n);
            if (!p) _exit(3);
            /* volatile stores: the optimiser may not drop memory nobody reads */
            for (size_t i = 0; i < n; i += 4096) ((volatile char *)p)[i] = 1;
            sleep(2);
            _exit(0);
        }
    }
    int st;
    pid_t pid;
    while ((pid = wait(&st)) > 0) {
        if (WIFSIGNALED(st)) printf("child killed by signal %d\n", WTERMSIG(st));
        else printf("child exited %d\n", WEXITSTATUS(st));
    }
    return 0;
}
