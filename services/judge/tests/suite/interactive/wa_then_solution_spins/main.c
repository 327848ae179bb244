#include <stdio.h>

int main(void) {
    printf("! 5\n");  /* wrong: the interactor says WA and exits */
    fflush(stdout);
    for (volatile unsigned long i = 0;; i++) {
    }
}
