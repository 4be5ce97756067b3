#pragma once
/// \file registry.hpp
/// THE list of primitives. Each entry names a rule in ad::rules whose declaration carries
/// everything about it: the formulas (`value`, `d` or `da`/`db`), `name` (C++ and the
/// expression language), `about` (LaTeX, C and Python spellings, domain, totality) and
/// `points` (where the registry test checks it). Every table that lists primitives is generated
/// from these lists with an X-macro: the overloads for AD types (functions.hpp) and arrays
/// (ops/array/elementwise.hpp), the symbolic ops, their names and dispatch (ad/symbolic), the
/// evaluator's function table and did-you-mean list, the printers, the fuzzers' opcodes and the
/// registry test. So adding a primitive is: write its rule (with `about` and `points`) and add
/// its name to one list below. A listed rule without its declaration does not compile.
///
/// Why X-macros: a primitive has to become a C++ function *name* (`ad::erf(x)`, found by ADL)
/// and an enumerator (`sym::Op::erf`), which no type list can generate; one macro list is the
/// only mechanism that produces names, switch cases without `default:` and tables from one
/// entry, and it keeps the list readable in one place.
#include <concepts>
#include <string_view>

#include "ops/rules/gamma.hpp"
#include "ops/rules/rules.hpp"

/// Unary primitives called by name: `exp(x)` in C++ for every AD type and array, and in the
/// expression language. (neg is the operator −x and is not listed.)
#define ADIFF_UNARY_FUNCTIONS(X) \
    X(exp) X(log) X(sqrt) X(sin) X(cos) X(tan) X(sinh) X(cosh) X(tanh) X(asin) X(acos) X(atan) X(abs) X(sigmoid) \
    X(stop_gradient) X(log1p) X(expm1) X(log2) X(log10) X(exp2) X(cbrt) X(asinh) X(acosh) X(atanh) X(erf) X(erfc) \
    X(softplus) X(floor) X(ceil) X(trunc) X(round) X(lgamma) X(digamma) X(logit)

/// Binary primitives written as operators (a + b, a − b, a · b, a / b).
#define ADIFF_BINARY_OPERATORS(X) X(add) X(sub) X(mul) X(div)

/// Binary primitives called by name: `pow(a, b)`, `max(a, b)`, `min(a, b)`, `hypot(a, b)`, … in
/// C++; in the language under the rule's `language` name (maximum/minimum: max and min there
/// reduce). New entries go at the end of a list (the fuzzers' opcodes follow the order).
#define ADIFF_BINARY_FUNCTIONS(X) X(pow) X(max) X(min) X(hypot) X(atan2) X(fmod) X(fmax) X(fmin) X(polygamma)

namespace ad::rules {

/// A unary primitive's declaration is complete.
template <class R>
concept declared_unary = requires(double x) {
    { R::name } -> std::convertible_to<std::string_view>;
    { R::about } -> std::convertible_to<info>;
    { R::points[0] } -> std::convertible_to<double>;
    { R{}.value(x) } -> std::convertible_to<double>;
    { R{}.d(x, x) } -> std::convertible_to<double>;
};
/// A binary primitive's declaration is complete (points are (a, b) pairs).
template <class R>
concept declared_binary = requires(double x) {
    { R::name } -> std::convertible_to<std::string_view>;
    { R::about } -> std::convertible_to<info>;
    { R::points[0][1] } -> std::convertible_to<double>;
    { R{}.value(x, x) } -> std::convertible_to<double>;
    { R{}.da(x, x, x) } -> std::convertible_to<double>;
    { R{}.db(x, x, x) } -> std::convertible_to<double>;
};
/// The name a binary function has in the expression language (the rule's `language` if it
/// declares one, else its name).
template <class R>
constexpr std::string_view language_name() {
    if constexpr (requires { R::language; }) return R::language;
    else return R::name;
}

/// True for a binary rule that is unary when b is a constant (pow: x^n, x^c are rules of their own).
template <class R>
inline constexpr bool constant_b_is_unary = requires { R::constant_b_is_unary; };

/// True for a binary rule whose first operand is an integer (polygamma's order): its partial in
/// it is 0 by convention and no central difference exists there.
template <class R>
inline constexpr bool integer_a = requires { R::integer_a; };

#define ADIFF_CHECK_ABOUT(r) \
    static_assert(!r::about.domain.empty() && !r::about.derivative.empty(), "adiff: rules::" #r "'s about needs .domain and .derivative (the docs' text)");
#define ADIFF_CHECK_UNARY(r) \
    static_assert(declared_unary<r>, "adiff: rules::" #r " is in the registry but lacks name, about, points, value or d"); \
    ADIFF_CHECK_ABOUT(r)
#define ADIFF_CHECK_BINARY(r) \
    static_assert(declared_binary<r>, "adiff: rules::" #r " is in the registry but lacks name, about, points, value, da or db"); \
    ADIFF_CHECK_ABOUT(r)
ADIFF_CHECK_UNARY(neg)
ADIFF_UNARY_FUNCTIONS(ADIFF_CHECK_UNARY)
ADIFF_BINARY_OPERATORS(ADIFF_CHECK_BINARY)
ADIFF_BINARY_FUNCTIONS(ADIFF_CHECK_BINARY)
#undef ADIFF_CHECK_ABOUT
#undef ADIFF_CHECK_UNARY
#undef ADIFF_CHECK_BINARY

}  // namespace ad::rules
