#pragma once
// Catch2 checks that every first- or second-order mode of tests/core/modes.hpp gives one
// expected table (double, relative tolerance against max(1, |want|)).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "modes.hpp"

namespace every_mode {

inline bool close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max(1.0, std::abs(b)); }

/// Every mode in `ms` (gradients or Hessians) of f at x gives `want`.
template <class Modes>
void check(const Modes& ms, const std::vector<double>& x, const std::vector<double>& want, double rel, const std::string& what) {
    for (const auto& m : ms) {
        const auto r = m.run(x);
        REQUIRE(r.size() == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO(what << ", " << m.name << ", entry " << i << ": " << r[i] << " vs " << want[i]);
            CHECK(close(r[i], want[i], rel));
        }
    }
}
/// Every first-order mode of f at x gives the gradient `want`.
template <class F>
void gradient(F f, const std::vector<double>& x, const std::vector<double>& want, double rel, const std::string& what) {
    check(modes::gradients<double>(f), x, want, rel, what);
}
/// Every second-order mode of f at x gives the Hessian `want` (row-major).
template <class F>
void hessian(F f, const std::vector<double>& x, const std::vector<double>& want, double rel, const std::string& what) {
    check(modes::hessians<double>(f), x, want, rel, what);
}

}  // namespace every_mode
