#pragma once
/// \file pending.hpp
/// Reverse mode's statement still being formed: the value of an expression over Vars and its
/// partials with respect to the Vars it reads (its local Jacobian), held by value. Arithmetic
/// and the rules on Vars return a Pending instead of recording; operations on Pendings fold
/// their partials together by the chain rule (∂(u·w)/∂xₖ = w·∂u/∂xₖ, ...), and the tape sees one
/// statement when the result is stored in a Var:
///
///     y[r] += l * z;      // one statement, operands y[r], l, z with partials 1, z, l
///     s = exp(a - m);     // one statement, operands a, m with partials e, −e
///
/// This is the effect of Adept's expression templates (statement-level preaccumulation) without
/// their references: a Pending holds values, not its operands, so `auto t = a * b;` is safe to
/// keep and reuse (each use folds t's partials in again). The partials are the ones the
/// primitives' rules give, multiplied along the expression as the sweep would multiply them.
///
/// A Pending folds at most `max_pending_operands` operands (N, a template parameter, so the
/// compiler keeps a whole expression in registers); beyond that the larger side is stored
/// first (one statement), so long expressions record one statement per few operations. A
/// Pending without active operands stores as a constant. One of a single operand whose partial
/// is exactly 1 *by construction* stores as that operand, recording nothing: a held statement,
/// or linear rules of one (`x + c`, `-(-x)`, `x - c`; `linear` below). A partial that is 1 only
/// at this point (exp at 0, `x * 1.0`) is recorded: the tape's shape never depends on the
/// values, so `Var<Dual>` (Hessians), whose partials carry tangents, records the same
/// statements as `Var<double>` and their gradients agree bit for bit. In checked mode every operation
/// records its own named statement, as before, and the Pending holds its result.
///
/// Expressions of different operand counts have different types: a braced list that mixes them
/// (or mixes them with a Var) needs its element type named, `std::vector<X>{x[0], x[0] * x[1]}`,
/// as with any expression-template library; `std::vector{a * b, c * d}` deduces.
#include <array>
#include <cstddef>

#include "ad/reverse/tape.hpp"

namespace ad {

template <class T>
struct Var;

/// The most operands one statement takes from an expression.
inline constexpr std::size_t max_pending_operands = 4;

/// A statement not yet on the tape: value `v`, operands `i` (`inactive`: no operand) and the
/// partials `p` of v with respect to them. Stores into a `Var<T>`, recording the statement.
template <class T, std::size_t N>
struct Pending {
    static_assert(N >= 1 && N <= max_pending_operands);
    using scalar_type = T;
    using settles_to = Var<T>;  ///< what it becomes when stored (ad::settled_t)
    T v{};
    std::array<tape_index, N> i;  ///< operand statements
    std::array<T, N> p;           ///< ∂v / ∂ operand
    /// The partials are constants (a held statement, or linear rules of one): a single operand
    /// with partial 1 is then the operand itself.
    bool linear = false;

    /// Holds the value of statement `index` (inactive: a constant): one operand, partial 1.
    static Pending holding(const T& value, tape_index index) {
        Pending r;
        r.v = value;
        r.i.fill(inactive);
        r.p.fill(T(0));
        r.i[0] = index;
        r.p[0] = T(1);
        r.linear = true;
        return r;
    }
    Pending() = default;
    Pending(const Pending&) = default;
    Pending& operator=(const Pending&) = default;
    /// Assigning another expression, a Var or a constant (`auto s = a * b; s += c;`) stores it
    /// as a statement and holds that.
    template <class X> requires std::is_constructible_v<Var<T>, const X&>
    Pending& operator=(const X& x) {
        const Var<T> y(x);
        return *this = holding(y.v, y.i);
    }
    ADIFF_NO_PLAIN_CONVERSION
};

template <class T, std::size_t N>
struct is_ad_type<Pending<T, N>> : std::true_type {};

namespace detail {
/// The statement a Pending stores as: none without active operands, the operand itself for
/// one with a constant partial of exactly 1, else one statement of the active operands (a zero
/// partial is kept, so a NaN adjoint still propagates as it would through separate statements).
template <class T, std::size_t N>
[[gnu::always_inline]] inline tape_index settle(const Pending<T, N>& e) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < N; ++k) n += e.i[k] != inactive;
    if (n <= 1) [[unlikely]] {
        for (std::size_t k = 0; k < N; ++k)
            if (e.i[k] != inactive) {
                if (e.linear && is_exact_zero(e.p[k] - T(1))) return e.i[k];
                break;
            }
        if (n == 0) return inactive;
    }
    // branch-free: every slot is written; an inactive one is overwritten by the next
    return ad::active_tape<T>().record_in_place(N, [&](tape_index* op, T* part) __attribute__((always_inline)) {
        std::size_t m = 0;
        for (std::size_t k = 0; k < N; ++k) {
            op[m] = e.i[k];
            part[m] = e.p[k];
            m += e.i[k] != inactive;
        }
        return m;
    });
}
}  // namespace detail

}  // namespace ad
