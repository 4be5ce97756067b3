#pragma once
/// \file derivative.hpp
/// Symbolic reverse mode on the DAG: one backward pass over the reachable nodes in reverse
/// topological order, accumulating adjoint EXPRESSIONS (a node used twice gets the sum of its
/// two contributions), so the result shares every subexpression and never swells. The local
/// partials come from the rules in ops/rules with T = Expr.
#include <span>
#include <vector>

#include "ad/symbolic/expr.hpp"
#include "ops/array/array.hpp"

namespace ad::sym {

/// ∂y/∂x_j for each j: one backward pass from y. Each x_j must be a symbol.
std::vector<Expr> gradient(const Expr& y, std::span<const Expr> wrt);

/// Jacobian J(i, j) = ∂y_i/∂x_j as an Array of shape {m, n} (one backward pass per output).
Array<Expr> jacobian(std::span<const Expr> ys, std::span<const Expr> wrt);

/// Hessian H(i, j) = ∂²y/∂x_i∂x_j (the Jacobian of the symbolic gradient), shape {n, n}.
Array<Expr> hessian(const Expr& y, std::span<const Expr> wrt);

}  // namespace ad::sym
