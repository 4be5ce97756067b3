// Numerics at the edges, in every mode and under checked mode (which throws on the first
// non-finite value or partial, so passing means finite all the way through):
// softmax / log_softmax at logits ±1e4 and at ties, cross-entropy as p → 0 through
// log_softmax, and 1 − 1e−16 style cancellation.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ad/core/checked.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ops/ops.hpp"
#include "tests/support/close.hpp"

namespace {

using V = std::vector<double>;

/// Array view of the driver's input vector.
template <class X>
ad::Array<X> arr(const std::vector<X>& x) { return ad::Array<X>(ad::Shape{x.size()}, x); }

/// softmax in double from the definition with the max subtracted (the reference).
V softmax_ref(const V& z) {
    double m = -INFINITY;
    for (double v : z) m = std::max(m, v);
    V s(z.size());
    double t = 0;
    for (std::size_t i = 0; i < z.size(); ++i) t += s[i] = std::exp(z[i] - m);
    for (double& v : s) v /= t;
    return s;
}

/// Forward and reverse Jacobians of softmax at z under checked mode vs diag(s) − s sᵀ.
void check_softmax_jacobian(const V& z) {
    ad::checked_scope checking;
    const auto f = [](const auto& x) { return ad::softmax(arr(x)); };
    const V s = softmax_ref(z);
    const auto jr = ad::jacobian_reverse(f, z);
    const auto jf = ad::jacobian_forward(f, z);
    const std::size_t n = z.size();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            const double e = s[i] * ((i == j ? 1.0 : 0.0) - s[j]);
            INFO("J(" << i << ", " << j << ")");
            ADT_CLOSE(jr(i, j), e, 1e-300, 1e-12);
            ADT_CLOSE(jf(i, j), e, 1e-300, 1e-12);
        }
}

}  // namespace

TEST_CASE("softmax at logits ±1e4: finite values and Jacobians in both modes", "[reliability][numerics][softmax]") {
    const V z{1e4, -1e4, 0.0, 1e4 - 1.0};
    ad::checked_scope checking;
    const auto s = ad::softmax(arr(z));
    // s_0 = 1/(1 + e^−1), s_3 = e^−1/(1 + e^−1), the others underflow to exactly 0.
    ADT_CLOSE(s[0], 1.0 / (1.0 + std::exp(-1.0)), 0.0, 1e-15);
    ADT_CLOSE(s[3], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 0.0, 1e-15);
    CHECK(s[1] == 0.0);
    CHECK(s[2] == 0.0);
    check_softmax_jacobian(z);
    check_softmax_jacobian({-1e4, -1e4 + 2.0, -1e4 + 1.0});
}

TEST_CASE("softmax and log_softmax at ties: exactly uniform, symmetric Jacobian", "[reliability][numerics][softmax]") {
    const V z{3.0, 3.0, 3.0, 3.0};
    const auto s = ad::softmax(arr(z));
    for (std::size_t i = 0; i < 4; ++i) CHECK(s[i] == 0.25);
    check_softmax_jacobian(z);
    check_softmax_jacobian({1e4, 1e4});
    // log_softmax at a tie: −log 4; gradient of ls_0 is e_0 − s = (3/4, −1/4, −1/4, −1/4).
    ad::checked_scope checking;
    const auto [v, g] = ad::value_and_gradient([](const auto& x) { return ad::log_softmax(arr(x))[0]; }, z);
    ADT_CLOSE(v, -std::log(4.0), 0.0, 1e-15);
    ADT_CLOSE(g[0], 0.75, 0.0, 1e-15);
    for (std::size_t j = 1; j < 4; ++j) ADT_CLOSE(g[j], -0.25, 0.0, 1e-15);
}

TEST_CASE("log_softmax at ±1e4 is finite where log(softmax) is −inf", "[reliability][numerics][log_softmax]") {
    const V z{1e4, -1e4, 0.0};
    // The naive composition underflows: softmax(z)_1 = 0 exactly, so log gives −inf.
    CHECK(std::isinf(std::log(softmax_ref(z)[1])));
    ad::checked_scope checking;
    const auto ls = ad::log_softmax(arr(z));
    ADT_CLOSE(ls[1], -2e4, 0.0, 1e-15);
    ADT_CLOSE(ls[2], -1e4, 0.0, 1e-15);
    CHECK(ls[0] == 0.0);  // −log(1 + e^−1e4 + e^−2e4) rounds to −0
    // ∂ls_1/∂z = e_1 − s = (−1, 1, 0) up to e^−1e4: finite in both modes.
    const auto f = [](const auto& x) { return ad::log_softmax(arr(x))[1]; };
    const auto gr = ad::gradient(f, z);
    const auto jf = ad::jacobian_forward([&](const auto& x) { return std::vector{f(x)}; }, z);
    const V e{-1.0, 1.0, 0.0};
    for (std::size_t j = 0; j < 3; ++j) {
        ADT_CLOSE(gr[j], e[j], 1e-300, 1e-15);
        ADT_CLOSE(jf(0, j), e[j], 1e-300, 1e-15);
    }
}

