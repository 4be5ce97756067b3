#pragma once
/// \file dual.hpp
/// Forward mode: `Dual<T, N>` carries a value and N tangent lanes, so one pass computes N
/// directional derivatives (a Jacobian needs ⌈n/N⌉ passes). T may itself be a Dual:
/// `Dual<Dual<double>>` gives second derivatives. Every operation goes through the rule
/// table (ops/rules): y = rule.value(x), ẏ = rule.d(x, y) · ẋ, lane by lane.
#include <array>
#include <cstddef>
#include <cstring>
#include <ostream>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/core/checked.hpp"
#include "ops/rules/functions.hpp"
#include "ops/rules/fused.hpp"

namespace ad {

namespace detail {
/// Tag of Dual's constructor that leaves the tangents unwritten (a primitive's result whose
/// every lane is written next: no zero-fill that is overwritten at once).
struct uninitialized_t { explicit uninitialized_t() = default; };
inline constexpr uninitialized_t uninitialized{};

/// Lanes of a plain number type are zeroed by zero_lanes; others by their value-initialisation.
template <class T>
inline constexpr bool plain_lanes_v = std::is_arithmetic_v<T>;

/// Zeroes N lanes of a plain number type in blocks of at most 64 bytes, each a separate fixed-size
/// memset that compilers store in a few vector moves. One zero-fill of the whole array is what
/// value-initialisation asks for, and g++ (generic x86-64 tuning) emits it as `rep stos` from
/// 12 double lanes: ~30 cycles to start, per dual, which was 43% of a 16-lane pass of softmax
/// whose user code builds `std::vector<Dual> e(n)`.
template <class T, std::size_t N>
void zero_lanes(std::array<T, N>& t) {
    constexpr std::size_t B = 64 / sizeof(T);
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        ((void)std::memset(t.data() + B * K, 0, sizeof(T) * (B * K + B <= N ? B : N - B * K)), ...);
    }(std::make_index_sequence<(N + B - 1) / B>{});
}
}  // namespace detail

/// Dual number: value `v` and N tangents `t`. Constants convert implicitly (zero tangent).
/// The tangents come first: the primitives write them in vector-width pairs from the start of
/// the object and the value last, which is how a copy reads them back, so the copy's loads are
/// served from those stores (with the value first, every 16-byte load straddled two stores and
/// stalled: a 10-lane forward pass of softmax took 1.3× longer for that alone).
template <class T, std::size_t N = 1>
struct Dual {
    using scalar_type = T;
    static constexpr std::size_t lanes = N;
    std::array<T, N> t;  // every constructor says what it holds
    T v{};

    /// Zero, with zero tangents.
    Dual() : Dual(zeroed{}) {}
    /// A constant: value u, all tangents zero.
    template <class U> requires (!is_ad_type_v<U> || std::same_as<U, T>) && std::is_constructible_v<T, const U&>
    Dual(const U& u) : Dual(zeroed{}) { v = T(u); }
    /// A value with tangent `d` in lane `lane` (a seeded input).
    Dual(const T& value, const T& d, std::size_t lane = 0) : Dual(zeroed{}) { v = value; t[lane] = d; }
    /// Tangents not written (for a plain T they are indeterminate): the modes' primitives, which
    /// write every lane before the result is used.
    explicit Dual(detail::uninitialized_t) {}
    ADIFF_NO_PLAIN_CONVERSION
private:
    /// Zero value and lanes: the lanes of a plain number in blocks (detail::zero_lanes), others
    /// value-initialised.
    struct zeroed {};
    explicit Dual(zeroed) requires detail::plain_lanes_v<T> { detail::zero_lanes(t); }
    explicit Dual(zeroed) requires (!detail::plain_lanes_v<T>) : t() {}
};

template <class T, std::size_t N>
struct is_ad_type<Dual<T, N>> : std::true_type {};

/// The innermost number of a (nested) dual.
template <class T, std::size_t N>
decltype(auto) val(const Dual<T, N>& x) { return val(x.v); }

/// Every component (value and all lanes, recursively) is exactly zero.
template <class T, std::size_t N>
bool is_exact_zero(const Dual<T, N>& x) {
    if (!is_exact_zero(x.v)) return false;
    for (const T& d : x.t) if (!is_exact_zero(d)) return false;
    return true;
}

