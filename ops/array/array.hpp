#pragma once
/// \file array.hpp
/// `Array<T>`: an n-dimensional, row-major array with a shape, generic over the scalar
/// (double, Dual, Var, multiprecision, symbolic). This file is the container only; element-wise
/// operations, broadcasting and reductions live beside it in ops/array/.
#include <cstddef>
#include <initializer_list>
#include <ostream>
#include <span>
#include <vector>

// GCC 12 at -O3 warns (-Wstringop-overread) inside small_vector's move of its inline elements,
// which it cannot see hold at most 4: a false positive in Boost's code, silenced there only
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#include <boost/container/small_vector.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "ad/errors.hpp"

namespace ad {

/// A shape: one extent per axis (empty for a scalar).
struct Shape : boost::container::small_vector<std::size_t, 4> {
    using base = boost::container::small_vector<std::size_t, 4>;
    using base::base;
    Shape() = default;
    Shape(std::initializer_list<std::size_t> e) : base(e) {}
    Shape(const std::vector<std::size_t>& v) : base(v.begin(), v.end()) {}
    operator std::vector<std::size_t>() const { return {begin(), end()}; }
    operator std::span<const std::size_t>() const noexcept { return {data(), size()}; }
};

/// Number of elements of a shape (1 for a scalar).
inline std::size_t shape_size(const Shape& s) {
    std::size_t n = 1;
    for (std::size_t e : s) n *= e;
    return n;
}

/// Row-major n-d array. Jacobians are returned as Array<T> of shape {m, n} with
/// J(i, j) = ∂f_i/∂x_j, outputs and inputs flattened row-major.
template <class T>
class Array {
public:
    using value_type = T;

    Array() = default;
    /// An array of the given shape filled with `fill`.
    explicit Array(Shape shape, const T& fill = T(0)) : shape_(std::move(shape)), data_(shape_size(shape_), fill) {}
    /// An array of the given shape with the given row-major data (sizes must agree).
    Array(Shape shape, std::vector<T> data) : shape_(std::move(shape)), data_(std::move(data)) {
        if (data_.size() != shape_size(shape_)) throw size_error("Array(shape " + shape_string(shape_) + ", data)", shape_size(shape_), data_.size());
    }
    /// A 1-d array from values.
    Array(std::initializer_list<T> v) : shape_{v.size()}, data_(v) {}
    /// A 2-d array from rows (all rows must have the same length).
    Array(std::initializer_list<std::initializer_list<T>> rows) : shape_{rows.size(), rows.size() ? rows.begin()->size() : 0} {
        for (const auto& r : rows) {
            if (r.size() != shape_[1]) throw size_error("Array from rows: row length", shape_[1], r.size());
            data_.insert(data_.end(), r.begin(), r.end());
        }
    }

    /// The shape.
    const Shape& shape() const noexcept { return shape_; }
    /// Number of axes.
    std::size_t ndim() const noexcept { return shape_.size(); }
    /// Number of elements.
    std::size_t size() const noexcept { return data_.size(); }
    /// Extent of axis k.
    std::size_t extent(std::size_t k) const { return shape_.at(k); }
    /// Rows and columns of a 2-d array.
    std::size_t rows() const { return shape_.at(0); }
    std::size_t cols() const { return shape_.at(1); }

    /// Flat (row-major) element access.
    T& operator[](std::size_t k) { return data_[k]; }
    const T& operator[](std::size_t k) const { return data_[k]; }
    /// Multi-index element access, e.g. a(i, j); checked against the shape.
    template <class... I>
    T& operator()(I... i) { return data_[offset({std::size_t(i)...})]; }
    template <class... I>
    const T& operator()(I... i) const { return data_[offset({std::size_t(i)...})]; }

    T* data() noexcept { return data_.data(); }
    const T* data() const noexcept { return data_.data(); }
    auto begin() noexcept { return data_.begin(); }
    auto end() noexcept { return data_.end(); }
    auto begin() const noexcept { return data_.begin(); }
    auto end() const noexcept { return data_.end(); }
    /// The underlying row-major storage.
    const std::vector<T>& values() const noexcept { return data_; }
    std::vector<T>& values() noexcept { return data_; }

    /// Same data, new shape (sizes must agree).
    Array reshaped(Shape s) const& { return Array(std::move(s), data_); }
    /// Same data, new shape, moving the storage out of a temporary (sizes must agree).
    Array reshaped(Shape s) && { return Array(std::move(s), std::move(data_)); }

private:
    std::size_t offset(std::initializer_list<std::size_t> idx) const {
        if (idx.size() != shape_.size())
            throw shape_error("index with " + std::to_string(idx.size()) + " subscripts into array", shape_);
        std::size_t off = 0, k = 0;
        for (std::size_t i : idx) {
            if (i >= shape_[k]) throw shape_error("index " + std::to_string(i) + " out of range on axis " + std::to_string(k) + " of array", shape_);
            off = off * shape_[k++] + i;
        }
        return off;
    }

    Shape shape_;
    std::vector<T> data_;
};

/// Prints an array as nested brackets.
template <class T>
std::ostream& operator<<(std::ostream& os, const Array<T>& a) {
    if (a.ndim() == 0) return a.size() ? os << a[0] : os << "[]";
    std::vector<std::size_t> strides(a.ndim(), 1);  // strides[k] = elements in one block of axis k
    strides[a.ndim() - 1] = a.shape()[a.ndim() - 1];
    for (std::size_t k = a.ndim() - 1; k > 0; --k) strides[k - 1] = strides[k] * a.shape()[k - 1];
    for (std::size_t& s : strides) s = s ? s : 1;
    for (std::size_t f = 0; f < a.size(); ++f) {
        for (std::size_t k = 0; k < a.ndim(); ++k) if (f % strides[k] == 0) os << "[";
        os << a[f];
        std::size_t closes = 0;
        for (std::size_t k = 0; k < a.ndim(); ++k) if ((f + 1) % strides[k] == 0) ++closes;
        for (std::size_t c = 0; c < closes; ++c) os << "]";
        if (f + 1 < a.size()) os << (closes ? ",\n" : ", ");
    }
    if (a.size() == 0) os << "[]";
    return os;
}

}  // namespace ad
