#pragma once
/// \file fused.hpp
/// The fused, numerically stable row-wise kernels behind softmax, log_softmax and logsumexp
/// (over the last axis). Each has its own O(Q) derivative rule instead of the primitives':
///   s = softmax(z) = exp(z − m)/Σexp(z − m), m = max z (no overflow for any finite logits)
///   softmax:     JVP ṡ = s ⊙ (ż − ⟨s, ż⟩)        VJP z̄ += s ⊙ (ȳ − ⟨ȳ, s⟩)
///   log_softmax: JVP ẏ = ż − ⟨s, ż⟩ 1            VJP z̄ += ȳ − s Σȳ
///   logsumexp:   JVP ẏ = ⟨s, ż⟩                  VJP z̄ += ȳ s
/// No Q×Q matrix is ever formed. Plain numbers, Dual (per lane) and Var (one external tape call
/// for the whole batch) take the fused path; any other AD type (the symbolic Expr) gets the same
/// stable functions composed from primitives (the n-ary logsumexp rule, subtract, exp).
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/forward/dual.hpp"
#include "ad/reverse/var.hpp"
#include "ops/array/reduce.hpp"

namespace ad {

/// Which fused row-wise function.
enum class fused_kind { softmax, log_softmax, logsumexp };

namespace detail {

template <class X>
struct dual_info : std::false_type {};
template <class T, std::size_t N>
struct dual_info<Dual<T, N>> : std::true_type { using value_type = T; static constexpr std::size_t lanes = N; };
template <class X>
struct var_info : std::false_type {};
template <class T>
struct var_info<Var<T>> : std::true_type { using value_type = T; };

constexpr std::string_view fused_name(fused_kind k) {
    return k == fused_kind::softmax ? "softmax" : k == fused_kind::log_softmax ? "log_softmax" : "logsumexp";
}

/// Σ f(j) over j in [0, Q) except j = k, with four independent partial sums (so the loop is
/// not one serial chain of dependent additions).
template <class T, class F>
T sum_except(std::size_t Q, std::size_t k, F&& f) {
    T a4[4] = {T(0), T(0), T(0), T(0)};
    auto range = [&](std::size_t from, std::size_t to) {
        std::size_t j = from;
        for (; j + 4 <= to; j += 4)
            for (std::size_t u = 0; u < 4; ++u) a4[u] += f(j + u);
        for (; j < to; ++j) a4[0] += f(j);
    };
    range(0, k);
    range(k + 1, Q);
    return (a4[0] + a4[1]) + (a4[2] + a4[3]);
}

/// One row: s = softmax(z) (stable) and lse = log Σ exp(z); ls (optional) = log_softmax(z).
/// With m = z_k the maximum and r = Σ_{i≠k} exp(zᵢ − m): s = exp(z − m)/(1 + r) and
/// log_softmax = z − m − log1p(r), so a dominant logit's log_softmax ≈ −r is relatively exact.
/// Also returns k (the first maximal entry) and 1 − s_k = r/(1 + r), relatively exact, which
/// the derivative rules use for output k (forming s_k's factor 1 − s_k without cancellation).
/// T may be a plain number or a Dual (when nested inside Var for Hessians). Q ≥ 1.
template <class T>
void softmax_row(const T* z, std::size_t Q, T* s, T& lse, T* ls, std::size_t& kmax, T& one_minus) {
    using std::exp, std::log;
    const std::size_t k = rules::max_reduce::argmax(std::span<const T>(z, Q));
    const T m = z[k];
    T rest(0);
    for (std::size_t i = 0; i < Q; ++i) {
        if (i == k) { s[i] = T(1); continue; }
        s[i] = exp(T(z[i] - m));
        rest = rest + s[i];
    }
    const T tot = T(1) + rest;
    const T lt = rules::logsumexp::log1p_exact(rest);
    for (std::size_t i = 0; i < Q; ++i) {
        s[i] = s[i] / tot;
        if (ls) ls[i] = T(T(z[i] - m) - lt);
    }
    lse = T(m + lt);
    kmax = k;
    one_minus = rest / tot;
}

/// Shape checks shared by the three functions; returns Q (the last extent).
template <class X>
std::size_t fused_rows_check(const Array<X>& z, fused_kind kind) {
    if (z.ndim() == 0) throw shape_error(std::string(fused_name(kind)) + " needs at least one axis", z.shape());
    return z.shape().back();
}

template <fused_kind K>
Shape fused_out_shape(const Shape& in) {
    if constexpr (K == fused_kind::logsumexp) return Shape(in.begin(), in.end() - 1);
    else return in;
}

/// Plain-number evaluation: values of the M·Q inputs → outputs, plus what the rules need:
/// s (softmax, M·Q values) followed by 1 − s_k for each row (M values), and each row's k.
template <fused_kind K, class T>
std::vector<T> fused_values(std::span<const T> z, std::size_t Q, std::vector<T>& s, std::vector<std::size_t>& kmax) {
    const std::size_t n = z.size(), M = Q ? n / Q : 0;
    s.assign(n + M, T(0));
    kmax.assign(M, 0);
    std::vector<T> out(K == fused_kind::logsumexp ? (Q ? M : 0) : n);
    std::vector<T> ls(K == fused_kind::log_softmax ? Q : 0);
    for (std::size_t r = 0; r < M; ++r) {
        T lse(0);
        softmax_row(z.data() + r * Q, Q, s.data() + r * Q, lse, K == fused_kind::log_softmax ? ls.data() : nullptr, kmax[r],
                    s[n + r]);
        if constexpr (K == fused_kind::softmax) for (std::size_t i = 0; i < Q; ++i) out[r * Q + i] = s[r * Q + i];
        else if constexpr (K == fused_kind::log_softmax) for (std::size_t i = 0; i < Q; ++i) out[r * Q + i] = ls[i];
        else out[r] = lse;
    }
    if (checking_enabled)
        for (std::size_t i = 0; i < out.size(); ++i) check_primitive(fused_name(K), out[i], out[i], out[i]);
    return out;
}

/// The reverse-mode rule of a fused call: indices = [Q, input indices (M·Q)..., k per row (M)],
/// values = [s (M·Q)..., 1 − s_k per row (M)].
template <fused_kind K, class T>
void fused_vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
    const auto s = tape.values_of(c);
    const auto idx = tape.indices_of(c);
    const std::size_t Q = idx[0];
    const std::size_t M = Q ? s.size() / (Q + 1) : 0;
    const tape_index* in = idx.data() + 1;
    const tape_index* kmax = in + M * Q;
    const T* one_minus = s.data() + M * Q;
    for (std::size_t r = 0; r < M; ++r) {
        const T* sr = s.data() + r * Q;
        const tape_index* ir = in + r * Q;
        if constexpr (K == fused_kind::logsumexp) {
            const T g = adj[c.first + r];
            if (is_exact_zero(g)) continue;
            for (std::size_t k = 0; k < Q; ++k) if (ir[k] != inactive) adj[ir[k]] += g * sr[k];
        } else {
            const T* g = adj + c.first + r * Q;
            // acc = ⟨g, s⟩ (softmax) or Σg (log_softmax). At the largest entry m the factor
            // g_m − acc would cancel when s_m ≈ 1, so it is formed as g_m (1 − s_m) − acc_rest
            // with 1 − s_m from the forward pass and acc_rest the sum without m: relatively exact.
            const std::size_t m = kmax[r];
            const T acc_rest = sum_except<T>(Q, m, [&](std::size_t j) {
                if constexpr (K == fused_kind::softmax) return T(g[j] * sr[j]);
                else return g[j];
            });
            const T acc = acc_rest + (K == fused_kind::softmax ? T(g[m] * sr[m]) : g[m]);
            for (std::size_t k = 0; k < Q; ++k) {
                if (ir[k] == inactive || k == m) continue;
                if constexpr (K == fused_kind::softmax) adj[ir[k]] += sr[k] * (g[k] - acc);
                else adj[ir[k]] += g[k] - sr[k] * acc;
            }
            if (ir[m] != inactive) {
                const T one_minus_sm = one_minus[r];
                if constexpr (K == fused_kind::softmax) adj[ir[m]] += sr[m] * (g[m] * one_minus_sm - acc_rest);
                else adj[ir[m]] += g[m] * one_minus_sm - sr[m] * acc_rest;
            }
        }
    }
}

/// The same stable functions composed from primitives (for AD types without a fused rule, i.e.
/// the symbolic Expr): per row c = stop_gradient(max z) (a constant shift: the functions do not
/// depend on it, so it needs no derivative), d = z − c (exact), ℓ = logsumexp(d) ∈ [0, log Q]
/// (the n-ary rule, itself stable), then log_softmax = d − ℓ, softmax = exp(d − ℓ),
/// logsumexp = c + ℓ. Right at any logits (even 1e35, where exp(z − logsumexp z) would lose
/// everything to rounding), and the rule's partials ∂ℓ/∂dⱼ = exp(dⱼ − ℓ) are the softmax nodes
/// themselves, so the Jacobian stays about one shared node per entry.
template <fused_kind K, class X>
Array<X> fused_composed(const Array<X>& z, std::size_t Q) {
    const std::size_t M = z.size() / Q;
    std::vector<X> out;
    out.reserve(K == fused_kind::logsumexp ? M : z.size());
    for (std::size_t r = 0; r < M; ++r) {
        const std::span<const X> row(z.data() + r * Q, Q);
        const X c = stop_gradient(max(row));
        std::vector<X> d;
        d.reserve(Q);
        for (const X& x : row) d.push_back(x - c);
        const X l = logsumexp(std::span<const X>(d));
        if constexpr (K == fused_kind::logsumexp) out.push_back(c + l);
        else
            for (const X& v : d) {
                if constexpr (K == fused_kind::softmax) out.push_back(exp(X(v - l)));
                else out.push_back(X(v - l));
            }
    }
    return Array<X>(fused_out_shape<K>(z.shape()), std::move(out));
}

}  // namespace detail

