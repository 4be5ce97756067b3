#pragma once
/// \file derivatives.hpp
/// Higher-order derivatives of a scalar function of one variable by nesting duals K deep:
/// `derivatives<K>(f, x)` returns {f(x), f′(x), …, f⁽ᴷ⁾(x)} exactly (no finite differences).
/// The nested type has 2^K components, so keep K small (≤ 8).
#include <array>
#include <cstddef>

#include "ad/forward/dual.hpp"

namespace ad {

namespace detail {
template <class T, std::size_t K>
struct nested_dual { using type = Dual<typename nested_dual<T, K - 1>::type>; };
template <class T>
struct nested_dual<T, 0> { using type = T; };

/// The seed x + ε₁ + … + ε_K (every level's tangent is 1).
template <class T, std::size_t K>
typename nested_dual<T, K>::type seed(const T& x) {
    if constexpr (K == 0) return x;
    else return typename nested_dual<T, K>::type(seed<T, K - 1>(x), typename nested_dual<T, K - 1>::type(T(1)));
}

/// Component with `k` tangents taken (outermost first) and values for the rest: f⁽ᵏ⁾.
template <std::size_t K, class N>
auto component(const N& y, std::size_t k) {
    if constexpr (K == 0) return y;
    else return k > 0 ? component<K - 1>(y.t[0], k - 1) : component<K - 1>(y.v, 0);
}
}  // namespace detail

/// Dual nested K deep over T: Dual<Dual<…<T>…>>.
template <class T, std::size_t K>
using nested_dual_t = typename detail::nested_dual<T, K>::type;

/// {f(x), f′(x), …, f⁽ᴷ⁾(x)} for scalar f: R → R written generically (e.g. a generic lambda).
template <std::size_t K, class T, class F>
std::array<T, K + 1> derivatives(F&& f, const T& x) {
    const auto y = f(detail::seed<T, K>(x));
    std::array<T, K + 1> r;
    for (std::size_t k = 0; k <= K; ++k) r[k] = detail::component<K>(y, k);
    if (detail::checking_enabled) [[unlikely]] detail::check_entries<T>("derivatives", r);
    return r;
}

}  // namespace ad
