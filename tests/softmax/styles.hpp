#pragma once
// The softmax styles the softmax tests run through every mode and scalar: naive from
// exp / sum / divide, the fused stable rule, and the stable softmax composed of primitives.
#include "ops/softmax/softmax.hpp"

namespace adt::softmax_style {

inline constexpr auto naive = [](const auto& z) { return ad::softmax_naive(z); };
inline constexpr auto fused = [](const auto& z) { return ad::softmax(z); };
inline constexpr auto composed = [](const auto& z) { return ad::softmax_stable_composed(z); };

}  // namespace adt::softmax_style
