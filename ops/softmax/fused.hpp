#pragma once
/// \file fused.hpp
/// softmax, log_softmax, logsumexp (and cross_entropy's rows) over the last axis of an array, by the fused rules of
/// ops/rules/fused.hpp (their formulas and derivative rules are documented there). Each AD type
/// evaluates them through `fused_mode<X>`: Dual and Var specialise it in their own headers (the
/// rule's JVP per lane; one external tape statement whose sweep runs the rule's VJP); plain
/// numbers and every other AD type (the symbolic Expr) take the primary template here.
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "ad/core/checked.hpp"
#include "ops/array/reduce.hpp"
#include "ops/rules/fused.hpp"

namespace ad {

namespace detail {

/// The same stable functions composed from primitives (for AD types without a fused rule, i.e.
/// the symbolic Expr): per row c = stop_gradient(max z) (a constant shift: the functions do not
/// depend on it, so it needs no derivative), d = z − c (exact), ℓ = logsumexp(d) ∈ [0, log Q]
/// (the n-ary rule, itself stable), then log_softmax = d − ℓ, softmax = exp(d − ℓ),
/// logsumexp = c + ℓ, cross_entropy = −(d_t − ℓ). Right at any logits (even 1e35, where exp(z − logsumexp z) would lose
/// everything to rounding), and the rule's partials ∂ℓ/∂dⱼ = exp(dⱼ − ℓ) are the softmax nodes
/// themselves, so the Jacobian stays about one shared node per entry.
template <fused_kind K, class X>
std::vector<X> fused_composed(std::span<const X> z, std::size_t Q, std::span<const std::size_t> targets) {
    const std::size_t M = z.size() / Q;
    std::vector<X> out;
    out.reserve(rules::fused::outputs<K>(z.size(), Q));
    for (std::size_t r = 0; r < M; ++r) {
        const std::span<const X> row(z.data() + r * Q, Q);
        const X c = stop_gradient(max(row));
        std::vector<X> d;
        d.reserve(Q);
        for (const X& x : row) d.push_back(x - c);
        const X l = logsumexp(std::span<const X>(d));
        if constexpr (K == fused_kind::logsumexp) out.push_back(c + l);
        else if constexpr (K == fused_kind::cross_entropy) out.push_back(X(-X(d[targets[r]] - l)));
        else
            for (const X& v : d) {
                if constexpr (K == fused_kind::softmax) out.push_back(exp(X(v - l)));
                else out.push_back(X(v - l));
            }
    }
    return out;
}

}  // namespace detail

/// Plain numbers: the rule's values. Any AD type without a fused path of its own (the symbolic
/// Expr): the same stable functions composed from primitives (above).
template <class X>
struct fused_mode {
    /// The M·Q outputs of rule K on the rows of z (M for logsumexp and cross_entropy).
    template <fused_kind K>
    static std::vector<X> rows(std::span<const X> z, std::size_t Q, std::span<const std::size_t> targets) {
        if constexpr (is_ad_type_v<X>) return detail::fused_composed<K, X>(z, Q, targets);
        else {
            std::vector<X> s;
            std::vector<std::size_t> kmax;
            std::vector<X> y = rules::fused::values<K, X>(z, Q, targets, s, kmax);
            detail::check_values(rules::fused::name(K), std::span<const X>(y));
            return y;
        }
    }
};

/// Row-wise (last axis) fused function of kind K (see ops/rules/fused.hpp for its rules).
/// Q = 0 gives an empty result (logsumexp of an empty row is −inf).
template <fused_kind K, class X>
Array<X> fused_rowwise(const Array<X>& z) {
    if (z.ndim() == 0) throw shape_error(std::string(rules::fused::name(K)) + " needs at least one axis", z.shape());
    const std::size_t Q = z.shape().back();
    static_assert(K != fused_kind::cross_entropy, "cross_entropy takes targets: ad::cross_entropy (ops/softmax/cross_entropy.hpp)");
    Shape oshape = K == fused_kind::logsumexp ? Shape(z.shape().begin(), z.shape().end() - 1) : z.shape();
    if (Q == 0)  // empty rows
        return Array<X>(oshape, K == fused_kind::logsumexp ? X(-std::numeric_limits<double>::infinity()) : X(0));
    return Array<X>(std::move(oshape), fused_mode<X>::template rows<K>(std::span<const X>(z.data(), z.size()), Q, {}));
}

}  // namespace ad
