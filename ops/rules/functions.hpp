#pragma once
/// \file functions.hpp
/// The public math functions and operators for every AD type, each declared ONCE here and
/// routed to its rule. A mode (forward Dual, reverse Var, symbolic Expr) plugs in by
/// specialising `is_ad_type` and providing `apply_unary(rule, x)`, `apply_binary(rule, a, b)`
/// (with either side possibly a plain constant) and `apply_nary(rule, span)`.
#include <compare>
#include <concepts>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "ops/rules/registry.hpp"
#include "ops/rules/vector_rule.hpp"

namespace ad {

/// A binary operation where at least one side is an AD type and the other is the same AD
/// type or a constant convertible to it (so containers such as Eigen matrices, which are not
/// convertible, keep their own `scalar * matrix` operators).
/// Types that settle into the same type (a Var and a reverse-mode Pending) go together.
template <class A, class B>
concept ad_operands =
    (is_ad_type_v<A> && is_ad_type_v<B> && std::same_as<settled_t<A>, settled_t<B>>) ||
    (is_ad_type_v<A> && !is_ad_type_v<B> && std::is_constructible_v<settled_t<A>, const B&>) ||
    (is_ad_type_v<B> && !is_ad_type_v<A> && std::is_constructible_v<settled_t<B>, const A&>);

/// Element functions, generated from the registry (ops/rules/registry.hpp); the formulas live
/// in the rules.
#define ADIFF_UNARY(rule)                                                          \
    template <class X> requires is_ad_type_v<X>                                    \
    auto rule(const X& x) { return apply_unary(rules::rule{}, x); }
ADIFF_UNARY_FUNCTIONS(ADIFF_UNARY)
#undef ADIFF_UNARY

/// A plain floating-point number: float, double, long double or a Boost.Multiprecision float
/// (not an integer, so ad::sqrt(2) is not an integer square root; not an array or matrix).
template <class T>
concept plain_real = plain_scalar<T> && std::numeric_limits<T>::is_specialized && !std::numeric_limits<T>::is_integer;

/// The same functions for plain numbers, through the same rules (ad::sigmoid(2.0),
/// ad::softplus(x), ad::log1p(x) in generic code; std's own functions stay preferred for
/// double where both are visible, as non-templates).
#define ADIFF_PLAIN_UNARY(rule)                                                   \
    template <class T> requires plain_real<T>                                     \
    T rule(const T& x) { return rules::rule{}.value(x); }
ADIFF_UNARY_FUNCTIONS(ADIFF_PLAIN_UNARY)
#undef ADIFF_PLAIN_UNARY

/// isfinite, isnan, isinf of an AD number: of its value (the innermost one of a nested type),
/// as `using std::isfinite; isfinite(x)` reads it in user code; its derivatives do not take
/// part. A symbolic Expr has no value to test.
template <class X> requires is_ad_type_v<X> && (!is_symbolic_type_v<X>)
bool isfinite(const X& x) { return is_finite(x); }
template <class X> requires is_ad_type_v<X> && (!is_symbolic_type_v<X>)
bool isnan(const X& x) { return is_nan(x); }
template <class X> requires is_ad_type_v<X> && (!is_symbolic_type_v<X>)
bool isinf(const X& x) { return !is_nan(x) && !is_finite(x); }

/// −x.
template <class X> requires is_ad_type_v<X>
auto operator-(const X& x) { return apply_unary(rules::neg{}, x); }
/// +x (identity).
template <class X> requires is_ad_type_v<X>
const X& operator+(const X& x) { return x; }

/// a + b, a − b, a · b, a / b for AD types and mixed constants.
template <class A, class B> requires ad_operands<A, B>
[[gnu::always_inline]] inline auto operator+(const A& a, const B& b) { return apply_binary(rules::add{}, a, b); }
template <class A, class B> requires ad_operands<A, B>
[[gnu::always_inline]] inline auto operator-(const A& a, const B& b) { return apply_binary(rules::sub{}, a, b); }
template <class A, class B> requires ad_operands<A, B>
[[gnu::always_inline]] inline auto operator*(const A& a, const B& b) { return apply_binary(rules::mul{}, a, b); }
template <class A, class B> requires ad_operands<A, B>
[[gnu::always_inline]] inline auto operator/(const A& a, const B& b) { return apply_binary(rules::div{}, a, b); }

/// Binary functions, generated from the registry: max(a, b), min(a, b) (ties split the
/// derivative ½/½, see rules::max), pow(a, b), …, for AD types and mixed constants. A rule that
/// declares `constant_b_is_unary` (pow) is binary only for an AD-typed b: a constant b is a
/// unary rule (pow_int, pow_const), overloaded below.
#define ADIFF_BINARY(rule)                                                                   \
    template <class A, class B>                                                              \
        requires ad_operands<A, B> && (is_ad_type_v<B> || !rules::constant_b_is_unary<rules::rule>) \
    auto rule(const A& a, const B& b) { return apply_binary(rules::rule{}, a, b); }
ADIFF_BINARY_FUNCTIONS(ADIFF_BINARY)
#undef ADIFF_BINARY

/// The same functions once more for one mode's type, stamped out by each mode header:
///
///     #define ADIFF_MODE_HEAD template <class T>
///     #define ADIFF_MODE_TYPE Var<T>
///     ADIFF_MODE_FUNCTIONS
///
/// declares `template <class T> Var<T> sigmoid(const Var<T>&)`, `max(const Var<T>&, const Var<T>&)`,
/// … routed to the same rules as the generic templates above. A parameter of the form Var<T> is
/// more specialised than a bare T, so overload resolution prefers these over a user's own
/// `template <class T> T sigmoid(T)` (found by ordinary lookup while adiff's is found by ADL:
/// without them g++ reports the call as ambiguous) and over std::max/std::min after
/// `using std::max;` (which would pick one operand and break the tie rule).
/// ADIFF_MODE_INLINE is empty unless a mode sets it around its stamp (reverse mode forces its
/// small wrappers inline, so an expression stays in registers).
#define ADIFF_MODE_INLINE
#define ADIFF_MODE_UNARY_(rule) \
    ADIFF_MODE_HEAD ADIFF_MODE_INLINE auto rule(const ADIFF_MODE_TYPE& x) { return apply_unary(rules::rule{}, x); }
#define ADIFF_MODE_BINARY_(rule)                                                                      \
    ADIFF_MODE_HEAD ADIFF_MODE_INLINE auto rule(const ADIFF_MODE_TYPE& a, const ADIFF_MODE_TYPE& b) { \
        return apply_binary(rules::rule{}, a, b);                                                     \
    }
/// The element functions alone (for reverse mode's Pending, which has no vectors of its own).
#define ADIFF_PENDING_FUNCTIONS                                                                          \
    ADIFF_UNARY_FUNCTIONS(ADIFF_MODE_UNARY_)                                                             \
    ADIFF_BINARY_FUNCTIONS(ADIFF_MODE_BINARY_)
#define ADIFF_MODE_FUNCTIONS                                                                             \
    ADIFF_UNARY_FUNCTIONS(ADIFF_MODE_UNARY_)                                                             \
    ADIFF_BINARY_FUNCTIONS(ADIFF_MODE_BINARY_)                                                           \
    ADIFF_MODE_HEAD ADIFF_MODE_TYPE sum(const std::vector<ADIFF_MODE_TYPE>& xs) {                      \
        return ::ad::sum(std::span<const ADIFF_MODE_TYPE>(xs));                                          \
    }                                                                                                    \
    ADIFF_MODE_HEAD ADIFF_MODE_TYPE max(const std::vector<ADIFF_MODE_TYPE>& xs) {                      \
        return ::ad::max(std::span<const ADIFF_MODE_TYPE>(xs));                                          \
    }                                                                                                    \
    ADIFF_MODE_HEAD ADIFF_MODE_TYPE logsumexp(const std::vector<ADIFF_MODE_TYPE>& xs) {                \
        return ::ad::logsumexp(std::span<const ADIFF_MODE_TYPE>(xs));                                    \
    }

/// The binary functions for two plain floating-point numbers through the same rules
/// (ad::hypot(a, b), ad::fmax(a, b), ad::max(a, b) in generic code).
#define ADIFF_PLAIN_BINARY(rule)                                                  \
    template <class T> requires plain_real<T>                                     \
    T rule(const T& a, const T& b) { return rules::rule{}.value(a, b); }
ADIFF_BINARY_FUNCTIONS(ADIFF_PLAIN_BINARY)
#undef ADIFF_PLAIN_BINARY
/// max/min of two other plain numbers (integers) through the same rule.
template <plain_scalar T> requires (!plain_real<T>)
T max(const T& a, const T& b) { return rules::max{}.value(a, b); }
template <plain_scalar T> requires (!plain_real<T>)
T min(const T& a, const T& b) { return rules::min{}.value(a, b); }

/// x^n for integer n of any integer type, exact for negative x (never narrowed: every value of
/// long long goes to rules::pow_int; an unsigned n beyond it is (x^⌊n/2⌋)²·x^(n mod 2)).
template <class X, std::integral I> requires is_ad_type_v<X>
settled_t<X> pow(const X& x, I n) {
    using S = settled_t<X>;  // X itself, or the Var an expression (ad::Pending) is stored as
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(long long)) {
        if (n > static_cast<I>(std::numeric_limits<long long>::max())) {
            const S h = apply_unary(rules::pow_int{static_cast<long long>(n / 2)}, x);
            const S h2 = h * h;
            return (n & 1) ? S(h2 * x) : h2;
        }
    }
    return apply_unary(rules::pow_int{static_cast<long long>(n)}, x);
}
/// x^c for a constant real c.
template <class X, class C> requires is_ad_type_v<X> && (!is_ad_type_v<C>) && (!std::integral<C>)
auto pow(const X& x, const C& c) { return apply_unary(rules::pow_const<C>{c}, x); }

