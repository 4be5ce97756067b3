#pragma once
/// \file print.hpp
/// Printing tensor expressions. In matrix notation where the expression has one, as a program
/// of the expression language that parses back and evaluates (`adiff eval`) at any numeric
/// size: diag, outer, transpose, @, sum, softmax, log_softmax, logsumexp and elementwise
/// operations, with a subexpression used more than once named first (`s = softmax(z); …`).
/// Otherwise in index notation (Einstein sums written out), which does not parse back.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ad/tensor/tensor.hpp"

namespace ad::tensor {

/// The matrix-notation program of t, or nullopt when t has none the printer knows (a bare
/// Kronecker delta, a rank-3 result, a contraction of three factors over one index, …).
/// `taken`: names the temporaries must not use (the variables).
std::optional<std::string> to_matrix(const Tensor& t, const std::set<std::string>& taken = {});

/// t in index notation: "d[i, j] = s[i]*delta(i, j) - s[i]*s[j]" with sums as sum_{k}(…); a
/// softmax of a vector is named first and its entries written s[i] ("s = softmax(W @ x); d[…] = …").
std::string to_index(const Tensor& t, const std::string& lhs = "d");
/// t in index notation as LaTeX: the named softmaxes (s = \operatorname{softmax}(…)), the
/// result's subscripts ("ij") and the right-hand side, with \sum_{k} for contractions and
/// \delta_{ij} for Kronecker deltas.
struct IndexLatex {
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string indices, rhs;
};
IndexLatex to_index_latex(const Tensor& t);

}  // namespace ad::tensor
