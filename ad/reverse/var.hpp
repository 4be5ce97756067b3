#pragma once
/// \file var.hpp
/// Reverse mode's variable: a value and the index of its statement on this thread's active
/// tape (or `inactive` for a constant, which records nothing). Each primitive gives the partials
/// of its rule; an expression's primitives fold into one ad::Pending (pending.hpp), recorded as
/// one statement when it is stored in a Var. Constants contribute no operand.
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <ostream>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/reverse/pending.hpp"
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
    /// An expression's statement, recorded now (see pending.hpp).
    template <std::size_t N>
    [[gnu::always_inline]] Var(const Pending<T, N>& e) : v(e.v), i(detail::settle(e)) {}

    /// A new independent variable on the active tape.
    static Var input(const T& value) { return Var(value, active_tape<T>().new_leaf()); }
    /// New independent variables on the active tape, one per value, on consecutive statements
    /// (one tape lookup and one reservation for all of them).
    static std::vector<Var> inputs(std::span<const T> values) {
        std::vector<Var> x;
        inputs(values, x);
        return x;
    }
    /// The same into `x` (its contents replaced, its capacity reused: the drivers keep one such
    /// buffer per thread, so repeated gradients allocate no inputs).
    static void inputs(std::span<const T> values, std::vector<Var>& x) {
        const tape_index first = active_tape<T>().new_leaves(values.size());
        // sized first (a reused buffer of that size constructs nothing), then written through a
        // pointer: emplace_back tested the capacity and stored the vector's end once per input
        x.resize(values.size());
        Var* out = x.data();
        const T* v = values.data();
        for (std::size_t k = 0; k < values.size(); ++k) out[k] = Var(v[k], static_cast<tape_index>(first + k));
    }
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
/// Where n Vars' statements are: `first` when they run first, first + 1, … (a driver's inputs,
/// the outputs of one statement), else `inactive`; `any`: at least one is active.
struct statement_run {
    tape_index first = inactive;
    bool any = false;
};
/// Copies the values of x[0..n) into v and finds their statement run in the same pass: a
/// difference from the run x[0].i, x[0].i + 1, … leaves bits in `off`, and the AND of the
/// indices is `inactive` only when every one is. The array statements and the fused rules load
/// their operands with it.
template <class T>
statement_run gather_values(const Var<T>* x, std::size_t n, T* v) {
    if (n == 0) return {};
    const tape_index i0 = x[0].i;
    tape_index off = 0, all = inactive;
    for (std::size_t k = 0; k < n; ++k) v[k] = x[k].v, off |= x[k].i ^ tape_index(i0 + k), all &= x[k].i;
    if (off == 0 && i0 != inactive) return {i0, true};
    return {inactive, all != inactive};
}

/// The results (y[k], first + k), or constants (y[k]) when first is `inactive`, as a forward
/// range: the result vector is built with one allocation and one write per element (a sized
/// vector is written twice, push_back tests its capacity per element).
template <class T>
struct result_iterator {
    using iterator_category = std::forward_iterator_tag;
    using value_type = Var<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Var<T>;
    const T* y;
    tape_index first, step;
    std::size_t k;
    Var<T> operator*() const { return Var<T>(y[k], tape_index(first + k * step)); }
    result_iterator& operator++() { return ++k, *this; }
    result_iterator operator++(int) { return {y, first, step, k++}; }
    bool operator==(const result_iterator& o) const { return k == o.k; }
};
/// The m results of a statement whose outputs start at `first` (`inactive`: none recorded).
template <class T>
[[gnu::always_inline]] inline std::vector<Var<T>> results(const T* y, std::size_t m, tape_index first) {
    const tape_index step = first == inactive ? 0 : 1;
    return std::vector<Var<T>>(result_iterator<T>{y, first, step, 0}, result_iterator<T>{y, first, step, m});
}

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

