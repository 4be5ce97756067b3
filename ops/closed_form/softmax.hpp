#pragma once
/// \file softmax.hpp
/// Closed-form (analytic) derivatives of softmax that the seeds derive by hand, as plain
/// functions of the softmax values s = σ(z) (T is a plain number: double, long double, mp50...).
/// Layouts follow the library convention J(i, j) = ∂σ_i/∂z_j.
#include <vector>

#include "ops/array/linalg.hpp"

namespace ad::closed_form {

namespace detail {
template <class T>
std::size_t rows_of(const Array<T>& S) { return S.ndim() == 1 ? 1 : S.rows(); }
}  // namespace detail

/// ∂σ_j/∂z = σ_j (e_j − σ) for one row s (seeds 000, 001): shape (Q).
template <class T>
Array<T> softmax_component_gradient(const Array<T>& s, std::size_t j) {
    if (s.ndim() != 1 || j >= s.size()) throw shape_error("softmax_component_gradient: 1-D s and j < Q", s.shape());
    Array<T> g(s.shape());
    for (std::size_t k = 0; k < s.size(); ++k) g[k] = s[j] * ((k == j ? T(1) : T(0)) - s[k]);
    return g;
}

/// The Q×Q Jacobian diag(s) − s sᵀ of one softmax row s.
template <class T>
Array<T> softmax_jacobian(const Array<T>& s) {
    if (s.ndim() != 1) throw shape_error("softmax_jacobian expects one row s (1-D)", s.shape());
    const std::size_t Q = s.size();
    Array<T> J(Shape{Q, Q});
    for (std::size_t i = 0; i < Q; ++i)
        for (std::size_t j = 0; j < Q; ++j) J[i * Q + j] = (i == j ? s[i] : T(0)) - s[i] * s[j];
    return J;
}

/// Batch Jacobian as M blocks (M, Q, Q): block p = diag(S_p) − S_p S_pᵀ (seed 004's softmax_gradient).
template <class T>
Array<T> softmax_batch_jacobian_blocks(const Array<T>& S) {
    if (S.ndim() != 2) throw shape_error("softmax_batch_jacobian_blocks expects S of shape (M, Q)", S.shape());
    const std::size_t M = S.rows(), Q = S.cols();
    Array<T> B(Shape{M, Q, Q});
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t i = 0; i < Q; ++i)
            for (std::size_t j = 0; j < Q; ++j)
                B[(p * Q + i) * Q + j] = (i == j ? S[p * Q + i] : T(0)) - S[p * Q + i] * S[p * Q + j];
    return B;
}

/// Dense batch Jacobian (M, Q, M, Q) of row-wise softmax from S = σ(Z):
/// ∂σ(Z)_pq/∂Z_ij = [p = i] (δ_qj σ_pq − σ_pq σ_pj) (seed 000's my_der_soft_3/4; its
/// off-diagonal blocks are zero).
template <class T>
Array<T> softmax_batch_jacobian_dense(const Array<T>& S) {
    if (S.ndim() != 2) throw shape_error("softmax_batch_jacobian_dense expects (M, Q)", S.shape());
    const std::size_t M = S.shape()[0], Q = S.shape()[1];
    Array<T> D(Shape{M, Q, M, Q}, T(0));
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t q = 0; q < Q; ++q)
            for (std::size_t j = 0; j < Q; ++j)
                D[((p * Q + q) * M + p) * Q + j] = (q == j ? S[p * Q + q] : T(0)) - S[p * Q + q] * S[p * Q + j];
    return D;
}

/// Softmax backward (the VJP) for a batch: row r ↦ s_r ⊙ (g_r − ⟨g_r, s_r⟩), O(MQ) (seed 004).
template <class T>
Array<T> softmax_backward(const Array<T>& S, const Array<T>& G) {
    if (S.shape() != G.shape()) throw shape_error("softmax_backward: S and upstream gradient", S.shape(), G.shape());
    const std::size_t Q = S.ndim() ? S.shape().back() : 1, M = Q ? S.size() / Q : 0;
    Array<T> R(S.shape());
    for (std::size_t r = 0; r < M; ++r) {
        T dot(0);
        for (std::size_t k = 0; k < Q; ++k) dot += G[r * Q + k] * S[r * Q + k];
        for (std::size_t k = 0; k < Q; ++k) R[r * Q + k] = S[r * Q + k] * (G[r * Q + k] - dot);
    }
    return R;
}

