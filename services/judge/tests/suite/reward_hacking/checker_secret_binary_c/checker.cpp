#include <fstream>
#include <string>
static const std::string SECRET = "xcs-{{TOKEN}}";
int main(int argc, char **argv) {
    std::ifstream out(argv[2]);
    std::string got;
    out >> got;
    return got == SECRET ? 0 : 1;
}
