// Cross-entropy against integer targets is one fused rule (ops/rules/fused.hpp): one output per
// row and no log_softmax row. Its values are −log_softmax(z)[t] bit for bit in every mode, its
// gradient is the composition's bit for bit (double, Var, Dual), relatively exact where the
// target is the dominant logit (1 − s_t without cancellation), and a reverse recording holds one
// adjoint per row instead of one per logit.
#include <cmath>
#include <random>
#include <vector>

#include "array/helpers.hpp"
#include "support/bits.hpp"

using ad::Array;
using ad::Shape;
namespace cf = ad::closed_form;

namespace {

using adt::same_bits;

/// M rows of Q logits in [−30, 30], and one target per row.
Array<double> random_logits(std::size_t M, std::size_t Q, unsigned seed, std::vector<std::size_t>& t) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-30.0, 30.0);
    Array<double> z(Shape{M, Q});
    for (double& v : z) v = u(rng);
    t.resize(M);
    for (std::size_t r = 0; r < M; ++r) t[r] = (r * 7 + 3) % Q;
    // a row whose target is its largest entry, and one whose target is a tie with it
    if (M > 1 && Q > 1) {
        z(0, t[0]) = 45.0;
        z(1, t[1]) = 40.0, z(1, (t[1] + 1) % Q) = 40.0;
    }
    return z;
}

/// Σ_r ℓ_r by the fused rule, and the same written as −log_softmax(z)[t] (the composition).
auto ce_rule(const std::vector<std::size_t>& t, std::size_t M, std::size_t Q) {
    return [t, M, Q](const auto& x) {
        using X = std::remove_cvref_t<decltype(x[0])>;
        return ad::sum(ad::cross_entropy(Array<X>(Shape{M, Q}, std::vector<X>(x.begin(), x.end())), t));
    };
}
auto ce_composed(const std::vector<std::size_t>& t, std::size_t M, std::size_t Q) {
    return [t, M, Q](const auto& x) {
        using X = std::remove_cvref_t<decltype(x[0])>;
        const Array<X> ls = ad::log_softmax(Array<X>(Shape{M, Q}, std::vector<X>(x.begin(), x.end())));
        std::vector<X> terms;
        for (std::size_t r = 0; r < M; ++r) terms.push_back(X(-ls[r * Q + t[r]]));
        return ad::sum(std::span<const X>(terms));
    };
}

}  // namespace

TEST_CASE("cross_entropy rule: values are −log_softmax[t] bit for bit in double, Var and Dual", "[softmax][cross_entropy][fused]") {
    for (const auto& [M, Q] : {std::pair<std::size_t, std::size_t>{1, 1}, {2, 3}, {5, 7}, {3, 64}, {2, 1000}}) {
        std::vector<std::size_t> t;
        const Array<double> z = random_logits(M, Q, unsigned(M * 31 + Q), t);
        const Array<double> ls = ad::log_softmax(z);
        const Array<double> ce = ad::cross_entropy(z, t);
        ad::Tape<double> tape;
        ad::recording<double> rec(tape);
        const auto cv = ad::cross_entropy(ad::cast<ad::Var<double>>(z), t);
        const auto cd = ad::cross_entropy(ad::cast<ad::Dual<double, 3>>(z), t);
        REQUIRE(ce.size() == M);
        for (std::size_t r = 0; r < M; ++r) {
            CAPTURE(M, Q, r);
            CHECK(same_bits(ce[r], -ls[r * Q + t[r]]));
            CHECK(same_bits(ad::val(cv[r]), ce[r]));
            CHECK(same_bits(ad::val(cd[r]), ce[r]));
            CHECK(ce[r] >= 0.0);
        }
    }
}

