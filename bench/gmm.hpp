#pragma once
/// \file gmm.hpp
/// The Gaussian mixture model objective of ADBench (Srajer, Habib, Fitzgibbon 2018), written
/// from its definition as plain scalar loops templated on the number type, as users write code:
///
///   f(α, μ, q, L) = Σᵢ logsumexpₖ(αₖ + Σⱼ qₖⱼ − ½‖Qₖ(xᵢ − μₖ)‖²) − n·logsumexp(α)
///                   + Σₖ [½γ²(‖exp(qₖ)‖² + ‖Lₖ‖²_F) − m·Σⱼ qₖⱼ] + constants,
///
/// with the precision factor Qₖ = diag(exp(qₖ)) + Lₖ (Lₖ strictly lower triangular, stored
/// column by column as in ADBench's icf: the d log-diagonal entries, then column 0's entries
/// below the diagonal, then column 1's, …). The parameter vector is [α (K), μ (K·d), icf
/// (K·d(d+1)/2)]; the data points x (n·d) and the Wishart prior's γ, m are constants.
///
/// logsumexp takes its maximum with a branch on values (`m = a > m ? a : m`), not `fmax`: the
/// rule table has no fmax, and the branch is what scalar user code writes. The shift cancels in
/// the gradient (∂/∂m [log Σ exp(aₖ − m) + m] = 0), so the chosen branch only moves rounding.
///
/// `gmm_hand_gradient` is the hand-derived gradient (double), the reference of the tests and
/// of the benchmark's checks:
///   yₖ = Qₖ(xᵢ − μₖ), pᵢₖ = softmaxₖ(mainᵢₖ),
///   ∂/∂αₖ   = Σᵢ pᵢₖ − n·softmax(α)ₖ
///   ∂/∂μₖ   = Σᵢ pᵢₖ Qₖᵀ yₖ
///   ∂/∂qₖⱼ  = Σᵢ pᵢₖ (1 − yₖⱼ exp(qₖⱼ) zⱼ) + γ² exp(2qₖⱼ) − m        (z = xᵢ − μₖ)
///   ∂/∂Lₖᵣ꜀ = −Σᵢ pᵢₖ yₖᵣ z꜀ + γ² Lₖᵣ꜀.
#include <cmath>
#include <cstddef>
#include <numbers>
#include <vector>

