#pragma once
/// \file grad_check.hpp
/// `check_grads` in the style of HIPS autograd: for random directions u (inputs) and v
/// (outputs), the projection vᵀJu is computed by forward mode (vᵀ(Ju)), by reverse mode
/// ((vᵀJ)u) and by a 4th-order central difference of t ↦ vᵀf(x + tu); for small sizes the full
/// Jacobians (forward, reverse, central differences) are compared entry by entry too.
/// Step: h = ε^(1/5)·max(1, ‖x‖∞), which balances the O(h⁴) truncation and O(ε/h) rounding
/// errors, so the difference is good to about ε^(4/5) (≈ 3e-13 in double, ≈ 1e-40 at 50 digits).
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ad/check/compare.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/jacobian.hpp"

namespace ad::check {

/// Options of check_grads. Tolerances default (when zero) to 1e3·ε for AD against AD and
/// 100·ε^(3/5) for AD against differences, both relative to the size of the compared numbers.
template <class T>
struct grad_check_options {
    int projections = 4;          ///< random (u, v) pairs
    std::size_t full_max = 256;   ///< compare full Jacobians when inputs·outputs ≤ this
    std::uint64_t seed = 12345;   ///< for the random directions
    T ad_tol = T(0);              ///< AD vs AD (0: default)
    T fd_tol = T(0);              ///< AD vs central differences (0: default)
};

/// What check_grads found.
template <class T>
struct grad_check_result {
    bool ok = true;
    T max_fwd_rev = T(0);   ///< max over projections of |fwd − rev| / (1 + |rev|)
    T max_ad_fd = T(0);     ///< max over projections of |ad − fd| / (1 + |fd|)
    bool full_compared = false;
    comparison<T> full_fwd_rev, full_rev_fd;  ///< full-Jacobian comparisons when small enough
    std::string message;    ///< first failure, empty when ok
};

/// 4th-order central difference of the scalar function g at 0 with step h.
template <class T, class G>
T central_difference4(G&& g, T h) {
    return (g(T(-2) * h) - T(8) * g(-h) + T(8) * g(h) - g(T(2) * h)) / (T(12) * h);
}

/// Differences step h = ε^(1/5)·max(1, ‖x‖∞).
template <class T>
T difference_step(const std::vector<T>& x) {
    using std::abs, std::pow;
    T m(1);
    for (const T& xi : x) m = std::max(m, T(abs(xi)));
    return T(pow(epsilon<T>(), T(0.2)) * m);
}

/// Full Jacobian by 4th-order central differences (4n evaluations of f on plain numbers).
template <class T, class F>
Array<T> jacobian_central(F&& f, const std::vector<T>& x) {
    const T h = difference_step(x);
    std::vector<T> xp = x;
    const std::size_t m = detail::as_outputs<T>(f(x)).size(), n = x.size();
    Array<T> J(Shape{m, n});
    std::vector<T> acc(m);
    const T w[4] = {T(1), T(-8), T(8), T(-1)}, o[4] = {T(-2), T(-1), T(1), T(2)};
    for (std::size_t j = 0; j < n; ++j) {
        std::fill(acc.begin(), acc.end(), T(0));
        for (int s = 0; s < 4; ++s) {
            xp[j] = x[j] + o[s] * h;
            const auto y = f(xp);
            const auto out = detail::as_outputs<T>(y);
            for (std::size_t i = 0; i < m; ++i) acc[i] += w[s] * out[i];
        }
        xp[j] = x[j];
        for (std::size_t i = 0; i < m; ++i) J(i, j) = acc[i] / (T(12) * h);
    }
    return J;
}

/// (M, P, Q) blocks of a row-wise f: (M, Q) → (M, P) by 4th-order central differences with
/// CPR column grouping: column j of every row is perturbed at once (4Q evaluations of f).
template <class T, class F>
Array<T> batch_jacobian_central(F&& f, const Array<T>& Z) {
    if (Z.ndim() != 2) throw shape_error("batch_jacobian_central expects (M, Q)", Z.shape());
    const std::size_t M = Z.rows(), Q = Z.cols();
    const T h = difference_step(Z.values());
    const T w[4] = {T(1), T(-8), T(8), T(-1)}, o[4] = {T(-2), T(-1), T(1), T(2)};
    Array<T> B;
    Array<T> Zp = Z;
    for (std::size_t j = 0; j < Q; ++j) {
        Array<T> acc;
        for (int s = 0; s < 4; ++s) {
            for (std::size_t p = 0; p < M; ++p) Zp[p * Q + j] = Z[p * Q + j] + o[s] * h;
            const Array<T> Y = f(std::as_const(Zp));
            if (Y.ndim() != 2 || Y.rows() != M) throw shape_error("batch_jacobian_central: f must map (M, Q) to (M, P)", Z.shape(), Y.shape());
            if (s == 0) acc = Array<T>(Y.shape(), T(0));
            for (std::size_t k = 0; k < Y.size(); ++k) acc[k] += w[s] * Y[k];
        }
        for (std::size_t p = 0; p < M; ++p) Zp[p * Q + j] = Z[p * Q + j];
        const std::size_t P = acc.cols();
        if (j == 0) B = Array<T>(Shape{M, P, Q});
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t q = 0; q < P; ++q) B[(p * P + q) * Q + j] = acc[p * P + q] / (T(12) * h);
    }
    return B;
}

