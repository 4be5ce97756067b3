#pragma once
/// \file build.hpp
/// A program of the expression language (parsed by ad/lang) as a tensor expression over
/// variables of symbolic shapes. Statements `s = …;` bind names; the last statement is the
/// result. Supported: numbers, pi, e, unary minus, + − * / with broadcasting, ^ with a constant
/// exponent, @, every unary function of the registry (ops/rules/registry.hpp: exp, log, sqrt,
/// sigmoid, erf, ...) elementwise, dot, outer, transpose, diag, sum (of every entry), softmax,
/// log_softmax, logsumexp. Anything else (indexing, array literals, max, mean, sum over an
/// axis, …) is an ad::error naming it: outside the tensor algebra.
#include <map>
#include <string>
#include <vector>

#include "ad/lang/ast.hpp"
#include "ad/tensor/tensor.hpp"

namespace ad::tensor {

/// The symbolic shape of each variable ({} scalar, {"n"} vector, {"n", "k"} matrix).
using Shapes = std::map<std::string, std::vector<std::string>>;

/// Variables built once, so every use of a name is the same indices.
struct Scope {
    Shapes shapes;
    std::map<std::string, Tensor> vars;
};

/// The tensor expression of program `p`; a free variable without a shape in `scope` is an
/// ad::error asking for its --size.
Tensor build(const lang::Program& p, Scope& scope);

/// Parses a --size shape ("3", "3x2", "n", "n x k", "n,k", "3 x k", "scalar") into its dimensions;
/// the one grammar for numeric and symbolic sizes. Anything else is an ad::error saying why.
std::vector<std::string> parse_shape(const std::string& text);

/// True when a --size value has a symbolic size (a name, not only numbers).
bool is_symbolic_shape(const std::string& text);

}  // namespace ad::tensor
