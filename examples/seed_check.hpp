#pragma once
// What every seed example shares: when run with --check (ctest does), compare the numbers it
// computes with the ones its seed prints, count mismatches, and exit non-zero on any.
#include <cmath>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ops/array/array.hpp"

namespace seed_check {
inline int failures = 0;
inline bool checking = false;
inline double default_abs = 0, default_rel = 0;

/// Checking is on when the example runs with --check; sets the default tolerances of `expect`.
inline void start(int argc, char** argv, double abs, double rel) {
    checking = argc > 1 && std::strcmp(argv[1], "--check") == 0;
    default_abs = abs;
    default_rel = rel;
}
/// Compares every entry of `got` with the seed's printed `want` (|Δ| ≤ abs + rel·|want|); the
/// tolerances default to those given to `start`.
inline void expect(const char* what, const ad::Array<double>& got, const std::vector<double>& want,
                   double abs = default_abs, double rel = default_rel) {
    if (!checking) return;
    if (got.size() != want.size()) { std::cerr << "MISMATCH " << what << ": size\n"; ++failures; return; }
    for (std::size_t k = 0; k < want.size(); ++k)
        if (!(std::abs(got[k] - want[k]) <= abs + rel * std::abs(want[k]))) {
            std::cerr << "MISMATCH " << what << "[" << k << "]: got " << got[k] << ", seed prints " << want[k] << "\n";
            ++failures;
        }
}
/// 0 when every check passed, 1 otherwise.
inline int exit_code() { return failures ? 1 : 0; }
}  // namespace seed_check

using namespace seed_check;