/// Compound assignment, written once for all AD types.
template <class X, class B> requires is_ad_type_v<X> && ad_operands<X, B>
[[gnu::always_inline]] inline X& operator+=(X& a, const B& b) { return a = a + b; }
template <class X, class B> requires is_ad_type_v<X> && ad_operands<X, B>
[[gnu::always_inline]] inline X& operator-=(X& a, const B& b) { return a = a - b; }
template <class X, class B> requires is_ad_type_v<X> && ad_operands<X, B>
[[gnu::always_inline]] inline X& operator*=(X& a, const B& b) { return a = a * b; }
template <class X, class B> requires is_ad_type_v<X> && ad_operands<X, B>
[[gnu::always_inline]] inline X& operator/=(X& a, const B& b) { return a = a / b; }

/// Comparisons look at values only (derivatives do not take part).
template <class A, class B> requires ad_operands<A, B>
bool operator==(const A& a, const B& b) { return val(a) == val(b); }
template <class A, class B> requires ad_operands<A, B>
std::partial_ordering operator<=>(const A& a, const B& b) {
    // spelled out: Boost.Multiprecision numbers have <, > and == but no <=>
    const auto& u = val(a);
    const auto& v = val(b);
    if (u < v) return std::partial_ordering::less;
    if (v < u) return std::partial_ordering::greater;
    if (u == v) return std::partial_ordering::equivalent;
    return std::partial_ordering::unordered;
}

