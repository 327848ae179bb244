#include "geometry.h"

namespace geo {
long long sum(const Vec& v) { return v.x + v.y; }
}  // namespace geo