/// Row-wise (last axis) fused function of kind K; see the file comment for its rules.
/// Q = 0 gives an empty result (logsumexp of an empty row is −inf).
template <fused_kind K, class X>
Array<X> fused_rowwise(const Array<X>& z) {
    using namespace detail;
    const std::size_t Q = fused_rows_check(z, K);
    Shape oshape = fused_out_shape<K>(z.shape());
    const std::size_t n = z.size();
    if (Q == 0)  // empty rows
        return Array<X>(oshape, K == fused_kind::logsumexp ? X(-std::numeric_limits<double>::infinity()) : X(0));
    const std::size_t M = n / Q;
    if constexpr (!is_ad_type_v<X>) {
        std::vector<X> s;
        std::vector<std::size_t> kmax;
        return Array<X>(std::move(oshape), fused_values<K, X>(std::span<const X>(z.data(), n), Q, s, kmax));
    } else if constexpr (dual_info<X>::value) {
        using T = typename dual_info<X>::value_type;
        constexpr std::size_t N = dual_info<X>::lanes;
        std::vector<T> zv(n), s;
        std::vector<std::size_t> kmax;
        for (std::size_t k = 0; k < n; ++k) zv[k] = z[k].v;
        const std::vector<T> y = fused_values<K, T>(std::span<const T>(zv), Q, s, kmax);
        std::vector<X> out(y.size());
        for (std::size_t k = 0; k < y.size(); ++k) out[k].v = y[k];
        for (std::size_t r = 0; r < M; ++r) {
            const X* zr = z.data() + r * Q;
            const T* sr = s.data() + r * Q;
            // lanes innermost: N independent sums over contiguous tangents (same order per lane).
            // ⟨s, ż⟩ is summed without the largest entry m first (dot_rest), so that output m's
            // tangent ż_m (1 − s_m) − dot_rest, with 1 − s_m from the forward pass, does not cancel.
            const std::size_t m = kmax[r];
            std::array<T, N> dot_rest, dot;
            dot_rest.fill(T(0));
            for (std::size_t k = 0; k < Q; ++k)
                if (k != m)
                    for (std::size_t l = 0; l < N; ++l) dot_rest[l] = dot_rest[l] + sr[k] * zr[k].t[l];
            for (std::size_t l = 0; l < N; ++l) dot[l] = dot_rest[l] + sr[m] * zr[m].t[l];
            if constexpr (K == fused_kind::logsumexp) out[r].t = dot;
            else {
                for (std::size_t k = 0; k < Q; ++k)
                    for (std::size_t l = 0; l < N; ++l) {
                        if constexpr (K == fused_kind::softmax) out[r * Q + k].t[l] = sr[k] * (zr[k].t[l] - dot[l]);
                        else out[r * Q + k].t[l] = zr[k].t[l] - dot[l];
                    }
                const T one_minus_sm = s[n + r];
                for (std::size_t l = 0; l < N; ++l) {
                    const T t = zr[m].t[l] * one_minus_sm - dot_rest[l];
                    if constexpr (K == fused_kind::softmax) out[r * Q + m].t[l] = sr[m] * t;
                    else out[r * Q + m].t[l] = t;
                }
            }
        }
        return Array<X>(std::move(oshape), std::move(out));
    } else if constexpr (var_info<X>::value) {
        using T = typename var_info<X>::value_type;
        std::vector<T> zv(n), s;
        std::vector<std::size_t> kmax;
        std::vector<tape_index> idx(n + 1 + M);
        idx[0] = static_cast<tape_index>(Q);
        bool any = false;
        for (std::size_t k = 0; k < n; ++k) {
            zv[k] = z[k].v;
            idx[k + 1] = z[k].i;
            any |= z[k].i != inactive;
        }
        const std::vector<T> y = fused_values<K, T>(std::span<const T>(zv), Q, s, kmax);
        for (std::size_t r = 0; r < M; ++r) idx[n + 1 + r] = static_cast<tape_index>(kmax[r]);
        std::vector<X> out(y.size());
        tape_index first = inactive;
        if (any)
            first = ad::active_tape<T>().record_external(y.size(), std::span<const T>(s), std::span<const tape_index>(idx),
                                                     &fused_vjp<K, T>);
        for (std::size_t k = 0; k < y.size(); ++k) out[k] = X(y[k], any ? tape_index(first + k) : inactive);
        return Array<X>(std::move(oshape), std::move(out));
    } else {
        return fused_composed<K>(z, Q);
    }
}

}  // namespace ad
