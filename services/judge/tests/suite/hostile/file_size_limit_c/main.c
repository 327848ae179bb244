#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One file, written until stopped: RLIMIT_FSIZE raises SIGXFSZ (default action: die). */
int main(void) {
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    int fd = open("big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 2;
    for (int i = 0; i < 4096; i++) {
        if (write(fd, buf, sizeof buf) < 0) return 3;
    }
    puts("ESCAPED: wrote 4 GiB");
    return 0;
}