namespace detail {
/// Var and Pending: the terms of reverse-mode expressions.
template <class X>
struct is_reverse_term : std::false_type {};
template <class T>
struct is_reverse_term<Var<T>> : std::true_type {};
template <class T, std::size_t N>
struct is_reverse_term<Pending<T, N>> : std::true_type {};
template <class X>
inline constexpr bool is_reverse_term_v = is_reverse_term<std::remove_cvref_t<X>>::value;

/// How many operand slots a term brings into a statement (a constant none).
template <class X>
inline constexpr std::size_t term_operands = 0;
template <class T>
inline constexpr std::size_t term_operands<Var<T>> = 1;
template <class T, std::size_t N>
inline constexpr std::size_t term_operands<Pending<T, N>> = N;

/// True when x's partials are constants (a Var: its own partial 1).
template <class T>
constexpr bool term_linear(const Var<T>&) noexcept { return true; }
template <class T, std::size_t N>
bool term_linear(const Pending<T, N>& x) noexcept { return x.linear; }

/// True when some operand of x is on the tape.
template <class T>
bool term_active(const Var<T>& x) noexcept { return x.i != inactive; }
template <class T, std::size_t N>
bool term_active(const Pending<T, N>& x) noexcept {
    bool any = false;
    for (std::size_t k = 0; k < N; ++k) any |= x.i[k] != inactive;
    return any;
}

/// Writes x's operands into y from slot `At`, each partial times s (the chain rule).
template <std::size_t At, class T, std::size_t N>
[[gnu::always_inline]] inline void put_operands(Pending<T, N>& y, const Var<T>& x, const T& s) {
    y.i[At] = x.i;
    y.p[At] = s;
}
template <std::size_t At, class T, std::size_t N, std::size_t M>
[[gnu::always_inline]] inline void put_operands(Pending<T, N>& y, const Pending<T, M>& x, const T& s) {
    for (std::size_t k = 0; k < M; ++k) y.i[At + k] = x.i[k], y.p[At + k] = x.p[k] * s;
}
/// A term's value; a constant's converted to T.
template <class T, class X>
decltype(auto) term_value(const X& x) {
    if constexpr (is_reverse_term_v<X>) return (x.v);
    else return T(x);
}
}  // namespace detail

/// Unary primitive: y = R(x) with ∂y/∂x = R.d(x, y), folded into x's operands (one Pending).
template <class R, class X> requires detail::is_reverse_term_v<X>
[[gnu::always_inline]] inline auto apply_unary(const R& r, const X& x) {
    using T = typename X::scalar_type;
    constexpr std::size_t N = detail::term_operands<X>;
    if (detail::checking_enabled) [[unlikely]] {
        const Var<T> y = detail::checked_unary(r, Var<T>(x));
        return Pending<T, N>::holding(y.v, y.i);
    }
    Pending<T, N> y;
    y.v = r.value(x.v);
    if (detail::term_active(x)) detail::put_operands<0>(y, x, T(r.d(x.v, y.v)));
    else y.i.fill(inactive), y.p.fill(T(0));  // a constant: no partial
    y.linear = rules::linear_rule<R> && detail::term_linear(x);
    return y;
}

/// Binary primitive: y = R(a, b), either side a Var, a Pending or a constant, with both sides'
/// partials folded into one Pending. Past max_pending_operands the larger side is stored first.
template <class R, class A, class B>
    requires (detail::is_reverse_term_v<A> || detail::is_reverse_term_v<B>) && ad_operands<A, B>
[[gnu::always_inline]] inline auto apply_binary(const R& r, const A& a, const B& b) {
    using T = typename settled_t<std::conditional_t<detail::is_reverse_term_v<A>, A, B>>::scalar_type;
    constexpr std::size_t NA = detail::term_operands<A>, NB = detail::term_operands<B>;
    if constexpr (NA + NB > max_pending_operands) {
        if constexpr (NA >= NB) return apply_binary(r, Var<T>(a), b);
        else return apply_binary(r, a, Var<T>(b));
    } else {
        if (detail::checking_enabled) [[unlikely]] {
            const Var<T> y = detail::checked_binary(r, Var<T>(a), Var<T>(b));
            return Pending<T, NA + NB>::holding(y.v, y.i);
        }
        const auto& av = detail::term_value<T>(a);
        const auto& bv = detail::term_value<T>(b);
        Pending<T, NA + NB> y;
        y.v = r.value(av, bv);
        // No tests of activity: an inactive operand's slot keeps its index `inactive` and is
        // skipped when the statement is stored (its partial, computed or not, is never read).
        if constexpr (NA > 0 && NB > 0) {
            const auto [pa, pb] = detail::binary_partials(r, av, bv, y.v);
            detail::put_operands<0>(y, a, pa);
            detail::put_operands<NA>(y, b, pb);
            y.linear = rules::linear_rule<R> && detail::term_linear(a) && detail::term_linear(b);
        } else if constexpr (NA > 0) {
            detail::put_operands<0>(y, a, T(r.da(av, bv, y.v)));
            y.linear = rules::linear_rule<R> && detail::term_linear(a);
        } else {
            detail::put_operands<0>(y, b, T(r.db(av, bv, y.v)));
            y.linear = rules::linear_rule<R> && detail::term_linear(b);
        }
        return y;
    }
}

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
            std::size_t n = 0;
            if constexpr (requires { r.nonzero_partials(std::span<const T>(v), y.v, [](std::size_t, const T&) {}); }) {
                if (!checked) [[likely]] {  // the rule names its nonzero partials: no pass over the zeros
                    r.nonzero_partials(std::span<const T>(v), y.v, [&](std::size_t k, const T& p) {
                        if (xs[k].i != inactive && !is_exact_zero(p)) op[n] = xs[k].i, part[n] = p, ++n;
                    });
                    return n;
                }
            }
            if (checked) [[unlikely]]
                detail::attributed(R::name, [&] { r.partials(std::span<const T>(v), y.v, std::span<T>(part, xs.size())); });
            else
                r.partials(std::span<const T>(v), y.v, std::span<T>(part, xs.size()));
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

