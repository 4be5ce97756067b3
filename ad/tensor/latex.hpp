#pragma once
/// \file latex.hpp
/// LaTeX of derived tensor forms, in the notation of matrix calculus texts: a matrix-notation
/// program as `to_matrix` prints it becomes Aᵀ (`A^{\top}`), a bᵀ for outer(a, b), A x for
/// `@`, a ⊙ b and a ⊘ b for elementwise products and quotients of arrays, 𝟏ᵀX and X𝟏 for
/// sums over an axis, \operatorname{diag}, softmax, … and each primitive's own LaTeX
/// spelling (the rule table's). (Index notation in LaTeX: `to_index_latex`, print.hpp.)
#include <string>
#include <utility>
#include <vector>

#include "ad/tensor/build.hpp"

namespace ad::tensor {

/// A LaTeX form: named subexpressions first (`s = \operatorname{softmax}(z)`), then the result.
struct Latex {
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string result;
};

/// A variable's name as LaTeX: pi → \pi, t0 → t_{0}, a longer name as one italic symbol.
std::string latex_name(const std::string& name);

/// The LaTeX of a matrix-notation program (the language text `to_matrix` returns), the ranks
/// of its variables read from `shapes`. A construct outside what `to_matrix` prints is an
/// ad::error (never a silently different formula).
Latex matrix_latex(const std::string& program, const Shapes& shapes);

}  // namespace ad::tensor
