#include <cstdio>

// 2 GiB of initialised data: the object file and the executable would be 2 GiB each.
static char big[1u << 31] = {1};

int main() { std::printf("%d\n", big[0]); }
