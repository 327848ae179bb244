#include <cstdio>

// printf without fflush: the question stays in the stdio buffer and both sides wait.
int main() {
    long long lo = 1, hi = 1000000000;
    char r[8];
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        printf("? %lld\n", mid);
        if (scanf("%7s", r) != 1) return 0;
        if (r[0] == '=') lo = hi = mid;
        else if (r[0] == '<') hi = mid - 1;
        else lo = mid + 1;
    }
    printf("! %lld\n", lo);
}
