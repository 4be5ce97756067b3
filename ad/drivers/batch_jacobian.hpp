#pragma once
/// \file batch_jacobian.hpp
/// Jacobians of ROW-WISE functions f: (M, Q) → (M, P), where output row p depends only on input
/// row p (softmax, log_softmax, any per-example map). Its Jacobian (M, P, M, Q) is block
/// diagonal, so the M blocks (M, P, Q) come from Q forward sweeps (⌈Q/L⌉ passes with L lanes)
/// or P reverse sweeps seeded across ALL rows at once — Curtis–Powell–Reid column grouping:
/// columns (p, j) of different rows never share an output row, so they fit in one sweep.
/// Cost: independent of M (vs M·Q sweeps for the dense Jacobian by the plain drivers).
/// Precondition: f really is row-wise (else the blocks silently mix rows); the
/// `batch_jacobian_is_rowwise` test checks it at a point.
#include <algorithm>
#include <utility>
#include <vector>

#include "ad/drivers/jacobian.hpp"

namespace ad {

namespace detail {
template <class T>
void require_batch(const Array<T>& Z, const char* what) {
    if (Z.ndim() != 2) throw shape_error(std::string(what) + " expects a batch of shape (M, Q)", Z.shape());
}
}  // namespace detail

/// (M, P, Q) blocks B(p, q, j) = ∂f(Z)_pq/∂Z_pj by forward mode: ⌈Q/L⌉ passes of f, each
/// seeding column j of every row at once. `f` takes `const Array<X>&` (M, Q), returns Array<X> (M, P).
template <std::size_t L = default_lanes, class T, class F>
Array<T> batch_jacobian_forward(F&& f, const Array<T>& Z) {
    detail::require_batch(Z, "batch_jacobian_forward");
    using D = Dual<T, L>;
    const std::size_t M = Z.rows(), Q = Z.cols();
    Array<D> Zd(Z.shape());
    for (std::size_t k = 0; k < Z.size(); ++k) Zd[k] = D(Z[k]);
    Array<T> B;
    for (std::size_t j0 = 0; j0 < std::max<std::size_t>(Q, 1); j0 += L) {
        const std::size_t lanes = std::min(L, Q - std::min(Q, j0));
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t l = 0; l < lanes; ++l) Zd[p * Q + j0 + l].t[l] = T(1);
        const Array<D> Y = f(std::as_const(Zd));
        if (Y.ndim() != 2 || Y.rows() != M) throw shape_error("batch_jacobian_forward: f must map (M, Q) to (M, P)", Z.shape(), Y.shape());
        const std::size_t P = Y.cols();
        if (j0 == 0) B = Array<T>(Shape{M, P, Q});
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t q = 0; q < P; ++q)
                for (std::size_t l = 0; l < lanes; ++l) B[(p * P + q) * Q + j0 + l] = Y[p * P + q].t[l];
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t l = 0; l < lanes; ++l) Zd[p * Q + j0 + l].t[l] = T(0);
        if (Q == 0) break;
    }
    if (detail::checking_enabled) [[unlikely]] detail::check_entries<T>("batch_jacobian", B);
    return B;
}

