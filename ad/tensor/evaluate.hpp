#pragma once
/// \file evaluate.hpp
/// Numeric evaluation of a tensor expression at concrete sizes (double): the reference the
/// tests and `check` compare printed forms and derivatives with. Entry by entry, from the
/// index form (each sum a loop), so it is slow (O(n^depth)) and meant for small sizes.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "ad/tensor/tensor.hpp"

namespace ad::tensor {

/// Concrete sizes of the size symbols and values of the variables (row-major).
struct Binding {
    std::map<std::string, std::size_t> sizes;
    std::map<std::string, std::vector<double>> values;
};

/// The numeric size of index i under b (a number, or a symbol of b.sizes).
std::size_t index_size(int i, const Binding& b);
/// The entries of t in row-major order over its axes.
std::vector<double> evaluate(const Tensor& t, const Binding& b);

}  // namespace ad::tensor