/// Checks f's derivatives at x (f: a generic lambda over std::vector<X> returning X or a range).
template <class T, class F>
grad_check_result<T> check_grads(F&& f, const std::vector<T>& x, grad_check_options<T> opt = {}) {
    using std::abs, std::pow;
    grad_check_result<T> r;
    const T eps = epsilon<T>();
    const T ad_tol = opt.ad_tol != T(0) ? opt.ad_tol : T(1000) * eps;
    const T fd_tol = opt.fd_tol != T(0) ? opt.fd_tol : T(100) * T(pow(eps, T(0.6)));
    const std::size_t n = x.size(), m = detail::as_outputs<T>(f(x)).size();
    std::mt19937_64 rng(opt.seed);
    std::uniform_real_distribution<double> U(-1.0, 1.0);
    const T h = difference_step(x);
    auto fail = [&r](const std::string& what) { if (r.ok) r.message = what; r.ok = false; };
    for (int p = 0; p < opt.projections; ++p) {
        std::vector<T> u(n), v(m);
        for (T& e : u) e = T(U(rng));
        for (T& e : v) e = T(U(rng));
        const auto [fx, Ju] = jvp(f, x, u);
        const auto [fx2, vJ] = vjp(f, x, v);
        T fwd(0), rev(0);
        for (std::size_t i = 0; i < m; ++i) fwd += v[i] * Ju[i];
        for (std::size_t j = 0; j < n; ++j) rev += vJ[j] * u[j];
        auto g = [&](const T& t) {
            std::vector<T> xt(n);
            for (std::size_t j = 0; j < n; ++j) xt[j] = x[j] + t * u[j];
            const auto y = f(xt);
            const auto out = detail::as_outputs<T>(y);
            T s(0);
            for (std::size_t i = 0; i < m; ++i) s += v[i] * out[i];
            return s;
        };
        const T fd = central_difference4(g, h);
        const T e1 = abs(T(fwd - rev)) / (T(1) + abs(rev)), e2 = abs(T(rev - fd)) / (T(1) + abs(fd));
        r.max_fwd_rev = std::max(r.max_fwd_rev, e1);
        r.max_ad_fd = std::max(r.max_ad_fd, e2);
        if (!(e1 <= ad_tol)) fail("projection " + std::to_string(p) + ": forward and reverse disagree");
        if (!(e2 <= fd_tol)) fail("projection " + std::to_string(p) + ": AD and central differences disagree");
    }
    if (n * m <= opt.full_max) {
        r.full_compared = true;
        const Array<T> Jf = jacobian_forward(f, x), Jr = jacobian_reverse(f, x), Jd = jacobian_central(f, x);
        T scale(1);
        for (const T& e : Jr) scale = std::max(scale, T(abs(e)));
        r.full_fwd_rev = compare(Jr, Jf, tolerance<T>{ad_tol * scale, ad_tol});
        r.full_rev_fd = compare(Jd, Jr, tolerance<T>{fd_tol * scale, fd_tol});
        if (!r.full_fwd_rev.ok) fail("full Jacobian: forward and reverse disagree");
        if (!r.full_rev_fd.ok) fail("full Jacobian: reverse and central differences disagree");
    }
    return r;
}

}  // namespace ad::check
