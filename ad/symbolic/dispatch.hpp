#pragma once
/// \file dispatch.hpp
/// From a node's op to its rule in ops/rules: the one place where the symbolic graph meets the
/// rule table. Derivatives call the rule's `d`/`da`/`db`/`partials` with T = Expr, numeric
/// evaluation calls its `value` with T = a number.
#include "ad/errors.hpp"
#include "ad/symbolic/expr.hpp"
#include "ops/rules/rules.hpp"

namespace ad::sym {

/// True for ops with a unary rule (neg … stop_gradient).
constexpr bool is_unary_rule(Op op) { return op >= Op::neg && op <= Op::stop_gradient; }
/// True for ops with a binary rule (add … min).
constexpr bool is_binary_rule(Op op) { return op >= Op::add && op <= Op::min; }

/// Calls f(rule) with the unary rule of `op`; an op without one is an ad::error.
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
        case Op::stop_gradient: return f(rules::stop_gradient{});
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign:
        case Op::heaviside: case Op::add: case Op::sub: case Op::mul: case Op::div: case Op::pow: case Op::max:
        case Op::min: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::guard:
            break;
    }
    throw error("sym: '" + std::string(op_name(op)) + "' has no unary rule");
}

/// Calls f(rule) with the binary rule of `op`; an op without one is an ad::error.
template <class F>
decltype(auto) with_binary_rule(Op op, F&& f) {
    switch (op) {
        case Op::add: return f(rules::add{});
        case Op::sub: return f(rules::sub{});
        case Op::mul: return f(rules::mul{});
        case Op::div: return f(rules::div{});
        case Op::pow: return f(rules::pow{});
        case Op::max: return f(rules::max{});
        case Op::min: return f(rules::min{});
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::neg: case Op::exp:
        case Op::log: case Op::sqrt: case Op::sin: case Op::cos: case Op::tan: case Op::sinh: case Op::cosh:
        case Op::tanh: case Op::asin: case Op::acos: case Op::atan: case Op::abs: case Op::sigmoid:
        case Op::stop_gradient: case Op::sign: case Op::heaviside: case Op::sum: case Op::max_n:
        case Op::max_weight: case Op::logsumexp: case Op::guard:
            break;
    }
    throw error("sym: '" + std::string(op_name(op)) + "' has no binary rule");
}

}  // namespace ad::sym
