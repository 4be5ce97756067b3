#pragma once
/// \file number.hpp
/// Reading decimal text and the constants π and e at a working precision T (double, long
/// double, mp50, mp100, or an AD type built on them): "0.1" at 50 digits is 0.1 to 50 digits.
#include <boost/math/constants/constants.hpp>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>

#include "ad/errors.hpp"
#include "ops/rules/scalar_traits.hpp"

namespace ad {

/// The innermost number type of an AD type (T itself for a plain scalar).
template <class X, class = void>
struct scalar_of { using type = X; };
template <class X>
struct scalar_of<X, std::void_t<typename X::scalar_type>> { using type = typename scalar_of<typename X::scalar_type>::type; };
template <class X>
using scalar_of_t = typename scalar_of<X>::type;

namespace detail {
/// +1 or −1 when a literal's decimal exponent has more than 6 digits (|e| ≥ 10⁶), else 0.
/// Such a literal is beyond every supported precision's range (an underflow to 0 or an
/// overflow), and Boost.Multiprecision's own reader would overflow a long accumulating a
/// 20-digit exponent (found by the fuzzer: 1e-3080000000001561702524).
inline int huge_exponent_sign(std::string_view s) {
    const auto e = s.find_first_of("eE");
    if (e == std::string_view::npos) return 0;
    std::size_t i = e + 1;
    int sign = 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
    while (i < s.size() && s[i] == '0') ++i;
    return s.size() - i > 6 ? sign : 0;
}
/// True when the digits before the exponent are all zero.
inline bool zero_mantissa(std::string_view s) {
    for (char c : s.substr(0, s.find_first_of("eE")))
        if (c >= '1' && c <= '9') return false;
    return true;
}
}  // namespace detail

/// Decimal text ("1.5", "1e-3") → plain scalar T, correctly rounded at T's precision.
/// A literal too large for T (`1e999` in double) is an ad::error, not a silent infinity; one
/// too small underflows to 0 as in IEEE arithmetic (`1e-400` in double, `1e-9999999` anywhere).
template <class T>
T number_from_text(std::string_view text) {
    const std::string s(text);
    if (const int sign = detail::huge_exponent_sign(s)) {
        if (sign < 0 || detail::zero_mantissa(s)) return T(0);
        throw error("number literal '" + s + "' is out of range at this precision (it overflows to infinity)");
    }
    T v;
    if constexpr (std::is_same_v<T, double>) v = std::strtod(s.c_str(), nullptr);
    else if constexpr (std::is_same_v<T, float>) v = std::strtof(s.c_str(), nullptr);
    else if constexpr (std::is_same_v<T, long double>) v = std::strtold(s.c_str(), nullptr);
    else v = T(s);  // Boost.Multiprecision: exact decimal conversion at its precision
    if (!is_finite(v)) throw error("number literal '" + s + "' is out of range at this precision (it overflows to infinity)");
    return v;
}

/// π at precision T.
template <class T>
T pi_value() { return boost::math::constants::pi<T>(); }
/// e at precision T.
template <class T>
T e_value() { return boost::math::constants::e<T>(); }

}  // namespace ad
