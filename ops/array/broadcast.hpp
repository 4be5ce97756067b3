#pragma once
/// \file broadcast.hpp
/// NumPy broadcasting: shapes are aligned from the right; an axis of extent 1 stretches.
/// `broadcast_apply` runs a binary element function over two broadcast arrays.
#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "ad/errors.hpp"
#include "ops/array/array.hpp"

namespace ad {

/// True for Array<T> (so scalar overloads can exclude arrays).
template <class A>
struct is_array : std::false_type {};
template <class T>
struct is_array<Array<T>> : std::true_type {};
template <class A>
inline constexpr bool is_array_v = is_array<std::remove_cvref_t<A>>::value;

/// The broadcast shape of a and b (NumPy rules); throws shape_error naming both shapes.
inline Shape broadcast_shapes(const Shape& a, const Shape& b) {
    const std::size_t n = std::max(a.size(), b.size());
    Shape r(n);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t ea = k < n - a.size() ? 1 : a[k - (n - a.size())];
        const std::size_t eb = k < n - b.size() ? 1 : b[k - (n - b.size())];
        if (ea != eb && ea != 1 && eb != 1) throw shape_error("broadcast", a, b);
        r[k] = ea == 1 ? eb : ea;
    }
    return r;
}

namespace detail {
/// Row-major strides of `s` aligned to an output of `ndim` axes, 0 on broadcast axes.
inline std::vector<std::size_t> broadcast_strides(const Shape& s, std::size_t ndim) {
    std::vector<std::size_t> st(ndim, 0);
    std::size_t stride = 1;
    for (std::size_t k = s.size(); k-- > 0;) {
        const std::size_t out_axis = k + (ndim - s.size());
        st[out_axis] = s[k] == 1 ? 0 : stride;
        stride *= s[k];
    }
    return st;
}
}  // namespace detail

/// Visits the broadcast of shapes a and b in row-major order: `visit(ia, ib)` gets the flat
/// offsets into a and b of each output element; returns the output shape. `what` names the
/// operation in the shape_error.
template <class Visit>
Shape broadcast_each(const Shape& a, const Shape& b, const char* what, Visit&& visit) {
    if (a == b) {  // fast path
        const std::size_t n = shape_size(a);
        for (std::size_t k = 0; k < n; ++k) visit(k, k);
        return a;
    }
    Shape shape;
    try {
        shape = broadcast_shapes(a, b);
    } catch (const shape_error&) {
        throw shape_error(what, a, b);
    }
    const std::size_t nd = shape.size(), n = shape_size(shape);
    const auto sa = detail::broadcast_strides(a, nd), sb = detail::broadcast_strides(b, nd);
    std::vector<std::size_t> idx(nd, 0);
    std::size_t ia = 0, ib = 0;
    for (std::size_t f = 0; f < n; ++f) {
        visit(ia, ib);
        for (std::size_t k = nd; k-- > 0;) {  // odometer increment
            ++idx[k];
            ia += sa[k];
            ib += sb[k];
            if (idx[k] < shape[k]) break;
            ia -= sa[k] * shape[k];
            ib -= sb[k] * shape[k];
            idx[k] = 0;
        }
    }
    return shape;
}

/// out = op(a, b) element-wise over the broadcast shape; `what` names the operation in errors.
template <class X, class Y, class Op>
auto broadcast_apply(const Array<X>& a, const Array<Y>& b, Op op, const char* what) {
    using R = settled_t<decltype(op(a[0], b[0]))>;
    std::vector<R> v;
    v.reserve(std::max(a.size(), b.size()));
    Shape shape = broadcast_each(a.shape(), b.shape(), what, [&](std::size_t ia, std::size_t ib) { v.push_back(op(a[ia], b[ib])); });
    return Array<R>(std::move(shape), std::move(v));
}

/// Array of shape `s` whose every element is x.
template <class X>
Array<X> full(const Shape& s, const X& x) { return Array<X>(s, x); }

/// Converts every element to another scalar type (e.g. double → mp50, double → Dual constant).
template <class To, class From>
Array<To> cast(const Array<From>& a) {
    std::vector<To> v;
    v.reserve(a.size());
    for (const From& x : a) v.push_back(To(x));
    return Array<To>(a.shape(), std::move(v));
}

}  // namespace ad