TEST_CASE("cross_entropy rule: gradient equals the composition's bit for bit, forward and reverse, and p − e_t",
          "[softmax][cross_entropy][fused][forward][reverse]") {
    for (const auto& [M, Q] : {std::pair<std::size_t, std::size_t>{1, 2}, {2, 3}, {4, 10}, {3, 100}}) {
        std::vector<std::size_t> t;
        const Array<double> z = random_logits(M, Q, unsigned(M * 17 + Q), t);
        const std::vector<double>& x = z.values();
        const std::vector<double> g_rule = ad::gradient(ce_rule(t, M, Q), x);
        const std::vector<double> g_comp = ad::gradient(ce_composed(t, M, Q), x);
        const Array<double> gf_rule = ad::jacobian_forward(ce_rule(t, M, Q), x);
        const Array<double> gf_comp = ad::jacobian_forward(ce_composed(t, M, Q), x);
        const Array<double> want = cf::cross_entropy_softmax_gradient(ad::softmax(z), t);
        std::size_t differ = 0;
        for (std::size_t k = 0; k < x.size(); ++k) {
            differ += !same_bits(g_rule[k], g_comp[k]) + !same_bits(gf_rule[k], gf_comp[k]);
            CHECK(g_rule[k] == Approx(want[k]).margin(1e-16));
            CHECK(same_bits(gf_rule[k], g_rule[k]));
        }
        CAPTURE(M, Q);
        CHECK(differ == 0);
    }
}

TEST_CASE("cross_entropy rule: the dominant target's s_t − 1 is relatively exact (not 0 or rounding noise)",
          "[softmax][cross_entropy][fused][stability]") {
    // s_0 = 1/(1 + e^-40 + e^-43): s_0 − 1 ≈ −4.4e−18 lies far below double's spacing at 1,
    // so p − e_t formed as s_0 − 1 would give 0; the rule forms −(1 − s_0) = −r/(1 + r).
    const std::vector<double> x{40.0, 0.0, -3.0};
    const std::vector<std::size_t> t{0};
    auto f = ce_rule(t, 1, 3);
    const std::vector<ad::mp50> x50{ad::mp50(40), ad::mp50(0), ad::mp50(-3)};
    const Array<ad::mp50> want = cf::cross_entropy_softmax_gradient(ad::softmax(Array<ad::mp50>(Shape{1, 3}, x50)), t);
    const std::vector<double> gr = ad::gradient(f, x);
    const Array<double> gf = ad::jacobian_forward(f, x);
    for (std::size_t k = 0; k < 3; ++k) {
        const double w = static_cast<double>(want[k]);
        CAPTURE(k, w, gr[k], gf[k]);
        CHECK(w != 0.0);
        CHECK(std::abs(gr[k] - w) <= 4e-16 * std::abs(w));
        CHECK(std::abs(gf[k] - w) <= 4e-16 * std::abs(w));
    }
    CHECK(gr[0] == Approx(-(std::exp(-40.0) + std::exp(-43.0))).epsilon(1e-14));
    // The loss itself: log1p(e^-40 + e^-43) ≈ 4.4e−18, relatively exact too.
    const double loss = ad::cross_entropy(Array<double>(Shape{1, 3}, x), t)[0];
    CHECK(loss == Approx(std::exp(-40.0) + std::exp(-43.0)).epsilon(1e-14));
}

TEST_CASE("cross_entropy rule at 50 digits and in the Hessian: p − e_t and diag(p) − ppᵀ", "[softmax][cross_entropy][fused][hessian]") {
    const std::vector<std::size_t> t{1, 0};
    const std::vector<ad::mp50> x{ad::mp50("0.25"), ad::mp50(-2), ad::mp50(3), ad::mp50("1.5"), ad::mp50(1), ad::mp50("-0.75")};
    const std::vector<ad::mp50> g = ad::gradient(ce_rule(t, 2, 3), x);
    const Array<ad::mp50> want = cf::cross_entropy_softmax_gradient(ad::softmax(Array<ad::mp50>(Shape{2, 3}, x)), t);
    for (std::size_t k = 0; k < x.size(); ++k) CHECK(abs(g[k] - want[k]) < ad::mp50("1e-45"));
    // Hessian (Var<Dual>): block diagonal, each block diag(p_r) − p_r p_rᵀ.
    std::vector<double> xd;
    for (const auto& v : x) xd.push_back(static_cast<double>(v));
    const Array<double> H = ad::hessian(ce_rule(t, 2, 3), xd);
    const Array<double> P = ad::softmax(Array<double>(Shape{2, 3}, xd));
    for (std::size_t i = 0; i < 6; ++i)
        for (std::size_t j = 0; j < 6; ++j) {
            const std::size_t r = i / 3;
            const double w = r != j / 3 ? 0.0 : (i == j ? P[i] : 0.0) - P[i] * P[j];
            CAPTURE(i, j);
            CHECK(H(i, j) == Approx(w).margin(1e-15));
        }
}

