#pragma once
/// \file factor.hpp
/// Factoring for printing: the builders keep sums expanded (a canonical form), and a person
/// factors a factor that every term contracts the same way: Σ_k A_jk x_k + Σ_k A_kj x_k is
/// Σ_k (A + Aᵀ)_jk x_k, printed (A + transpose(A)) @ x.
#include "ad/tensor/node.hpp"

namespace ad::tensor {

/// `a` with common contracted factors of its sums taken out (recursively).
Ptr factor(const Ptr& a);

}  // namespace ad::tensor
