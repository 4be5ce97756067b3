#pragma once
/// \file log_softmax.hpp
/// log_softmax and logsumexp over the last axis, fused and stable (see fused.hpp).
#include "ops/softmax/fused.hpp"

namespace ad {

/// log σ(z) row-wise = z − m − log Σ e^{z−m}; ∂/∂z_j = δ_ij − σ_j; finite for any finite z.
template <class X>
Array<X> log_softmax(const Array<X>& z) { return fused_rowwise<fused_kind::log_softmax>(z); }

/// log Σ_k e^{z_k} over the last axis (keepdims = false) = m + log Σ e^{z−m}; gradient σ(z).
/// An empty row gives −inf.
template <class X>
Array<X> logsumexp(const Array<X>& z) { return fused_rowwise<fused_kind::logsumexp>(z); }

}  // namespace ad
