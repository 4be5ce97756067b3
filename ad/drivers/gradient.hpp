#pragma once
/// \file gradient.hpp
/// Reverse-mode drivers: gradient, value_and_gradient, vjp. `f` is a callable taking
/// `const std::vector<Var<T>>&` (write it as a generic lambda so other modes can call it too);
/// gradient and value_and_gradient also take an `Array<T>` x, call f with an `Array<Var<T>>` of
/// x's shape and return the gradient in that shape (no copy of the inputs on either side).
/// In checked mode (ad::checked_scope) every driver also checks each entry it returns and throws
/// ad::domain_error naming the driver and the entry instead of returning inf or NaN.
#include <utility>
#include <vector>

#include "ad/drivers/checkpointed_sum.hpp"
#include "ad/core/outputs.hpp"
#include "ad/reverse/scratch_tape.hpp"
#include "ad/reverse/var.hpp"
#include "ops/array/array.hpp"

namespace ad {

/// Records f at x on a scratch tape (inputs are statements 0..n−1) and returns its outputs.
template <class T, class F>
auto record(F&& f, const std::vector<T>& x, Tape<T>& tape) {
    recording<T> rec(tape);
    const std::vector<Var<T>> xv = Var<T>::inputs(x);
    return detail::call(f, xv);
}

namespace detail {

/// record on a driver's scratch tape, the inputs built in its reused buffer: as a std::vector
/// of Vars, or as an Array of x's shape (the buffer lent to it for the call).
template <class T, class F>
auto record(F& f, const std::vector<T>& x, const scratch_tape<T>& s) {
    recording<T> rec(*s);
    Var<T>::inputs(x, s.inputs());
    return call(f, std::as_const(s.inputs()));
}
template <class T, class F>
auto record(F& f, const Array<T>& x, const scratch_tape<T>& s) {
    recording<T> rec(*s);
    Var<T>::inputs(x.values(), s.inputs());
    Array<Var<T>> xa(x.shape(), std::move(s.inputs()));
    auto y = call(f, std::as_const(xa));
    s.inputs() = std::move(xa.values());
    return y;
}

/// f(x) and ∇f(x) (gradient as G: std::vector<T> or Array<T> of x's shape) by one recording
/// and one sweep.
template <class G, class T, class X, class F>
std::pair<T, G> value_and_gradient(F& f, const X& x, std::size_t n) {
    scratch_tape<T> tape;
    const auto y = record(f, x, tape);
    const auto out = as_outputs<Var<T>>(y);
    if (out.size() != 1) throw size_error("gradient: f must return one scalar output", 1, out.size());
    (*tape).gradient_of(out[0].i);
    const auto adj = (*tape).adjoints();
    std::vector<T> g(adj.begin(), adj.begin() + static_cast<std::ptrdiff_t>(n));
    if (checking_enabled) [[unlikely]] {
        check_entries<T>("value", std::span<const T>(&out[0].v, 1));
        check_entries<T>("gradient", g);
    }
    if constexpr (std::is_same_v<G, std::vector<T>>) return {out[0].v, std::move(g)};
    else return {out[0].v, G(x.shape(), std::move(g))};
}

}  // namespace detail

/// f(x) and ∇f(x) for a scalar f, by one recording and one reverse sweep.
template <class T, class F>
std::pair<T, std::vector<T>> value_and_gradient(F&& f, const std::vector<T>& x) {
    return detail::value_and_gradient<std::vector<T>, T>(f, x, x.size());
}
/// The same for f of an array: f gets an Array<Var<T>> of x's shape, the gradient has it too.
template <class T, class F>
std::pair<T, Array<T>> value_and_gradient(F&& f, const Array<T>& x) {
    return detail::value_and_gradient<Array<T>, T>(f, x, x.size());
}

/// ∇f(x) for a scalar f (reverse mode).
template <class T, class F>
std::vector<T> gradient(F&& f, const std::vector<T>& x) { return value_and_gradient(f, x).second; }
/// The same for f of an array: the gradient in x's shape.
template <class T, class F>
Array<T> gradient(F&& f, const Array<T>& x) { return value_and_gradient(f, x).second; }

/// Vector–Jacobian product: (f(x), uᵀ J) with one reverse sweep seeded by u (|u| = outputs).
template <class T, class F>
std::pair<std::vector<T>, std::vector<T>> vjp(F&& f, const std::vector<T>& x, const std::vector<T>& u) {
    detail::scratch_tape<T> tape;
    const auto y = detail::record(f, x, tape);
    const auto out = detail::as_outputs<Var<T>>(y);
    if (u.size() != out.size()) throw size_error("vjp: cotangent u vs number of outputs of f", out.size(), u.size());
    Tape<T>& t = *tape;
    t.zero_adjoints();
    tape_index top = 0;
    bool any = false;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i].i != inactive) {
            t.adjoints()[out[i].i] += u[i];
            top = std::max(top, out[i].i);
            any = true;
        }
    if (any) t.sweep(top);
    std::vector<T> value(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) value[i] = out[i].v;
    std::vector<T> g(t.adjoints().begin(), t.adjoints().begin() + static_cast<std::ptrdiff_t>(x.size()));
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("vjp value", value);
        detail::check_entries<T>("vjp", g);
    }
    return {std::move(value), std::move(g)};
}

}  // namespace ad
