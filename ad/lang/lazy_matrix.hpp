#pragma once
/// \file lazy_matrix.hpp
/// Matrices made of `diag(v)` and `outer(u, v)` terms, dense matrices, element-wise + − * /
/// between matrices of one shape and with a scalar, and negation — what matrix-form derivatives
/// are made of (`diag(s) - outer(s, s)`, `outer(softmax(W @ x), x)`, `diag(y * (1 - y))`) —
/// evaluated row by row into the one result array.
///
/// Evaluated eagerly, every diag and outer is an n×m temporary and every operation another:
/// `diag(s) - outer(s, s)` allocates, fills and reads three n² arrays where the hand-written
/// closed form writes one. Here only the result is allocated; each term's row is formed in a row
/// buffer of its own (in cache) and combined there. Every entry goes through exactly the
/// operations of the eager evaluation, in the same order (an off-diagonal entry of diag(v) is
/// X(0), and 0 − x is computed, not folded), so the values — and for an AD type X the recorded
/// operations — are those of the eager evaluation.
#include <cstddef>
#include <utility>
#include <vector>

#include "ops/array/array.hpp"

namespace ad::lang {

template <class X>
class LazyMatrix {
public:
    /// A term's number in this matrix expression.
    using Term = int;

    /// diag(v) of a 1-D v: v.size() × v.size().
    Term diag(Array<X> v) {
        const std::size_t n = v.size();
        return add({Kind::diag, std::move(v), {}, -1, -1, 0, n, n});
    }
    /// outer(u, v) of 1-D u and v: u.size() × v.size().
    Term outer(Array<X> u, Array<X> v) {
        const std::size_t r = u.size(), c = v.size();
        return add({Kind::outer, std::move(u), std::move(v), -1, -1, 0, r, c});
    }
    /// A dense 2-D matrix.
    Term dense(Array<X> m) {
        const std::size_t r = m.rows(), c = m.cols();
        return add({Kind::dense, std::move(m), {}, -1, -1, 0, r, c});
    }
    /// l op r element-wise (op one of + − * /) for two terms of one shape.
    Term binary(char op, Term l, Term r) { return add({Kind::binary, {}, {}, l, r, op, rows(l), cols(l)}); }
    /// s op m (`scalar_left`) or m op s element-wise, for a scalar s (shape {}).
    Term with_scalar(char op, Array<X> s, Term m, bool scalar_left) {
        return add({scalar_left ? Kind::scalar_left : Kind::scalar_right, std::move(s), {}, m, -1, op, rows(m), cols(m)});
    }
    /// −m.
    Term negate(Term m) { return add({Kind::neg, {}, {}, m, -1, 0, rows(m), cols(m)}); }

    std::size_t rows(Term k) const { return terms_[static_cast<std::size_t>(k)].rows; }
    std::size_t cols(Term k) const { return terms_[static_cast<std::size_t>(k)].cols; }

    /// The matrix of term k, one row at a time: each row is formed in a buffer and appended, so
    /// the result's memory is written once (not zero-filled first).
    Array<X> materialize(Term k) const {
        const std::size_t r = rows(k), c = cols(k);
        std::vector<X> out, line(c);
        out.reserve(r * c);
        std::vector<std::vector<X>> buffers(terms_.size());
        for (std::size_t i = 0; i < r; ++i) {
            row(k, i, line.data(), buffers);
            out.insert(out.end(), line.begin(), line.end());
        }
        return Array<X>(Shape{r, c}, std::move(out));
    }

private:
    enum class Kind { dense, diag, outer, binary, scalar_left, scalar_right, neg };
    struct Node {
        Kind kind;
        Array<X> a, b;  // operands held by the term (vectors, the dense matrix, the scalar)
        Term l, r;      // operand terms
        char op;
        std::size_t rows, cols;
    };

    Term add(Node n) {
        terms_.push_back(std::move(n));
        return static_cast<Term>(terms_.size() - 1);
    }

    /// dst[j] = f(dst[j], w[j]) (or f(w, dst[j]) when `swap`), for op one of + − * /; w is a row or,
    /// with stride 0, one scalar.
    template <bool swap>
    static void apply(char op, X* dst, const X* w, std::size_t stride, std::size_t c) {
        auto each = [&](auto f) {
            if (stride == 0) {
                const X& s = *w;
                for (std::size_t j = 0; j < c; ++j) dst[j] = swap ? f(s, dst[j]) : f(dst[j], s);
            } else {
                for (std::size_t j = 0; j < c; ++j) dst[j] = swap ? f(w[j], dst[j]) : f(dst[j], w[j]);
            }
        };
        switch (op) {
            case '+': each([](const X& u, const X& v) { return X(u + v); }); break;
            case '-': each([](const X& u, const X& v) { return X(u - v); }); break;
            case '*': each([](const X& u, const X& v) { return X(u * v); }); break;
            default: each([](const X& u, const X& v) { return X(u / v); }); break;
        }
    }

    /// Row i of term k into dst (cols(k) entries); `buffers` holds the right operands' rows.
    void row(Term k, std::size_t i, X* dst, std::vector<std::vector<X>>& buffers) const {
        const Node& n = terms_[static_cast<std::size_t>(k)];
        const std::size_t c = n.cols;
        switch (n.kind) {
            case Kind::dense:
                for (std::size_t j = 0; j < c; ++j) dst[j] = n.a[i * c + j];
                return;
            case Kind::diag:
                for (std::size_t j = 0; j < c; ++j) dst[j] = X(0);
                dst[i] = n.a[i];
                return;
            case Kind::outer: {
                const X u = n.a[i];
                const X* w = n.b.data();
                for (std::size_t j = 0; j < c; ++j) dst[j] = X(u * w[j]);
                return;
            }
            case Kind::binary: {
                row(n.l, i, dst, buffers);
                std::vector<X>& b = buffers[static_cast<std::size_t>(k)];
                if (b.size() < c) b.resize(c);
                row(n.r, i, b.data(), buffers);
                apply<false>(n.op, dst, b.data(), 1, c);
                return;
            }
            case Kind::scalar_left:
                row(n.l, i, dst, buffers);
                apply<true>(n.op, dst, n.a.data(), 0, c);
                return;
            case Kind::scalar_right:
                row(n.l, i, dst, buffers);
                apply<false>(n.op, dst, n.a.data(), 0, c);
                return;
            case Kind::neg:
                row(n.l, i, dst, buffers);
                for (std::size_t j = 0; j < c; ++j) dst[j] = X(-dst[j]);
                return;
        }
    }

    std::vector<Node> terms_;
};

}  // namespace ad::lang
