#include <bits/stdc++.h>

struct NoLess {};

int main() {
    static_assert(sizeof(NoLess) == 0, __FILE__);
    static_assert(sizeof(NoLess) == 0, __BASE_FILE__);
    std::vector<NoLess> v(3);
    std::sort(v.begin(), v.end());
    std::cout << v << '\n';
}
