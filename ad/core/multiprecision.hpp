#pragma once
/// \file multiprecision.hpp
/// High-precision scalars: Boost.Multiprecision binary floats with expression templates OFF
/// (expression templates clash with AD types, see autodiff issue #189).
#include <boost/multiprecision/cpp_bin_float.hpp>

namespace ad {
/// 50 decimal digits.
using mp50 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<50>, boost::multiprecision::et_off>;
/// 100 decimal digits.
using mp100 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<100>, boost::multiprecision::et_off>;
}  // namespace ad
