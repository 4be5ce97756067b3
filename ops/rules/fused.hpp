#pragma once
/// \file fused.hpp
/// The fused rules: softmax, log_softmax and logsumexp of a row (the last axis), each with its
/// own O(Q) value, JVP and VJP instead of the primitives' (no Q×Q matrix is ever formed):
///   s = softmax(z) = exp(z − m)/Σexp(z − m), m = max z (no overflow for any finite logits)
///   softmax:     JVP ṡ = s ⊙ (ż − ⟨s, ż⟩)        VJP z̄ += s ⊙ (ȳ − ⟨ȳ, s⟩)
///   log_softmax: JVP ẏ = ż − ⟨s, ż⟩ 1            VJP z̄ += ȳ − s Σȳ
///   logsumexp:   JVP ẏ = ⟨s, ż⟩                  VJP z̄ += ȳ s
///   cross_entropy against class t: y = −log s_t
///                JVP ẏ = ⟨s, ż⟩ − ż_t            VJP z̄ += ȳ (s − e_t)
/// (cross_entropy has one output per row, as logsumexp: no log_softmax row is formed.)
/// Like the scalar rules (rules.hpp), these are generic formulas on numbers; every mode
/// instantiates them through one mechanism, `fused_mode<X>`: a mode that has a fused path
/// (Dual, Var) specialises it in its own header next to its type, and every other type (plain
/// numbers, the symbolic Expr) takes the primary template in ops/softmax/fused.hpp. So ops/
/// depends on the rules and never on a mode.
#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ops/kernels/kernels.hpp"
#include "ops/rules/rules.hpp"

