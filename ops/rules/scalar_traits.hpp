#pragma once
/// \file scalar_traits.hpp
/// What every scalar type (float, double, long double, Boost.Multiprecision, and the AD
/// types built on them) must offer the rules: ADL math, `val`, `sign`, `heaviside`.
#include <cmath>
#include <type_traits>

/// In the body of every AD number type (Dual, Var, Traced): there is no conversion to a plain
/// number (it would drop the derivative); this explicit operator exists only to say so, with
/// what to write instead, when a cast is tried. It is explicit on purpose: an implicit one,
/// even one that only fails, would make `c ? x : 0.0` ambiguous in correct code.
#define ADIFF_NO_PLAIN_CONVERSION                                                                            \
    template <class U> requires std::is_arithmetic_v<U>                                                       \
    explicit operator U() const {                                                                              \
        static_assert(sizeof(U) == 0, "adiff: an AD number does not convert to a plain number (that would "    \
                                      "drop its derivative): read the value with ad::val(x); and call math "   \
                                      "functions unqualified (using std::exp; exp(x)), not std::exp(x), so "   \
                                      "that adiff's overloads are found");                                     \
        return U();                                                                                            \
    }

namespace ad {

/// True for adiff's own differentiable types (Dual, Var, symbolic Expr); each mode specialises it.
template <class X>
struct is_ad_type : std::false_type {};
template <class X>
inline constexpr bool is_ad_type_v = is_ad_type<std::remove_cvref_t<X>>::value;

/// The type an AD value is stored as: the type itself, except for a value that is still being
/// formed (reverse mode's ad::Pending, a statement not yet on the tape), which names the type it
/// settles into (its Var) as `settles_to`. Generic code that builds containers from the results
/// of operations (`std::vector<settled_t<decltype(f(x))>>`) stores settled values.
template <class X, class = void>
struct settled { using type = X; };
template <class X>
struct settled<X, std::void_t<typename X::settles_to>> { using type = typename X::settles_to; };
template <class X>
using settled_t = typename settled<std::remove_cvref_t<X>>::type;

/// True for a symbolic type (no numeric value to compare: rules build formulas instead).
template <class X>
struct is_symbolic_type : std::false_type {};
template <class X>
inline constexpr bool is_symbolic_type_v = is_symbolic_type<std::remove_cvref_t<X>>::value;

/// A plain (non-AD) scalar: arithmetic or Boost.Multiprecision number.
template <class X>
concept plain_scalar = !is_ad_type_v<X>;

/// The value of a plain scalar is itself (AD types overload `val` to strip one level).
template <plain_scalar T>
constexpr const T& val(const T& x) noexcept { return x; }

/// sign(x): -1, 0 or +1. Used as the derivative of abs (abs'(0) := 0, the midpoint subgradient).
template <plain_scalar T>
T sign(const T& x) { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : (x == T(0) ? T(0) : x)); }  // sign(NaN) = NaN

/// heaviside(x): 0 for x<0, 1/2 at 0, 1 for x>0. max(a,b) uses it: ∂a = H(a−b), so ties split ½/½.
template <plain_scalar T>
T heaviside(const T& x) { return x > T(0) ? T(1) : (x < T(0) ? T(0) : (x == T(0) ? T(1) / T(2) : x)); }  // H(NaN) = NaN

/// π as a constant of x's type and mode (for a symbolic type the π leaf, ad::sym overloads it):
/// lets a rule such as erf′ = (2/√π)·e^(−x²) carry π to the precision of T.
template <class T>
T pi_like(const T& x) {
    if constexpr (is_ad_type_v<T>) return T(pi_like(val(x)));
    else { using std::acos; return acos(T(-1)); }
}

/// True when the innermost value of x (a number, Dual, Var, ...) is NaN.
template <class X>
bool is_nan(const X& x) { const auto& v = val(x); return v != v; }

/// True when x is exactly zero in every component: a plain number equal to 0. AD types whose
/// components can be inspected (Dual, Var) overload it; any other AD type (the symbolic Expr)
/// is never known to be zero here.
template <class T>
bool is_exact_zero(const T& x) {
    if constexpr (is_ad_type_v<T>) return false;
    else return x == T(0);
}

/// isfinite for plain scalars (std or Boost.Multiprecision by ADL).
template <plain_scalar T>
bool is_finite(const T& x) { using std::isfinite; return isfinite(x); }

/// True when every component of x is finite: for a plain number its value; AD types overload it
/// to look at every tangent lane too, recursively (`is_finite` looks at the innermost value only).
template <plain_scalar T>
bool all_finite(const T& x) { return is_finite(x); }

}  // namespace ad
