#include <iostream>
#include <string>
#include "secret.h"
int main() {
    std::string got;
    std::cin >> got;
    return got == SECRET ? 0 : 1;
}
