// A few helpers for the checker, shipped through ProgramChecker.files to prove extra files arrive.
#pragma once
#include <cstdio>

enum Outcome { OK = 0, WRONG = 1, PRESENTATION = 2, FAIL = 3 };

[[noreturn]] inline void verdict(Outcome o, const char *msg) {
    std::fprintf(stderr, "%s\n", msg);
    std::fflush(stderr);
    std::_Exit(o);
}
