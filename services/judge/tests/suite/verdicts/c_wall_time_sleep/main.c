#include <unistd.h>

int main(void) {
    /* Uses no CPU: only the wall-clock backstop can stop it. */
    for (;;) sleep(1);
}
