#pragma once
/// \file dispatch.hpp
/// From a node's op to its rule in ops/rules: the one place where the symbolic graph meets the
/// rule table. Derivatives call the rule's `d`/`da`/`db`/`partials` with T = Expr, numeric
/// evaluation calls its `value` with T = a number.
#include "ad/errors.hpp"
#include "ad/symbolic/expr.hpp"
#include "ops/rules/rules.hpp"

namespace ad::sym {

/// True for ops with a unary rule (neg and the registry's unary functions).
constexpr bool is_unary_rule(Op op) {
    switch (op) {
        ADIFF_SYM_UNARY_RULE_CASES return true;
        ADIFF_SYM_BINARY_RULE_CASES
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign:
        case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard:
            return false;
    }
    return false;
}
/// True for ops with a binary rule (the registry's operators and binary functions).
constexpr bool is_binary_rule(Op op) {
    switch (op) {
        ADIFF_SYM_BINARY_RULE_CASES return true;
        ADIFF_SYM_UNARY_RULE_CASES
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign:
        case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard:
            return false;
    }
    return false;
}

/// Calls f(rule) with the unary rule of `op`; an op without one is an ad::error.
template <class F>
decltype(auto) with_unary_rule(Op op, F&& f) {
#define ADIFF_SYM_DISPATCH(rule) case Op::rule: return f(rules::rule{});
    switch (op) {
        ADIFF_SYM_DISPATCH(neg)
        ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_DISPATCH)
        ADIFF_SYM_BINARY_RULE_CASES
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign:
        case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard:
            break;
    }
    throw error("sym: '" + std::string(op_name(op)) + "' has no unary rule");
}

/// Calls f(rule) with the binary rule of `op`; an op without one is an ad::error.
template <class F>
decltype(auto) with_binary_rule(Op op, F&& f) {
    switch (op) {
        ADIFF_BINARY_OPERATORS(ADIFF_SYM_DISPATCH)
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_DISPATCH)
        ADIFF_SYM_UNARY_RULE_CASES
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign:
        case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard:
            break;
    }
#undef ADIFF_SYM_DISPATCH
    throw error("sym: '" + std::string(op_name(op)) + "' has no binary rule");
}

}  // namespace ad::sym