/// sign and heaviside of a dual are constants (their derivative is 0 where it exists).
template <class T, std::size_t N>
Dual<T, N> sign(const Dual<T, N>& x) { return Dual<T, N>(sign(x.v)); }
template <class T, std::size_t N>
Dual<T, N> heaviside(const Dual<T, N>& x) { return Dual<T, N>(heaviside(x.v)); }
template <class T, std::size_t N>
bool is_finite(const Dual<T, N>& x) { return is_finite(x.v); }
/// The value and every tangent lane (recursively) are finite.
template <class T, std::size_t N>
bool all_finite(const Dual<T, N>& x) {
    if (!all_finite(x.v)) return false;
    for (const T& d : x.t)
        if (!all_finite(d)) return false;
    return true;
}
/// Every tangent lane is exactly zero: x carries no derivative, it is a constant (as an
/// inactive Var is in reverse mode) and contributes nothing to the tangents of a result.
template <class T, std::size_t N>
bool is_constant(const Dual<T, N>& x) {
    for (const T& d : x.t)
        if (!is_exact_zero(d)) return false;
    return true;
}

namespace detail {
/// Both partials of a binary rule, exactly the rule's formulas (∂b of a / b is −y/b in every
/// mode: Dual, Var, Replay and the symbolic graph do the same arithmetic, so they agree bitwise).
template <class R, class T>
std::pair<T, T> binary_partials(const R& r, const T& a, const T& b, const T& y) {
    return {r.da(a, b, y), r.db(a, b, y)};
}

/// False when a partial may be inf or NaN (then the rare path, which leaves zero lanes alone).
/// For a product of numbers one test of the value suffices: a partial of a·b is the other
/// operand, and a non-finite operand makes a·b non-finite (inf, or NaN for inf·0); an overflow
/// of finite a·b only takes the rare path, which gives the same tangents. Sums have constant
/// partials (the tests fold away).
template <class R, class T>
bool partials_finite(const R&, const T& y, const T& pa, const T& pb) {
    if constexpr (std::is_same_v<R, rules::mul> && !is_ad_type_v<T>) return is_finite(y);
    else return all_finite(pa) && all_finite(pb);
}

/// p·t for one lane, or exactly 0 when the operand's tangent t in that lane is exactly zero:
/// an operand that does not depend on a lane's direction contributes nothing to it, even when
/// its partial is inf or NaN (reverse mode never multiplies such a partial either).
template <class T>
T lane_term(const T& p, const T& t) { return is_exact_zero(t) ? T(0) : T(p * t); }

/// The tangents of y = f(x) on the careful path: zero lanes stay exactly zero.
template <class T, std::size_t N>
void lanes_nonfinite(Dual<T, N>& y, const T& p, const Dual<T, N>& x) {
    for (std::size_t i = 0; i < N; ++i) y.t[i] = lane_term(p, x.t[i]);
}
template <class T, std::size_t N>
void lanes_nonfinite(Dual<T, N>& y, const T& pa, const Dual<T, N>& a, const T& pb, const Dual<T, N>& b) {
    for (std::size_t i = 0; i < N; ++i) {
        const bool za = is_exact_zero(a.t[i]), zb = is_exact_zero(b.t[i]);
        y.t[i] = za ? lane_term(pb, b.t[i]) : (zb ? T(pa * a.t[i]) : T(pa * a.t[i] + pb * b.t[i]));
    }
}

/// The careful path of a unary primitive (out of line): taken in checked mode (`Check`: value,
/// partial of an operand that carries derivatives, and every tangent lane must be finite; errors
/// inside the formulas of a nested type are named after R) and, unchecked, when a partial is not
/// finite. A constant operand (all tangents exactly zero) gets no partial; a lane whose tangent
/// is exactly zero stays exactly zero. Same operations as the fast path otherwise (same bits).
template <bool Check, class R, class T, std::size_t N>
[[gnu::noinline]] Dual<T, N> careful_unary(const R& r, const Dual<T, N>& x) {
    Dual<T, N> y;
    y.v = attributed(R::name, [&] { return T(r.value(x.v)); });
    if constexpr (Check) check_value(R::name, y.v, x.v);
    if (is_constant(x)) return y;  // no partial, zero tangents
    const T p = attributed(R::name, [&] { return T(r.d(x.v, y.v)); });
    if constexpr (Check) check_partial(R::name, p, x.v);
    attributed(R::name, [&] { lanes_nonfinite(y, p, x); });
    if constexpr (Check)
        for (const T& d : y.t) check_derivative(R::name, d, x.v);
    return y;
}
/// The careful path of a binary primitive (see careful_unary).
template <bool Check, class R, class T, std::size_t N>
[[gnu::noinline]] Dual<T, N> careful_binary(const R& r, const Dual<T, N>& a, const Dual<T, N>& b) {
    Dual<T, N> y;
    y.v = attributed(R::name, [&] { return T(r.value(a.v, b.v)); });
    if constexpr (Check) check_value(R::name, y.v, a.v);
    const bool ca = is_constant(a), cb = is_constant(b);
    if (ca && cb) return y;
    T pa(0), pb(0);
    attributed(R::name, [&] {
        if (!ca && !cb) {
            auto [u, w] = binary_partials(r, a.v, b.v, y.v);
            pa = std::move(u), pb = std::move(w);
        } else if (!ca) {
            pa = r.da(a.v, b.v, y.v);
        } else {
            pb = r.db(a.v, b.v, y.v);
        }
    });
    if constexpr (Check) {
        if (!ca) check_partial(R::name, pa, a.v);
        if (!cb) check_partial(R::name, pb, b.v);
    }
    attributed(R::name, [&] { lanes_nonfinite(y, pa, a, pb, b); });
    if constexpr (Check)
        for (const T& d : y.t) check_derivative(R::name, d, ca ? b.v : a.v);
    return y;
}
}  // namespace detail

