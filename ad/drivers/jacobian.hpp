#pragma once
/// \file jacobian.hpp
/// Jacobian drivers. Layout, documented once for the whole library:
///   J is an Array<T> of shape {m, n} with J(i, j) = ∂f_i/∂x_j (row-major); outputs and
///   inputs are flattened row-major.
/// Forward mode seeds L input directions per pass (⌈n/L⌉ passes); reverse mode records once
/// and sweeps once per output (m sweeps); `jacobian` picks forward when n ≤ m.
#include <algorithm>
#include <utility>
#include <vector>

#include "ad/core/depth_slot.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/forward/dual.hpp"
#include "ops/array/array.hpp"

namespace ad {

/// Default number of tangent lanes carried per forward pass.
inline constexpr std::size_t default_lanes = 8;
/// Most lanes fit_lanes gives one pass: up to this many inputs take a single pass.
inline constexpr std::size_t max_single_pass_lanes = 16;
/// jacobian_forward<fit_lanes>: lanes fitted to the number of inputs n. Up to 16 inputs, one
/// pass of the smallest lane count in {1, 2, 4, 6, …, 16} (1 and the even counts) that holds
/// them, so at most one lane is unused (n = 3: 4 lanes; n = 10: 10); above, passes of
/// default_lanes and the last n mod 8 columns in one pass fitted the same way (n = 100: twelve
/// passes of 8, one of 4) — so a small problem does not carry unused lanes through every
/// operation nor pay for a second pass of f. Each lane count is one instantiation of f (nine in
/// all); a caller that wants one (the CLI's evaluator) names its L.
/// Measured (g++ -O3, softmax Jacobian at n = 10 by the fused rule): one pass of 10 lanes 207 ns,
/// of 16 lanes 284 ns (Ceres' Jet<double, 10>: 170 ns); earlier, 16 lanes against 8 + 2 lanes
/// 395 and 479 ns (softmax + cross-entropy). At n = 1000, passes of 16 lanes took 2× those of 8
/// (their 136 KB vectors of duals crossed glibc's mmap threshold: page faults every pass).
inline constexpr std::size_t fit_lanes = 0;

/// Jacobian–vector product: (f(x), J v) in one forward pass (|v| = |x|).
template <class T, class F>
std::pair<std::vector<T>, std::vector<T>> jvp(F&& f, const std::vector<T>& x, const std::vector<T>& v) {
    if (v.size() != x.size()) throw size_error("jvp: tangent v vs number of inputs", x.size(), v.size());
    detail::depth_slot<std::vector<Dual<T>>> buffer;  // this thread's input duals, reused from call to call
    std::vector<Dual<T>>& xd = *buffer;
    xd.clear();
    xd.reserve(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) xd.emplace_back(x[j], v[j]);
    const auto y = detail::call(f, std::as_const(xd));
    const auto out = detail::as_outputs<Dual<T>>(y);
    std::vector<T> value(out.size()), tangent(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) value[i] = out[i].v, tangent[i] = out[i].t[0];
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("jvp value", value);
        detail::check_entries<T>("jvp", tangent);
    }
    return {std::move(value), std::move(tangent)};
}

