#pragma once
/// \file verdict.hpp
/// The verdict on a claimed derivative: is each entry of the claim equal to the reference
/// (the AD derivative), judged relative to the entry's own magnitude, at two working
/// precisions? This is the criterion behind `adiff check` (docs/check.md).
///
/// An entry agrees when
///  1. both values are finite (a non-finite value is never judged: the caller reports it), and
///  2. at the primary precision P its relative error |ref − claim| / max(|ref|, |claim|) is at
///     most rtol(P) (exactly equal values, 0 = 0 included, have relative error 0); or else
///  3. at the confirming precision Q (more digits) its relative error is at most rtol(Q); or
///  4. the difference is rounding: at Q it is at least `shrink` decimal orders of magnitude
///     smaller than at P (a true difference does not depend on the precision; rounding noise
///     falls by about the number of extra digits). This is the only "absolute slack", and it is
///     given only to entries that are zero to the working precision.
/// Nothing else passes: no absolute tolerance waves a small wrong entry through, and a NaN can
/// never compare as "within tolerance".
#include <cmath>
#include <limits>
#include <optional>

namespace ad::check {

/// One entry compared at one precision, as decimal logarithms (so that magnitudes far beyond
/// double's range, such as 5e-435 at 50 digits, are kept): −inf stands for an exact 0.
struct entry_error {
    double log_err = -std::numeric_limits<double>::infinity();    ///< log10 |ref − claim|
    double log_scale = -std::numeric_limits<double>::infinity();  ///< log10 max(|ref|, |claim|)
    bool finite = true;                                           ///< both values are finite
    /// log10 of the relative error (−inf when the two are equal).
    double log_rel() const {
        if (log_err == -std::numeric_limits<double>::infinity()) return log_err;
        return log_err - log_scale;
    }
};

/// How an entry was decided.
enum class entry_verdict {
    agrees,              ///< within rtol at the primary precision
    agrees_confirmed,    ///< within rtol only at the confirming precision (the claim loses digits)
    zero_to_precision,   ///< the difference is rounding: it shrinks with the precision
    differs,             ///< a real difference (or a non-finite value)
    undecided            ///< fails at the primary precision and no confirming value was given
};

/// True for the verdicts that count as agreement.
inline bool agrees(entry_verdict v) {
    return v == entry_verdict::agrees || v == entry_verdict::agrees_confirmed || v == entry_verdict::zero_to_precision;
}

/// The error of one entry at precision T (T a plain number type with abs, log10, isfinite).
template <class T>
entry_error measure(const T& ref, const T& claim) {
    using std::abs, std::isfinite, std::log10;
    entry_error e;
    if (!isfinite(ref) || !isfinite(claim)) {
        e.finite = false;
        e.log_err = e.log_scale = std::numeric_limits<double>::infinity();
        return e;
    }
    const T d = abs(T(ref - claim)), s = abs(ref) > abs(claim) ? T(abs(ref)) : T(abs(claim));
    if (d != T(0)) e.log_err = static_cast<double>(log10(d));
    if (s != T(0)) e.log_scale = static_cast<double>(log10(s));
    return e;
}

/// The verdict on one entry from its error at the primary precision (`lo`, relative tolerance
/// 10^log_rtol_lo) and, if it was computed, at the confirming precision (`hi`, 10^log_rtol_hi).
inline entry_verdict judge(const entry_error& lo, const std::optional<entry_error>& hi, double log_rtol_lo, double log_rtol_hi,
                           double shrink = 25) {
    if (!lo.finite || (hi && !hi->finite)) return entry_verdict::differs;
    if (lo.log_rel() <= log_rtol_lo) return entry_verdict::agrees;
    if (!hi) return entry_verdict::undecided;
    if (hi->log_rel() <= log_rtol_hi) return entry_verdict::agrees_confirmed;
    if (hi->log_err <= lo.log_err - shrink) return entry_verdict::zero_to_precision;
    return entry_verdict::differs;
}

}  // namespace ad::check