/// Unary primitive in forward mode: ẏ = R.d(x, y) · ẋ. A non-finite partial (rare) takes a
/// separate path where lanes with a zero tangent stay exactly zero; checked mode another.
///
/// Every primitive returns one named object, y, on every path (the rare paths assign to it), so
/// it is built in the caller's storage. With a second returned object g++ built y on the stack
/// and copied it out, which cost 2.5× the whole pass at 10 lanes.
template <class R, class T, std::size_t N>
Dual<T, N> apply_unary(const R& r, const Dual<T, N>& x) {
    Dual<T, N> y(detail::uninitialized);
    if (detail::checking_enabled) [[unlikely]] {
        y = detail::careful_unary<true>(r, x);
        return y;
    }
    y.v = r.value(x.v);
    const T p = r.d(x.v, y.v);
    if (!all_finite(p)) [[unlikely]] y = detail::careful_unary<false>(r, x);
    else for (std::size_t i = 0; i < N; ++i) y.t[i] = p * x.t[i];
    return y;
}

/// Binary primitive in forward mode: ẏ = R.da · ȧ + R.db · ḃ.
template <class R, class T, std::size_t N>
Dual<T, N> apply_binary(const R& r, const Dual<T, N>& a, const Dual<T, N>& b) {
    Dual<T, N> y(detail::uninitialized);
    if (detail::checking_enabled) [[unlikely]] {
        y = detail::careful_binary<true>(r, a, b);
        return y;
    }
    y.v = r.value(a.v, b.v);
    const auto [pa, pb] = detail::binary_partials(r, a.v, b.v, y.v);
    if (!detail::partials_finite(r, y.v, pa, pb)) [[unlikely]] y = detail::careful_binary<false>(r, a, b);
    else for (std::size_t i = 0; i < N; ++i) y.t[i] = pa * a.t[i] + pb * b.t[i];
    return y;
}
/// Binary primitive with a constant right operand (only ∂a is needed).
template <class R, class T, std::size_t N, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Dual<T, N> apply_binary(const R& r, const Dual<T, N>& a, const U& c) {
    Dual<T, N> y(detail::uninitialized);
    if (detail::checking_enabled) [[unlikely]] {
        y = detail::careful_binary<true>(r, a, Dual<T, N>(T(c)));
        return y;
    }
    const T b(c);
    y.v = r.value(a.v, b);
    const T pa = r.da(a.v, b, y.v);
    if (!all_finite(pa)) [[unlikely]] y = detail::careful_binary<false>(r, a, Dual<T, N>(b));
    else for (std::size_t i = 0; i < N; ++i) y.t[i] = pa * a.t[i];
    return y;
}
/// Binary primitive with a constant left operand (only ∂b is needed).
template <class R, class T, std::size_t N, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Dual<T, N> apply_binary(const R& r, const U& c, const Dual<T, N>& b) {
    Dual<T, N> y(detail::uninitialized);
    if (detail::checking_enabled) [[unlikely]] {
        y = detail::careful_binary<true>(r, Dual<T, N>(T(c)), b);
        return y;
    }
    const T a(c);
    y.v = r.value(a, b.v);
    const T pb = r.db(a, b.v, y.v);
    if (!all_finite(pb)) [[unlikely]] y = detail::careful_binary<false>(r, Dual<T, N>(a), b);
    else for (std::size_t i = 0; i < N; ++i) y.t[i] = pb * b.t[i];
    return y;
}

