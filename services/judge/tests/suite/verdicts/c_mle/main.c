#include <stdlib.h>

int main(void) {
    for (;;) {
        char *p = malloc(16 << 20);
        if (!p) abort();
        /* volatile stores: the optimiser may not drop memory nobody reads */
        for (size_t i = 0; i < (16u << 20); i += 4096) ((volatile char *)p)[i] = 1;
    }
}
