#include <iostream>
#include <string>

int main() {
    long long lo = 1, hi = 1000000000;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        std::cout << "? " << mid << std::endl;  // endl flushes
        std::string r;
        std::cin >> r;
        if (r == "=") lo = hi = mid;
        else if (r == "<") hi = mid - 1;
        else if (r == ">") lo = mid + 1;
        else return 0;
    }
    std::cout << "! " << lo << std::endl;
}