/// a = R(a, b) in place: exactly apply_binary's arithmetic (each lane of a is read before it is
/// written, so b may be a itself), without a result of N lanes to build and copy — what the
/// compound assignments of forward mode run (`s += q * z` in a scalar loop).
template <class R, class T, std::size_t N>
void apply_binary_in_place(const R& r, Dual<T, N>& a, const Dual<T, N>& b) {
    if (detail::checking_enabled) [[unlikely]] {
        a = detail::careful_binary<true>(r, a, b);
        return;
    }
    const T y = r.value(a.v, b.v);
    const auto [pa, pb] = detail::binary_partials(r, a.v, b.v, y);
    if (!detail::partials_finite(r, y, pa, pb)) [[unlikely]] {
        a = detail::careful_binary<false>(r, a, b);
        return;
    }
    for (std::size_t i = 0; i < N; ++i) a.t[i] = pa * a.t[i] + pb * b.t[i];
    a.v = y;
}

/// Compound assignment of two duals of one type, in place (other operands: a = a op b).
template <class T, std::size_t N>
Dual<T, N>& operator+=(Dual<T, N>& a, const Dual<T, N>& b) { apply_binary_in_place(rules::add{}, a, b); return a; }
template <class T, std::size_t N>
Dual<T, N>& operator-=(Dual<T, N>& a, const Dual<T, N>& b) { apply_binary_in_place(rules::sub{}, a, b); return a; }
template <class T, std::size_t N>
Dual<T, N>& operator*=(Dual<T, N>& a, const Dual<T, N>& b) { apply_binary_in_place(rules::mul{}, a, b); return a; }
template <class T, std::size_t N>
Dual<T, N>& operator/=(Dual<T, N>& a, const Dual<T, N>& b) { apply_binary_in_place(rules::div{}, a, b); return a; }

