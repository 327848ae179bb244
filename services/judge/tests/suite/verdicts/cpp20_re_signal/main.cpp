#include <iostream>
#include <stdexcept>

int main() {
    std::cout << 3 << std::endl;
    throw std::runtime_error("uncaught: terminate() aborts with SIGABRT");
}
