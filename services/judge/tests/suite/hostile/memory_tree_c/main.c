#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Six children of 64 MiB each: none alone exceeds 256 MiB, together they do. The parent waits
 * and exits 0 whatever happened to them. */
int main(void) {
    for (int i = 0; i < 6; i++) {
        if (fork() == 0) {
            size_t n = (size_t)64 << 20;
            char *p = malloc(n);
            if (p) memset(p, 1, n);
            sleep(2);
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {
    }
    return 0;
}
