#pragma once
/// \file layer.hpp
/// The linear layer z = Wᵀx and the softmax layer h = softmax(Wᵀx) of seed 003.
/// W has shape (n, Q): n inputs, Q classes. x is (n) or a batch (M, n) (then z = x W, (M, Q)).
#include "ops/array/linalg.hpp"
#include "ops/softmax/softmax.hpp"

namespace ad {

/// z = Wᵀx for x (n) → (Q); z = x W for a batch x (M, n) → (M, Q). shape_error on mismatch.
template <class X>
Array<X> linear(const Array<X>& W, const Array<X>& x) {
    if (W.ndim() != 2) throw shape_error("linear: W must be 2-D (inputs, classes)", W.shape());
    if (x.ndim() == 1) {
        if (x.size() != W.rows()) throw shape_error("linear: W (n, Q) and x (n)", W.shape(), x.shape());
        return matmul(transpose(W), x);
    }
    return matmul(x, W);
}

/// h = softmax(Wᵀx) (seed 003); ∂h_t/∂W_ji = h_t(δ_it − h_i)x_j.
template <class X>
Array<X> softmax_layer(const Array<X>& W, const Array<X>& x) { return softmax(linear(W, x)); }

}  // namespace ad
