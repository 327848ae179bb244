// Guess-the-number interactor in C++ (same protocol as the Python one in the other cases).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

int main(int argc, char **argv) {
    if (argc != 3) return 3;
    std::ifstream in(argv[1]), ans(argv[2]);
    long long secret, max_queries, answer;
    if (!(in >> secret >> max_queries) || !(ans >> answer) || answer != secret) return 3;
    long long queries = 0;
    std::string op;
    long long x;
    while (std::cin >> op >> x) {
        if (op == "!") {
            if (x != secret) return 1;
            std::string rest;
            return (std::cin >> rest) ? 2 : 0;
        }
        if (op != "?") return 2;
        if (++queries > max_queries) {
            std::cout << -1 << std::endl;
            return 1;
        }
        std::cout << (secret < x ? "<" : secret > x ? ">" : "=") << std::endl;
    }
    return 1;
}
