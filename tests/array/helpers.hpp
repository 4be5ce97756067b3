#pragma once
// Shared helpers of the array/softmax/check tests: array closeness for any plain scalar, and
// the two AD modes as interchangeable Jacobian drivers over a function of an Array.
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "ad/adiff.hpp"

namespace at {

/// Max over entries of |a − b| − (abs + rel·max(|a|, |b|)) ≤ 0 ⇔ every entry close. Shapes must match.
template <class T>
bool all_close(const ad::Array<T>& a, const ad::Array<T>& b, const T& abs_tol, const T& rel_tol) {
    using std::abs;
    if (a.shape() != b.shape()) return false;
    for (std::size_t k = 0; k < a.size(); ++k) {
        if (a[k] != a[k] || b[k] != b[k]) return false;
        if (abs(T(a[k] - b[k])) > abs_tol + rel_tol * std::max(T(abs(a[k])), T(abs(b[k])))) return false;
    }
    return true;
}

template <class T>
std::string str(const ad::Array<T>& a) {
    std::ostringstream os;
    os.precision(17);
    os << a;
    return os.str();
}

/// Tolerance for "equal up to rounding" in T: 1000 ε (1e-45 or better at 50 digits).
template <class T>
T tight() { return T(1000) * std::numeric_limits<T>::epsilon(); }

#define AT_CLOSE(a, b, abs_tol, rel_tol)                                                  \
    do {                                                                                  \
        const auto& at_a_ = (a);                                                          \
        const auto& at_b_ = (b);                                                          \
        INFO(#a " =\n" << at::str(at_a_) << "\n" #b " =\n" << at::str(at_b_));          \
        CHECK(at::all_close(at_a_, at_b_, (abs_tol), (rel_tol)));                         \
    } while (0)

/// The AD modes a test runs through.
enum class mode { forward, reverse };

/// Jacobian of f: Array(shape) → Array at z by the given mode (shape {outputs, inputs}).
template <class T, class F>
ad::Array<T> jacobian(mode m, F f, const ad::Array<T>& z) {
    auto g = ad::on_shape(z.shape(), f);
    return m == mode::forward ? ad::jacobian_forward(g, z.values()) : ad::jacobian_reverse(g, z.values());
}

}  // namespace at