TEST_CASE("cross-entropy as p → 0 through log_softmax: finite loss ≈ 1e4, gradient p − onehot",
          "[reliability][numerics][cross_entropy]") {
    // The target's logit is 1e4 below the others: p_t = e^−1e4/(2 + e^−1e4) underflows to 0,
    // so −log p_t from probabilities is inf, while the fused loss is 1e4 + log 2.
    const V z{0.0, -1e4, 0.0};
    const std::vector<std::size_t> target{1};
    ad::checked_scope checking;
    const auto [loss, g] = ad::value_and_gradient([&](const auto& x) { return ad::cross_entropy(arr(x), target)[0]; }, z);
    ADT_CLOSE(loss, 1e4 + std::log(2.0), 0.0, 1e-15);
    const V e{0.5, -1.0, 0.5};  // p − onehot(1), p = (½, 0, ½)
    for (std::size_t j = 0; j < 3; ++j) ADT_CLOSE(g[j], e[j], 1e-300, 1e-15);
    const auto jf = ad::jacobian_forward([&](const auto& x) { return ad::cross_entropy(arr(x), target); }, z);
    for (std::size_t j = 0; j < 3; ++j) ADT_CLOSE(jf(0, j), e[j], 1e-300, 1e-15);
    // From probabilities the same loss is not finite: checked mode names the operation.
    CHECK_THROWS_AS(ad::gradient([&](const auto& x) { return ad::cross_entropy_from_probs(ad::softmax(arr(x)), target)[0]; }, z),
                    ad::domain_error);
}

TEST_CASE("1 − 1e−16 cancellation: finite and absolutely accurate values and gradients",
          "[reliability][numerics][cancellation]") {
    // z = (0, −37): s_0 = 1/(1 + e^−37) = 1 − 8.5e−17 rounds to exactly 1 in double.
    const V z{0.0, -37.0};
    const double t = std::exp(-37.0);
    CHECK(softmax_ref(z)[0] == 1.0);
    ad::checked_scope checking;
    const auto [v, g] = ad::value_and_gradient([](const auto& x) { return ad::log_softmax(arr(x))[0]; }, z);
    // log_softmax_0 = −log1p(e^−37) ≈ −8.5e−17; gradient (1 − s_0, −s_1) = (s_1, −s_1).
    ADT_CLOSE(v, -std::log1p(t), 2e-16, 0.0);
    ADT_CLOSE(g[0], t / (1 + t), 2e-16, 0.0);
    ADT_CLOSE(g[1], -t / (1 + t), 0.0, 1e-12);  // −s_1 itself is relatively exact
    // logsumexp of (1e4, 1e4 − 37): gradient softmax = (1/(1 + t), t/(1 + t)).
    const auto gl = ad::gradient([](const auto& x) { return ad::logsumexp(arr(x))[0]; }, V{1e4, 1e4 - 37.0});
    ADT_CLOSE(gl[1], t / (1 + t), 0.0, 1e-12);
    ADT_CLOSE(gl[0], 1 / (1 + t), 0.0, 1e-15);
    // sigmoid near 1: 1 − sigmoid(37) cancels, but the derivative of sigmoid(−x) at 37 is
    // −σ(−x)(1 − σ(−x)) with σ(−37) = e^−37/(1 + e^−37): relatively exact.
    const auto gs = ad::gradient([](const auto& x) { return sigmoid(-x[0]); }, V{37.0});
    ADT_CLOSE(gs[0], -(t / (1 + t)) * (1 / (1 + t)), 0.0, 1e-12);
}

// A dominant logit: s_0 = 1 − 8.5e−17 rounds to 1, yet log_softmax_0 = −log1p(e^−37) and the
// derivatives 1 − s_0 = s_1 are tiny numbers that must come out relatively exact (not 0):
// the fused kernels form log1p(Σ_{k≠0} e^{z_k − z_0}) and 1 − s_0 as Σ_{k≠0} s_k.
TEST_CASE("1 − 1e−16 cancellation: log_softmax and softmax relatively exact for a dominant logit",
          "[reliability][numerics][cancellation]") {
    const double t = std::exp(-37.0);
    for (const V& z : {V{0.0, -37.0}, V{-37.0, 0.0}, V{5.0, -32.0, -32.0 - std::log(1e300)}}) {
        const std::size_t k = z[0] > z[1] ? 0 : 1;
        const double rest = z.size() == 3 ? t + std::exp(-37.0 - std::log(1e300)) : t;  // Σ_{j≠k} e^{z_j − z_k}
        INFO("z = (" << z[0] << ", " << z[1] << (z.size() == 3 ? ", ..." : "") << "), max at " << k);
        ad::checked_scope checking;
        const auto f = [k](const auto& x) { return ad::log_softmax(arr(x))[k]; };
        const auto [v, g] = ad::value_and_gradient(f, z);
        ADT_CLOSE(v, -std::log1p(rest), 0.0, 1e-14);
        ADT_CLOSE(g[k], rest / (1 + rest), 0.0, 1e-14);  // 1 − s_k, reverse mode
        const auto jf = ad::jacobian_forward([](const auto& x) { return ad::log_softmax(arr(x)); }, z);
        ADT_CLOSE(jf(k, k), rest / (1 + rest), 0.0, 1e-14);  // forward mode
        // softmax: ∂s_k/∂z_k = s_k (1 − s_k) ≈ rest
        const double skk = (1 / (1 + rest)) * (rest / (1 + rest));
        const auto jr = ad::jacobian_reverse([](const auto& x) { return ad::softmax(arr(x)); }, z);
        const auto js = ad::jacobian_forward([](const auto& x) { return ad::softmax(arr(x)); }, z);
        ADT_CLOSE(jr(k, k), skk, 0.0, 1e-14);
        ADT_CLOSE(js(k, k), skk, 0.0, 1e-14);
        // and the rows still sum to 0 (shift invariance) to rounding
        double row = 0;
        for (std::size_t j = 0; j < z.size(); ++j) row += jr(k, j);
        CHECK(std::abs(row) <= 1e-30);
    }
}
