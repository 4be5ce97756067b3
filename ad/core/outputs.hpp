#pragma once
/// \file outputs.hpp
/// What a user function may return to a driver: one AD scalar, or a contiguous range of them
/// (std::vector, Array, std::array). Outputs are flattened row-major.
#include <ranges>
#include <span>
#include <type_traits>
#include <vector>

#include "ops/rules/scalar_traits.hpp"

namespace ad::detail {

/// What a driver gets from a function it cannot call with its numbers (a static_assert has said
/// why): as_outputs views it as no outputs, so that message is the only error.
struct not_callable {};

/// True unless R is still being formed (reverse mode's Pending, see ad::settled_t).
template <class R>
inline constexpr bool is_settled_v = std::is_same_v<settled_t<R>, std::remove_cvref_t<R>>;

/// f(x) when f accepts the driver's argument (a vector of Var, Dual, ...); otherwise ONE
/// static_assert that says how to write f, instead of a page of failed overload candidates.
/// A result still being formed (a Pending, alone or in a range) is stored first: one settled
/// value, or a std::vector of them.
template <class Arg, class F>
decltype(auto) call(F& f, const Arg& x) {
    if constexpr (std::is_invocable_v<F&, const Arg&>) {
        using R = std::invoke_result_t<F&, const Arg&>;
        if constexpr (!is_settled_v<R>) {
            return settled_t<R>(f(x));
        } else if constexpr (std::ranges::range<R>) {
            using E = std::ranges::range_value_t<R>;
            if constexpr (!is_settled_v<E>) {
                const R r = f(x);
                return std::vector<settled_t<E>>(std::ranges::begin(r), std::ranges::end(r));
            } else {
                return f(x);
            }
        } else {
            return f(x);
        }
    } else {
        static_assert(std::is_invocable_v<F&, const Arg&>,
                      "adiff: the driver calls f with its own numbers (a std::vector of ad::Var or ad::Dual), which "
                      "f does not accept: make the lambda generic, [](const auto& x) { ... }, or write f as a "
                      "template over the element type (a parameter `const std::vector<double>&` sees doubles only)");
        return not_callable{};
    }
}

/// View any supported return value as a span of AD scalars.
template <class X, class R>
std::span<const X> as_outputs(const R& r) {
    if constexpr (std::is_same_v<std::remove_cvref_t<R>, not_callable>) return {};
    else if constexpr (std::is_same_v<std::remove_cvref_t<R>, X>) return std::span<const X>(&r, 1);
    else {
        static_assert(std::ranges::contiguous_range<R>,
                      "adiff: the function must return one AD scalar or a contiguous range of them "
                      "(std::vector, ad::Array, std::array) built from its argument");
        static_assert(std::is_same_v<std::ranges::range_value_t<R>, X>,
                      "adiff: the function returns elements of another type than its argument; "
                      "write it as a generic lambda ([](const auto& x) {...}) and build outputs from x");
        return std::span<const X>(std::ranges::data(r), std::ranges::size(r));
    }
}

}  // namespace ad::detail
