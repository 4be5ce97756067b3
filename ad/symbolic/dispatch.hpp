#pragma once
/// \file dispatch.hpp
/// From a node's op to its rule in ops/rules: the one place where the symbolic graph meets the
/// rule table. Derivatives call the rule's `d`/`da`/`db`/`partials` with T = Expr, numeric
/// evaluation calls its `value` with T = a number.
#include "ad/symbolic/expr.hpp"
#include "ops/rules/rules.hpp"

namespace ad::sym {

/// True for ops with a unary rule (neg … stop_gradient).
constexpr bool is_unary_rule(Op op) { return op >= Op::neg && op <= Op::stop_gradient; }
/// True for ops with a binary rule (add … min).
constexpr bool is_binary_rule(Op op) { return op >= Op::add && op <= Op::min; }

/// Calls f(rule) with the unary rule of `op` (requires is_unary_rule(op)).
template <class F>
decltype(auto) with_unary_rule(Op op, F&& f) {
    switch (op) {
        case Op::neg: return f(rules::neg{});
        case Op::exp: return f(rules::exp{});
        case Op::log: return f(rules::log{});
        case Op::sqrt: return f(rules::sqrt{});
        case Op::sin: return f(rules::sin{});
        case Op::cos: return f(rules::cos{});
        case Op::tan: return f(rules::tan{});
        case Op::sinh: return f(rules::sinh{});
        case Op::cosh: return f(rules::cosh{});
        case Op::tanh: return f(rules::tanh{});
        case Op::asin: return f(rules::asin{});
        case Op::acos: return f(rules::acos{});
        case Op::atan: return f(rules::atan{});
        case Op::abs: return f(rules::abs{});
        case Op::sigmoid: return f(rules::sigmoid{});
        default: return f(rules::stop_gradient{});
    }
}

/// Calls f(rule) with the binary rule of `op` (requires is_binary_rule(op)).
template <class F>
decltype(auto) with_binary_rule(Op op, F&& f) {
    switch (op) {
        case Op::add: return f(rules::add{});
        case Op::sub: return f(rules::sub{});
        case Op::mul: return f(rules::mul{});
        case Op::div: return f(rules::div{});
        case Op::pow: return f(rules::pow{});
        case Op::max: return f(rules::max{});
        default: return f(rules::min{});
    }
}

}  // namespace ad::sym
