// ad::check::check_claim, the C++ counterpart of `adiff check`: hand-derived Jacobians and
// gradients judged at 50 digits (100 for the entries that fail), with the worst entry by its
// (row, column). Claims from the seeds: softmax's diag(s) − s sᵀ, cross-entropy's p − y.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "ad/adiff.hpp"
#include "ad/check/claim.hpp"

using ad::check::check_claim;

namespace {

/// Softmax from exp / sum / divide, generic over the number type.
auto softmax_f = [](const auto& z) {
    using std::exp;
    using X = std::decay_t<decltype(z[0])>;
    std::vector<X> e;
    X total(0);
    for (const auto& v : z) e.push_back(exp(v)), total += e.back();
    for (auto& v : e) v /= total;
    return e;
};

/// The seed-001 closed form diag(s) − s sᵀ, with entry (pi, pj) changed by `delta` (0: the truth).
auto softmax_claim(std::size_t pi = 0, std::size_t pj = 0, double delta = 0) {
    return [=](const auto& z) {
        const auto s = softmax_f(z);
        using X = std::decay_t<decltype(s[0])>;
        const std::size_t Q = s.size();
        ad::Array<X> J(ad::Shape{Q, Q});
        for (std::size_t i = 0; i < Q; ++i)
            for (std::size_t j = 0; j < Q; ++j) J(i, j) = (i == j ? s[i] : X(0)) - s[i] * s[j] + (i == pi && j == pj ? X(delta) : X(0));
        return J;
    };
}

const std::vector<double> z1357{1, 3, 5, 7};  // seed 001's logits

}  // namespace

TEST_CASE("check_claim: seed 001's softmax Jacobian diag(s) - s s^T agrees to 50 digits", "[check][claim]") {
    const auto r = check_claim(softmax_f, softmax_claim(), z1357);
    CHECK(r.ok);
    CHECK(r.rows == 4);
    CHECK(r.cols == 4);
    CHECK(r.differing == 0);
    CHECK(r.worst_rel < 1e-45);  // AD and the closed form at 50 digits: rounding only
    CHECK(r.message.rfind("agrees: all 16 entries", 0) == 0);
    // the printed worst entry is one of the Jacobian's values (seed 001: J(3,3) = 0.116807938...)
    CHECK(std::stod(r.worst_derivative) == Approx(std::stod(r.worst_claim)).epsilon(1e-15));
}

TEST_CASE("check_claim: one wrong entry is refuted and named by its (row, column)", "[check][claim]") {
    for (auto [i, j, delta] : {std::tuple<std::size_t, std::size_t, double>{2, 1, 1e-3}, {0, 3, -1e-12}, {3, 3, 1e-25}}) {
        const auto r = check_claim(softmax_f, softmax_claim(i, j, delta), z1357);
        INFO(r.message);
        CHECK_FALSE(r.ok);
        CHECK(r.differing == 1);
        CHECK(r.worst_row == i);
        CHECK(r.worst_col == j);
        CHECK(r.worst_verdict == ad::check::entry_verdict::differs);
        CHECK(r.message.rfind("refuted: 1 of 16 entries differ; worst entry (" + std::to_string(i) + ", " + std::to_string(j) + ")", 0) == 0);
    }
    // the sign error s s^T - diag(s): every entry differs (the off-diagonal ones too)
    auto flipped = [](const auto& z) {
        auto J = softmax_claim()(z);
        for (auto& v : J) v = -v;
        return J;
    };
    const auto r = check_claim(softmax_f, flipped, z1357);
    CHECK_FALSE(r.ok);
    CHECK(r.differing == 16);
    CHECK(r.worst_rel == Approx(2.0));  // |J − (−J)| / max(|J|, |−J|) = 2
}

