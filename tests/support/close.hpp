#pragma once
// Test helpers: combined absolute/relative closeness (never divides by a value that may be
// zero) and central finite differences.
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace adt {

/// |a − b| ≤ abs + rel·max(|a|, |b|).
template <class T>
bool close(const T& a, const T& b, const T& abs_tol, const T& rel_tol) {
    using std::abs;
    using std::isnan;
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return true;  // also equal infinities
    return abs(a - b) <= abs_tol + rel_tol * std::max(abs(a), abs(b));
}

template <class T>
std::string str(const T& x) {
    std::ostringstream os;
    os.precision(20);
    os << x;
    return os.str();
}

/// Central difference of a scalar function with step h = cbrt(ε)·max(|x|, 1e-3): relative to
/// the scale of x (so points near a pole at 0 get a small enough step), error O(h²).
template <class F>
double central_difference(F&& f, double x) {
    const double h = std::cbrt(std::numeric_limits<double>::epsilon()) * std::max(std::abs(x), 1e-3);
    return (f(x + h) - f(x - h)) / (2 * h);
}

}  // namespace adt

#define ADT_CLOSE(a, b, abs_tol, rel_tol)                                                   \
    do {                                                                                    \
        INFO(#a " = " << adt::str(a) << ", " #b " = " << adt::str(b));                      \
        CHECK(adt::close<std::decay_t<decltype(b)>>((a), (b), (abs_tol), (rel_tol)));     \
    } while (0)
