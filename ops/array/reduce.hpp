#pragma once
/// \file reduce.hpp
/// Reductions over all elements or over one axis (negative axes count from the end), with
/// keepdims. Each reduced group is ONE n-ary primitive (sum / max from functions.hpp); on
/// Var<double>/Var<float> arrays a reduction over everything or along the last axis is one array
/// statement for all groups (array_statement.hpp).
#include <span>
#include <string>
#include <vector>

#include "ops/array/elementwise.hpp"

namespace ad {

namespace detail {
/// Normalises a possibly negative axis; throws shape_error when out of range.
inline std::size_t normalize_axis(int axis, const Shape& s, const char* what) {
    const int nd = static_cast<int>(s.size());
    const int a = axis < 0 ? axis + nd : axis;
    if (a < 0 || a >= nd)
        throw shape_error(std::string(what) + ": axis " + std::to_string(axis) + " out of range for array", s);
    return static_cast<std::size_t>(a);
}

/// Applies `red(span of the group)` to every group along `axis`.
template <class X, class Red>
Array<X> reduce_axis(const Array<X>& a, int axis, bool keepdims, const char* what, Red red) {
    const std::size_t ax = normalize_axis(axis, a.shape(), what);
    std::size_t outer = 1, inner = 1;
    for (std::size_t k = 0; k < ax; ++k) outer *= a.shape()[k];
    for (std::size_t k = ax + 1; k < a.ndim(); ++k) inner *= a.shape()[k];
    const std::size_t n = a.shape()[ax];
    Shape shape = a.shape();
    if (keepdims) shape[ax] = 1;
    else shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(ax));
    std::vector<X> out;
    out.reserve(outer * inner);
    std::vector<X> group(n);
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t i = 0; i < inner; ++i) {
            if (inner == 1) {
                out.push_back(red(std::span<const X>(a.data() + o * n, n)));
                continue;
            }
            for (std::size_t k = 0; k < n; ++k) group[k] = a[(o * n + k) * inner + i];
            out.push_back(red(std::span<const X>(group)));
        }
    return Array<X>(std::move(shape), std::move(out));
}
}  // namespace detail

/// Σ of all elements (one n-ary primitive; one array statement on Var<double>/Var<float>);
/// 0 for an empty array.
template <class X>
X sum(const Array<X>& a) {
    if constexpr (array_statement::enabled_for<X>)
        if (array_statement::active(a.size())) return array_statement::sum_groups(a, a.size(), Shape{})[0];
    return sum(std::span<const X>(a.data(), a.size()));
}
/// Σ along `axis` (negative counts from the end); keepdims keeps it with extent 1. Along the
/// last axis of a Var<double>/Var<float> array: one array statement.
template <class X>
Array<X> sum(const Array<X>& a, int axis, bool keepdims = false) {
    if constexpr (array_statement::enabled_for<X>)
        if (array_statement::active(a.size()) && detail::normalize_axis(axis, a.shape(), "sum") + 1 == a.ndim()) {
            Shape shape = a.shape();
            if (keepdims) shape.back() = 1;
            else shape.pop_back();
            return array_statement::sum_groups(a, a.shape().back(), std::move(shape));
        }
    return detail::reduce_axis(a, axis, keepdims, "sum", [](std::span<const X> g) { return sum(g); });
}
/// Max of all elements (ties split the derivative evenly); size_error when empty. One array
/// statement on Var<double>/Var<float>.
template <class X>
X max(const Array<X>& a) {
    if constexpr (array_statement::enabled_for<X>)
        if (array_statement::active(a.size()) && a.size() != 0) return array_statement::max_groups(a, a.size(), Shape{})[0];
    return max(std::span<const X>(a.data(), a.size()));
}
/// Max along `axis`; size_error when that axis is empty. Along the last axis of a
/// Var<double>/Var<float> array: one array statement.
template <class X>
Array<X> max(const Array<X>& a, int axis, bool keepdims = false) {
    if constexpr (array_statement::enabled_for<X>)
        if (array_statement::active(a.size()) && detail::normalize_axis(axis, a.shape(), "max") + 1 == a.ndim() &&
            a.shape().back() != 0) {
            Shape shape = a.shape();
            if (keepdims) shape.back() = 1;
            else shape.pop_back();
            return array_statement::max_groups(a, a.shape().back(), std::move(shape));
        }
    return detail::reduce_axis(a, axis, keepdims, "max", [](std::span<const X> g) { return max(g); });
}
/// Min of all elements, −max(−a): the same tie rule (ties split evenly), no primitive of its
/// own; size_error when empty.
template <class X>
X min(const Array<X>& a) {
    if (a.size() == 0) throw size_error("min of an empty array", 1, 0);
    return X(-max(Array<X>(-a)));
}
/// Min along `axis`, −max(−a, axis); size_error when that axis is empty.
template <class X>
Array<X> min(const Array<X>& a, int axis, bool keepdims = false) {
    if (a.shape()[detail::normalize_axis(axis, a.shape(), "min")] == 0) throw size_error("min along an empty axis", 1, 0);
    return Array<X>(-max(Array<X>(-a), axis, keepdims));
}
/// Mean of all elements; size_error when empty.
template <class X>
X mean(const Array<X>& a) {
    if (a.size() == 0) throw size_error("mean of an empty array", 1, 0);
    return X(sum(a) / X(static_cast<int>(a.size())));
}
/// Mean along `axis`: the sums along it, each divided by the axis' extent (along the last axis
/// of a Var<double>/Var<float> array two array statements); size_error when that axis is empty.
template <class X>
Array<X> mean(const Array<X>& a, int axis, bool keepdims = false) {
    const std::size_t n = a.shape()[detail::normalize_axis(axis, a.shape(), "mean")];
    if (n == 0) throw size_error("mean along an empty axis", 1, 0);
    return sum(a, axis, keepdims) / X(static_cast<int>(n));
}

}  // namespace ad
