#pragma once
/// \file claim.hpp
/// `check_claim(f, claim, x)`: the C++ counterpart of `adiff check`. Is a hand-derived
/// Jacobian (or gradient) `claim` the derivative of `f` at x? Both are evaluated at 50 digits
/// (f differentiated by AD, the claim as written) and every entry is judged relative to its own
/// magnitude by the criterion of verdict.hpp; an entry that fails is recomputed at 100 digits,
/// where it agrees only if it is within the 100-digit tolerance or its difference is rounding.
/// The answer names the worst entry by its (row, column): row = output of f (flattened), column
/// = input.
///
/// f and claim are generic functions of the point (`[](const auto& x) { ... }`) so that they can
/// be evaluated at 50 and 100 digits: f returns one scalar or a contiguous range of outputs, the
/// claim the m × n Jacobian as an `Array` of shape {m, n} or a flat range of m·n entries
/// (row-major; for one output, the gradient).
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <ranges>
#include <tuple>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "ad/check/verdict.hpp"
#include "ad/core/multiprecision.hpp"
#include "ad/core/outputs.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/errors.hpp"

namespace ad::detail {

template <class R>
auto as_flat_claim(const R& r) {
    if constexpr (requires { r.values(); }) return r.values();  // Array
    else if constexpr (!std::ranges::range<R>) return std::vector<R>{r};  // one entry
    else return std::vector<std::remove_cvref_t<decltype(*std::ranges::begin(r))>>(std::ranges::begin(r), std::ranges::end(r));
}

template <class T, class F, class C>
std::pair<std::vector<T>, std::vector<T>> derivative_and_claim(F& f, C& claim, const std::vector<double>& x, std::size_t& rows) {
    static_assert(std::is_invocable_v<C&, const std::vector<T>&>,
                  "adiff: check_claim evaluates the claim at 50 and 100 digits: make it generic, "
                  "[](const auto& x) { ... }, and build its entries from x");
    const std::vector<T> xt(x.begin(), x.end());  // doubles are exact at 50 and 100 digits
    const Array<T> J = ad::jacobian<default_lanes>(f, xt);  // one lane count (fitted lanes would compile f nine times)
    rows = J.shape()[0];
    const auto c = as_flat_claim(claim(xt));
    std::vector<T> cv(c.begin(), c.end());
    if (cv.size() != J.size())
        throw shape_error("check_claim: the claim has " + std::to_string(cv.size()) + " entries; the Jacobian of f (outputs x inputs) has " +
                              std::to_string(J.size()),
                          Shape{cv.size()}, J.shape());
    return {J.values(), std::move(cv)};
}

inline std::string text20(const mp50& v) {
    std::ostringstream os;
    os.precision(20);
    os << v;
    return os.str();
}

}  // namespace ad::detail

