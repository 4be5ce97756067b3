// Replay: record once, re-evaluate value and gradient at new points without calling the
// user's function; a comparison that changes outcome at the new point throws.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/reverse/replay.hpp"
#include "support/close.hpp"

namespace {

/// Stable softmax + cross-entropy with n-ary max and sum; ∇ = softmax(z) − onehot(t).
template <class X>
X softmax_ce(const std::vector<X>& z, std::size_t t) {
    using std::exp, std::log;
    const X m = ad::max(z);
    std::vector<X> e(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) e[i] = exp(z[i] - m);
    const X s = ad::sum(e);
    return -log(e[t] / s);
}

std::vector<double> softmax_ce_grad(const std::vector<double>& z, std::size_t t) {
    double m = z[0];
    for (double v : z) m = std::max(m, v);
    std::vector<double> p(z.size());
    double s = 0;
    for (std::size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp(z[i] - m);
    for (double& v : p) v /= s;
    p[t] -= 1;
    return p;
}

}  // namespace

TEST_CASE("replay re-evaluates value and gradient at new points without calling f", "[replay]") {
    int calls = 0;
    auto f = [&calls](const auto& z) { ++calls; return softmax_ce(z, 2); };
    ad::Replay<double> r(f, {1.0, -2.0, 3.0, 0.5});
    CHECK(calls == 1);
    CHECK(r.inputs() == 4);
    CHECK(r.outputs() == 1);
    // new points, including one where the argmax moves (max is a primitive: its own branch is re-evaluated)
    for (const std::vector<double>& z : {std::vector<double>{1.0, -2.0, 3.0, 0.5}, {0.2, 0.1, -0.3, 4.0},
                                         {9.0, -9.0, 2.5, 2.5}, {-1.0, -1.0, -1.0, -1.0}}) {
        const auto [v, g] = r.value_and_gradient(z);
        const auto [v_ref, g_ref] = ad::value_and_gradient([](const auto& x) { return softmax_ce(x, 2); }, z);
        ADT_CLOSE(v, v_ref, 1e-14, 1e-14);
        const auto g_cf = softmax_ce_grad(z, 2);
        REQUIRE(g.size() == 4);
        for (std::size_t i = 0; i < 4; ++i) {
            ADT_CLOSE(g[i], g_ref[i], 1e-14, 1e-12);
            ADT_CLOSE(g[i], g_cf[i], 1e-14, 1e-12);
        }
    }
    CHECK(calls == 1);
}

TEST_CASE("replay handles constants, stateful rules and shared subexpressions", "[replay]") {
    // f = pow(x0, 3) * sin(x1) + 2.5 / x0 + pow(x1, 1.5) + (x0 * x1) * (x0 * x1)
    auto f = [](const auto& x) {
        const auto u = x[0] * x[1];
        return pow(x[0], 3) * sin(x[1]) + 2.5 / x[0] + pow(x[1], 1.5) + u * u;
    };
    ad::Replay<double> r(f, {1.3, 0.7});
    for (const std::vector<double>& x : {std::vector<double>{1.3, 0.7}, {-0.4, 2.0}, {2.0, 0.25}}) {
        const double a = x[0], b = x[1];
        const auto [v, g] = r.value_and_gradient(x);
        ADT_CLOSE(v, a * a * a * std::sin(b) + 2.5 / a + std::pow(b, 1.5) + a * a * b * b, 1e-13, 1e-13);
        ADT_CLOSE(g[0], 3 * a * a * std::sin(b) - 2.5 / (a * a) + 2 * a * b * b, 1e-12, 1e-12);
        ADT_CLOSE(g[1], a * a * a * std::cos(b) + 1.5 * std::sqrt(b) + 2 * a * a * b, 1e-12, 1e-12);
        for (std::size_t j = 0; j < 2; ++j) {
            const double cd = adt::central_difference([&](double t) { auto y = x; y[j] = t; return r.values(y)[0]; }, x[j]);
            ADT_CLOSE(g[j], cd, 1e-6, 1e-6);
        }
    }
}

TEST_CASE("replay detects a branch taken differently at the new point", "[replay][branch]") {
    // |x0|·x1 written with an explicit branch: the recorded path is only valid for x0 > 0
    auto f = [](const auto& x) {
        if (x[0] > 0) return x[0] * x[1];
        return -x[0] * x[1];
    };
    ad::Replay<double> r(f, {2.0, 3.0});
    CHECK(r.comparisons() == 1);
    const auto [v, g] = r.value_and_gradient({5.0, -1.0});  // same branch: fine
    CHECK(v == -5.0);
    CHECK(g[0] == -1.0);
    CHECK(g[1] == 5.0);
    // the other branch: must throw rather than return 5·(−1) with the wrong gradient
    CHECK_THROWS_AS(r.value_and_gradient({-5.0, -1.0}), ad::tape_error);
    CHECK_THROWS_WITH(r.values({-5.0, -1.0}), Catch::Contains("comparison #0") && Catch::Contains("record it again"));
    // the boundary itself changes the outcome of x0 > 0 too
    CHECK_THROWS_AS(r.values({0.0, 1.0}), ad::tape_error);
    // a comparison between two traced values, and with the constant on the left
    auto h = [](const auto& x) { return (1.0 < x[0] && x[0] <= x[1]) ? x[1] - x[0] : x[0] * x[0]; };
    ad::Replay<double> rh(h, {2.0, 3.0});
    CHECK(rh.comparisons() == 2);
    CHECK(rh.gradient({1.5, 4.0}) == std::vector<double>{-1.0, 1.0});
    CHECK_THROWS_AS(rh.gradient({3.5, 3.0}), ad::tape_error);  // x0 <= x1 flips
    CHECK_THROWS_AS(rh.gradient({0.5, 3.0}), ad::tape_error);  // 1 < x0 flips
}

TEST_CASE("replay rejects a wrong number of inputs and a non-scalar gradient", "[replay][errors]") {
    auto f = [](const auto& x) { return x[0] * x[1]; };
    ad::Replay<double> r(f, {1.0, 2.0});
    CHECK_THROWS_AS(r.value_and_gradient({1.0}), ad::size_error);
    auto g = [](const auto& x) { return std::vector{x[0], x[0] * x[0]}; };
    ad::Replay<double> rg(g, {3.0});
    CHECK_THROWS_AS(rg.gradient({1.0}), ad::size_error);
    CHECK(rg.values({4.0}) == std::vector<double>{4.0, 16.0});
    // a Traced value used outside a recording is a tape_error, not a crash
    ad::Traced<double> a(1.0, 0), b(2.0, 1);
    CHECK_THROWS_AS(a * b, ad::tape_error);
}

TEST_CASE("replay keeps working in long double", "[replay]") {
    auto f = [](const auto& x) { return exp(x[0]) * log(x[1]); };
    ad::Replay<long double> r(f, {0.5L, 2.0L});
    const auto [v, g] = r.value_and_gradient({1.0L, 3.0L});
    ADT_CLOSE(v, std::exp(1.0L) * std::log(3.0L), 1e-17L, 1e-17L);
    ADT_CLOSE(g[0], std::exp(1.0L) * std::log(3.0L), 1e-17L, 1e-17L);
    ADT_CLOSE(g[1], std::exp(1.0L) / 3.0L, 1e-17L, 1e-17L);
}
