#pragma once
// Test helper: bitwise equality of doubles (tells −0 from +0 and one NaN payload from another,
// where == would not).
#include <cstring>

namespace adt {

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace adt