/// Softmax backward through the explicit blocks, as seed 004's einsum("bj,bjk->bk", dF, grads).
template <class T>
Array<T> softmax_backward_via_blocks(const Array<T>& B, const Array<T>& G) {
    const std::size_t M = B.shape()[0], Q = B.shape()[1];
    if (G.shape() != Shape{M, Q}) throw shape_error("softmax_backward_via_blocks: blocks and upstream gradient", B.shape(), G.shape());
    Array<T> R(Shape{M, Q});
    for (std::size_t b = 0; b < M; ++b)
        for (std::size_t k = 0; k < Q; ++k) {
            T acc(0);
            for (std::size_t j = 0; j < Q; ++j) acc += G[b * Q + j] * B[(b * Q + j) * Q + k];
            R[b * Q + k] = acc;
        }
    return R;
}

/// Gradient of cross-entropy after softmax wrt the logits: P − onehot(targets) (seed 002).
template <class T>
Array<T> cross_entropy_softmax_gradient(const Array<T>& P, const std::vector<std::size_t>& targets) {
    const std::size_t M = detail::rows_of(P), Q = P.shape().back();
    if (targets.size() != M) throw size_error("cross_entropy_softmax_gradient: targets vs rows", M, targets.size());
    Array<T> G(P);
    for (std::size_t r = 0; r < M; ++r) G[r * Q + targets.at(r)] -= T(1);
    return G;
}

/// sigmoid′ = s (1 − s) element-wise, from s = sigmoid(x).
template <class T>
Array<T> sigmoid_derivative(const Array<T>& s) {
    Array<T> d(s);
    for (T& x : d) x = x * (T(1) - x);
    return d;
}

// ---------------------------------------------------------------- the softmax layer (seed 003)
// W has shape (n, Q) and z = Wᵀx. The seed indexes weights as w_ij = W[j][i] (i a class, j an
// input) and flattens them as column i·n + j, i.e. the derivative is taken wrt Wᵀ row-major.

/// Seed 003's dZ/dW (its z_dir): shape (Q·n, Q), entry (i·n + j, k) = [i = k] x_j.
template <class T>
Array<T> linear_dZ_dW(const Array<T>& x, std::size_t Q) {
    const std::size_t n = x.size();
    Array<T> D(Shape{Q * n, Q}, T(0));
    for (std::size_t i = 0; i < Q; ++i)
        for (std::size_t j = 0; j < n; ++j) D[(i * n + j) * Q + i] = x[j];
    return D;
}

/// dh/dW by the chain rule, (dS/dZ)·(dZ/dW)ᵀ: shape (Q, Q·n) in the seed's layout.
template <class T>
Array<T> softmax_layer_dW_chain(const Array<T>& h, const Array<T>& x) {
    return matmul(softmax_jacobian(h), transpose(linear_dZ_dW(x, h.size())));
}

/// dh/dW by the shortcut: entry (t, i·n + j) = h_t (δ_it − h_i) x_j, shape (Q, Q·n), no product.
template <class T>
Array<T> softmax_layer_dW_shortcut(const Array<T>& h, const Array<T>& x) {
    const std::size_t Q = h.size(), n = x.size();
    Array<T> D(Shape{Q, Q * n});
    for (std::size_t t = 0; t < Q; ++t)
        for (std::size_t i = 0; i < Q; ++i)
            for (std::size_t j = 0; j < n; ++j) D[t * Q * n + i * n + j] = h[t] * ((i == t ? T(1) : T(0)) - h[i]) * x[j];
    return D;
}

/// Reorders a Jacobian wrt W (n, Q) flattened row-major (column j·Q + i) into the seed's
/// layout (column i·n + j, i.e. wrt Wᵀ).
template <class T>
Array<T> dW_to_seed_layout(const Array<T>& J, std::size_t n, std::size_t Q) {
    if (J.ndim() != 2 || J.cols() != n * Q) throw shape_error("dW_to_seed_layout: Jacobian vs n·Q columns", J.shape(), Shape{n, Q});
    Array<T> R(J.shape());
    for (std::size_t t = 0; t < J.rows(); ++t)
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t i = 0; i < Q; ++i) R[t * n * Q + i * n + j] = J[t * n * Q + j * Q + i];
    return R;
}

}  // namespace ad::closed_form
