#pragma once
/// \file node.hpp
/// Tensor expressions in index (Einstein) notation, as in Laue, Mitterreiter and Giesen, "A
/// Simple and Efficient Tensor Calculus" (AAAI 2020). A node is a scalar-valued function of its
/// free indices; each index has a symbolic size ("n", "k") or a numeric one ("3"). The kinds:
///
///     constant c                       no indices
///     var      X[i, j]                 a variable with its indices in axis order
///     delta    δ(i, j)                 Kronecker delta (1 where i = j)
///     unary    f(A)                    elementwise f, f a scalar ad::sym::Expr in one placeholder
///     add      A + B + …               indices: the union (broadcasting)
///     product  Σ_{bound} A · B · …     the out indices are kept, every other index is summed
///     lse      log Σ_i exp(A)          reduction over one index i (the rule logsumexp)
///
/// Nodes are immutable and built only through the functions below, which simplify as they
/// build: constants fold, products flatten and distribute over sums, Kronecker deltas over a
/// summed index are eliminated (the index is renamed), like terms are collected. Each node has
/// a key that is equal for equal expressions up to the names of summed indices.
/// Index ids are global to the process and not thread-safe: build tensor expressions on one
/// thread.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "ad/symbolic/expr.hpp"

namespace ad::tensor {

/// What a node is (see the file comment).
enum class Kind { constant, var, delta, unary, add, product, lse };

struct Node;
/// A shared immutable node.
using Ptr = std::shared_ptr<const Node>;
/// A set of index ids, sorted.
using Indices = std::vector<int>;

/// One node of a tensor expression.
struct Node {
    Kind kind = Kind::constant;
    Indices free;              ///< sorted free indices
    double value = 0;          ///< constant
    std::string name;          ///< var
    std::vector<int> idx;      ///< var: its indices in axis order; delta: {a, b}; lse: {reduced}
    sym::Expr fn;              ///< unary: f(u) in the placeholder u (scalar::placeholder())
    std::vector<Ptr> args;     ///< unary, lse: {A}; add: terms; product: factors
    std::string key;           ///< canonical text, equal for equal expressions
    std::size_t height = 0;    ///< 0 for leaves
};

/// A fresh index of size `dim` (a symbol such as "n" or a number).
int fresh_index(const std::string& dim);
/// The size of index i.
const std::string& index_dim(int i);

/// The constant c.
Ptr constant(double c);
/// Variable `name` with indices `idx` (axis order).
Ptr var(const std::string& name, const std::vector<int>& idx);
/// δ(a, b) (a and b of the same size); δ(a, a) is 1.
Ptr delta(int a, int b);
/// f(A) elementwise, f a scalar expression in scalar::placeholder(); a constant f is a constant.
Ptr unary(const sym::Expr& f, const Ptr& a);
/// Σ terms (broadcast over the union of their indices).
Ptr add(std::vector<Ptr> terms);
/// a + b, a − b, −a, c · a.
Ptr add(const Ptr& a, const Ptr& b);
Ptr sub(const Ptr& a, const Ptr& b);
Ptr neg(const Ptr& a);
Ptr scale(double c, const Ptr& a);
/// Σ over every index of the factors not in `out` of the product of the factors.
Ptr product(std::vector<Ptr> factors, Indices out);
/// The product node of `factors` exactly as given (no flattening, distribution or delta
/// elimination): a factored form for printing, e.g. Σ_k (A + Aᵀ)_{jk} x_k.
Ptr product_as_is(std::vector<Ptr> factors, Indices out);
/// log Σ_i exp(A) over index i of A.
Ptr lse(const Ptr& a, int i);

/// The node with free indices renamed by `from[k] → to[k]` (summed indices are never renamed:
/// they are unique to their product).
Ptr rename(const Ptr& a, const std::vector<int>& from, const std::vector<int>& to);

/// a's key with its free indices too named by order of first appearance: equal for the same
/// expression over other indices (s[i] and s[j]).
std::string pattern_key(const Ptr& a);
/// a's free indices in order of first appearance in its key (the order pattern_key names them).
std::vector<int> natural_order(const Ptr& a);

/// The coefficient of a product node (its constant factor, 1 if none) and the rest.
std::pair<double, Ptr> split_coefficient(const Ptr& a);

/// Sorted union and difference of index sets.
Indices unite(const Indices& a, const Indices& b);
Indices minus(const Indices& a, const Indices& b);
bool contains(const Indices& a, int i);

/// Most terms an expansion may produce before it is refused (a documented limit on work).
inline constexpr std::size_t max_terms = 4096;

}  // namespace ad::tensor