/// n-ary reduction in forward mode: ẏ = Σ ∂ᵢ ẋᵢ over the partials that are not exactly zero, as
/// reverse mode records only those (an entry whose partial is 0 — below a max, or underflowed in
/// logsumexp — adds nothing, even with an infinite tangent; for finite tangents leaving out a ±0
/// term changes no bit). Terms whose lane tangent is exactly zero are left out when a partial is
/// not finite, as for the unary and binary primitives.
template <class R, class T, std::size_t N>
Dual<T, N> apply_nary(const R& r, std::span<const Dual<T, N>> xs) {
    // per-thread scratch (no allocation once warmed up); T's own operations never re-enter here
    static thread_local std::vector<T> v_buf, p_buf;
    if (v_buf.size() < xs.size()) v_buf.resize(xs.size()), p_buf.resize(xs.size());
    const std::span<T> v(v_buf.data(), xs.size()), p(p_buf.data(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) v[i] = xs[i].v;
    const bool checked = detail::checking_enabled;
    Dual<T, N> y;
    if constexpr (requires { r.nonzero_partials(std::span<const T>(v), y.v, [](std::size_t, const T&) {}); }) {
        if (!checked) [[likely]] {
            // the rule names its nonzero partials (max: the maximal entries): the same sum as
            // below without a pass over the zeros
            y.v = r.value(std::span<const T>(v));
            r.nonzero_partials(std::span<const T>(v), y.v, [&](std::size_t i, const T& p) {
                if (all_finite(p)) [[likely]]
                    for (std::size_t l = 0; l < N; ++l) y.t[l] = y.t[l] + p * xs[i].t[l];
                else
                    for (std::size_t l = 0; l < N; ++l)
                        if (!is_exact_zero(xs[i].t[l])) y.t[l] = y.t[l] + p * xs[i].t[l];
            });
            return y;
        }
    }
    if (checked) [[unlikely]] {
        y.v = detail::attributed(R::name, [&] { return T(r.value(std::span<const T>(v))); });
        if (!xs.empty()) detail::check_value(R::name, y.v, v[0]);
        detail::attributed(R::name, [&] { r.partials(std::span<const T>(v), y.v, p); });
    } else {
        y.v = r.value(std::span<const T>(v));
        r.partials(std::span<const T>(v), y.v, p);
    }
    bool finite = true;
    for (std::size_t i = 0; i < xs.size(); ++i) finite &= all_finite(p[i]);
    if (finite && !checked) [[likely]] {
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (!is_exact_zero(p[i]))
                for (std::size_t l = 0; l < N; ++l) y.t[l] = y.t[l] + p[i] * xs[i].t[l];
        return y;
    }
    if (checked)
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (!is_constant(xs[i])) detail::check_partial(R::name, p[i], v[i]);
    detail::attributed(R::name, [&] {
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (!is_exact_zero(p[i]))
                for (std::size_t l = 0; l < N; ++l)
                    if (!is_exact_zero(xs[i].t[l])) y.t[l] = y.t[l] + p[i] * xs[i].t[l];
    });
    if (checked)
        for (const T& d : y.t) detail::check_derivative(R::name, d, xs.empty() ? T(0) : v[0]);
    return y;
}

/// Prints "v[t0, t1, ...]".
template <class T, std::size_t N>
std::ostream& operator<<(std::ostream& os, const Dual<T, N>& x) {
    os << x.v << "[";
    for (std::size_t i = 0; i < N; ++i) os << (i ? ", " : "") << x.t[i];
    return os << "]";
}

/// Forward mode's instance of the fused rules (ops/rules/fused.hpp): the values on the inner
/// numbers, then the rule's JVP on all N lanes of each row.
template <class T, std::size_t N>
struct fused_mode<Dual<T, N>> {
    /// The outputs of rule K on the rows of z, with their tangents.
    template <fused_kind K>
    static std::vector<Dual<T, N>> rows(std::span<const Dual<T, N>> z, std::size_t Q, std::span<const std::size_t> targets) {
        const std::size_t n = z.size(), M = n / Q;
        // per-thread buffers, reused from call to call (values_into writes every entry): at
        // Q = 10 four allocations were a third of a call
        static thread_local std::vector<T> zv, s, y;
        static thread_local std::vector<std::size_t> kmax;
        zv.resize(n);
        for (std::size_t k = 0; k < n; ++k) zv[k] = z[k].v;
        rules::fused::values_into<K, T>(std::span<const T>(zv.data(), n), Q, targets, s, kmax, y);
        detail::check_values(rules::fused::name(K), std::span<const T>(y));
        std::vector<Dual<T, N>> out(y.size(), Dual<T, N>(detail::uninitialized));
        for (std::size_t k = 0; k < y.size(); ++k) out[k].v = y[k];
        const std::size_t per_row = rules::fused::reduces_row<K> ? 1 : Q;
        for (std::size_t r = 0; r < M; ++r) {
            const Dual<T, N>* zr = z.data() + r * Q;
            Dual<T, N>* yr = out.data() + r * per_row;
            rules::fused::jvp_row<K, T, N>(
                s.data() + r * Q, Q, kmax[r], s[n + r], K == fused_kind::cross_entropy ? targets[r] : 0, [&](std::size_t k) -> const std::array<T, N>& { return zr[k].t; },
                [&](std::size_t k) -> std::array<T, N>& { return yr[k].t; });
        }
        return out;
    }
};

/// Forward mode's instance of a user's vector rule (ops/rules/vector_rule.hpp): the values on
/// the inner numbers, then the rule's JVP once per tangent lane.
template <class R, class T, std::size_t N>
std::vector<Dual<T, N>> apply_vector(const R& r, std::span<const Dual<T, N>> x) {
    const std::size_t n = x.size(), m = r.outputs(n);
    std::vector<T> xv(n), yv(m), dx(n), dy(m);
    for (std::size_t k = 0; k < n; ++k) xv[k] = x[k].v;
    r.value(std::span<const T>(xv), std::span<T>(yv));
    detail::check_values(R::name, std::span<const T>(yv));
    std::vector<Dual<T, N>> y(m, Dual<T, N>(detail::uninitialized));
    for (std::size_t i = 0; i < m; ++i) y[i].v = yv[i];
    for (std::size_t l = 0; l < N; ++l) {
        bool any = false;
        for (std::size_t k = 0; k < n; ++k) any |= !is_exact_zero(dx[k] = x[k].t[l]);
        if (any) r.jvp(std::span<const T>(xv), std::span<const T>(yv), std::span<const T>(dx), std::span<T>(dy));
        for (std::size_t i = 0; i < m; ++i) {
            y[i].t[l] = any ? dy[i] : T(0);  // a lane no input depends on stays exactly zero
            if (detail::checking_enabled) [[unlikely]] detail::check_derivative(R::name, y[i].t[l], yv[i]);
        }
    }
    return y;
}

/// Dual<T, N>'s own overloads of the registry's functions (see ADIFF_MODE_FUNCTIONS).
#define ADIFF_MODE_HEAD template <class T, std::size_t N>
#define ADIFF_MODE_TYPE Dual<T, N>
ADIFF_MODE_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE

}  // namespace ad
