#pragma once
/// \file compare.hpp
/// Comparing two Jacobians (or any two arrays of plain numbers): max absolute error, zero-safe
/// max relative error, seed 000's mean percentage error with a zero-safe floor, and the error
/// in ULPs — plus a pass/fail against a combined tolerance |a − b| ≤ abs + rel·max(|a|, |b|).
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "ops/array/array.hpp"

namespace ad::check {

/// A combined absolute/relative tolerance.
template <class T>
struct tolerance {
    T abs;
    T rel;
};

/// Errors of `got` against the reference `ref`.
template <class T>
struct comparison {
    bool shapes_match = true;  ///< false: the arrays have different shapes (nothing else is set)
    std::size_t count = 0;     ///< number of entries compared
    T max_abs = T(0);          ///< max |ref − got|
    T max_rel = T(0);          ///< max |ref − got| / max(|ref|, |got|), 0 where both are 0 (never 0/0)
    T mean_pct = T(0);         ///< seed 000's mean(|ref − got| / |ref|)·100, zero-safe (see compare)
    T max_ulps = T(0);         ///< max |ref − got| / (ε·max(|ref|, |got|)) over entries that are not negligible
    std::size_t worst = 0;     ///< flat index of the entry with the largest tolerance excess
    bool ok = true;            ///< every entry within the tolerance (and shapes match)
};

/// The machine epsilon of T (works for Boost.Multiprecision too).
template <class T>
T epsilon() { return std::numeric_limits<T>::epsilon(); }

/// Compares got with ref. Mean percentage error (seed 000): mean over entries of
/// |ref − got| / |ref| · 100, where an entry with ref = got (including 0 = 0) contributes 0 and
/// |ref| is floored at `pct_floor` (default 1e-100, the offset the seed added to both sides),
/// so a structural zero that `got` gets wrong shows up as an enormous error instead of a
/// division by zero. ULPs are measured in units of ε at the entry's magnitude (within a factor
/// 2 of the exact ULP distance), only over entries at least 1e-8 × the array's largest
/// magnitude; smaller entries are judged by the absolute error.
template <class T>
comparison<T> compare(const Array<T>& ref, const Array<T>& got, tolerance<T> tol, T pct_floor = T(1e-100)) {
    using std::abs;
    comparison<T> c;
    if (ref.shape() != got.shape()) {
        c.shapes_match = false;
        c.ok = false;
        return c;
    }
    c.count = ref.size();
    T scale(0);
    for (const T& a : ref) scale = std::max(scale, T(abs(a)));
    const T eps = epsilon<T>();
    T pct_sum(0), worst_excess(-1);
    for (std::size_t k = 0; k < ref.size(); ++k) {
        const T a = ref[k], b = got[k];
        if (a != a || b != b) {  // NaN never agrees
            c.ok = false;
            c.max_abs = c.max_rel = std::numeric_limits<T>::infinity();
            c.worst = k;
            continue;
        }
        if (a == b) continue;
        const T d = abs(T(a - b)), m = std::max(T(abs(a)), T(abs(b)));
        c.max_abs = std::max(c.max_abs, d);
        c.max_rel = std::max(c.max_rel, T(d / m));
        pct_sum += d / std::max(T(abs(a)), pct_floor);
        if (m >= scale * T(1e-8)) c.max_ulps = std::max(c.max_ulps, T(d / (eps * m)));
        const T excess = d - (tol.abs + tol.rel * m);
        if (excess > T(0)) c.ok = false;
        if (excess > worst_excess) worst_excess = excess, c.worst = k;
    }
    if (c.count) c.mean_pct = pct_sum / T(static_cast<double>(c.count)) * T(100);
    return c;
}

/// Seed 000's error(a_true, a_pred) exactly: mean(|a − b| / |a|)·100 after adding `offset`
/// (the seed used 1e-100) to both arrays; ref entries equal to −offset give inf.
template <class T>
T seed_mean_percentage_error(const Array<T>& a_true, const Array<T>& a_pred, T offset = T(0)) {
    using std::abs;
    if (a_true.shape() != a_pred.shape()) throw shape_error("seed_mean_percentage_error", a_true.shape(), a_pred.shape());
    T s(0);
    for (std::size_t k = 0; k < a_true.size(); ++k) {
        const T a = a_true[k] + offset, b = a_pred[k] + offset;
        s += abs(T(a - b)) / abs(a);
    }
    return a_true.size() ? T(s / T(static_cast<double>(a_true.size())) * T(100)) : T(0);
}

}  // namespace ad::check
