#pragma once
/// \file hessian.hpp
/// Hessian of a scalar function by forward-over-reverse (`hessian_full`): the tape records
/// Var<Dual<T, L>>, so one reverse sweep yields L Hessian columns (⌈n/L⌉ recordings in all);
/// or by forward-over-forward (`hessian_forward`): nested duals, no tape, one pass per entry
/// of the upper triangle (n(n+1)/2 passes).
#include <algorithm>
#include <vector>

#include "ad/drivers/gradient.hpp"
#include "ad/forward/dual.hpp"
#include "ops/array/array.hpp"

namespace ad {

/// Result of `hessian_full`: value, gradient and Hessian (n×n, H(i,j) = ∂²f/∂x_i∂x_j).
template <class T>
struct hessian_result {
    T value;
    std::vector<T> gradient;
    Array<T> hessian;
};

/// Value, gradient and Hessian of scalar f at x, forward-over-reverse with L lanes.
template <std::size_t L = 4, class T, class F>
hessian_result<T> hessian_full(F&& f, const std::vector<T>& x) {
    using D = Dual<T, L>;
    const std::size_t n = x.size();
    hessian_result<T> r{T(0), std::vector<T>(n, T(0)), Array<T>(Shape{n, n})};
    std::vector<D> xd(n);
    for (std::size_t j = 0; j < n; ++j) xd[j] = D(x[j]);
    for (std::size_t j0 = 0; j0 < std::max<std::size_t>(n, 1); j0 += L) {
        const std::size_t lanes = std::min(L, n - std::min(n, j0));
        for (std::size_t l = 0; l < lanes; ++l) xd[j0 + l].t[l] = T(1);
        detail::scratch_tape<D> tape;
        const auto y = detail::record(f, xd, tape);
        const auto out = detail::as_outputs<Var<D>>(y);
        if (out.size() != 1) throw size_error("hessian: f must return one scalar output", 1, out.size());
        (*tape).gradient_of(out[0].i);
        const auto adj = (*tape).adjoints();
        if (j0 == 0) {
            r.value = out[0].v.v;
            for (std::size_t i = 0; i < n; ++i) r.gradient[i] = adj[i].v;
        }
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t l = 0; l < lanes; ++l) r.hessian(i, j0 + l) = adj[i].t[l];
        for (std::size_t l = 0; l < lanes; ++l) xd[j0 + l].t[l] = T(0);
        if (n == 0) break;
    }
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("value", std::span<const T>(&r.value, 1));
        detail::check_entries<T>("gradient", r.gradient);
        detail::check_entries<T>("hessian", r.hessian, n);
    }
    return r;
}

/// Value, gradient and Hessian of scalar f at x, forward over forward: ∂²f/∂xᵢ∂xⱼ from one pass
/// of Dual<Dual<T>> per pair i ≤ j (the inner lane seeds xⱼ, the outer xᵢ). No tape: f may be
/// any function of duals; its cost is n(n+1)/2 evaluations at about 4× the cost of f.
template <class T, class F>
hessian_result<T> hessian_forward(F&& f, const std::vector<T>& x) {
    using D = Dual<Dual<T, 1>, 1>;
    const std::size_t n = x.size();
    hessian_result<T> r{T(0), std::vector<T>(n, T(0)), Array<T>(Shape{n, n})};
    std::vector<D> xd(n);
    auto scalar = [&](const std::vector<D>& xs) {
        const auto y = detail::call<std::vector<D>>(f, xs);
        const auto out = detail::as_outputs<D>(y);
        if (out.size() != 1) throw size_error("hessian_forward: f must return one scalar output", 1, out.size());
        return out[0];
    };
    if (n == 0) r.value = scalar(xd).v.v;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i; j < n; ++j) {
            for (std::size_t k = 0; k < n; ++k)
                xd[k] = D(Dual<T, 1>(x[k], T(k == j ? 1 : 0)), Dual<T, 1>(T(k == i ? 1 : 0), T(0)));
            const D y = scalar(xd);
            if (i == 0 && j == 0) r.value = y.v.v;
            if (i == j) r.gradient[i] = y.t[0].v;
            r.hessian(i, j) = r.hessian(j, i) = y.t[0].t[0];
        }
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("value", std::span<const T>(&r.value, 1));
        detail::check_entries<T>("gradient", r.gradient);
        detail::check_entries<T>("hessian", r.hessian, n);
    }
    return r;
}

/// Hessian of scalar f at x (n×n, symmetric), forward-over-reverse.
template <std::size_t L = 4, class T, class F>
Array<T> hessian(F&& f, const std::vector<T>& x) { return hessian_full<L>(f, x).hessian; }

}  // namespace ad
