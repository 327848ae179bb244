#include <cstdio>

// 1 GiB of initialised data with external linkage, read at an index known only at run time, so
// the compiler must emit all of it: the object file and the executable would be 1 GiB each.
char big[1u << 30] = {1};

int main() {
    unsigned i = 0;
    if (std::scanf("%u", &i) != 1) return 1;
    std::printf("%d\n", big[i % sizeof big]);
}
