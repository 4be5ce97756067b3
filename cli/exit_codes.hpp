#pragma once
/// \file exit_codes.hpp
/// The CLI's documented exit codes.
namespace adiff::cli {
inline constexpr int exit_ok = 0;         ///< success (for `softmax`: every check agreed)
inline constexpr int exit_refuted = 1;    ///< `check` refuted the claim / `softmax` found a disagreement
inline constexpr int exit_bad_input = 2;  ///< usage, parse, unknown name, shape or size error
inline constexpr int exit_nonfinite = 3;  ///< a non-finite result; the message names the operation
inline constexpr int exit_internal = 4;   ///< an unexpected internal error (a bug: please report)
}  // namespace adiff::cli
