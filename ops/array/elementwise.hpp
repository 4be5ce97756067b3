#pragma once
/// \file elementwise.hpp
/// Element-wise arithmetic with NumPy broadcasting, and element-wise math functions, for
/// Array<X> with any scalar X (double, multiprecision, Dual, Var, symbolic Expr). Each element
/// goes through X's own operations, so the tape/duals/DAG see exactly these primitives.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "ops/array/array_statement.hpp"
#include "ops/array/broadcast.hpp"
#include "ops/rules/functions.hpp"

namespace ad {

/// A scalar operand for an Array<X> operation: anything that is not an Array.
template <class S>
concept array_scalar = !is_array_v<S>;

namespace detail {
/// True when `a R s` / `s R a` on Array<X> may record one array statement (array_statement.hpp):
/// X is a Var of double or float and s converts to X.
template <class X, class S>
inline constexpr bool array_statement_with = array_statement::enabled_for<X> && std::is_constructible_v<X, const S&>;
}  // namespace detail

#define ADIFF_ARRAY_BINOP(OP, NAME, RULE)                                                         \
    template <class X>                                                                            \
    Array<X> operator OP(const Array<X>& a, const Array<X>& b) {                                  \
        if constexpr (array_statement::enabled_for<X>)                                            \
            if (array_statement::active(std::max(a.size(), b.size()))) return array_statement::binary(rules::RULE{}, a, b, NAME); \
        return broadcast_apply(a, b, [](const X& u, const X& v) { return X(u OP v); }, NAME);     \
    }                                                                                             \
    template <class X, array_scalar S>                                                            \
    Array<X> operator OP(const Array<X>& a, const S& s) {                                         \
        if constexpr (detail::array_statement_with<X, S>)                                        \
            if (array_statement::active(a.size()))                                                \
                return array_statement::binary(rules::RULE{}, a, X(s));                       \
        Array<X> r(a);                                                                            \
        for (auto& x : r) x = X(x OP s);                                                          \
        return r;                                                                                 \
    }                                                                                             \
    template <class X, array_scalar S>                                                            \
    Array<X> operator OP(const S& s, const Array<X>& a) {                                         \
        if constexpr (detail::array_statement_with<X, S>)                                        \
            if (array_statement::active(a.size()))                                                \
                return array_statement::binary(rules::RULE{}, X(s), a);                       \
        Array<X> r(a);                                                                            \
        for (auto& x : r) x = X(s OP x);                                                          \
        return r;                                                                                 \
    }

/// a + b, a − b, a ⊙ b, a ⊘ b with broadcasting (shape_error names both shapes); also with a
/// scalar. On Var<double>/Var<float> arrays each is one array statement (array_statement.hpp).
ADIFF_ARRAY_BINOP(+, "add", add)
ADIFF_ARRAY_BINOP(-, "subtract", sub)
ADIFF_ARRAY_BINOP(*, "multiply", mul)
ADIFF_ARRAY_BINOP(/, "divide", div)
#undef ADIFF_ARRAY_BINOP

/// −a element-wise (rules::neg; one array statement on Var<double>/Var<float>).
template <class X>
Array<X> operator-(const Array<X>& a) {
    if constexpr (array_statement::enabled_for<X>)
        if (array_statement::active(a.size())) return array_statement::unary(rules::neg{}, a);
    Array<X> r(a);
    for (auto& x : r) x = X(-x);
    return r;
}

/// Applies f to every element (result has a's shape).
template <class X, class F>
auto map(const Array<X>& a, F&& f) {
    using R = settled_t<decltype(f(a[0]))>;
    std::vector<R> v;
    v.reserve(a.size());
    for (const X& x : a) v.push_back(f(x));
    return Array<R>(a.shape(), std::move(v));
}

/// Element-wise math, generated from the registry (ops/rules/registry.hpp): each element
/// through its rule, in its own mode (ad::apply_rule); formulas and domains as in the rules
/// (log(0) = −inf, ...). On Var<double>/Var<float> arrays one array statement each.
#define ADIFF_ARRAY_UNARY(rule)                                                                   \
    template <class X>                                                                            \
    Array<X> rule(const Array<X>& a) {                                                            \
        if constexpr (array_statement::enabled_for<X>)                                            \
            if (array_statement::active(a.size())) return array_statement::unary(rules::rule{}, a); \
        return map(a, [](const X& x) -> X { return ad::apply_rule(rules::rule{}, x); });       \
    }
ADIFF_UNARY_FUNCTIONS(ADIFF_ARRAY_UNARY)
#undef ADIFF_ARRAY_UNARY

/// a^b element-wise with broadcasting; domain a > 0 unless b is integral.
template <class X>
Array<X> pow(const Array<X>& a, const Array<X>& b) {
    return broadcast_apply(a, b, [](const X& u, const X& v) -> X { using std::pow; return pow(u, v); }, "pow");
}
/// a^c element-wise for a constant exponent (an integer c is exact for negative a).
/// For plain numbers an integer c goes through the same rule (rules::pow_int, exact repeated
/// squaring) as Dual, Var and the symbolic evaluator, so all modes agree to the last bit.
template <class X, array_scalar S>
Array<X> pow(const Array<X>& a, const S& c) {
    if constexpr (std::is_integral_v<S> && !is_ad_type_v<X>)
        return map(a, [r = rules::pow_int{static_cast<long long>(c)}](const X& x) -> X { return r.value(x); });
    else
        return map(a, [&c](const X& x) -> X { using std::pow; return pow(x, c); });
}

namespace detail {
/// max/min of two entries through the rules (so plain numbers propagate NaN like AD types).
template <class X>
X max2(const X& a, const X& b) {
    if constexpr (is_ad_type_v<X>) return max(a, b);
    else return rules::max{}.value(a, b);
}
template <class X>
X min2(const X& a, const X& b) {
    if constexpr (is_ad_type_v<X>) return min(a, b);
    else return rules::min{}.value(a, b);
}
}  // namespace detail

/// Element-wise max(a, b) with broadcasting; at ties each side gets half the derivative.
template <class X>
Array<X> maximum(const Array<X>& a, const Array<X>& b) {
    return broadcast_apply(a, b, [](const X& u, const X& v) -> X { return detail::max2(u, v); }, "maximum");
}
/// Element-wise min(a, b) with broadcasting; at ties each side gets half the derivative.
template <class X>
Array<X> minimum(const Array<X>& a, const Array<X>& b) {
    return broadcast_apply(a, b, [](const X& u, const X& v) -> X { return detail::min2(u, v); }, "minimum");
}

/// The binary rule R element-wise with broadcasting, each entry in its own mode (an AD type's
/// primitive, or the rule's value for numbers): how the language applies the registry's binary
/// functions (pow, maximum, minimum, ...) to arrays.
template <class R, class X>
Array<X> elementwise(const Array<X>& a, const Array<X>& b) {
    static constexpr std::string_view name = rules::language_name<R>();
    static const std::string what(name);
    return broadcast_apply(a, b, [](const X& u, const X& v) -> X {
        if constexpr (is_ad_type_v<X>) return apply_binary(R{}, u, v);
        else return R{}.value(u, v);
    }, what.c_str());
}

}  // namespace ad
