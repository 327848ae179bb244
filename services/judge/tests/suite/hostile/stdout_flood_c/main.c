#include <stdio.h>
#include <string.h>

int main(void) {
    static char buf[1 << 20];
    memset(buf, 'y', sizeof buf);
    for (int i = 0; i < 100; i++) fwrite(buf, 1, sizeof buf, stdout);
    return 0;
}
