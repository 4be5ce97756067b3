#pragma once
/// \file vector_rule.hpp
/// User-defined vector primitives (JAX's custom_jvp/custom_vjp, CppAD's atomic functions,
/// autograd's defvjp): a function of n inputs with m outputs whose derivative the user states
/// as a Jacobian-vector product (forward mode) and a vector-Jacobian product (reverse mode)
/// instead of letting adiff differentiate its body. A vector rule is a stateless struct with
///
///     static constexpr std::string_view name = "my_rule";          // named by checked mode
///     std::size_t outputs(std::size_t n) const;                     // m for n inputs
///     template <class T> void value(std::span<const T> x, std::span<T> y) const;
///     template <class T> void jvp(std::span<const T> x, std::span<const T> y,
///                                 std::span<const T> dx, std::span<T> dy) const;  // dy = J dx
///     template <class T> void vjp(std::span<const T> x, std::span<const T> y,
///                                 std::span<const T> dy, std::span<T> dx) const;  // dx = Jᵀ dy
///
/// and `ad::apply_rule(rule, x)` (x a std::vector or span of numbers) returns the m outputs as
/// ONE primitive of x's mode: a forward Dual runs `jvp` once per tangent lane, reverse mode
/// records one tape statement whose sweep runs `vjp` (no Jacobian is formed), Replay re-runs
/// `value` at every replay and the same `vjp` in the tape's sweep, plain numbers get `value`.
/// The formulas are templates in T, so nested modes (Hessians) work: the jvp/vjp then run on AD
/// numbers and are differentiated in turn. Checked mode checks every output and names the rule.
/// Symbolic mode builds one opaque call node per output, differentiated by `jvp` on Expr
/// (ad/symbolic/user_rule.hpp).
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ops/rules/scalar_traits.hpp"

namespace ad {

/// R is a vector rule (see the file comment).
template <class R>
concept vector_rule = requires(const R& r, std::span<const double> x, std::span<double> y) {
    { R::name } -> std::convertible_to<std::string_view>;
    { r.outputs(std::size_t{}) } -> std::convertible_to<std::size_t>;
    r.value(x, y);
    r.jvp(x, std::span<const double>(y), x, y);
    r.vjp(x, std::span<const double>(y), std::span<const double>(y), y);
};

/// The m outputs of vector rule r at x, as one primitive of X's mode (see the file comment).
template <class R, class X>
std::vector<X> apply_rule(const R& r, std::span<const X> x) {
    static_assert(vector_rule<R>,
                  "adiff: ad::apply_rule(rule, xs) needs a vector rule: `static constexpr std::string_view name`, "
                  "`std::size_t outputs(std::size_t n) const`, and templates in T `value(x, y)`, `jvp(x, y, dx, dy)`, "
                  "`vjp(x, y, dy, dx)` on std::span (see ops/rules/vector_rule.hpp)");
    static_assert(std::is_empty_v<R> && std::is_default_constructible_v<R>,
                  "adiff: a vector rule is stateless (reverse mode re-creates it in the sweep): pass parameters as inputs");
    if constexpr (is_ad_type_v<X>) {
        return apply_vector(r, x);  // the mode's own, found by argument-dependent lookup
    } else {
        std::vector<X> y(r.outputs(x.size()));
        r.value(x, std::span<X>(y));
        return y;
    }
}
/// The same for a std::vector of inputs.
template <class R, class X>
std::vector<X> apply_rule(const R& r, const std::vector<X>& x) {
    return apply_rule(r, std::span<const X>(x));
}

}  // namespace ad
