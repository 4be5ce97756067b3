#pragma once
/// \file checked.hpp
/// Checked mode: while a `checked_scope` is alive on this thread, every mode verifies each
/// primitive's value, the partial derivatives it applies to operands that carry derivatives,
/// and the derivatives it produces (every tangent lane of a Dual, nested ones included; every
/// adjoint of the reverse sweep of a Tape or a Replay), and throws `ad::domain_error` naming
/// the primitive at the first one that is not finite. A partial may be finite while the
/// derivative it produces is not (d/dx 1e200·sqrt(x) at 1e-300: 1e200 × 5e149 overflows), so
/// both are checked. The drivers also check every entry they return. Off by default (IEEE
/// semantics: log(−1) is NaN, 1/0 is inf); the unchecked paths pay one predictable branch.
///
/// An operand that carries no derivative (an inactive Var, a Dual whose tangents are all
/// exactly zero, a constant of a Replay) is a constant: its partial is neither computed for the
/// check nor applied, in checked mode or not.
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "ad/errors.hpp"
#include "ops/rules/scalar_traits.hpp"

namespace ad {
namespace detail {
inline thread_local bool checking_enabled = false;

template <class T>
std::string to_text(const T& x) {
    std::ostringstream os;
    os.precision(17);
    os << val(x);
    return os.str();
}

/// The first non-finite component of x (its value, else a tangent lane, recursively), as text;
/// the innermost value when every component is finite.
template <class T>
std::string nonfinite_text(const T& x) {
    if constexpr (requires { x.t; x.v; }) {
        if (!all_finite(x.v)) return nonfinite_text(x.v);
        for (const auto& d : x.t)
            if (!all_finite(d)) return nonfinite_text(d);
        return to_text(x);
    } else if constexpr (requires { x.v; }) {
        return nonfinite_text(x.v);
    } else {
        return to_text(x);
    }
}

/// Throws domain_error if checking is on and `y` (value) or `p` (partial) is not finite.
template <class T, class A>
inline void check_primitive(std::string_view name, const T& y, const T& p, const A& arg) {
    if (!checking_enabled) [[likely]] return;
    if (!is_finite(val(y)))
        throw domain_error(std::string(name), "value " + to_text(y) + " at argument " + to_text(arg));
    if (!all_finite(p))
        throw domain_error(std::string(name), "derivative " + nonfinite_text(p) + " at argument " + to_text(arg));
}

/// The value of a primitive (its innermost number) must be finite.
template <class T, class A>
void check_value(std::string_view name, const T& y, const A& arg) {
    if (!is_finite(val(y))) [[unlikely]]
        throw domain_error(std::string(name), "value " + to_text(y) + " at argument " + to_text(arg));
}
/// A partial applied to an operand that carries derivatives must be finite (every component).
template <class T, class A>
void check_partial(std::string_view name, const T& p, const A& arg) {
    if (!all_finite(p)) [[unlikely]]
        throw domain_error(std::string(name), "derivative " + nonfinite_text(p) + " at argument " + to_text(arg));
}
/// A derivative a primitive produced (a tangent lane, or its contribution to an adjoint) must be
/// finite even when its partials are: the product of finite numbers can overflow.
template <class T, class A>
void check_derivative(std::string_view name, const T& d, const A& arg) {
    if (!all_finite(d)) [[unlikely]]
        throw domain_error(std::string(name), "derivative " + nonfinite_text(d) + " at argument " + to_text(arg) +
                                                  " (finite partials, but their chain-rule product is not finite)");
}
/// An adjoint of the reverse sweep (which has no operand values to show) must be finite.
template <class T>
void check_adjoint(std::string_view name, const T& adjoint, const T& partial, const T& incoming) {
    if (!all_finite(adjoint)) [[unlikely]]
        throw domain_error(std::string(name.empty() ? std::string_view("a primitive recorded outside checked mode") : name),
                           "derivative " + nonfinite_text(adjoint) + " in the reverse sweep (partial " + nonfinite_text(partial) +
                               " times the adjoint " + nonfinite_text(incoming) + " of its result, accumulated)");
}

/// The text of a domain_error after "non-finite result in 'op': ".
inline std::string detail_of(const domain_error& e) {
    const std::string what = e.what();
    const std::string prefix = "non-finite result in '" + e.op + "': ";
    return what.compare(0, prefix.size(), prefix) == 0 ? what.substr(prefix.size()) : what;
}

/// Runs `f` (which evaluates primitive `name`'s value or derivative formula on a nested AD type)
/// and reports a domain_error raised by an operation inside that formula as an error of `name`:
/// the user wrote `name`, the inner operation is part of its rule.
template <class F>
decltype(auto) attributed(std::string_view name, F&& f) {
    try {
        return f();
    } catch (const domain_error& e) {
        if (name.empty() || e.op == name) throw;
        throw domain_error(std::string(name), detail_of(e) + " (in '" + e.op + "' of the derivative formula of '" +
                                                  std::string(name) + "', at a higher order)");
    }
}

/// Checked mode, a fused primitive: each of its values must be finite.
template <class T>
void check_values(std::string_view name, std::span<const T> ys) {
    if (!checking_enabled) [[likely]] return;
    for (const T& y : ys) check_primitive(name, y, y, y);
}

/// Every entry a driver returns must be finite (the last line of defence: fused kernels, seeds).
template <class T>
void check_entries(std::string_view driver, std::span<const T> entries, std::size_t columns = 0) {
    for (std::size_t k = 0; k < entries.size(); ++k)
        if (!all_finite(entries[k])) [[unlikely]] {
            std::string where = std::to_string(columns ? k / columns : k);  // appended: no g++ 12 -Wrestrict false positive
            if (columns) where = ((("(" + where) += ", ") += std::to_string(k % columns)) += ")";
            throw domain_error(std::string(driver), "entry " + where + " of the result is " + nonfinite_text(entries[k]));
        }
}
}  // namespace detail

/// RAII: turns checked mode on for this thread for the scope's lifetime (nests correctly).
class checked_scope {
    bool previous_;
public:
    /// Enables checking until destruction.
    checked_scope() : previous_(detail::checking_enabled) { detail::checking_enabled = true; }
    ~checked_scope() { detail::checking_enabled = previous_; }
    checked_scope(const checked_scope&) = delete;
    checked_scope& operator=(const checked_scope&) = delete;
};

}  // namespace ad
