#pragma once
/// \file dual.hpp
/// Forward mode: `Dual<T, N>` carries a value and N tangent lanes, so one pass computes N
/// directional derivatives (a Jacobian needs ⌈n/N⌉ passes). T may itself be a Dual:
/// `Dual<Dual<double>>` gives second derivatives. Every operation goes through the rule
/// table (ops/rules): y = rule.value(x), ẏ = rule.d(x, y) · ẋ, lane by lane.
#include <array>
#include <cstddef>
#include <ostream>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/core/checked.hpp"
#include "ops/rules/functions.hpp"

namespace ad {

/// Dual number: value `v` and N tangents `t`. Constants convert implicitly (zero tangent).
template <class T, std::size_t N = 1>
struct Dual {
    using scalar_type = T;
    static constexpr std::size_t lanes = N;
    T v{};
    std::array<T, N> t{};

    Dual() = default;
    /// A constant: value u, all tangents zero.
    template <class U> requires (!is_ad_type_v<U> || std::same_as<U, T>) && std::is_constructible_v<T, const U&>
    Dual(const U& u) : v(u) { t.fill(T(0)); }
    /// A value with tangent `d` in lane `lane` (a seeded input).
    Dual(const T& value, const T& d, std::size_t lane = 0) : v(value) { t.fill(T(0)); t[lane] = d; }
};

template <class T, std::size_t N>
struct is_ad_type<Dual<T, N>> : std::true_type {};

/// The innermost number of a (nested) dual.
template <class T, std::size_t N>
decltype(auto) val(const Dual<T, N>& x) { return val(x.v); }

/// Every component (value and all lanes, recursively) is exactly zero.
template <class T>
bool is_exact_zero(const T& x) {
    if constexpr (is_ad_type_v<T>) return false;
    else return x == T(0);
}
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

namespace detail {
/// Both partials of a binary rule. Same formulas as the rule; for a / b the reciprocal is
/// computed once (∂a = 1/b, ∂b = −y·(1/b)): one division instead of two per recorded quotient.
template <class R, class T>
std::pair<T, T> binary_partials(const R& r, const T& a, const T& b, const T& y) {
    if constexpr (std::is_same_v<R, rules::div>) {
        T inv = T(1) / b;
        T pb = -(y * inv);
        return {std::move(inv), std::move(pb)};
    } else {
        return {r.da(a, b, y), r.db(a, b, y)};
    }
}
}  // namespace detail

/// Unary primitive in forward mode: ẏ = R.d(x, y) · ẋ.
template <class R, class T, std::size_t N>
Dual<T, N> apply_unary(const R& r, const Dual<T, N>& x) {
    Dual<T, N> y;
    y.v = r.value(x.v);
    const T p = r.d(x.v, y.v);
    if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, p, x.v);
    for (std::size_t i = 0; i < N; ++i) y.t[i] = p * x.t[i];
    return y;
}

/// Binary primitive in forward mode: ẏ = R.da · ȧ + R.db · ḃ.
template <class R, class T, std::size_t N>
Dual<T, N> apply_binary(const R& r, const Dual<T, N>& a, const Dual<T, N>& b) {
    Dual<T, N> y;
    y.v = r.value(a.v, b.v);
    const auto [pa, pb] = detail::binary_partials(r, a.v, b.v, y.v);
    if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pa, a.v);
    if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pb, b.v);
    for (std::size_t i = 0; i < N; ++i) y.t[i] = pa * a.t[i] + pb * b.t[i];
    return y;
}
/// Binary primitive with a constant right operand (only ∂a is needed).
template <class R, class T, std::size_t N, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Dual<T, N> apply_binary(const R& r, const Dual<T, N>& a, const U& c) {
    const T b(c);
    Dual<T, N> y;
    y.v = r.value(a.v, b);
    const T pa = r.da(a.v, b, y.v);
    if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pa, a.v);
    for (std::size_t i = 0; i < N; ++i) y.t[i] = pa * a.t[i];
    return y;
}
/// Binary primitive with a constant left operand (only ∂b is needed).
template <class R, class T, std::size_t N, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Dual<T, N> apply_binary(const R& r, const U& c, const Dual<T, N>& b) {
    const T a(c);
    Dual<T, N> y;
    y.v = r.value(a, b.v);
    const T pb = r.db(a, b.v, y.v);
    if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pb, b.v);
    for (std::size_t i = 0; i < N; ++i) y.t[i] = pb * b.t[i];
    return y;
}

/// n-ary reduction in forward mode: ẏ = Σ ∂ᵢ ẋᵢ.
template <class R, class T, std::size_t N>
Dual<T, N> apply_nary(const R& r, std::span<const Dual<T, N>> xs) {
    // per-thread scratch (no allocation once warmed up); T's own operations never re-enter here
    static thread_local std::vector<T> v_buf, p_buf;
    if (v_buf.size() < xs.size()) v_buf.resize(xs.size()), p_buf.resize(xs.size());
    const std::span<T> v(v_buf.data(), xs.size()), p(p_buf.data(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) v[i] = xs[i].v;
    Dual<T, N> y(r.value(std::span<const T>(v)));
    if (detail::checking_enabled && !xs.empty()) [[unlikely]] detail::check_primitive(R::name, y.v, y.v, v[0]);
    r.partials(std::span<const T>(v), y.v, p);
    for (std::size_t i = 0; i < xs.size(); ++i)
        for (std::size_t l = 0; l < N; ++l) y.t[l] = y.t[l] + p[i] * xs[i].t[l];
    return y;
}

/// Prints "v[t0, t1, ...]".
template <class T, std::size_t N>
std::ostream& operator<<(std::ostream& os, const Dual<T, N>& x) {
    os << x.v << "[";
    for (std::size_t i = 0; i < N; ++i) os << (i ? ", " : "") << x.t[i];
    return os << "]";
}

}  // namespace ad