TEST_CASE("check_claim: the cross-entropy gradient p - y (one output: the claim is the gradient)", "[check][claim]") {
    const std::size_t target = 2;
    auto ce = [&](const auto& z) {
        using std::log;
        return -log(softmax_f(z)[target]);
    };
    auto p_minus_y = [&](const auto& z) {
        auto p = softmax_f(z);
        p[target] -= 1;
        return p;
    };
    const auto r = check_claim(ce, p_minus_y, std::vector<double>{0.5, -1.25, 2.0, 0.125, -3.0});
    CHECK(r.ok);
    CHECK(r.rows == 1);
    CHECK(r.cols == 5);
    // the common slip p - 1 at every entry
    auto wrong = [&](const auto& z) {
        auto p = softmax_f(z);
        for (auto& v : p) v -= 1;
        return p;
    };
    const auto w = check_claim(ce, wrong, std::vector<double>{0.5, -1.25, 2.0, 0.125, -3.0});
    CHECK_FALSE(w.ok);
    CHECK(w.differing == 4);  // all but the target entry
    CHECK(w.worst_row == 0);
    CHECK(w.worst_col != target);
}

TEST_CASE("check_claim: a truncated constant is refuted, a claim that loses digits is confirmed at 100", "[check][claim]") {
    // d/dx x^3/3 = x^2; the claim 0.3333333333 * 3 x^2 is wrong in the 11th digit
    auto cube = [](const auto& x) { return x[0] * x[0] * x[0] / 3; };
    auto truncated = [](const auto& x) { return x[0] * x[0] * 3 * 0.3333333333; };
    const auto t = check_claim(cube, truncated, std::vector<double>{1.7});
    CHECK_FALSE(t.ok);
    CHECK(t.worst_rel == Approx(1e-10).epsilon(0.01));
    // f = exp(x) − x at x = 1e-35: AD's f′ = exp(x) − 1 cancels (15 of 50 digits left), the
    // claim x + x²/2 is exact to 1e-71; at 100 digits they agree: confirmed, not refuted
    auto f = [](const auto& x) { using std::exp; return exp(x[0]) - x[0]; };
    auto series = [](const auto& x) { return x[0] + x[0] * x[0] / 2; };
    const auto c = check_claim(f, series, std::vector<double>{1e-35});
    INFO(c.message);
    CHECK(c.ok);
    CHECK(c.confirmed == 1);
    CHECK(c.worst_rel > 1e-30);  // it failed at 50 digits
    // the tolerances are settable: at 1e-12 the truncated constant still fails, at 1e-9 it passes
    CHECK_FALSE(check_claim(cube, truncated, std::vector<double>{1.7}, {1e-12, 1e-12}).ok);
    CHECK(check_claim(cube, truncated, std::vector<double>{1.7}, {1e-9, 1e-9}).ok);
}

TEST_CASE("check_claim: bad input is a typed exception, never a verdict", "[check][claim]") {
    // a 3x4 claim for a 4x4 Jacobian
    auto short_claim = [](const auto& z) {
        using X = std::decay_t<decltype(z[0])>;
        return ad::Array<X>(ad::Shape{3, 4}, X(0));
    };
    CHECK_THROWS_AS(check_claim(softmax_f, short_claim, z1357), ad::shape_error);
    // a NaN in the claim, an infinite derivative: domain_error naming the entry
    auto nan_claim = [](const auto& z) {
        auto J = softmax_claim()(z);
        using std::sqrt;
        J(1, 2) = sqrt(J(1, 2) - 1);
        return J;
    };
    CHECK_THROWS_WITH(check_claim(softmax_f, nan_claim, z1357), Catch::Contains("the claim's entry (1, 2)"));
    auto sqrt_f = [](const auto& x) { using std::sqrt; return sqrt(x[0]); };
    auto half = [](const auto& x) { return 0.5 / x[0]; };
    CHECK_THROWS_AS(check_claim(sqrt_f, half, std::vector<double>{0.0}), ad::domain_error);
    CHECK_THROWS_AS(check_claim(softmax_f, softmax_claim(), z1357, {0, 1e-60}), ad::error);
    // no inputs: nothing to judge
    const auto e = check_claim([](const auto& x) { return x; }, [](const auto& x) { return x; }, std::vector<double>{});
    CHECK(e.ok);
}
