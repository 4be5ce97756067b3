#pragma once
/// \file multiprecision.hpp
/// High-precision scalars: Boost.Multiprecision binary floats with expression templates OFF
/// (expression templates clash with AD types, see autodiff issue #189).
#include <limits>

#include <boost/multiprecision/cpp_bin_float.hpp>

namespace ad {
/// 50 decimal digits.
using mp50 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<50>, boost::multiprecision::et_off>;
/// 100 decimal digits.
using mp100 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<100>, boost::multiprecision::et_off>;

namespace detail {
/// Boost.Multiprecision 1.74 computes a cpp_bin_float number's epsilon, min, max, … on first use
/// without a lock, and its own start-up initializer computes them for the numbers without
/// expression templates only, while its log, exp, pow, … ask for those of the numbers with them:
/// two threads making a process's first log at 50 digits race (ThreadSanitizer, test_threads).
/// adiff computes them once at start-up for both of its precisions (a few operations each).
template <class Number>
bool compute_numeric_limits() {
    using L = std::numeric_limits<Number>;
    (void)L::epsilon(), (void)L::round_error(), (void)(L::min)(), (void)(L::max)(), (void)L::infinity(), (void)L::quiet_NaN();
    return true;
}
template <class Backend>
using with_expression_templates = boost::multiprecision::number<Backend, boost::multiprecision::et_on>;
inline const bool multiprecision_limits_computed =
    compute_numeric_limits<with_expression_templates<mp50::backend_type>>() &&
    compute_numeric_limits<with_expression_templates<mp100::backend_type>>();
}  // namespace detail
}  // namespace ad
