#include <stdio.h>

int main(void) {
    volatile int *p = 0;
    puts("3");
    fflush(stdout);
    *p = 42;
    return 0;
}
