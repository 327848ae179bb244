// Reads one question, waits until the solution has gone, then keeps writing: SIGPIPE.
#include <csignal>
#include <cstdio>
#include <unistd.h>

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_DFL);
    char buf[64];
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    while (fgetc(stdin) != EOF) {
    }  // end of file: the solution has exited
    for (int i = 0; i < 100000; i++) {
        if (write(1, "<\n", 2) < 0) return 1;
    }
    return 0;
}
