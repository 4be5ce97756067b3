#pragma once
/// \file user_rule.hpp
/// User-defined rules in symbolic mode (JAX's custom_jvp on a traced function, SymPy's
/// `Function` subclass with `fdiff`): `ad::apply_rule(my_rule{}, x)` on an `Expr` builds ONE
/// opaque node, `Op::call`, printed as `my_rule(x)`; its derivative is the rule's own, run on
/// Expr (`d(x, y)` for a unary rule, `da`/`db` for a binary one, the JVP with a unit tangent
/// for a vector rule, ops/rules/vector_rule.hpp), and its value at a number is the rule's
/// `value` at that precision. So the symbolic graph treats a user's primitive exactly as the
/// registry's: differentiated by its rule, never by looking inside.
///
/// This file is the process-wide table of the rules a process uses (thread-safe, filled on
/// first use of each rule type), type-erased; ad/symbolic/expr.hpp builds the call nodes on it
/// (`user_call`): a call node's `index` holds the rule's number in the table and, for a vector
/// rule, which output it is. Limits: 4096 user rule types per process and 2²⁰ outputs
/// per vector-rule call (beyond either, ad::size_error).
///
/// What symbolic mode asks of a rule beyond the other modes:
/// - it is stateless (the table re-creates it from its type): pass parameters as inputs;
/// - its derivative formula is straight-line arithmetic that an Expr can run (no `if` on a
///   value: a symbol has none);
/// - its value is evaluated at float, double, long double, 50 and 100 digits (the precisions
///   of adiff's evaluator and CLI); another number type is an ad::error naming the rule.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/core/multiprecision.hpp"
#include "ad/errors.hpp"
#include "ops/rules/vector_rule.hpp"

namespace ad::sym {

class Expr;  // ad/symbolic/expr.hpp, which builds the call nodes (user_call) on this table

/// All outputs y of a user rule at inputs x, at one precision.
template <class T>
using user_value_fn = void (*)(std::span<const T> x, std::span<T> y);

/// A user rule as the symbolic graph sees it (type-erased, one per rule type).
struct UserRule {
    std::string_view name;
    std::size_t arity = 1;  ///< 1 or 2 for a scalar rule, 0 for a vector rule (any number of inputs)
    bool vector = false;    ///< a vector rule: its outputs print as name(x…)[k]
    std::size_t (*outputs)(std::size_t n) = nullptr;
    /// dy = ∂y/∂x[in] for every output, as Exprs, given the inputs x and all the outputs y
    /// (call nodes): the rule's d, da or db, or its JVP with the unit tangent e_in.
    void (*tangent)(std::span<const Expr> x, std::span<const Expr> y, std::size_t in, std::span<Expr> dy) = nullptr;
    user_value_fn<float> value_float = nullptr;
    user_value_fn<double> value_double = nullptr;
    user_value_fn<long double> value_long_double = nullptr;
    user_value_fn<mp50> value_mp50 = nullptr;
    user_value_fn<mp100> value_mp100 = nullptr;
};

/// A call node's index: the rule number in the high bits, the output in the low ones.
inline constexpr unsigned user_output_bits = 20;
inline constexpr std::uint32_t max_user_rules = std::uint32_t{1} << (32 - user_output_bits);

/// Adds a rule to the process-wide table and returns its number (thread-safe).
std::uint32_t register_user_rule(const UserRule& rule);
/// The rule of number `id` (a copy: the table may grow on another thread meanwhile); an
/// unknown number is an ad::error.
UserRule user_rule(std::uint32_t id);

/// y = rule(x) at precision T (one of the five above; another T is an ad::error).
template <class T>
void user_value(const UserRule& r, std::span<const T> x, std::span<T> y) {
    user_value_fn<T> f = nullptr;
    if constexpr (std::is_same_v<T, float>) f = r.value_float;
    else if constexpr (std::is_same_v<T, double>) f = r.value_double;
    else if constexpr (std::is_same_v<T, long double>) f = r.value_long_double;
    else if constexpr (std::is_same_v<T, mp50>) f = r.value_mp50;
    else if constexpr (std::is_same_v<T, mp100>) f = r.value_mp100;
    if (!f) throw error("symbolic evaluation: the user rule '" + std::string(r.name) +
                        "' is evaluated at float, double, long double, 50 and 100 digits only");
    f(x, y);
}

namespace user_rule_impl {

template <class R, class T>
void user_rule_value(std::span<const T> x, std::span<T> y) {
    if constexpr (vector_rule<R>) R{}.value(x, y);
    else if constexpr (requires(const R& r, const double& v) { r.da(v, v, v); }) y[0] = R{}.value(x[0], x[1]);
    else y[0] = R{}.value(x[0]);
}

/// E is Expr (a parameter so that this header needs only Expr's declaration).
template <class R, class E>
UserRule describe_user_rule() {
    UserRule u;
    u.name = R::name;
    if constexpr (vector_rule<R>) {
        u.arity = 0;
        u.vector = true;
        u.outputs = [](std::size_t n) { return static_cast<std::size_t>(R{}.outputs(n)); };
        u.tangent = [](std::span<const E> x, std::span<const E> y, std::size_t in, std::span<E> dy) {
            std::vector<E> dx(x.size(), E(0));
            dx[in] = E(1);
            R{}.jvp(x, y, std::span<const E>(dx), dy);
        };
    } else {
        constexpr bool binary = requires(const R& r, const double& v) { r.da(v, v, v); };
        u.arity = binary ? 2 : 1;
        u.outputs = [](std::size_t) { return std::size_t{1}; };
        u.tangent = [](std::span<const E> x, std::span<const E> y, std::size_t in, std::span<E> dy) {
            if constexpr (binary) dy[0] = in == 0 ? E(R{}.da(x[0], x[1], y[0])) : E(R{}.db(x[0], x[1], y[0]));
            else dy[0] = E(R{}.d(x[0], y[0]));
        };
    }
    u.value_float = &user_rule_value<R, float>;
    u.value_double = &user_rule_value<R, double>;
    u.value_long_double = &user_rule_value<R, long double>;
    u.value_mp50 = &user_rule_value<R, mp50>;
    u.value_mp100 = &user_rule_value<R, mp100>;
    return u;
}

}  // namespace user_rule_impl

/// The table number of rule type R (registered on first use, once per process).
template <class R>
std::uint32_t user_rule_id() {
    static_assert(std::is_empty_v<R> && std::is_default_constructible_v<R>,
                  "adiff: symbolic mode re-creates a user rule from its type, so a rule applied to an Expr is "
                  "stateless: pass parameters as inputs");
    static const std::uint32_t id = register_user_rule(user_rule_impl::describe_user_rule<R, Expr>());
    return id;
}

}  // namespace ad::sym