/// A Pending's value, tests and constants, as for the Var it stores as.
template <class T, std::size_t N>
decltype(auto) val(const Pending<T, N>& x) { return val(x.v); }
template <class T, std::size_t N>
Var<T> sign(const Pending<T, N>& x) { return Var<T>(sign(x.v)); }
template <class T, std::size_t N>
Var<T> heaviside(const Pending<T, N>& x) { return Var<T>(heaviside(x.v)); }
template <class T, std::size_t N>
bool is_finite(const Pending<T, N>& x) { return is_finite(x.v); }
template <class T, std::size_t N>
bool all_finite(const Pending<T, N>& x) { return all_finite(x.v); }
template <class T, std::size_t N>
bool is_exact_zero(const Pending<T, N>& x) { return !detail::term_active(x) && is_exact_zero(x.v); }
template <class T, std::size_t N>
std::ostream& operator<<(std::ostream& os, const Pending<T, N>& x) { return os << x.v; }

/// Reverse mode's instance of the fused rules (ops/rules/fused.hpp): the values on the inner
/// numbers, recorded as one external statement for all rows, whose sweep runs the rule's VJP.
/// The statement's values are [s (M·Q)..., 1 − s_k per row (M)], written by the rule straight
/// into the tape; its indices are [Q, layout, inputs..., k per row (M), (cross_entropy:) target
/// per row (M)], where the inputs are the M·Q input statements (layout 0), or only the first
/// when they are consecutive statements (layout 1: the outputs of a driver's inputs or of an
/// earlier array statement), whose VJP then adds into a contiguous range of adjoints.
template <class T>
struct fused_mode<Var<T>> {
    /// A recorded statement's data, decoded from the layout above.
    struct layout {
        std::span<const T> s;  // the softmax (M·Q), then 1 − s_k per row (M)
        std::size_t Q, M;
        bool consecutive;
        const tape_index* in;      // the first input (consecutive) or all M·Q
        const tape_index* kmax;    // per row
        const tape_index* target;  // per row, cross_entropy only
        layout(const Tape<T>& tape, const external_call<T>& c) : s(tape.values_of(c)) {
            const auto idx = tape.indices_of(c);
            Q = idx[0];
            consecutive = idx[1] == 1;
            M = s.size() == Q + 1 ? 1 : Q ? s.size() / (Q + 1) : 0;  // one row: no division (a Jacobian row pays this per output)
            in = idx.data() + 2;
            kmax = in + (consecutive ? 1 : M * Q);
            target = kmax + M;
        }
    };

