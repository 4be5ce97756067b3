#pragma once
/// \file checkpoint.hpp
/// `ad::checkpoint(f, x)`: y = f(x) inside a recording without keeping f's statements. The
/// recording holds one call (x's indices and values, and f itself); the reverse sweep recomputes
/// f on a tape of its own from the saved x, sweeps it with y's adjoints and adds the result into
/// x's adjoints. Tape memory for f is then that of one call at a time, for the price of
/// evaluating f twice (CppAD's and ADOL-C's checkpointing; Adept has none). Checkpoints nest.
///
/// f is a callable — a generic lambda, capturing what it needs (it is kept until the tape is
/// cleared) — taking `const std::vector<X>&` and returning one X or a range of X (std::vector,
/// Array, std::array), called with the plain numbers first and with Var<T> on the sweep. For
/// any X other than Var<T> (plain numbers, Dual, a Replay's Traced) checkpoint(f, x) is f(x).
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/core/outputs.hpp"
#include "ad/reverse/scratch_tape.hpp"
#include "ad/reverse/var.hpp"

namespace ad {

namespace detail {
/// The sweep of a checkpoint: f re-recorded at the saved inputs on a scratch tape, swept with
/// the outputs' adjoints, the inputs' adjoints added into the recording's.
template <class F, class T>
void checkpoint_vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
    const std::span<const T> xs = tape.values_of(c);
    const std::span<const tape_index> idx = tape.indices_of(c);  // the inputs, then f's number
    const std::size_t n = xs.size(), m = std::size_t(c.last - c.first);
    bool seeded = false;
    for (std::size_t i = 0; i < m; ++i) seeded |= !is_exact_zero(adj[c.first + i]);
    if (!seeded) return;
    const F& f = *static_cast<const F*>(tape.kept(idx[n]));
    scratch_tape<T> scratch;
    Tape<T>& inner = *scratch;
    std::vector<T> xbar(n, T(0));
    {
        recording<T> rec(inner);
        const std::vector<Var<T>> xv = Var<T>::inputs(xs);
        const auto y = call(f, xv);
        const std::span<const Var<T>> out = as_outputs<Var<T>>(y);
        if (out.size() != m) throw size_error("checkpoint: f returned a different number of outputs on the sweep", m, out.size());
        inner.zero_adjoints();
        const std::span<T> a = inner.adjoints();
        tape_index top = 0;
        bool any = false;
        for (std::size_t i = 0; i < m; ++i)
            if (out[i].i != inactive) a[out[i].i] += adj[c.first + i], top = std::max(top, out[i].i), any = true;
        if (any) inner.sweep(top);
        for (std::size_t k = 0; k < n; ++k) xbar[k] = inner.adjoints()[k];
    }
    for (std::size_t k = 0; k < n; ++k)
        if (idx[k] != inactive) adj[idx[k]] += xbar[k];
}

template <class X>
struct is_var : std::false_type {};
template <class T>
struct is_var<Var<T>> : std::true_type {};
}  // namespace detail

/// y = f(x), with f recomputed on the reverse sweep instead of recorded (see the file comment).
/// Returns what f returns: one X, or a std::vector<X> for any range f returns.
template <class F, class X>
auto checkpoint(const F& f, const std::vector<X>& x) {
    if constexpr (!detail::is_var<X>::value) {
        return f(x);
    } else {
        using T = typename X::scalar_type;
        using R = std::decay_t<decltype(f(std::declval<const std::vector<T>&>()))>;
        constexpr bool scalar = std::is_same_v<R, T>;
        const std::size_t n = x.size();
        std::vector<T> xv(n);
        std::vector<tape_index> idx(n + 1);
        bool active = false;
        for (std::size_t k = 0; k < n; ++k) xv[k] = x[k].v, idx[k] = x[k].i, active |= x[k].i != inactive;
        const R yv = f(std::as_const(xv));  // plain numbers: nothing is recorded
        const std::span<const T> out = detail::as_outputs<T>(yv);
        detail::check_values("checkpoint", out);
        std::vector<X> y(out.size());
        tape_index first = inactive;
        if (active) {
            Tape<T>& tape = active_tape<T>();
            idx[n] = tape_index(tape.keep(std::make_shared<const F>(f)));
            first = tape.record_external(out.size(), std::span<const T>(xv), std::span<const tape_index>(idx),
                                         &detail::checkpoint_vjp<F, T>, "checkpoint");
        }
        for (std::size_t i = 0; i < out.size(); ++i) y[i] = X(out[i], active ? tape_index(first + i) : inactive);
        if constexpr (scalar) return y.at(0);
        else return y;
    }
}

}  // namespace ad
