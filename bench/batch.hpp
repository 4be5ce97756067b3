#pragma once
/// \file batch.hpp
/// Batches of M rows of Q logits (row p gets `logits(q, p)`), shared by workload (3), the batch
/// Jacobian blocks, and workload (8), the gradient of the summed cross-entropy over a batch:
/// the inputs, the targets, the loss written once per style and the closed forms every
/// contender is checked against.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "common.hpp"
#include "softmax_ce.hpp"

namespace bench {

/// The (M, Q) logits of a batch.
inline ad::Array<double> batch_logits(long m, long q) {
    ad::Array<double> Z(ad::Shape{std::size_t(m), std::size_t(q)});
    for (long p = 0; p < m; ++p) {
        const auto z = logits(q, p);
        std::copy(z.begin(), z.end(), Z.data() + p * q);
    }
    return Z;
}
/// The target class of row p.
inline std::size_t batch_target(std::size_t p, std::size_t q) { return (q / 3 + 7 * p) % q; }
inline std::vector<std::size_t> batch_targets(std::size_t m, std::size_t q) {
    std::vector<std::size_t> t(m);
    for (std::size_t p = 0; p < m; ++p) t[p] = batch_target(p, q);
    return t;
}

/// Closed form of workload (3): block p is diag(s_p) − s_p s_pᵀ, s_p = softmax(row p).
inline ad::Array<double> batch_blocks_analytic(const ad::Array<double>& Z) {
    const std::size_t M = Z.rows(), Q = Z.cols();
    ad::Array<double> B(ad::Shape{M, Q, Q});
    std::vector<double> z(Q);
    for (std::size_t p = 0; p < M; ++p) {
        std::copy(Z.data() + p * Q, Z.data() + (p + 1) * Q, z.begin());
        const std::vector<double> s = softmax(z);
        double* out = B.data() + p * Q * Q;
        for (std::size_t i = 0; i < Q; ++i) {
            for (std::size_t j = 0; j < Q; ++j) out[i * Q + j] = -s[i] * s[j];
            out[i * Q + i] += s[i];
        }
    }
    return B;
}

/// Workload (8), the plain function: Σ_p −log softmax(z_p)_{t_p} with the stable softmax, the
/// same arithmetic as the array primitives (every p_i = e_i / s formed), in a reused buffer.
inline double batch_ce_function(const double* z, std::size_t M, std::size_t Q, std::vector<double>& p) {
    p.resize(Q);
    double loss = 0;
    for (std::size_t r = 0; r < M; ++r) {
        const double* zr = z + r * Q;
        double m = zr[0];
        for (std::size_t i = 1; i < Q; ++i) m = zr[i] > m ? zr[i] : m;
        double s = 0;
        for (std::size_t i = 0; i < Q; ++i) s += p[i] = std::exp(zr[i] - m);
        for (std::size_t i = 0; i < Q; ++i) p[i] /= s;
        loss -= std::log(p[batch_target(r, Q)]);
    }
    return loss;
}

/// Workload (8) from the array primitives on the (M, Q) array of logits: max and Σ along the
/// last axis, broadcast − and ÷ (on Array<Var<double>> each is one array statement).
template <class X>
X batch_ce_array(const ad::Array<X>& a, const std::vector<std::size_t>& targets) {
    using std::log;
    const std::size_t M = a.rows(), Q = a.cols();
    const ad::Array<X> e = ad::exp(a - ad::max(a, 1, true));
    const ad::Array<X> p = e / ad::sum(e, 1, true);
    std::vector<X> picked(M);
    for (std::size_t r = 0; r < M; ++r) picked[r] = -log(p[r * Q + targets[r]]);
    return ad::sum(picked);
}

/// Workload (8) with the fused rules: Σ of cross_entropy over the rows.
template <class X>
X batch_ce_fused(const ad::Array<X>& a, const std::vector<std::size_t>& targets) {
    return ad::sum(ad::cross_entropy(a, targets));
}

/// Workload (8)'s hand-written gradient into g (one pass of exps per row), returning the loss:
/// the limit.
inline double batch_ce_analytic(const double* z, std::size_t M, std::size_t Q, double* g) {
    double loss = 0;
    for (std::size_t r = 0; r < M; ++r) {
        const double* zr = z + r * Q;
        double* gr = g + r * Q;
        double m = zr[0];
        for (std::size_t i = 1; i < Q; ++i) m = zr[i] > m ? zr[i] : m;
        double s = 0;
        for (std::size_t i = 0; i < Q; ++i) s += gr[i] = std::exp(zr[i] - m);
        const double inv = 1.0 / s;
        for (std::size_t i = 0; i < Q; ++i) gr[i] *= inv;
        const std::size_t t = batch_target(r, Q);
        loss -= std::log(gr[t]);
        gr[t] -= 1.0;
    }
    return loss;
}

/// Closed form of workload (8)'s gradient: row p is softmax(z_p) − onehot(t_p).
inline std::vector<double> batch_ce_gradient(const std::vector<double>& z, std::size_t M, std::size_t Q) {
    std::vector<double> g;
    g.reserve(M * Q);
    for (std::size_t r = 0; r < M; ++r) {
        const auto row = ce_gradient(std::vector<double>(z.begin() + r * Q, z.begin() + (r + 1) * Q), batch_target(r, Q));
        g.insert(g.end(), row.begin(), row.end());
    }
    return g;
}

}  // namespace bench