    /// The sweep's callback: the rule's VJP on every row of the statement.
    template <fused_kind K>
    static void vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
        const layout L(tape, c);
        const std::size_t Q = L.Q, M = L.M;
        const std::size_t per_row = rules::fused::reduces_row<K> ? 1 : Q;
        for (std::size_t r = 0; r < M; ++r) {
            const T* sr = L.s.data() + r * Q;
            const T* g = adj + c.first + r * per_row;
            const std::size_t t = K == fused_kind::cross_entropy ? std::size_t(L.target[r]) : 0;
            if (L.consecutive) {
                T* a = adj + L.in[0] + r * Q;
                rules::fused::vjp_row<K, T>(sr, g, Q, L.kmax[r], L.s[M * Q + r], t, [](std::size_t) { return true; },
                                            [a](std::size_t k, const T& d) { a[k] += d; });
            } else {
                const tape_index* ir = L.in + r * Q;
                rules::fused::vjp_row<K, T>(sr, g, Q, L.kmax[r], L.s[M * Q + r], t, [ir](std::size_t k) { return ir[k] != inactive; },
                                            [adj, ir](std::size_t k, const T& d) { adj[ir[k]] += d; });
            }
        }
    }

    /// The sweep's first step for row k / Q when output k's adjoint is 1 and every other output
    /// of that row's 0 (a Jacobian row, Tape::gradient_of): unit_vjp_row, or vjp_row where the
    /// row holds a NaN; rows without a seed need nothing (vjp adds +0 there, or skips a NaN row).
    template <fused_kind K>
    static void unit_vjp(const Tape<T>& tape, const external_call<T>& c, std::size_t k, T* adj) {
        const layout L(tape, c);
        const std::size_t Q = L.Q, r = L.M == 1 ? 0 : k / Q, q = k - r * Q, m = L.kmax[r];
        const T* sr = L.s.data() + r * Q;
        const T& one_minus = L.s[L.M * Q + r];
        const auto run = [&](auto&& active, auto&& add, auto&& scaled) {
            if (is_nan(sr[m])) rules::fused::vjp_row<K, T>(sr, adj + c.first + r * Q, Q, m, one_minus, 0, active, add);
            else rules::fused::unit_vjp_row<K, T>(sr, Q, m, one_minus, q, active, add, scaled);
        };
        if (L.consecutive) {
            // each input once, its adjoint 0 before (gradient_of zeroed them): on rows of 32 or
            // more, c·s_k added by the vector kernel (which adds +0 where s_k = 0: the same
            // adjoint); shorter rows take unit_vjp_row's own loop (no call per range)
            T* a = adj + L.in[0] + r * Q;
            const auto add = [a](std::size_t j, const T& d) { a[j] += d; };
            const auto all = [](std::size_t) { return true; };
            if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>)
                if (Q >= 32)
                    return run(all, add, [a, sr](std::size_t from, std::size_t to, const T& cs) {
                        kernels::add_scaled(a + from, cs, sr + from, to - from);
                    });
            run(all, add, nullptr);
        } else {
            const tape_index* ir = L.in + r * Q;
            run([ir](std::size_t j) { return ir[j] != inactive; }, [adj, ir](std::size_t j, const T& d) { adj[ir[j]] += d; }, nullptr);
        }
    }

    /// The outputs of rule K on the rows of z, recorded as one statement (none if z is constant).
    template <fused_kind K>
    static std::vector<Var<T>> rows(std::span<const Var<T>> z, std::size_t Q, std::span<const std::size_t> targets) {
        const std::size_t n = z.size(), M = n / Q, n_out = rules::fused::outputs<K>(n, Q);
        // per-thread buffers, reused from call to call: every entry is written before it is read
        // (large arrays would otherwise cost fresh pages on every call)
        static thread_local std::vector<T> zv, y;
        zv.resize(n);
        y.resize(n_out);
        const detail::statement_run run = detail::gather_values(z.data(), n, zv.data());
        const bool consecutive = run.first != inactive, any = run.any;
        const std::span<const T> zs(zv.data(), n);
        if (!any) {
            static thread_local std::vector<T> s;
            static thread_local std::vector<std::size_t> kmax;
            s.resize(n + M);
            kmax.resize(M);
            rules::fused::values_to<K>(zs, Q, targets, s.data(), kmax.data(), y.data());
            detail::check_values(rules::fused::name(K), std::span<const T>(y));
            return detail::results(y.data(), n_out, inactive);
        }
        const std::size_t nt = K == fused_kind::cross_entropy ? M : 0;
        const std::size_t n_in = consecutive ? 1 : n;
        const tape_index first = active_tape<T>().record_external_in_place(
            n_out, n + M, 2 + n_in + M + nt, &vjp<K>, rules::fused::name(K), [&](T* s, tape_index* idx) {
                idx[0] = static_cast<tape_index>(Q);
                idx[1] = consecutive ? 1 : 0;
                tape_index* in = idx + 2;
                if (consecutive) in[0] = run.first;
                else
                    for (std::size_t k = 0; k < n; ++k) in[k] = z[k].i;
                rules::fused::values_to<K>(zs, Q, targets, s, in + n_in, y.data());
                detail::check_values(rules::fused::name(K), std::span<const T>(y));
                for (std::size_t r = 0; r < nt; ++r) in[n_in + M + r] = static_cast<tape_index>(targets[r]);
            });
        if constexpr (K == fused_kind::softmax || K == fused_kind::log_softmax) active_tape<T>().set_unit_vjp(first, &unit_vjp<K>, Q);
        return detail::results(y.data(), n_out, first);
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
    return detail::results(xy.data() + n, m, first);
}

/// Var<T>'s own overloads of the registry's functions (see ADIFF_MODE_FUNCTIONS).
#undef ADIFF_MODE_INLINE
#define ADIFF_MODE_INLINE [[gnu::always_inline]] inline
#define ADIFF_MODE_HEAD template <class T>
#define ADIFF_MODE_TYPE Var<T>
ADIFF_MODE_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE
/// And Pending's (sigmoid(a * b) prefers adiff's over a user's own generic sigmoid, as for Var).
#define ADIFF_MODE_HEAD template <class T, std::size_t N>
#define ADIFF_MODE_TYPE Pending<T, N>
ADIFF_PENDING_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE
#undef ADIFF_MODE_INLINE
#define ADIFF_MODE_INLINE

}  // namespace ad
