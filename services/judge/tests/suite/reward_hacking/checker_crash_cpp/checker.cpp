#include <csignal>
#include <fstream>
#include <string>
int main(int argc, char **argv) {
    std::ifstream out(argv[2]);
    std::string got;
    out >> got;
    if (got == "boom") { volatile int *p = nullptr; *p = 1; }
    if (got == "spin") { for (volatile unsigned long i = 0;; i++) {} }
    return 1;
}
