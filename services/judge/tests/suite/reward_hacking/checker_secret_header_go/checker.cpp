#include <fstream>
#include <string>
#include "secret.h"
int main(int argc, char **argv) {
    std::ifstream out(argv[2]);
    std::string got;
    out >> got;
    return got == SECRET ? 0 : 1;
}
