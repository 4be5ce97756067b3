#pragma once
/// \file cross_entropy.hpp
/// Cross-entropy of softmax(logits) against integer class targets or probability targets, per
/// row, by the fused rules (ops/rules/fused.hpp): integer targets by the cross_entropy rule,
/// probability targets on the fused log_softmax; the gradient wrt the logits is p − y (seed 002).
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "ops/softmax/fused.hpp"
#include "ops/softmax/log_softmax.hpp"

namespace ad {

namespace detail {
template <class X>
std::size_t ce_rows(const Array<X>& z, const char* what) {
    if (z.ndim() != 1 && z.ndim() != 2) throw shape_error(std::string(what) + " expects 1-D or 2-D logits", z.shape());
    return z.ndim() == 1 ? 1 : z.rows();
}
}  // namespace detail

/// Per-row loss ℓ_r = −log σ(z_r)_{t_r} for logits (M, Q) (or (Q) with one target);
/// ∂ℓ_r/∂z_r = σ(z_r) − e_{t_r}. Result shape (M) (or {} for 1-D logits). One fused rule
/// (ops/rules/fused.hpp): one output per row, no log_softmax row formed, bit for bit
/// −log_softmax(z_r)[t_r]. The targets: a vector, an array or any contiguous range of
/// std::size_t, or a braced list (`cross_entropy(z, {t})`: no vector is built for it).
template <class X>
Array<X> cross_entropy(const Array<X>& logits, std::span<const std::size_t> targets) {
    const std::size_t M = detail::ce_rows(logits, "cross_entropy");
    if (targets.size() != M) throw size_error("cross_entropy: number of targets vs rows of logits", M, targets.size());
    const std::size_t Q = logits.shape().back();
    for (const std::size_t t : targets)
        if (t >= Q) throw size_error("cross_entropy: target " + std::to_string(t) + " not below the number of classes", Q, t);
    Shape oshape = logits.ndim() == 1 ? Shape{} : Shape{M};
    if (M == 0) return Array<X>(std::move(oshape), std::vector<X>{});
    return Array<X>(std::move(oshape), fused_mode<X>::template rows<fused_kind::cross_entropy>(
                                           std::span<const X>(logits.data(), logits.size()), Q, targets));
}
template <class X>
Array<X> cross_entropy(const Array<X>& logits, std::initializer_list<std::size_t> targets) {
    return cross_entropy(logits, std::span<const std::size_t>(targets.begin(), targets.size()));
}

/// Per-row loss ℓ_r = −Σ_k y_rk log σ(z_r)_k for probability targets y of logits' shape
/// (terms with y = 0 are skipped, so 0·log 0 counts as 0); ∂ℓ_r/∂z_r = σ(z_r)·Σy_r − y_r.
template <class X, class P>
Array<X> cross_entropy(const Array<X>& logits, const Array<P>& target_probs) {
    const std::size_t M = detail::ce_rows(logits, "cross_entropy");
    if (target_probs.shape() != logits.shape()) throw shape_error("cross_entropy (probability targets)", logits.shape(), target_probs.shape());
    const std::size_t Q = logits.shape().back();
    const Array<X> ls = log_softmax(logits);
    std::vector<X> out(M), terms;
    for (std::size_t r = 0; r < M; ++r) {
        terms.clear();
        for (std::size_t k = 0; k < Q; ++k)
            if (!(target_probs[r * Q + k] == P(0))) terms.push_back(X(target_probs[r * Q + k] * ls[r * Q + k]));
        out[r] = X(-sum(std::span<const X>(terms)));
    }
    return Array<X>(logits.ndim() == 1 ? Shape{} : Shape{M}, std::move(out));
}

/// Seed 002's CategoricalCrossEntropyLoss on probabilities: ℓ_r = −log p_{r,t_r} (∂ = −1/p; log 0 = −inf).
/// The targets as for cross_entropy.
template <class X>
Array<X> cross_entropy_from_probs(const Array<X>& probs, std::span<const std::size_t> targets) {
    const std::size_t M = detail::ce_rows(probs, "cross_entropy_from_probs");
    if (targets.size() != M) throw size_error("cross_entropy_from_probs: number of targets vs rows", M, targets.size());
    const std::size_t Q = probs.shape().back();
    std::vector<X> out(M);
    for (std::size_t r = 0; r < M; ++r) {
        if (targets[r] >= Q) throw size_error("cross_entropy_from_probs: target not below the number of classes", Q, targets[r]);
        using std::log;
        out[r] = X(-log(probs[r * Q + targets[r]]));
    }
    return Array<X>(probs.ndim() == 1 ? Shape{} : Shape{M}, std::move(out));
}
template <class X>
Array<X> cross_entropy_from_probs(const Array<X>& probs, std::initializer_list<std::size_t> targets) {
    return cross_entropy_from_probs(probs, std::span<const std::size_t>(targets.begin(), targets.size()));
}

}  // namespace ad
