#pragma once
/// \file checked.hpp
/// Checked mode: while a `checked_scope` is alive on this thread, every primitive verifies
/// that its value and its partial derivative are finite and throws `ad::domain_error`
/// naming the primitive and its argument at the first one that is not. Off by default
/// (IEEE semantics: log(−1) is NaN, 1/0 is inf).
#include <sstream>
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

/// Throws domain_error if checking is on and `y` (value) or `p` (partial) is not finite.
template <class T, class A>
inline void check_primitive(std::string_view name, const T& y, const T& p, const A& arg) {
    if (!checking_enabled) [[likely]] return;
    if (!is_finite(val(y)))
        throw domain_error(std::string(name), "value " + to_text(y) + " at argument " + to_text(arg));
    if (!is_finite(val(p)))
        throw domain_error(std::string(name), "derivative " + to_text(p) + " at argument " + to_text(arg));
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
