#pragma once
/// \file softmax.hpp
/// softmax over the last axis (row-wise for an (M, Q) batch, as in the seeds), two ways:
///  - `softmax_naive`: literally exp(z) / sum(exp(z), -1, keepdims) — the tape and the duals
///    see exactly exp, sum and divide; overflows for logits above ~709 (double).
///  - `softmax`: the fused stable form (subtract the row max) with the O(Q) rules of fused.hpp.
#include "ops/softmax/fused.hpp"

namespace ad {

/// σ(z)_j = e^{z_j} / Σ_k e^{z_k} row-wise, composed from exp / sum / divide (not stabilised).
template <class X>
Array<X> softmax_naive(const Array<X>& z) {
    if (z.ndim() == 0) throw shape_error("softmax_naive needs at least one axis", z.shape());
    const Array<X> e = exp(z);
    return e / sum(e, -1, true);
}

/// σ(z) row-wise, stable for any finite logits (±1e4 fine); ∂σ_i/∂z_j = σ_i(δ_ij − σ_j);
/// JVP ṡ = s ⊙ (ż − ⟨s, ż⟩), VJP ḡ ↦ s ⊙ (ḡ − ⟨ḡ, s⟩), both O(Q). Q = 1 gives 1; Q = 0 gives [].
template <class X>
Array<X> softmax(const Array<X>& z) { return fused_rowwise<fused_kind::softmax>(z); }

/// The stable softmax composed from primitives (max, subtract, exp, sum, divide), unfused.
template <class X>
Array<X> softmax_stable_composed(const Array<X>& z) {
    if (z.ndim() == 0) throw shape_error("softmax needs at least one axis", z.shape());
    if (z.shape().back() == 0) return z;
    const Array<X> e = exp(z - max(z, -1, true));
    return e / sum(e, -1, true);
}

}  // namespace ad
