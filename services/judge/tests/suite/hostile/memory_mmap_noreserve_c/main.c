#include <stdio.h>
#include <sys/mman.h>

/* Reserve 64 GiB of address space without commit, then touch it page by page. */
int main(void) {
    size_t size = (size_t)64 << 30;
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        size = (size_t)4 << 30;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    if (p == MAP_FAILED) return 2;
    for (size_t i = 0; i < size; i += 4096) p[i] = 1;
    puts("ESCAPED: touched it all");
    return 0;
}
