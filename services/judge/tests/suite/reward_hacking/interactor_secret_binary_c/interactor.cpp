#include <iostream>
#include <string>
static const std::string SECRET = "xcs-{{TOKEN}}";
int main() {
    std::string got;
    std::cin >> got;
    return got == SECRET ? 0 : 1;
}
