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

/// n-ary reduction (sum, max, ...): one statement whose operands are the active inputs with a
/// nonzero partial (a max records only its maximal entries). The rule's partials are written
/// straight into the tape's partial array and compacted in place, so there is one generic path
/// for every n-ary rule and no per-rule specialisation.
template <class R, class T>
Var<T> apply_nary(const R& r, std::span<const Var<T>> xs) {
    // per-thread scratch for the input values (no allocation once warmed up)
    static thread_local std::vector<T> v_buf;
    if (v_buf.size() < xs.size()) v_buf.resize(xs.size());
    const std::span<T> v(v_buf.data(), xs.size());
    bool any = false;
    for (std::size_t k = 0; k < xs.size(); ++k) {
        v[k] = xs[k].v;
        any |= xs[k].i != inactive;
    }
    Var<T> y(r.value(std::span<const T>(v)));
    if (any && detail::checking_enabled && !xs.empty()) [[unlikely]] detail::check_primitive(R::name, y.v, y.v, v[0]);
    if (any)
        y.i = active_tape<T>().record_in_place(xs.size(), [&](tape_index* op, T* part) {
            r.partials(std::span<const T>(v), y.v, std::span<T>(part, xs.size()));
            std::size_t n = 0;
            for (std::size_t k = 0; k < xs.size(); ++k)
                if (xs[k].i != inactive && !is_exact_zero(part[k])) op[n] = xs[k].i, part[n] = part[k], ++n;
            return n;
        });
    return y;
}

/// Prints the value.
template <class T>
std::ostream& operator<<(std::ostream& os, const Var<T>& x) { return os << x.v; }

}  // namespace ad