TEST_CASE("cross_entropy rule in reverse mode: one adjoint per row, not one per logit", "[softmax][cross_entropy][fused][tape]") {
    const std::size_t M = 20, Q = 50;
    std::vector<std::size_t> t;
    const Array<double> z = random_logits(M, Q, 5u, t);
    auto statements = [&](auto f) {
        ad::Tape<double> tape;
        ad::recording<double> rec(tape);
        std::vector<ad::Var<double>> x;
        for (double v : z) x.push_back(ad::Var<double>::input(v));
        const std::size_t before = tape.size();
        (void)f(x);
        return tape.size() - before;
    };
    // the rule: M outputs and the sum; the composition: M·Q log_softmax outputs, M negations, the sum
    CHECK(statements(ce_rule(t, M, Q)) == M + 1);
    CHECK(statements(ce_composed(t, M, Q)) == M * Q + M + 1);
}

TEST_CASE("cross_entropy rule: bad targets, empty batches, non-finite logits", "[softmax][cross_entropy][fused][bad_input]") {
    const Array<double> Z{{1, 2, 3}, {0, 0, 0}};
    CHECK_THROWS_AS(ad::cross_entropy(Z, std::vector<std::size_t>{0, 3}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Z, std::vector<std::size_t>{0}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Array<double>(Shape{3}, 0.0), std::vector<std::size_t>{0, 0}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Array<double>(Shape{0}), std::vector<std::size_t>{0}), ad::size_error);
    CHECK(ad::cross_entropy(Array<double>(Shape{0, 4}), std::vector<std::size_t>{}).shape() == Shape{0});
    CHECK(ad::cross_entropy(Array<double>(Shape{3}, 0.0), std::vector<std::size_t>{2})[0] == Approx(std::log(3.0)));
    // a −inf target logit: the loss is +inf; checked mode names the rule
    const double inf = std::numeric_limits<double>::infinity();
    const Array<double> W{{0.0, -inf, 1.0}};
    CHECK(ad::cross_entropy(W, std::vector<std::size_t>{1})[0] == inf);
    CHECK(ad::cross_entropy(W, std::vector<std::size_t>{0})[0] == Approx(std::log1p(std::exp(1.0))));
    ad::checked_scope scope;
    try {
        (void)ad::cross_entropy(W, std::vector<std::size_t>{1});
        FAIL("no error");
    } catch (const ad::domain_error& e) {
        CHECK(std::string(e.what()).find("cross_entropy") != std::string::npos);
    }
}

