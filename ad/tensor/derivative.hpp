#pragma once
/// \file derivative.hpp
/// Forward-mode differentiation of tensor expressions (Laue et al.): ∂y/∂X for a variable X
/// with fresh indices x for X's axes is a tensor whose axes are y's then X's. The rules are the
/// chain rule on the index form: ∂X/∂X = Πₖ δ(iₖ, xₖ); ∂f(A) = f′(A) ⊙ ∂A with f′ from the rule
/// table (scalar.hpp); ∂(Σ A·B) = Σ ∂A·B + Σ A·∂B; ∂ logsumexp_i(A) = Σ_i p(A)ᵢ ∂Aᵢ with p the
/// rule's own partial. The builders of node.hpp simplify as the result is formed (deltas over
/// summed indices eliminated), so a second application gives the Hessian.
#include <string>

#include "ad/tensor/tensor.hpp"

namespace ad::tensor {

/// ∂y/∂x for the variable x (as built for y: the same indices), shape y's axes then x's.
Tensor derivative(const Tensor& y, const Tensor& x);

}  // namespace ad::tensor
