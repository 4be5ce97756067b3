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
#include "ops/rules/fused.hpp"

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
    ADIFF_NO_PLAIN_CONVERSION
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
/// A Var's value is all it holds (its derivatives live on the tape).
template <class T>
bool all_finite(const Var<T>& x) { return all_finite(x.v); }
/// An inactive Var whose value is exactly zero (a zero tangent lane of a Dual<Var<T>>, which
/// then contributes nothing to a result, as in Dual<double>).
template <class T>
bool is_exact_zero(const Var<T>& x) { return x.i == inactive && is_exact_zero(x.v); }

namespace detail {
/// Checked mode, unary: the value always (a constant computation too, as in every other mode),
/// the partial of an active operand; the statement is named for the checked reverse sweep.
template <class R, class T>
[[gnu::noinline]] Var<T> checked_unary(const R& r, const Var<T>& x) {
    Var<T> y(attributed(R::name, [&] { return T(r.value(x.v)); }));
    check_value(R::name, y.v, x.v);
    if (x.i != inactive) {
        const T p = attributed(R::name, [&] { return T(r.d(x.v, y.v)); });
        check_partial(R::name, p, x.v);
        Tape<T>& tape = ad::active_tape<T>();
        y.i = tape.record(x.i, p);
        tape.name_statement(y.i, R::name);
    }
    return y;
}
/// Checked mode, binary (an inactive operand's partial is neither computed nor checked).
template <class R, class T>
[[gnu::noinline]] Var<T> checked_binary(const R& r, const Var<T>& a, const Var<T>& b) {
    Var<T> y(attributed(R::name, [&] { return T(r.value(a.v, b.v)); }));
    check_value(R::name, y.v, a.v);
    if (a.i == inactive && b.i == inactive) return y;
    Tape<T>& tape = ad::active_tape<T>();
    if (a.i != inactive && b.i != inactive) {
        const auto [pa, pb] = attributed(R::name, [&] { return binary_partials(r, a.v, b.v, y.v); });
        check_partial(R::name, pa, a.v);
        check_partial(R::name, pb, b.v);
        y.i = tape.record(a.i, pa, b.i, pb);
    } else if (a.i != inactive) {
        const T pa = attributed(R::name, [&] { return T(r.da(a.v, b.v, y.v)); });
        check_partial(R::name, pa, a.v);
        y.i = tape.record(a.i, pa);
    } else {
        const T pb = attributed(R::name, [&] { return T(r.db(a.v, b.v, y.v)); });
        check_partial(R::name, pb, b.v);
        y.i = tape.record(b.i, pb);
    }
    tape.name_statement(y.i, R::name);
    return y;
}
}  // namespace detail

/// Unary primitive on the tape: records ∂y/∂x = R.d(x, y).
template <class R, class T>
Var<T> apply_unary(const R& r, const Var<T>& x) {
    if (detail::checking_enabled) [[unlikely]] return detail::checked_unary(r, x);
    Var<T> y(r.value(x.v));
    if (x.i != inactive) y.i = active_tape<T>().record(x.i, r.d(x.v, y.v));
    return y;
}

/// Binary primitive on the tape: records the active operands' partials.
template <class R, class T>
Var<T> apply_binary(const R& r, const Var<T>& a, const Var<T>& b) {
    if (detail::checking_enabled) [[unlikely]] return detail::checked_binary(r, a, b);
    Var<T> y(r.value(a.v, b.v));
    if (a.i != inactive && b.i != inactive) {
        const auto [pa, pb] = detail::binary_partials(r, a.v, b.v, y.v);
        y.i = active_tape<T>().record(a.i, pa, b.i, pb);
    } else if (a.i != inactive) {
        y.i = active_tape<T>().record(a.i, r.da(a.v, b.v, y.v));
    } else if (b.i != inactive) {
        y.i = active_tape<T>().record(b.i, r.db(a.v, b.v, y.v));
    }
    return y;
}
/// Binary primitive with a constant on either side.
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Var<T> apply_binary(const R& r, const Var<T>& a, const U& c) { return apply_binary(r, a, Var<T>(c)); }
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Var<T> apply_binary(const R& r, const U& c, const Var<T>& b) { return apply_binary(r, Var<T>(c), b); }

