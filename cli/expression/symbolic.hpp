#pragma once
/// \file symbolic.hpp
/// The symbolic side of the CLI, compiled once (cli/expression/symbolic.cpp): evaluating a program on
/// symbols, and the symbols of a command-line variable.
#include <vector>

#include "ad/lang/evaluate.hpp"
#include "ad/symbolic/expr.hpp"
#include "cli/expression/request.hpp"

namespace adiff::cli::expression {

/// The program's value with Expr variables (one symbol per array element).
ad::Array<ad::sym::Expr> evaluate_symbolic(const ad::lang::Program& p, const ad::lang::Env<ad::sym::Expr>& env);

/// Symbols for every element of v: "x" for a scalar, "z[0]"… / "W[0, 1]"… for arrays.
ad::Array<ad::sym::Expr> symbols_of(const Variable& v);

/// v's values as exact symbolic constants (literals).
ad::Array<ad::sym::Expr> constants_of(const Variable& v);

}  // namespace adiff::cli::expression

namespace adiff::cli::expression {
/// Points where the derivative does not exist classically but a convention is used: abs at 0
/// (abs'(0) = 0), ties of max/min (split evenly). One human-readable note per kink of the
/// expression at the --at point (differentiated variables only); empty when smooth there.
std::vector<std::string> kinks(const Request& req);
}  // namespace adiff::cli::expression
