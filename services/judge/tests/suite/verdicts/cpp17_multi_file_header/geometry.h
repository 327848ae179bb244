#pragma once

namespace geo {
struct Vec {
    long long x, y;
};
long long sum(const Vec& v);  // defined in geometry.cpp: linking proves both units are compiled
}  // namespace geo
