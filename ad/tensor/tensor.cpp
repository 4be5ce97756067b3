// Matrix-notation operations on tensor expressions (see tensor.hpp).
#include "ad/tensor/tensor.hpp"

#include <algorithm>

#include "ad/errors.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

Indices sorted(std::vector<int> v) {
    std::sort(v.begin(), v.end());
    return v;
}

[[noreturn]] void shape_mismatch(const std::string& what, const Tensor& a, const Tensor& b) {
    throw ad::error("shape error: " + what + " of shapes (" + shape_text(a.axes) + ") and (" + shape_text(b.axes) + ") cannot agree");
}

/// b with its axes renamed to a's where they line up (numpy broadcasting from the right);
/// the result's axes.
std::pair<Tensor, std::vector<int>> align(const std::string& what, const Tensor& a, const Tensor& b) {
    const std::size_t n = std::min(a.rank(), b.rank());
    std::vector<int> from, to;
    for (std::size_t k = 1; k <= n; ++k) {
        const int ia = a.axes[a.rank() - k], ib = b.axes[b.rank() - k];
        if (index_dim(ia) != index_dim(ib)) shape_mismatch(what, a, b);
        from.push_back(ib), to.push_back(ia);
    }
    Tensor b2{rename(b.node, from, to), b.axes};
    for (std::size_t k = 1; k <= n; ++k) b2.axes[b.rank() - k] = a.axes[a.rank() - k];
    return {b2, a.rank() >= b.rank() ? a.axes : b2.axes};
}

}  // namespace

std::string shape_text(const std::vector<int>& axes) {
    if (axes.empty()) return "scalar";
    std::string s;
    for (std::size_t k = 0; k < axes.size(); ++k) s += (k ? " x " : "") + index_dim(axes[k]);
    return s;
}

Tensor variable(const std::string& name, const std::vector<std::string>& dims) {
    std::vector<int> idx;
    for (const auto& d : dims) idx.push_back(fresh_index(d));
    return {var(name, idx), idx};
}

Tensor scalar_constant(double c) { return {constant(c), {}}; }

Tensor apply(const std::string& fn, const Tensor& a) { return {unary(scalar::function(fn), a.node), a.axes}; }

Tensor power(const Tensor& a, double c) {
    return {unary(sym::make(sym::Op::pow, scalar::placeholder(), sym::Expr(c)), a.node), a.axes};
}

Tensor elementwise(char op, const Tensor& a, const Tensor& b) {
    auto [b2, axes] = align(std::string("'") + op + "'", a, b);
    const Indices out = sorted(axes);
    switch (op) {
        case '+': return {add(a.node, b2.node), axes};
        case '-': return {sub(a.node, b2.node), axes};
        case '*': return {product({a.node, b2.node}, out), axes};
        case '/': return {product({a.node, unary(sym::Expr(1) / scalar::placeholder(), b2.node)}, out), axes};
        default: throw ad::error(std::string("tensor expression: unknown operator ") + op);
    }
}

Tensor negate(const Tensor& a) { return {neg(a.node), a.axes}; }

Tensor matmul(const Tensor& a, const Tensor& b) {
    if (a.rank() == 0 || b.rank() == 0 || a.rank() > 2 || b.rank() > 2) shape_mismatch("'@'", a, b);
    const int ka = a.axes.back(), kb = b.axes.front();
    if (index_dim(ka) != index_dim(kb)) shape_mismatch("'@'", a, b);
    const Ptr b2 = rename(b.node, {kb}, {ka});
    std::vector<int> axes(a.axes.begin(), a.axes.end() - 1);
    axes.insert(axes.end(), b.axes.begin() + 1, b.axes.end());
    return {product({a.node, b2}, sorted(axes)), axes};
}

Tensor outer(const Tensor& a, const Tensor& b) {
    if (a.rank() != 1 || b.rank() != 1) shape_mismatch("outer", a, b);
    Tensor b2 = b;
    if (a.axes[0] == b.axes[0]) {  // outer(x, x): a second index for the second factor
        const int j = fresh_index(index_dim(b.axes[0]));
        b2 = {rename(b.node, {b.axes[0]}, {j}), {j}};
    }
    return {product({a.node, b2.node}, sorted({a.axes[0], b2.axes[0]})), {a.axes[0], b2.axes[0]}};
}

Tensor transpose(const Tensor& a) {
    Tensor t = a;
    std::reverse(t.axes.begin(), t.axes.end());
    return t;
}

Tensor diag(const Tensor& a) {
    if (a.rank() == 1) {
        const int i = a.axes[0], j = fresh_index(index_dim(i));
        return {product({a.node, delta(i, j)}, sorted({i, j})), {i, j}};
    }
    if (a.rank() == 2 && index_dim(a.axes[0]) == index_dim(a.axes[1])) {
        const int i = a.axes[0];
        return {rename(a.node, {a.axes[1]}, {i}), {i}};
    }
    throw ad::error("shape error: diag of shape (" + shape_text(a.axes) + "): expected a vector or a square matrix");
}

Tensor sum(const Tensor& a) { return {product({a.node}, {}), {}}; }

Tensor logsumexp(const Tensor& a) {
    if (a.rank() == 0) throw ad::error("shape error: logsumexp of a scalar");
    std::vector<int> axes(a.axes.begin(), a.axes.end() - 1);
    return {lse(a.node, a.axes.back()), axes};
}

Tensor log_softmax(const Tensor& a) {
    const Tensor l = logsumexp(a);
    if (a.rank() == 2) {  // row-wise: subtract the row's value (a column, not numpy's trailing axis)
        return {sub(a.node, l.node), a.axes};
    }
    return elementwise('-', a, l);
}

Tensor softmax(const Tensor& a) { return tensor::apply("exp", log_softmax(a)); }

}  // namespace ad::tensor
