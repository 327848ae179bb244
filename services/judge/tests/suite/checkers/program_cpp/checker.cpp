// Checker for "print two non-negative integers whose sum is n".
// Called as: checker <input> <output> <answer>; exit 0 AC, 1 WA, 2 PE, anything else = failure.
#include <cstdlib>
#include <fstream>
#include <string>

#include "mini_check.h"

int main(int argc, char **argv) {
    if (argc != 4) verdict(FAIL, "usage: checker input output answer");
    std::ifstream in(argv[1]), out(argv[2]), ans(argv[3]);
    long long n, answer_n;
    std::string mode;
    if (!(in >> n >> mode)) verdict(FAIL, "bad input file");
    // The answer file holds n too: a swapped output/answer order is caught here.
    if (!(ans >> answer_n) || answer_n != n) verdict(FAIL, "answer file does not match input");
    if (mode == "checker-fail") verdict(FAIL, "checker gives up on purpose");
    if (mode == "checker-crash") std::abort();
    long long a, b;
    if (!(out >> a >> b)) verdict(PRESENTATION, "expected two integers");
    std::string extra;
    if (out >> extra) verdict(PRESENTATION, "extra output");
    if (a < 0 || b < 0 || a + b != n) verdict(WRONG, "the numbers do not sum to n");
    verdict(OK, "ok");
}