namespace ad {

/// Which fused row-wise function.
enum class fused_kind { softmax, log_softmax, logsumexp, cross_entropy };

/// How type X evaluates fused rule K on M rows of Q entries (`z` holds M·Q values, row-major):
/// `template <fused_kind K> static std::vector<X> rows(std::span<const X> z, std::size_t Q,
/// std::span<const std::size_t> targets)` returns the M·Q outputs (M for logsumexp and
/// cross_entropy). `targets` holds each row's class (t < Q) for cross_entropy and is empty for
/// the others. Q ≥ 1.
template <class X>
struct fused_mode;

namespace rules::fused {

/// The rule's name in the language and in messages: "softmax", "log_softmax", "logsumexp",
/// "cross_entropy".
constexpr std::string_view name(fused_kind k) {
    return k == fused_kind::softmax       ? "softmax"
           : k == fused_kind::log_softmax ? "log_softmax"
           : k == fused_kind::logsumexp   ? "logsumexp"
                                          : "cross_entropy";
}

/// Rule K has one output per row (a reduction of the row), not one per entry.
template <fused_kind K>
inline constexpr bool reduces_row = K == fused_kind::logsumexp || K == fused_kind::cross_entropy;

/// Number of outputs of rule K on n inputs in rows of Q.
template <fused_kind K>
constexpr std::size_t outputs(std::size_t n, std::size_t Q) {
    return reduces_row<K> ? (Q ? n / Q : 0) : n;
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

/// f(j) for j in [0, Q) except j = k, in order: two plain loops (that a compiler can vectorise).
template <class F>
void for_except(std::size_t Q, std::size_t k, F&& f) {
    for (std::size_t j = 0; j < k; ++j) f(j);
    for (std::size_t j = k + 1; j < Q; ++j) f(j);
}

/// One row: s = softmax(z) (stable) and, unless lt is null, *lt = log1p(r) (so
/// log Σ exp(z) = m + *lt; softmax alone does not need the log); ls (optional, needs lt) =
/// log_softmax(z). With m = z_k the maximum and r = Σ_{i≠k} exp(zᵢ − m):
/// s = exp(z − m)/(1 + r) and log_softmax = z − m − log1p(r), so a dominant logit's
/// log_softmax ≈ −r is relatively exact. Also returns k (the first maximal entry) and
/// 1 − s_k = r/(1 + r), relatively exact, which the derivative rules use for output k (forming
/// s_k's factor 1 − s_k without cancellation).
/// T may be a plain number or an AD type (a Dual inside Var for Hessians). Q ≥ 1.
template <class T>
void row(const T* z, std::size_t Q, T* s, T* lt, T* ls, std::size_t& kmax, T& one_minus) {
    using std::exp;
    const std::size_t k = max_reduce::argmax(std::span<const T>(z, Q));
    const T m = z[k];
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
        // plain numbers (the values of double, Var<double> and Dual<double, N> alike): the
        // exps by the vectorised kernel, within 2 ulp of std::exp (ops/kernels/kernels.hpp)
        for (std::size_t i = 0; i < Q; ++i) s[i] = z[i] - m;
        kernels::exp(s, s, Q);
    } else {
        for (std::size_t i = 0; i < Q; ++i)
            if (i != k) s[i] = exp(T(z[i] - m));
    }
    s[k] = T(1);
    // r in four partial sums (not one chain of dependent additions), in every mode the same order
    const T rest = sum_except<T>(Q, k, [&](std::size_t j) { return s[j]; });
    const T tot = T(1) + rest;
    if (lt) *lt = logsumexp::log1p_exact(rest);
    for (std::size_t i = 0; i < Q; ++i) s[i] = s[i] / tot;
    if (ls)
        for (std::size_t i = 0; i < Q; ++i) ls[i] = T(T(z[i] - m) - *lt);
    kmax = k;
    one_minus = rest / tot;
}

/// The value of rule K on M = |z|/Q rows into `out` (outputs<K> values), and what its JVP and
/// VJP need: `s` gets the softmax (M·Q values) followed by 1 − s_k for each row (M values),
/// `kmax` each row's k (any integer type: reverse mode writes it into its tape). `targets`:
/// each row's class for cross_entropy (checked by the caller: t < Q), else empty.
template <fused_kind K, class T, class Index>
void values_to(std::span<const T> z, std::size_t Q, std::span<const std::size_t> targets, T* s, Index* kmax, T* out) {
    const std::size_t n = z.size(), M = Q ? n / Q : 0;
    for (std::size_t r = 0; r < M; ++r) {
        const T* zr = z.data() + r * Q;
        T lt(0);
        std::size_t k = 0;
        // log_softmax is written straight into its output row
        row(zr, Q, s + r * Q, K == fused_kind::softmax ? nullptr : &lt, K == fused_kind::log_softmax ? out + r * Q : nullptr, k, s[n + r]);
        kmax[r] = static_cast<Index>(k);
        const T& m = zr[k];
        if constexpr (K == fused_kind::softmax) std::copy(s + r * Q, s + (r + 1) * Q, out + r * Q);
        else if constexpr (K == fused_kind::logsumexp) out[r] = T(m + lt);
        else if constexpr (K == fused_kind::cross_entropy) out[r] = T(-T(T(zr[targets[r]] - m) - lt));  // −log_softmax_t, bit for bit
    }
}
/// The same into vectors, sized here (every entry is written, so a caller may pass vectors it
/// reuses from call to call).
template <fused_kind K, class T>
void values_into(std::span<const T> z, std::size_t Q, std::span<const std::size_t> targets, std::vector<T>& s,
                 std::vector<std::size_t>& kmax, std::vector<T>& out) {
    const std::size_t n = z.size(), M = Q ? n / Q : 0;
    s.resize(n + M);
    kmax.resize(M);
    out.resize(outputs<K>(n, Q));
    values_to<K>(z, Q, targets, s.data(), kmax.data(), out.data());
}
/// The same, returning the values.
template <fused_kind K, class T>
std::vector<T> values(std::span<const T> z, std::size_t Q, std::span<const std::size_t> targets, std::vector<T>& s,
                      std::vector<std::size_t>& kmax) {
    std::vector<T> out;
    values_into<K, T>(z, Q, targets, s, kmax, out);
    return out;
}

/// JVP of one row, N tangent lanes at once (lanes innermost: N independent sums over
/// contiguous tangents, the same order in every lane). `s` is the row's softmax, m its k and
/// `one_minus` its 1 − s_m (from `values`), t the row's class (cross_entropy only); zt(k) gives
/// input k's tangents, yt(k) output k's (yt(0) only, for logsumexp and cross_entropy). ⟨s, ż⟩
/// is summed without entry m first (dot_rest), so that output m's tangent
/// ż_m (1 − s_m) − dot_rest (and cross_entropy's at t = m, its negative) does not cancel.
template <fused_kind K, class T, std::size_t N, class In, class Out>
void jvp_row(const T* s, std::size_t Q, std::size_t m, const T& one_minus, std::size_t t, In&& zt, Out&& yt) {
    // Every lane loop reads tangents and writes a local array, then the array is copied out: an
    // output's tangents may be an input's as far as the compiler knows, and that possible
    // overlap kept g++ from vectorising the lanes (it ran them one double at a time).
    std::array<T, N> dot_rest, dot, y;
    dot_rest.fill(T(0));
    for (std::size_t k = 0; k < Q; ++k)
        if (k != m) {
            const T sk = s[k];
            const std::array<T, N>& tk = zt(k);
            for (std::size_t l = 0; l < N; ++l) dot_rest[l] = dot_rest[l] + sk * tk[l];
        }
    {
        const T sm = s[m];
        const std::array<T, N>& tm = zt(m);
        for (std::size_t l = 0; l < N; ++l) dot[l] = dot_rest[l] + sm * tm[l];
    }
    if constexpr (K == fused_kind::logsumexp) yt(0) = dot;
    else if constexpr (K == fused_kind::cross_entropy) {
        const std::array<T, N>& tt = zt(t);
        if (t == m)
            for (std::size_t l = 0; l < N; ++l) y[l] = dot_rest[l] - tt[l] * one_minus;
        else
            for (std::size_t l = 0; l < N; ++l) y[l] = dot[l] - tt[l];
        yt(0) = y;
    } else {
        for (std::size_t k = 0; k < Q; ++k) {
            if (k == m) continue;
            const std::array<T, N>& tk = zt(k);
            if constexpr (K == fused_kind::softmax) {
                const T sk = s[k];
                for (std::size_t l = 0; l < N; ++l) y[l] = sk * (tk[l] - dot[l]);
            } else {
                for (std::size_t l = 0; l < N; ++l) y[l] = tk[l] - dot[l];
            }
            yt(k) = y;
        }
        const std::array<T, N>& tm = zt(m);
        for (std::size_t l = 0; l < N; ++l) {
            const T u = tm[l] * one_minus - dot_rest[l];
            if constexpr (K == fused_kind::softmax) y[l] = s[m] * u;
            else y[l] = u;
        }
        yt(m) = y;
    }
}

/// VJP of one row: g holds the output adjoints (g[0] only, for logsumexp and cross_entropy);
/// add(k, v) adds v to input k's adjoint; active(k) says whether input k carries one (others
/// are skipped). s, m, one_minus, t as in jvp_row. At the largest entry m the factor
/// g_m − ⟨g, s⟩ would cancel when s_m ≈ 1, so it is formed as g_m (1 − s_m) − acc_rest with
/// acc_rest the sum without m: relatively exact (cross_entropy's s_t − 1 likewise as −(1 − s_m)
/// when t = m).
template <fused_kind K, class T, class Active, class Add>
void vjp_row(const T* s, const T* g, std::size_t Q, std::size_t m, const T& one_minus, std::size_t t, Active&& active,
             Add&& add) {
    if constexpr (K == fused_kind::logsumexp) {
        if (is_exact_zero(g[0])) return;
        for (std::size_t k = 0; k < Q; ++k) if (active(k)) add(k, T(g[0] * s[k]));
    } else if constexpr (K == fused_kind::cross_entropy) {
        if (is_exact_zero(g[0])) return;
        const T g0 = g[0];
        for_except(Q, t, [&](std::size_t k) { if (active(k)) add(k, T(g0 * s[k])); });
        if (active(t)) add(t, t == m ? T(-T(g[0] * one_minus)) : T(g[0] * T(s[t] - T(1))));
    } else {
        // a row whose output adjoints are all exactly zero adds nothing (as a scalar statement
        // with a zero adjoint: a NaN of this row never reaches its inputs through a zero seed).
        // Only a NaN row needs the test (s_m is NaN then): on a finite row zero adjoints add +0.
        if (is_nan(s[m]) && std::all_of(g, g + Q, [](const T& v) { return is_exact_zero(v); })) return;
        // acc = ⟨g, s⟩ (softmax) or Σg (log_softmax).
        const T acc_rest = sum_except<T>(Q, m, [&](std::size_t j) {
            if constexpr (K == fused_kind::softmax) return T(g[j] * s[j]);
            else return g[j];
        });
        const T acc = acc_rest + (K == fused_kind::softmax ? T(g[m] * s[m]) : g[m]);
        for_except(Q, m, [&](std::size_t k) {
            if (!active(k)) return;
            if constexpr (K == fused_kind::softmax) add(k, T(s[k] * (g[k] - acc)));
            else add(k, T(g[k] - s[k] * acc));
        });
        if (active(m)) {
            if constexpr (K == fused_kind::softmax) add(m, T(s[m] * (g[m] * one_minus - acc_rest)));
            else add(m, T(g[m] * one_minus - s[m] * acc_rest));
        }
    }
}

/// vjp_row of softmax or log_softmax with the adjoint of output q equal to 1 and every other 0:
/// row q of the row's Jacobian (s_k(δ_kq − s_q), or δ_kq − s_k), added into the inputs in one
/// pass, with no ⟨g, s⟩. Every addend is the expression vjp_row forms for that seed (a dot of a
/// one-hot g is exact), so the numbers agree bit for bit — provided s holds no NaN (s_m is NaN
/// then: the caller runs vjp_row instead, whose ⟨g, s⟩ spreads the NaN).
/// `scaled(from, to, c)`, unless null, adds c·s_k for every k in [from, to) at once (every input
/// active, its adjoint 0 before: a vector kernel), with log_softmax's 0 − s_k as (−1)·s_k — the
/// same adjoint (the two differ only in the sign of a zero, which vanishes when added to 0).
template <fused_kind K, class T, class Active, class Add, class Scaled>
void unit_vjp_row(const T* s, std::size_t Q, std::size_t m, const T& one_minus, std::size_t q, Active&& active, Add&& add,
                  Scaled&& scaled) {
    static_assert(K == fused_kind::softmax || K == fused_kind::log_softmax);
    // every k other than m and q: softmax s_k (0 − s_q), log_softmax 0 − s_k
    const T c = T(0) - s[q];
    const auto rest = [&](std::size_t from, std::size_t to) {
        if constexpr (!std::is_null_pointer_v<std::remove_cvref_t<Scaled>>) {
            if (from < to) scaled(from, to, K == fused_kind::softmax ? c : T(-1));
        } else {
            for (std::size_t k = from; k < to; ++k) {
                if (!active(k)) continue;
                if constexpr (K == fused_kind::softmax) add(k, T(s[k] * c));
                else add(k, T(T(0) - s[k]));
            }
        }
    };
    const std::size_t lo = std::min(m, q), hi = std::max(m, q);
    rest(0, lo);
    rest(lo + 1, hi);
    rest(hi + 1, Q);
    if (q != m && active(q)) {  // g_q − acc = 1 − s_q
        if constexpr (K == fused_kind::softmax) add(q, T(s[q] * T(T(1) - s[q])));
        else add(q, T(T(1) - s[q]));
    }
    if (active(m)) {  // g_m (1 − s_m) − acc_rest: (1 − s_m) when q = m, else 0 − s_q (softmax) / 0 − s_m
        if constexpr (K == fused_kind::softmax) add(m, T(s[m] * (q == m ? one_minus : c)));
        else add(m, q == m ? one_minus : T(T(0) - s[m]));
    }
}

}  // namespace rules::fused
}  // namespace ad
