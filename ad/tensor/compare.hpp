#pragma once
/// \file compare.hpp
/// A claimed formula against a derived one, for every size: both are brought to the canonical
/// form of the builders (products expanded, Kronecker deltas eliminated, like terms collected,
/// summed indices named by position) and their difference is checked to be 0. Independently,
/// both are evaluated at random numeric sizes and points (a cross-check, and the only evidence
/// when the canonical forms differ: the algebra has no identities of the elementwise functions,
/// such as exp(a)·exp(b) = exp(a + b)).
#include <cstdint>
#include <string>
#include <vector>

#include "ad/tensor/build.hpp"
#include "ad/tensor/evaluate.hpp"

namespace ad::tensor {

/// The outcome of compare().
struct Comparison {
    bool symbolic = false;          ///< the canonical difference is 0: equal for every size
    bool numeric = true;            ///< every numeric trial agreed (relative 1e-9 per entry)
    std::size_t trials = 0;         ///< numeric trials run
    std::string counterexample;     ///< the first numeric disagreement (sizes, entry, both values)
    std::string difference;         ///< the canonical difference when it is not 0 (index notation)
};

/// Compares `claim` with `derived` (same rank; the claim's axes are matched to the derived
/// ones in order; sizes must agree). Numeric trials: every size symbol of `scope` set to each
/// of `sizes` in turn, the variables to uniform random values in [-2, 2] (seeded).
Comparison compare(const Tensor& derived, const Tensor& claim, const Scope& scope, std::uint64_t seed = 1,
                   const std::vector<std::size_t>& sizes = {1, 2, 3, 5});

/// Random values for every variable of scope at the sizes of b (b.sizes set), into b.values.
void randomize(const Scope& scope, Binding& b, std::uint64_t seed);

}  // namespace ad::tensor
