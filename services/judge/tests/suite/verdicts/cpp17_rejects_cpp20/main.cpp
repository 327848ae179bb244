#include <iostream>

// `concept` is a C++20 keyword: under -std=c++17 this must not compile.
template <class T>
concept Small = sizeof(T) <= 8;

int main() {
    long long a, b;
    std::cin >> a >> b;
    std::cout << a + b << "\n";
}
