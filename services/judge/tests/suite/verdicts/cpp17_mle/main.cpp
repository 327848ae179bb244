#include <cstring>
#include <vector>

int main() {
    std::vector<char *> keep;
    for (;;) {
        char *p = new char[16 << 20];
        std::memset(p, 1, 16 << 20);
        keep.push_back(p);
    }
}
