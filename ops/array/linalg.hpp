#pragma once
/// \file linalg.hpp
/// transpose, matmul, dot, outer, diag. Each inner product is one n-ary `sum` of products, so
/// the tape gets one statement per output entry rather than a chain of additions.
#include <span>
#include <vector>

#include "ops/array/reduce.hpp"

namespace ad {

/// Transpose of a 2-D array; a 1-D (or 0-D) array is returned unchanged.
template <class X>
Array<X> transpose(const Array<X>& a) {
    if (a.ndim() < 2) return a;
    if (a.ndim() != 2) throw shape_error("transpose expects a 1-D or 2-D array", a.shape());
    const std::size_t r = a.rows(), c = a.cols();
    std::vector<X> v;
    v.reserve(a.size());
    for (std::size_t j = 0; j < c; ++j)
        for (std::size_t i = 0; i < r; ++i) v.push_back(a[i * c + j]);
    return Array<X>(Shape{c, r}, std::move(v));
}

/// Matrix product: 2-D@2-D (m,k)(k,n)→(m,n); 2-D@1-D →(m); 1-D@2-D →(n); 1-D@1-D → shape {}.
template <class X>
Array<X> matmul(const Array<X>& a, const Array<X>& b) {
    if (a.ndim() < 1 || a.ndim() > 2 || b.ndim() < 1 || b.ndim() > 2) throw shape_error("matmul", a.shape(), b.shape());
    const std::size_t m = a.ndim() == 2 ? a.rows() : 1, k = a.shape().back();
    const std::size_t kb = b.shape()[0], n = b.ndim() == 2 ? b.cols() : 1;
    if (k != kb) throw shape_error("matmul", a.shape(), b.shape());
    std::vector<X> out, prod(k);
    out.reserve(m * n);
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            for (std::size_t t = 0; t < k; ++t) prod[t] = X(a[i * k + t] * b[t * n + j]);
            out.push_back(sum(std::span<const X>(prod)));
        }
    Shape shape;
    if (a.ndim() == 2) shape.push_back(m);
    if (b.ndim() == 2) shape.push_back(n);
    return Array<X>(std::move(shape), std::move(out));
}

/// ⟨a, b⟩ of two 1-D arrays of equal length.
template <class X>
X dot(const Array<X>& a, const Array<X>& b) {
    if (a.ndim() != 1 || b.ndim() != 1 || a.size() != b.size()) throw shape_error("dot", a.shape(), b.shape());
    std::vector<X> prod(a.size());
    for (std::size_t t = 0; t < a.size(); ++t) prod[t] = X(a[t] * b[t]);
    return sum(std::span<const X>(prod));
}

/// Outer product a bᵀ of two 1-D arrays: shape (|a|, |b|).
template <class X>
Array<X> outer(const Array<X>& a, const Array<X>& b) {
    if (a.ndim() != 1 || b.ndim() != 1) throw shape_error("outer", a.shape(), b.shape());
    std::vector<X> v;
    v.reserve(a.size() * b.size());
    for (const X& u : a)
        for (const X& w : b) v.push_back(X(u * w));
    return Array<X>(Shape{a.size(), b.size()}, std::move(v));
}

/// 1-D → square diagonal matrix; 2-D (square or not) → its main diagonal.
template <class X>
Array<X> diag(const Array<X>& a) {
    if (a.ndim() == 1) {
        const std::size_t n = a.size();
        Array<X> r(Shape{n, n}, X(0));
        for (std::size_t i = 0; i < n; ++i) r[i * n + i] = a[i];
        return r;
    }
    if (a.ndim() != 2) throw shape_error("diag expects a 1-D or 2-D array", a.shape());
    const std::size_t n = std::min(a.rows(), a.cols());
    std::vector<X> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(a[i * a.cols() + i]);
    return Array<X>(Shape{n}, std::move(v));
}

}  // namespace ad