/// Σ xᵢ over a contiguous range as ONE n-ary primitive (one tape statement, not n−1 adds).
template <class X>
X sum(std::span<const X> xs) {
    if constexpr (is_ad_type_v<X>) return apply_nary(rules::sum{}, xs);
    else return rules::sum{}.value(xs);
}
/// Σ xᵢ of a vector.
template <class X>
X sum(const std::vector<X>& xs) { return sum(std::span<const X>(xs)); }
/// max over a non-empty range as one n-ary primitive (ties split the derivative evenly).
template <class X>
X max(std::span<const X> xs);
/// max over a non-empty vector.
template <class X>
X max(const std::vector<X>& xs) { return max(std::span<const X>(xs)); }
/// log Σ exp(xᵢ) over a non-empty range as one stable n-ary primitive (∂ᵢ = softmaxᵢ).
template <class X>
X logsumexp(std::span<const X> xs);
/// log Σ exp(xᵢ) of a non-empty vector.
template <class X>
X logsumexp(const std::vector<X>& xs) { return logsumexp(std::span<const X>(xs)); }

}  // namespace ad

#include "ad/errors.hpp"
namespace ad {
template <class X>
X max(std::span<const X> xs) {
    if (xs.empty()) throw size_error("max of an empty range", 1, 0);
    if constexpr (is_ad_type_v<X>) return apply_nary(rules::max_reduce{}, xs);
    else return rules::max_reduce{}.value(xs);
}
template <class X>
X logsumexp(std::span<const X> xs) {
    if (xs.empty()) throw size_error("logsumexp of an empty range", 1, 0);
    if constexpr (is_ad_type_v<X>) return apply_nary(rules::logsumexp{}, xs);
    else return rules::logsumexp{}.value(xs);
}
}  // namespace ad
