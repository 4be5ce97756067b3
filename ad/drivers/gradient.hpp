#pragma once
/// \file gradient.hpp
/// Reverse-mode drivers: gradient, value_and_gradient, vjp. `f` is a callable taking
/// `const std::vector<Var<T>>&` (write it as a generic lambda so other modes can call it too).
/// In checked mode (ad::checked_scope) every driver also checks each entry it returns and throws
/// ad::domain_error naming the driver and the entry instead of returning inf or NaN.
#include <utility>
#include <vector>

#include "ad/drivers/checkpointed_sum.hpp"
#include "ad/core/outputs.hpp"
#include "ad/reverse/scratch_tape.hpp"
#include "ad/reverse/var.hpp"

namespace ad {

/// Records f at x on a scratch tape (inputs are statements 0..n−1) and returns its outputs.
template <class T, class F>
auto record(F&& f, const std::vector<T>& x, Tape<T>& tape) {
    recording<T> rec(tape);
    const std::vector<Var<T>> xv = Var<T>::inputs(x);
    return detail::call(f, xv);
}

/// f(x) and ∇f(x) for a scalar f, by one recording and one reverse sweep.
template <class T, class F>
std::pair<T, std::vector<T>> value_and_gradient(F&& f, const std::vector<T>& x) {
    detail::scratch_tape<T> tape;
    const auto y = record(f, x, *tape);
    const auto out = detail::as_outputs<Var<T>>(y);
    if (out.size() != 1) throw size_error("gradient: f must return one scalar output", 1, out.size());
    (*tape).gradient_of(out[0].i);
    const auto adj = (*tape).adjoints();
    std::pair<T, std::vector<T>> r{out[0].v, std::vector<T>(adj.begin(), adj.begin() + static_cast<std::ptrdiff_t>(x.size()))};
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("value", std::span<const T>(&r.first, 1));
        detail::check_entries<T>("gradient", r.second);
    }
    return r;
}

/// ∇f(x) for a scalar f (reverse mode).
template <class T, class F>
std::vector<T> gradient(F&& f, const std::vector<T>& x) { return value_and_gradient(f, x).second; }

/// Vector–Jacobian product: (f(x), uᵀ J) with one reverse sweep seeded by u (|u| = outputs).
template <class T, class F>
std::pair<std::vector<T>, std::vector<T>> vjp(F&& f, const std::vector<T>& x, const std::vector<T>& u) {
    detail::scratch_tape<T> tape;
    const auto y = record(f, x, *tape);
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