/// n-ary reduction (sum, max, ...): one statement whose operands are the active inputs with a
/// nonzero partial (a max records only its maximal entries; a NaN partial is kept, so NaN
/// propagates into every active input as in forward mode). The rule's partials are written
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
    const bool checked = detail::checking_enabled;
    Var<T> y;
    if (checked) [[unlikely]] {
        y.v = detail::attributed(R::name, [&] { return T(r.value(std::span<const T>(v))); });
        if (!xs.empty()) detail::check_value(R::name, y.v, v[0]);
    } else {
        y.v = r.value(std::span<const T>(v));
    }
    if (any) {
        Tape<T>& tape = ad::active_tape<T>();
        y.i = tape.record_in_place(xs.size(), [&](tape_index* op, T* part) {
            if (checked) [[unlikely]]
                detail::attributed(R::name, [&] { r.partials(std::span<const T>(v), y.v, std::span<T>(part, xs.size())); });
            else
                r.partials(std::span<const T>(v), y.v, std::span<T>(part, xs.size()));
            std::size_t n = 0;
            for (std::size_t k = 0; k < xs.size(); ++k)
                if (xs[k].i != inactive && !is_exact_zero(part[k])) {
                    if (checked) [[unlikely]] detail::check_partial(R::name, part[k], v[k]);
                    op[n] = xs[k].i, part[n] = part[k], ++n;
                }
            return n;
        });
        if (checked) [[unlikely]] tape.name_statement(y.i, R::name);
    }
    return y;
}

/// Prints the value.
template <class T>
std::ostream& operator<<(std::ostream& os, const Var<T>& x) { return os << x.v; }

/// Reverse mode's instance of the fused rules (ops/rules/fused.hpp): the values on the inner
/// numbers, recorded as one external statement for all rows, whose sweep runs the rule's VJP.
/// The statement holds indices = [Q, input indices (M·Q)..., k per row (M)] and
/// values = [s (M·Q)..., 1 − s_k per row (M)].
template <class T>
struct fused_mode<Var<T>> {
    /// The sweep's callback: the rule's VJP on every row of the statement.
    template <fused_kind K>
    static void vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
        const auto s = tape.values_of(c);
        const auto idx = tape.indices_of(c);
        const std::size_t Q = idx[0];
        const std::size_t M = Q ? s.size() / (Q + 1) : 0;
        const tape_index* in = idx.data() + 1;
        const tape_index* kmax = in + M * Q;
        const std::size_t per_row = K == fused_kind::logsumexp ? 1 : Q;
        for (std::size_t r = 0; r < M; ++r) {
            const tape_index* ir = in + r * Q;
            rules::fused::vjp_row<K, T>(
                s.data() + r * Q, adj + c.first + r * per_row, Q, kmax[r], s[M * Q + r],
                [&](std::size_t k) { return ir[k] != inactive; }, [&](std::size_t k, const T& d) { adj[ir[k]] += d; });
        }
    }

    /// The outputs of rule K on the rows of z, recorded as one statement (none if z is constant).
    template <fused_kind K>
    static std::vector<Var<T>> rows(std::span<const Var<T>> z, std::size_t Q) {
        const std::size_t n = z.size(), M = n / Q;
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
        const std::vector<T> y = rules::fused::values<K, T>(std::span<const T>(zv), Q, s, kmax);
        detail::check_values(rules::fused::name(K), std::span<const T>(y));
        for (std::size_t r = 0; r < M; ++r) idx[n + 1 + r] = static_cast<tape_index>(kmax[r]);
        std::vector<Var<T>> out(y.size());
        tape_index first = inactive;
        if (any)
            first = active_tape<T>().record_external(y.size(), std::span<const T>(s), std::span<const tape_index>(idx),
                                                     &vjp<K>, rules::fused::name(K));
        for (std::size_t k = 0; k < y.size(); ++k) out[k] = Var<T>(y[k], any ? tape_index(first + k) : inactive);
        return out;
    }
};

/// Reverse mode's instance of a user's vector rule: the values on the inner numbers, recorded as
/// one external statement for all outputs (none if every input is a constant).
template <class R, class T>
std::vector<Var<T>> apply_vector(const R& r, std::span<const Var<T>> x) {
    const std::size_t n = x.size(), m = r.outputs(n);
    std::vector<T> xy(n + m);
    std::vector<tape_index> idx(n);
    bool any = false;
    for (std::size_t k = 0; k < n; ++k) xy[k] = x[k].v, idx[k] = x[k].i, any |= x[k].i != inactive;
    r.value(std::span<const T>(xy.data(), n), std::span<T>(xy.data() + n, m));
    detail::check_values(R::name, std::span<const T>(xy.data() + n, m));
    tape_index first = inactive;
    if (any)
        first = active_tape<T>().record_external(m, std::span<const T>(xy), std::span<const tape_index>(idx),
                                                 &vector_rule_vjp<R, T>, R::name);
    std::vector<Var<T>> y(m);
    for (std::size_t i = 0; i < m; ++i) y[i] = Var<T>(xy[n + i], any ? tape_index(first + i) : inactive);
    return y;
}

/// Var<T>'s own overloads of the registry's functions (see ADIFF_MODE_FUNCTIONS).
#define ADIFF_MODE_HEAD template <class T>
#define ADIFF_MODE_TYPE Var<T>
ADIFF_MODE_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE

}  // namespace ad