namespace detail {

/// The E-th lane count jacobian_forward<fit_lanes> chooses from: 1, 2, 4, 6, …, 16.
template <std::size_t E>
inline constexpr std::size_t fitted_lanes = E == 0 ? 1 : 2 * E;

/// Columns [j0, j1) of f's Jacobian at x by forward passes of L lanes, into J ({m, n}; created by
/// the first pass when empty, so n = 0 still runs f once to find m).
template <std::size_t L, class T, class F>
void forward_columns(F& f, const std::vector<T>& x, std::size_t j0, std::size_t j1, Array<T>& J) {
    const std::size_t n = x.size();
    // this thread's input duals, reused from call to call (a vector of 16-lane duals for ten
    // inputs is 1.4 KB, too large for malloc's per-thread cache), built in place: no zero-fill,
    // temporary and copy per input
    depth_slot<std::vector<Dual<T, L>>> buffer;
    std::vector<Dual<T, L>>& xd = *buffer;
    xd.clear();
    xd.reserve(n);
    for (std::size_t j = 0; j < n; ++j) xd.emplace_back(x[j]);
    for (std::size_t c0 = j0; c0 < std::max<std::size_t>(j1, j0 + 1); c0 += L) {
        const std::size_t lanes = std::min(L, j1 - std::min(j1, c0));
        for (std::size_t l = 0; l < lanes; ++l) xd[c0 + l].t[l] = T(1);
        const auto y = call(f, std::as_const(xd));
        const auto out = as_outputs<Dual<T, L>>(y);
        if (J.ndim() != 2) J = Array<T>(Shape{out.size(), n});
        T* Jd = J.data();  // row-major {m, n}: J(i, j) = Jd[i·n + j]
        for (std::size_t i = 0; i < out.size(); ++i)
            for (std::size_t l = 0; l < lanes; ++l) Jd[i * n + c0 + l] = out[i].t[l];
        for (std::size_t l = 0; l < lanes; ++l) xd[c0 + l].t[l] = T(0);
        if (j1 == j0) break;
    }
}

}  // namespace detail

/// Jacobian by forward mode with L lanes: ⌈n/L⌉ passes of f (L = fit_lanes: fitted to n).
template <std::size_t L = default_lanes, class T, class F>
Array<T> jacobian_forward(F&& f, const std::vector<T>& x) {
    const std::size_t n = x.size();
    Array<T> J;
    if constexpr (L == fit_lanes) {
        constexpr std::size_t W = default_lanes;
        const std::size_t full = n <= max_single_pass_lanes ? 0 : n - n % W, r = n - full;
        if (full > 0) detail::forward_columns<W>(f, x, 0, full, J);
        if (r > 0 || n == 0)  // one pass of the first fitted lane count that holds r (|| stops there)
            [&]<std::size_t... E>(std::index_sequence<E...>) {
                using detail::fitted_lanes;
                (void)((r <= fitted_lanes<E> && (detail::forward_columns<fitted_lanes<E>>(f, x, full, n, J), true)) || ...);
            }(std::make_index_sequence<max_single_pass_lanes / 2 + 1>{});
    } else {
        detail::forward_columns<L>(f, x, 0, n, J);
    }
    if (detail::checking_enabled) [[unlikely]] detail::check_entries<T>("jacobian", J, J.ndim() == 2 ? J.cols() : 0);
    return J;
}

/// Jacobian by reverse mode: one recording, one sweep per output (from that output down).
template <class T, class F>
Array<T> jacobian_reverse(F&& f, const std::vector<T>& x) {
    detail::scratch_tape<T> tape;
    const auto y = detail::record(f, x, tape);
    const auto out = detail::as_outputs<Var<T>>(y);
    Array<T> J(Shape{out.size(), x.size()});
    Tape<T>& t = *tape;
    for (std::size_t i = 0; i < out.size(); ++i) {
        t.gradient_of(out[i].i);
        const auto adj = std::as_const(t).adjoints();  // read only: the next row zeroes up to out[i]
        std::copy(adj.begin(), adj.begin() + std::ptrdiff_t(x.size()), J.data() + i * x.size());
    }
    if (detail::checking_enabled) [[unlikely]] detail::check_entries<T>("jacobian", J, x.size());
    return J;
}

/// Number of outputs of f at x (one plain evaluation).
template <class T, class F>
std::size_t output_count(F&& f, const std::vector<T>& x) {
    const auto y = f(x);
    return detail::as_outputs<T>(y).size();
}

/// Jacobian, choosing forward mode (L lanes; by default fitted to the inputs) when inputs ≤ outputs
/// and reverse mode otherwise (the output count is found by one plain evaluation of f). A fixed L
/// instantiates f for one lane count instead of fit_lanes' several (the CLI's evaluator takes 8).
template <std::size_t L = fit_lanes, class T, class F>
Array<T> jacobian(F&& f, const std::vector<T>& x) {
    return x.size() <= output_count(f, x) ? jacobian_forward<L>(f, x) : jacobian_reverse(f, x);
}

}  // namespace ad
