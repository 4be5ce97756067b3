#pragma once
/// \file scalar.hpp
/// The bridge between tensor expressions and the scalar rule table: an elementwise function is
/// a symbolic scalar `ad::sym::Expr` in one placeholder u, its derivative is the symbolic
/// derivative (ad/symbolic/derivative.hpp, which instantiates each rule's `d` with T = Expr),
/// and the partial of the reduction logsumexp is the rule's own `partials` instantiated on
/// symbols. So the tensor layer has no derivative formulas of its own.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ad/symbolic/expr.hpp"
#include "ad/symbolic/print.hpp"
#include "ad/tensor/node.hpp"

namespace ad::tensor::scalar {

/// The placeholder u of elementwise functions (one per thread's symbolic graph).
sym::Expr placeholder();
/// f(u) for the unary primitive named `name` (exp, log, sqrt, tanh, sigmoid, …), or nullopt.
std::optional<sym::Expr> find_function(std::string_view name);
/// f(u) for a unary primitive that exists (throws ad::error otherwise).
sym::Expr function(std::string_view name);
/// df/du, from the rule table through the symbolic mode.
sym::Expr derivative(const sym::Expr& f);
/// f at u = x in double.
double evaluate(const sym::Expr& f, double x);
/// f(arg) as text in the expression language (`atomic`: arg needs no parentheses), or in LaTeX
/// (`style` latex, arg then LaTeX too), or nullopt if f prints with temporaries.
std::optional<std::string> text(const sym::Expr& f, const std::string& arg, bool atomic, sym::Style style = sym::Style::text);
/// A scalar formula as a tensor: each symbol of `bind` becomes its tensor, every operation the
/// elementwise (broadcast) tensor operation. Throws ad::error naming an operation it lacks.
Ptr translate(const sym::Expr& e, const std::vector<std::pair<sym::Expr, Ptr>>& bind);
/// The partial ∂/∂xᵢ of y = logsumexp(x) from rules::logsumexp::partials, as a formula in the
/// placeholder (xᵢ) and `value_symbol()` (y): exp(xᵢ − y).
sym::Expr lse_partial();
/// The symbol standing for the value y of a reduction in lse_partial().
sym::Expr value_symbol();

}  // namespace ad::tensor::scalar