/// (M, P, Q) blocks by reverse mode: one recording and P sweeps, sweep q seeding output column
/// q of every row at once (adjoint of input (p, j) is then B(p, q, j)).
template <class T, class F>
Array<T> batch_jacobian_reverse(F&& f, const Array<T>& Z) {
    detail::require_batch(Z, "batch_jacobian_reverse");
    const std::size_t M = Z.rows(), Q = Z.cols();
    detail::scratch_tape<T> scratch;
    Tape<T>& tape = *scratch;
    const Array<Var<T>> Y = detail::record(f, Z, scratch);  // the inputs are statements 0..MQ−1
    if (Y.ndim() != 2 || Y.rows() != M) throw shape_error("batch_jacobian_reverse: f must map (M, Q) to (M, P)", Z.shape(), Y.shape());
    const std::size_t P = Y.cols();
    Array<T> B(Shape{M, P, Q});
    std::vector<tape_index> seeds(M);
    for (std::size_t q = 0; q < P; ++q) {
        bool any = false;
        for (std::size_t p = 0; p < M; ++p) seeds[p] = Y[p * P + q].i, any |= seeds[p] != inactive;
        tape.gradient_of(seeds);  // a fused row-wise rule: one unit VJP per row (Tape::gradient_of)
        const auto adj = std::as_const(tape).adjoints();
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t j = 0; j < Q; ++j) B[(p * P + q) * Q + j] = any ? adj[p * Q + j] : T(0);
    }
    if (detail::checking_enabled) [[unlikely]] detail::check_entries<T>("batch_jacobian", B);
    return B;
}

/// (M, P, Q) blocks, forward mode when Q ≤ P (fewer sweeps) and reverse mode otherwise.
template <class T, class F>
Array<T> batch_jacobian(F&& f, const Array<T>& Z) {
    detail::require_batch(Z, "batch_jacobian");
    const Array<T> Y = f(Z);
    return Z.cols() <= Y.shape().back() ? batch_jacobian_forward(f, Z) : batch_jacobian_reverse(f, Z);
}

/// Dense (M, P, M, Q) Jacobian from its (M, P, Q) blocks (off-diagonal blocks are zero).
template <class T>
Array<T> batch_jacobian_dense(const Array<T>& blocks) {
    if (blocks.ndim() != 3) throw shape_error("batch_jacobian_dense expects (M, P, Q) blocks", blocks.shape());
    const std::size_t M = blocks.shape()[0], P = blocks.shape()[1], Q = blocks.shape()[2];
    Array<T> D(Shape{M, P, M, Q}, T(0));
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t q = 0; q < P; ++q)
            for (std::size_t j = 0; j < Q; ++j) D[((p * P + q) * M + p) * Q + j] = blocks[(p * P + q) * Q + j];
    return D;
}

/// Dense (M, P, M, Q) Jacobian of any f: (M, Q) → (M, P) by the plain drivers, without assuming
/// row-wise structure (forward: ⌈MQ/L⌉ passes; reverse: MP sweeps) — "by loops", as seed 000.
template <class T, class F>
Array<T> dense_batch_jacobian(F&& f, const Array<T>& Z, bool reverse) {
    detail::require_batch(Z, "dense_batch_jacobian");
    const Shape in = Z.shape();
    auto g = [&f, &in](const auto& x) {
        using X = std::remove_cvref_t<decltype(x[0])>;
        return f(Array<X>(in, std::vector<X>(x.begin(), x.end())));
    };
    const std::vector<T> x(Z.begin(), Z.end());
    Array<T> J = reverse ? jacobian_reverse(g, x) : jacobian_forward(g, x);
    const std::size_t P = Z.rows() ? J.rows() / Z.rows() : 0;
    return std::move(J).reshaped(Shape{Z.rows(), P, Z.rows(), Z.cols()});
}

/// True when the dense Jacobian of f at Z has exactly zero off-diagonal blocks, i.e. the CPR
/// grouping above is valid there. Costs M·P reverse sweeps: a test, not for production.
template <class T, class F>
bool batch_jacobian_is_rowwise(F&& f, const Array<T>& Z) {
    if (Z.ndim() != 2 || Z.rows() < 2) return true;
    const Array<T> D = dense_batch_jacobian(f, Z, true);
    const std::size_t M = Z.rows(), P = D.shape()[1], Q = Z.cols();
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t q = 0; q < P; ++q)
            for (std::size_t i = 0; i < M; ++i)
                if (i != p)
                    for (std::size_t j = 0; j < Q; ++j)
                        if (!(D[((p * P + q) * M + i) * Q + j] == T(0))) return false;
    return true;
}

}  // namespace ad
