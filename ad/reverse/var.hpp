#pragma once
/// \file var.hpp
/// Reverse mode's variable: a value and the index of its statement on this thread's active
/// tape (or `inactive` for a constant, which records nothing). Each primitive records one
/// statement with the partials given by its rule; constants contribute no operand.
#include <ostream>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/reverse/tape.hpp"

namespace ad {

/// A differentiable scalar recorded on the active `Tape<T>`.
template <class T>
struct Var {
    using scalar_type = T;
    T v{};
    tape_index i = inactive;

    Var() = default;
    /// A constant (not recorded).
    template <class U> requires (!is_ad_type_v<U> || std::same_as<U, T>) && std::is_constructible_v<T, const U&>
    Var(const U& u) : v(u) {}
    /// A value already bound to statement `index` of the active tape.
    Var(const T& value, tape_index index) : v(value), i(index) {}

    /// A new independent variable on the active tape.
    static Var input(const T& value) { return Var(value, active_tape<T>().new_leaf()); }
    /// True when this variable is recorded on a tape (not a constant).
    bool active() const noexcept { return i != inactive; }
};

template <class T>
struct is_ad_type<Var<T>> : std::true_type {};

/// The innermost number of a Var (through nested duals).
template <class T>
decltype(auto) val(const Var<T>& x) { return val(x.v); }
/// sign/heaviside of a Var are constants.
template <class T>
Var<T> sign(const Var<T>& x) { return Var<T>(sign(x.v)); }
template <class T>
Var<T> heaviside(const Var<T>& x) { return Var<T>(heaviside(x.v)); }
template <class T>
bool is_finite(const Var<T>& x) { return is_finite(x.v); }

/// Unary primitive on the tape: records ∂y/∂x = R.d(x, y).
template <class R, class T>
Var<T> apply_unary(const R& r, const Var<T>& x) {
    Var<T> y(r.value(x.v));
    if (x.i != inactive) {
        const T p = r.d(x.v, y.v);
        if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, p, x.v);
        y.i = active_tape<T>().record(x.i, p);
    }
    return y;
}

/// Binary primitive on the tape: records the active operands' partials.
template <class R, class T>
Var<T> apply_binary(const R& r, const Var<T>& a, const Var<T>& b) {
    Var<T> y(r.value(a.v, b.v));
    if (a.i != inactive && b.i != inactive) {
        const auto [pa, pb] = detail::binary_partials(r, a.v, b.v, y.v);
        if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pa, a.v);
        if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pb, b.v);
        y.i = active_tape<T>().record(a.i, pa, b.i, pb);
    } else if (a.i != inactive) {
        const T pa = r.da(a.v, b.v, y.v);
        if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pa, a.v);
        y.i = active_tape<T>().record(a.i, pa);
    } else if (b.i != inactive) {
        const T pb = r.db(a.v, b.v, y.v);
        if (detail::checking_enabled) [[unlikely]] detail::check_primitive(R::name, y.v, pb, b.v);
        y.i = active_tape<T>().record(b.i, pb);
    }
    return y;
}
/// Binary primitive with a constant on either side.
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Var<T> apply_binary(const R& r, const Var<T>& a, const U& c) { return apply_binary(r, a, Var<T>(c)); }
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Var<T> apply_binary(const R& r, const U& c, const Var<T>& b) { return apply_binary(r, Var<T>(c), b); }

/// n-ary reduction: one statement with an operand per active input.
template <class R, class T>
Var<T> apply_nary(const R& r, std::span<const Var<T>> xs) {
    // per-thread scratch (no allocation once warmed up); copied out before any nested call
    static thread_local std::vector<T> v_buf, p_buf;
    static thread_local std::vector<tape_index> idx_buf;
    if (v_buf.size() < xs.size()) v_buf.resize(xs.size()), p_buf.resize(xs.size()), idx_buf.resize(xs.size());
    const std::span<T> v(v_buf.data(), xs.size()), p(p_buf.data(), xs.size());
    const std::span<tape_index> idx(idx_buf.data(), xs.size());
    bool any = false;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        v[k] = xs[k].v;
        idx[k] = xs[k].i;
        any |= xs[k].i != inactive;
    }
    Var<T> y(r.value(std::span<const T>(v)));
    if (any && detail::checking_enabled && !xs.empty()) [[unlikely]] detail::check_primitive(R::name, y.v, y.v, v[0]);
    if (any) {
        r.partials(std::span<const T>(v), y.v, std::span<T>(p));
        y.i = active_tape<T>().record(std::span<const tape_index>(idx), std::span<const T>(p));
    }
    return y;
}

/// Σ xᵢ on the tape in one pass (same value and partials as rules::sum: left-to-right sum,
/// ∂ᵢ = 1), writing the active operands straight into the tape.
template <class T>
Var<T> apply_nary(const rules::sum&, std::span<const Var<T>> xs) {
    Var<T> y(T(0));
    bool any = false;
    for (const Var<T>& x : xs) y.v = y.v + x.v, any |= x.i != inactive;
    if (any && detail::checking_enabled) [[unlikely]] detail::check_primitive(rules::sum::name, y.v, T(1), xs[0].v);
    if (any)
        y.i = active_tape<T>().record_in_place(xs.size(), [&](tape_index* op, T* part) {
            std::size_t n = 0;
            for (const Var<T>& x : xs)
                if (x.i != inactive) op[n] = x.i, part[n] = T(1), ++n;
            return n;
        });
    return y;
}
/// max over xᵢ on the tape (same value and partials as rules::max_reduce: the first maximal
/// entry's value; ∂ = 1/k for each of the k entries equal to it), recording only those k.
template <class T>
Var<T> apply_nary(const rules::max_reduce& r, std::span<const Var<T>> xs) {
    std::size_t k = 0;
    for (std::size_t i = 1; i < xs.size(); ++i) if (val(xs[i].v) > val(xs[k].v)) k = i;
    Var<T> y(xs[k].v);
    std::size_t ties = 0;
    bool any = false;
    for (const Var<T>& x : xs)
        if (val(x.v) == val(y.v)) ++ties, any |= x.i != inactive;
    if (ties == 0) return apply_nary<rules::max_reduce, T>(r, xs);  // NaN maximum: generic path
    if (any) {
        const T p = ties == 1 ? T(1) : T(1) / T(int(ties));
        y.i = active_tape<T>().record_in_place(ties, [&](tape_index* op, T* part) {
            std::size_t n = 0;
            for (const Var<T>& x : xs)
                if (x.i != inactive && val(x.v) == val(y.v)) op[n] = x.i, part[n] = p, ++n;
            return n;
        });
    }
    return y;
}

/// Prints the value.
template <class T>
std::ostream& operator<<(std::ostream& os, const Var<T>& x) { return os << x.v; }

}  // namespace ad