TEST_CASE("fused statements on consecutive, scattered and partly constant inputs give the same gradients",
          "[softmax][cross_entropy][fused][reverse]") {
    // The Var mode stores only the first input of consecutive statements (a driver's inputs, an
    // earlier array statement's outputs) and adds into a contiguous range of adjoints; any other
    // inputs keep one index each. Both layouts, and constants among the inputs, must agree.
    const std::size_t M = 3, Q = 7;
    std::vector<std::size_t> t;
    const Array<double> z = random_logits(M, Q, 11u, t);
    const std::vector<double>& x = z.values();
    using V = ad::Var<double>;
    // weights so that every output's adjoint differs (a plain sum would hide a row mix-up)
    auto weighted = [](const std::vector<V>& y) {
        V acc(0.0);
        for (std::size_t k = 0; k < y.size(); ++k) acc = V(acc + V(y[k] * double(k % 5 + 1)));
        return acc;
    };
    auto apply = [&](int kind, const Array<V>& a) {
        switch (kind) {
        case 0: return ad::softmax(a).values();
        case 1: return ad::log_softmax(a).values();
        case 2: return ad::logsumexp(a).values();
        default: return ad::cross_entropy(a, t).values();
        }
    };
    for (int kind = 0; kind < 4; ++kind) {
        CAPTURE(kind);
        // consecutive: the driver's inputs as they are
        const std::vector<double> g_cons = ad::gradient([&](const std::vector<V>& v) { return weighted(apply(kind, Array<V>(Shape{M, Q}, v))); }, x);
        // scattered: each input copied through a statement of its own, recorded last to first
        // (decreasing statement numbers; ×2 then ×0.5 is exact)
        bool scattered = false;
        const std::vector<double> g_scat = ad::gradient(
            [&](const std::vector<V>& v) {
                std::vector<V> w(v.size());
                for (std::size_t k = v.size(); k-- > 0;) w[k] = V(V(v[k] * 2.0) * 0.5);
                scattered = w[0].i != ad::inactive && w[1].i != w[0].i + 1;
                return weighted(apply(kind, Array<V>(Shape{M, Q}, w)));
            },
            x);
        CHECK(scattered);
        REQUIRE(g_cons.size() == g_scat.size());
        for (std::size_t k = 0; k < x.size(); ++k) CHECK(g_cons[k] == Approx(g_scat[k]).margin(1e-15));
        // one input a constant: its gradient entry is 0, the others unchanged; in the middle,
        // and first (the run of indices then starts with none)
        for (const std::size_t c : {std::size_t(4), std::size_t(0)}) {
            CAPTURE(c);
            const std::vector<double> g_const = ad::gradient(
                [&](const std::vector<V>& v) {
                    std::vector<V> w(v);
                    w[c] = V(ad::val(v[c]));
                    return weighted(apply(kind, Array<V>(Shape{M, Q}, w)));
                },
                x);
            CHECK(g_const[c] == 0.0);
            for (std::size_t k = 0; k < x.size(); ++k)
                if (k != c) CHECK(g_const[k] == Approx(g_cons[k]).margin(1e-15));
        }
        // two neighbours swapped (indices i0, i0 + 2, i0 + 1, i0 + 3, ...: not one run):
        // softmax and log_softmax swap their outputs back, logsumexp does not see the order, so
        // the function is the one above and so is its gradient (cross_entropy's target would move)
        if (kind != 3) {
            const std::vector<double> g_swap = ad::gradient(
                [&](const std::vector<V>& v) {
                    std::vector<V> p(v);
                    std::swap(p[1], p[2]);
                    std::vector<V> y = apply(kind, Array<V>(Shape{M, Q}, p));
                    if (kind != 2) std::swap(y[1], y[2]);
                    return weighted(y);
                },
                x);
            for (std::size_t k = 0; k < x.size(); ++k) CHECK(g_swap[k] == Approx(g_cons[k]).margin(1e-15));
        }
        // every input a constant: no statement, a zero gradient
        const std::vector<double> g_none = ad::gradient(
            [&](const std::vector<V>& v) {
                std::vector<V> w;
                for (const V& e : v) w.push_back(V(ad::val(e)));
                return V(weighted(apply(kind, Array<V>(Shape{M, Q}, w))) + v[0] * 0.0);
            },
            x);
        for (std::size_t k = 0; k < x.size(); ++k) CHECK(g_none[k] == 0.0);
        // and forward mode agrees
        const Array<double> J = ad::jacobian_forward([&](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            const Array<X> a(Shape{M, Q}, std::vector<X>(v.begin(), v.end()));
            std::vector<X> y;
            switch (kind) {
            case 0: y = ad::softmax(a).values(); break;
            case 1: y = ad::log_softmax(a).values(); break;
            case 2: y = ad::logsumexp(a).values(); break;
            default: y = ad::cross_entropy(a, t).values();
            }
            X acc(0.0);
            for (std::size_t k = 0; k < y.size(); ++k) acc = X(acc + X(y[k] * double(k % 5 + 1)));
            return acc;
        }, x);
        for (std::size_t k = 0; k < x.size(); ++k) CHECK(J[k] == Approx(g_cons[k]).margin(1e-15));
    }
}
