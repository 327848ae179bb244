#include <stdio.h>

int main(void) {
    printf("? 1\n");  /* one question, then leave without waiting for the reply */
    return 0;
}