namespace bench {

/// One GMM problem: sizes, data and prior (all constants of the objective).
struct gmm_problem {
    std::size_t d = 2, k = 5, n = 1000;
    std::vector<double> x;  // n·d data points, row by row
    double gamma = 1.0;     // Wishart prior
    int m = 0;
    /// Entries of one component's icf block: d log-diagonal + d(d−1)/2 lower-triangle entries.
    std::size_t icf_size() const noexcept { return d * (d + 1) / 2; }
    /// Length of the parameter vector [α, μ, icf].
    std::size_t params() const noexcept { return k + k * d + k * icf_size(); }
};

/// Deterministic pseudo-random values in [lo, hi) (golden-ratio sequence, as bench::logits).
inline double gmm_uniform(std::size_t i, std::size_t salt, double lo, double hi) {
    const double u = std::fmod(0.5 + 0.6180339887498949 * double(i + 1) + 0.4142135623730950 * double(salt), 1.0);
    return lo + (hi - lo) * u;
}

/// A problem of the given size with deterministic data in [−1, 1).
inline gmm_problem make_gmm_problem(std::size_t d, std::size_t k, std::size_t n) {
    gmm_problem p;
    p.d = d, p.k = k, p.n = n;
    p.x.resize(n * d);
    for (std::size_t i = 0; i < p.x.size(); ++i) p.x[i] = gmm_uniform(i, 1, -1.0, 1.0);
    return p;
}
/// Deterministic parameters [α, μ, icf] (log-diagonals and lower entries small, so Q is well scaled).
inline std::vector<double> gmm_parameters(const gmm_problem& p) {
    std::vector<double> w(p.params());
    for (std::size_t i = 0; i < p.k; ++i) w[i] = gmm_uniform(i, 2, -1.0, 1.0);
    for (std::size_t i = p.k; i < p.k + p.k * p.d; ++i) w[i] = gmm_uniform(i, 3, -1.0, 1.0);
    for (std::size_t i = p.k + p.k * p.d; i < w.size(); ++i) w[i] = gmm_uniform(i, 4, -0.5, 0.5);
    return w;
}

/// log Σ exp(a[0..len)) with the maximum taken by a branch on values.
template <class T>
T gmm_logsumexp(const T* a, std::size_t len) {
    using std::exp, std::log;
    T mx = a[0];
    for (std::size_t j = 1; j < len; ++j) mx = a[j] > mx ? a[j] : mx;
    T s = exp(a[0] - mx);
    for (std::size_t j = 1; j < len; ++j) s += exp(a[j] - mx);
    return log(s) + mx;
}

/// Term i of the objective's sum: for i < n, data point i's log-likelihood
/// logsumexpₖ(αₖ + Σ qₖ − ½‖Qₖ(xᵢ − μₖ)‖²); for i == n, everything else (−n·logsumexp(α),
/// the Wishart prior and the constants). `main` and `y` are scratch (K and d entries).
template <class T>
T gmm_term(const gmm_problem& p, std::size_t i, const std::vector<T>& w, std::vector<T>& main, std::vector<T>& y) {
    using std::exp, std::log;
    const std::size_t d = p.d, K = p.k, ni = p.icf_size();
    const T* alpha = w.data();
    const T* mu = w.data() + K;
    const T* icf = w.data() + K + K * d;
    if (i < p.n) {
        const double* xi = p.x.data() + i * d;
        for (std::size_t k = 0; k < K; ++k) {
            const T* q = icf + k * ni;
            const T* l = q + d;
            const T* mk = mu + k * d;
            T sum_q = q[0];
            for (std::size_t j = 1; j < d; ++j) sum_q += q[j];
            // y = Q (x − μ): diagonal part, then the lower triangle column by column
            for (std::size_t j = 0; j < d; ++j) y[j] = exp(q[j]) * (xi[j] - mk[j]);
            std::size_t idx = 0;
            for (std::size_t c = 0; c < d; ++c) {
                const T zc = xi[c] - mk[c];
                for (std::size_t r = c + 1; r < d; ++r) y[r] += l[idx++] * zc;
            }
            T sq = y[0] * y[0];
            for (std::size_t j = 1; j < d; ++j) sq += y[j] * y[j];
            main[k] = alpha[k] + sum_q - 0.5 * sq;
        }
        return gmm_logsumexp(main.data(), K);
    }
    // the rest: −n·logsumexp(α) + Wishart prior + constants
    const double n_w = double(d) + double(p.m) + 1.0;
    const double log_gamma_d = 0.25 * double(d) * double(d - 1) * std::log(std::numbers::pi);
    double mvlgamma = log_gamma_d;
    for (std::size_t j = 1; j <= d; ++j) mvlgamma += std::lgamma(0.5 * n_w + 0.5 * (1.0 - double(j)));
    const double c_w = n_w * double(d) * (std::log(p.gamma) - 0.5 * std::log(2.0)) - mvlgamma;
    const double constant = -double(p.n) * double(d) * 0.5 * std::log(2.0 * std::numbers::pi) - double(K) * c_w;
    T r = -double(p.n) * gmm_logsumexp(alpha, K);
    for (std::size_t k = 0; k < K; ++k) {
        const T* q = icf + k * ni;
        T frob = exp(q[0]) * exp(q[0]);
        T sum_q = q[0];
        for (std::size_t j = 1; j < d; ++j) frob += exp(q[j]) * exp(q[j]), sum_q += q[j];
        for (std::size_t j = d; j < ni; ++j) frob += q[j] * q[j];
        r += 0.5 * p.gamma * p.gamma * frob - double(p.m) * sum_q;
    }
    return r + constant;
}

/// The GMM objective: Σ over the n + 1 terms of gmm_term, in order.
template <class T>
T gmm_objective(const gmm_problem& p, const std::vector<T>& w) {
    std::vector<T> main(p.k), y(p.d);
    T f = gmm_term(p, 0, w, main, y);
    for (std::size_t i = 1; i <= p.n; ++i) f += gmm_term(p, i, w, main, y);
    return f;
}

/// The hand-derived gradient of gmm_objective (see the file comment), in double.
inline std::vector<double> gmm_hand_gradient(const gmm_problem& p, const std::vector<double>& w) {
    const std::size_t d = p.d, K = p.k, ni = p.icf_size();
    std::vector<double> g(w.size(), 0.0);
    const double* alpha = w.data();
    const double* mu = w.data() + K;
    const double* icf = w.data() + K + K * d;
    double* g_alpha = g.data();
    double* g_mu = g.data() + K;
    double* g_icf = g.data() + K + K * d;
    std::vector<double> main(K), ys(K * d), zs(K * d);
    for (std::size_t i = 0; i < p.n; ++i) {
        const double* xi = p.x.data() + i * d;
        for (std::size_t k = 0; k < K; ++k) {
            const double* q = icf + k * ni;
            const double* l = q + d;
            double* y = ys.data() + k * d;
            double* z = zs.data() + k * d;
            double sum_q = 0;
            for (std::size_t j = 0; j < d; ++j) sum_q += q[j], z[j] = xi[j] - mu[k * d + j], y[j] = std::exp(q[j]) * z[j];
            std::size_t idx = 0;
            for (std::size_t c = 0; c < d; ++c)
                for (std::size_t r = c + 1; r < d; ++r) y[r] += l[idx++] * z[c];
            double sq = 0;
            for (std::size_t j = 0; j < d; ++j) sq += y[j] * y[j];
            main[k] = alpha[k] + sum_q - 0.5 * sq;
        }
        double mx = main[0];
        for (double v : main) mx = v > mx ? v : mx;
        double s = 0;
        for (double v : main) s += std::exp(v - mx);
        for (std::size_t k = 0; k < K; ++k) {
            const double pk = std::exp(main[k] - mx) / s;
            const double* q = icf + k * ni;
            const double* l = q + d;
            const double* y = ys.data() + k * d;
            const double* z = zs.data() + k * d;
            double* gq = g_icf + k * ni;
            double* gl = gq + d;
            double* gm = g_mu + k * d;
            g_alpha[k] += pk;
            // ∂main/∂μ = Qᵀ y: the diagonal, then Lᵀ y column by column
            for (std::size_t j = 0; j < d; ++j) {
                gm[j] += pk * std::exp(q[j]) * y[j];
                gq[j] += pk * (1.0 - y[j] * std::exp(q[j]) * z[j]);
            }
            std::size_t idx = 0;
            for (std::size_t c = 0; c < d; ++c)
                for (std::size_t r = c + 1; r < d; ++r, ++idx) {
                    gm[c] += pk * l[idx] * y[r];
                    gl[idx] -= pk * y[r] * z[c];
                }
        }
    }
    // −n·logsumexp(α) and the prior
    double mx = alpha[0];
    for (std::size_t k = 0; k < K; ++k) mx = alpha[k] > mx ? alpha[k] : mx;
    double s = 0;
    for (std::size_t k = 0; k < K; ++k) s += std::exp(alpha[k] - mx);
    const double g2 = p.gamma * p.gamma;
    for (std::size_t k = 0; k < K; ++k) {
        g_alpha[k] -= double(p.n) * std::exp(alpha[k] - mx) / s;
        const double* q = icf + k * ni;
        double* gq = g_icf + k * ni;
        for (std::size_t j = 0; j < d; ++j) gq[j] += g2 * std::exp(2.0 * q[j]) - double(p.m);
        for (std::size_t j = d; j < ni; ++j) gq[j] += g2 * q[j];
    }
    return g;
}

}  // namespace bench
