#pragma once
/// \file checkpointed_sum.hpp
/// Gradients of objectives that are sums of independent terms, f(x) = Σᵢ term(i, x) (a loss
/// over data points, a log-likelihood over observations), with the tape memory of one term:
/// each term is recorded, swept and discarded before the next, the tape peaking at the largest
/// term's size.
///
/// The terms are recorded from the last to the first, each after the same input statements,
/// whose adjoints are not zeroed between terms: each sweep adds its term's contributions into
/// them, in the order in which one sweep over the whole sum `term(0) + term(1) + …` would (it
/// meets the last term first, with adjoint exactly 1 at every term). The gradient is therefore
/// the plain reverse-mode gradient of that left-to-right sum bit for bit, and the value is that
/// sum (the terms' values added in index order).
///
/// `term` is a callable `term(i, xv)` with `xv` a `const std::vector<Var<T>>&` (write it as a
/// generic lambda so other modes can call it too) returning one Var<T> (or a constant).
#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "ad/core/outputs.hpp"
#include "ad/reverse/scratch_tape.hpp"
#include "ad/reverse/var.hpp"

namespace ad {

/// What a checkpointed sum's tape held at most (over all terms).
struct sum_tape_stats {
    std::size_t peak_statements = 0;  ///< statements, inputs included
    std::size_t peak_operands = 0;    ///< operand entries
    std::size_t peak_bytes = 0;       ///< Tape::bytes() at its largest
    std::size_t capacity_bytes = 0;   ///< Tape::capacity_bytes() at the end (adjoints included)
};

/// (Σᵢ term(i, x), ∇ Σᵢ term(i, x)) over i = 0 … n_terms − 1, one term on the tape at a time.
/// `stats`, when given, receives the tape's peak size.
template <class T, class Term>
std::pair<T, std::vector<T>> value_and_gradient_of_sum(Term&& term, std::size_t n_terms, const std::vector<T>& x,
                                                      sum_tape_stats* stats = nullptr) {
    detail::scratch_tape<T> scratch;
    Tape<T>& tape = *scratch;
    const std::size_t n = x.size();
    // Every recording starts with the n inputs as statements 0..n−1, so the same Vars serve
    // every term: only the leaves are re-created after each clear.
    std::vector<Var<T>> xv;
    xv.reserve(n);
    for (std::size_t j = 0; j < n; ++j) xv.push_back(Var<T>(x[j], tape_index(j)));
    std::pair<T, std::vector<T>> r{T(0), std::vector<T>(n, T(0))};
    std::vector<T> values(n_terms);
    bool swept = false;  // the first sweep zeroes the inputs' adjoints; later ones add to them
    sum_tape_stats st;
    for (std::size_t i = n_terms; i-- > 0;) {
        recording<T> rec(tape, n);  // the inputs stay from term to term
        auto term_i = [&](const std::vector<Var<T>>& v) { return term(i, v); };
        const auto y = detail::call(term_i, xv);
        const auto out = detail::as_outputs<Var<T>>(y);
        if (out.size() != 1) throw size_error("gradient_of_sum: a term must return one scalar output", 1, out.size());
        st.peak_statements = std::max(st.peak_statements, tape.size());
        st.peak_operands = std::max(st.peak_operands, tape.operands());
        st.peak_bytes = std::max(st.peak_bytes, tape.bytes());
        values[i] = out[0].v;
        if (out[0].i == inactive) continue;  // a constant term adds nothing to the gradient
        if (swept) tape.accumulate_gradient_of(out[0].i, n);
        else tape.gradient_of(out[0].i), swept = true;
    }
    if (swept) {
        const auto adj = std::as_const(tape).adjoints();
        std::copy(adj.begin(), adj.begin() + std::ptrdiff_t(n), r.second.begin());
    }
    for (std::size_t i = 0; i < n_terms; ++i) r.first = i == 0 ? values[0] : T(r.first + values[i]);
    st.capacity_bytes = tape.capacity_bytes();
    if (stats) *stats = st;
    if (detail::checking_enabled) [[unlikely]] {
        detail::check_entries<T>("value", std::span<const T>(&r.first, 1));
        detail::check_entries<T>("gradient", r.second);
    }
    return r;
}

/// ∇ Σᵢ term(i, x) over i = 0 … n_terms − 1 (see value_and_gradient_of_sum).
template <class T, class Term>
std::vector<T> gradient_of_sum(Term&& term, std::size_t n_terms, const std::vector<T>& x,
                               sum_tape_stats* stats = nullptr) {
    return value_and_gradient_of_sum(term, n_terms, x, stats).second;
}

}  // namespace ad
