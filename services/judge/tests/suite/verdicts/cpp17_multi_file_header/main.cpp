#include <iostream>

#include "geometry.h"

int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << geo::sum(geo::Vec{a, b}) << "\n";
}