namespace ad::check {

/// The tolerances of `check_claim` (relative, per entry; no absolute tolerance).
struct claim_options {
    double rtol50 = 1e-30;   ///< at 50 digits
    double rtol100 = 1e-60;  ///< at 100 digits, for the entries that fail at 50
};

/// The verdict of `check_claim`.
struct claim_result {
    bool ok = true;                   ///< every entry agrees
    std::size_t rows = 0;             ///< outputs of f (the Jacobian's rows)
    std::size_t cols = 0;             ///< inputs (the Jacobian's columns)
    std::size_t differing = 0;        ///< entries that differ
    std::size_t confirmed = 0;        ///< entries decided at 100 digits (they agree there)
    std::size_t worst_row = 0;        ///< the worst entry's row (a differing entry if any)
    std::size_t worst_col = 0;        ///< the worst entry's column
    double worst_rel = 0;             ///< its relative error at 50 digits (0: equal)
    std::string worst_claim;          ///< the claim's value there, at 50 digits (20 significant digits shown)
    std::string worst_derivative;     ///< the derivative's value there, likewise
    entry_verdict worst_verdict = entry_verdict::agrees;
    /// One line: "agrees: ..." or "refuted: entry (i, j): claim …, derivative … (relative error …)".
    std::string message;
};


/// Verdict on `claim` as the Jacobian of `f` at x (see the file comment). Throws shape_error if
/// the claim's entry count is not outputs × inputs, domain_error naming the entry if the
/// derivative or the claim is not finite there (a non-finite value is never judged).
template <class F, class C>
claim_result check_claim(F&& f, C&& claim, const std::vector<double>& x, claim_options opt = {}) {
    if (!(opt.rtol50 > 0 && opt.rtol50 < 1 && opt.rtol100 > 0 && opt.rtol100 < 1))
        throw error("check_claim: the relative tolerances must be in (0, 1)");
    claim_result r;
    r.cols = x.size();
    const auto [J, C50] = ad::detail::derivative_and_claim<mp50>(f, claim, x, r.rows);
    const std::size_t n = r.cols ? r.cols : 1;
    auto where = [&](std::size_t k) { return "(" + std::to_string(k / n) + ", " + std::to_string(k % n) + ")"; };
    for (std::size_t k = 0; k < J.size(); ++k) {
        using boost::multiprecision::isfinite;
        if (!isfinite(J[k])) throw domain_error("check_claim", "the derivative's entry " + where(k) + " is " + ad::detail::text20(J[k]));
        if (!isfinite(C50[k])) throw domain_error("check_claim", "the claim's entry " + where(k) + " is " + ad::detail::text20(C50[k]));
    }
    const double lo = std::log10(opt.rtol50), hi = std::log10(opt.rtol100);
    std::vector<entry_error> e50(J.size());
    bool any_fails = false;
    for (std::size_t k = 0; k < J.size(); ++k) {
        e50[k] = measure(J[k], C50[k]);
        any_fails |= judge(e50[k], std::nullopt, lo, hi) != entry_verdict::agrees;
    }
    std::vector<mp100> J100, C100;
    std::size_t rows100 = 0;
    if (any_fails) std::tie(J100, C100) = ad::detail::derivative_and_claim<mp100>(f, claim, x, rows100);
    std::optional<std::size_t> worst;
    for (std::size_t k = 0; k < J.size(); ++k) {
        const entry_verdict v = any_fails ? judge(e50[k], std::optional<entry_error>(measure(J100[k], C100[k])), lo, hi)
                                          : judge(e50[k], std::nullopt, lo, hi);
        const bool bad = !agrees(v);
        r.differing += bad;
        r.confirmed += v == entry_verdict::agrees_confirmed || v == entry_verdict::zero_to_precision;
        const bool worst_bad = worst && !agrees(r.worst_verdict);
        if (!worst || (bad && !worst_bad) || (bad == worst_bad && e50[k].log_rel() > e50[*worst].log_rel())) {
            worst = k;
            r.worst_verdict = v;
        }
    }
    r.ok = r.differing == 0;
    if (worst) {
        r.worst_row = *worst / n, r.worst_col = *worst % n;
        r.worst_rel = std::pow(10.0, e50[*worst].log_rel());
        r.worst_claim = ad::detail::text20(C50[*worst]);
        r.worst_derivative = ad::detail::text20(J[*worst]);
    }
    std::ostringstream m;
    m.precision(2);
    if (!worst)
        m << "agrees: the Jacobian has no entries (" << r.rows << " outputs, " << r.cols << " inputs)";
    else if (r.ok)
        m << "agrees: all " << J.size() << " entries within relative error " << opt.rtol50 << " at 50 digits"
          << (r.confirmed ? " (" + std::to_string(r.confirmed) + " confirmed at 100 digits)" : std::string()) << "; worst entry "
          << where(*worst) << ", relative error " << r.worst_rel;
    else
        m << "refuted: " << r.differing << " of " << J.size() << " entries differ; worst entry " << where(*worst) << ": claim "
          << r.worst_claim << ", derivative " << r.worst_derivative << " (relative error " << r.worst_rel << ")";
    r.message = m.str();
    return r;
}

}  // namespace ad::check
