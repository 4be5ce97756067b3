#pragma once
/// \file tensor.hpp
/// A tensor expression with an axis order: a node (index notation) and the list of its axes,
/// and the operations of matrix notation on it — elementwise functions and + − * / with numpy
/// broadcasting, @ (matmul, matvec, dot), outer, transpose, diag, sum, softmax, log_softmax and
/// logsumexp (of a vector, or row-wise over the last axis of a matrix). Sizes are symbols: two
/// axes agree when their sizes are the same text ("n" and "n"); a disagreement is an
/// ad::shape_error-like ad::error naming both symbolic shapes.
#include <string>
#include <vector>

#include "ad/tensor/node.hpp"

namespace ad::tensor {

/// A node with the order of its axes (every free index of the node is an axis; an axis that is
/// not a free index is a broadcast one).
struct Tensor {
    Ptr node;
    std::vector<int> axes;
    /// The rank (number of axes).
    std::size_t rank() const { return axes.size(); }
};

/// "n x k", "n" or "scalar".
std::string shape_text(const std::vector<int>& axes);
/// The variable `name` of symbolic shape `dims` ({} scalar, {"n"} vector, {"n", "k"} matrix).
Tensor variable(const std::string& name, const std::vector<std::string>& dims);
/// A scalar constant.
Tensor scalar_constant(double c);
/// f(a) elementwise for the unary primitive `fn` (exp, log, …).
Tensor apply(const std::string& fn, const Tensor& a);
/// a^c elementwise for a constant c.
Tensor power(const Tensor& a, double c);
/// Elementwise a op b (op one of + - * /) with broadcasting.
Tensor elementwise(char op, const Tensor& a, const Tensor& b);
/// −a.
Tensor negate(const Tensor& a);
/// a @ b: matrix·matrix, matrix·vector, vector·matrix, vector·vector.
Tensor matmul(const Tensor& a, const Tensor& b);
/// outer(a, b) of two vectors.
Tensor outer(const Tensor& a, const Tensor& b);
/// transpose of a matrix (a vector or scalar is itself).
Tensor transpose(const Tensor& a);
/// diag(v): the square matrix of a vector; diag(A): the diagonal of a square matrix.
Tensor diag(const Tensor& a);
/// Σ of every entry.
Tensor sum(const Tensor& a);
/// logsumexp, softmax and log_softmax over the last axis.
Tensor logsumexp(const Tensor& a);
Tensor softmax(const Tensor& a);
Tensor log_softmax(const Tensor& a);

}  // namespace ad::tensor
