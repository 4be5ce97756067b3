#pragma once
/// \file on_shape.hpp
/// The drivers take functions of a flat `std::vector<X>`; `on_shape(shape, f)` adapts a
/// function of an `Array<X>` of that shape (row-major) to them, e.g.
/// `ad::jacobian_reverse(ad::on_shape({M, Q}, [](const auto& Z) { return ad::softmax(Z); }), z)`.
#include <type_traits>
#include <vector>

#include "ops/array/array.hpp"

namespace ad {

/// f(Array<X> of `shape`) as a function of the flat vector of its elements (for the drivers).
template <class F>
auto on_shape(Shape shape, F f) {
    return [shape = std::move(shape), f = std::move(f)](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return f(Array<X>(shape, std::vector<X>(v.begin(), v.end())));
    };
}

}  // namespace ad
