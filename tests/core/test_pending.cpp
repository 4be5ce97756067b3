// Reverse mode's statements formed from whole expressions (ad/reverse/pending.hpp): how many
// statements and operands an expression records, the gradient and Hessian of functions written
// with compound assignments, kept temporaries (`auto t = a * b`), chains longer than one
// statement takes, aliasing, constants and copies, in every mode against closed forms; checked
// mode still names each primitive.
#include <cmath>
#include <vector>

#include "ad/adiff.hpp"
#include "every_mode.hpp"

using ad::Tape;
using ad::Var;

namespace {

/// Statements and operands recorded by `make()` on a fresh tape with inputs a = 1.5, b = −0.5,
/// c = 2 (the three inputs are not counted).
struct counts {
    std::size_t statements, operands;
};
template <class F>
counts recorded(F make) {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    const Var<double> a = Var<double>::input(1.5), b = Var<double>::input(-0.5), c = Var<double>::input(2.0);
    const Var<double> y = make(a, b, c);
    (void)y;
    return {tape.size() - 3, tape.operands()};
}

/// f(x) = (x₀x₁ + x₂)·x₃ − x₀/x₁ + exp(x₀ − x₂)·(x₁x₂) + x₀·x₁·x₂·x₃·x₀, written as users write
/// it: a running `auto` accumulator with compound assignments, a temporary used twice, and a
/// five-factor product (longer than one statement takes).
struct mixed {
    template <class X>
    auto operator()(const std::vector<X>& x) const {
        using std::exp;
        auto s = x[0] * x[1];
        s += x[2];
        s *= x[3];
        s -= x[0] / x[1];
        const auto e = exp(x[0] - x[2]);
        const auto t = x[1] * x[2];
        X r = s + e * t;
        r += x[0] * x[1] * x[2] * x[3] * x[0];
        return r;
    }
    static std::vector<double> gradient(const std::vector<double>& x) {
        const double e = std::exp(x[0] - x[2]);
        return {x[1] * x[3] - 1 / x[1] + e * x[1] * x[2] + 2 * x[0] * x[1] * x[2] * x[3],
                x[0] * x[3] + x[0] / (x[1] * x[1]) + e * x[2] + x[0] * x[0] * x[2] * x[3],
                x[3] - e * x[1] * x[2] + e * x[1] + x[0] * x[0] * x[1] * x[3],
                x[0] * x[1] + x[2] + x[0] * x[0] * x[1] * x[2]};
    }
};

/// g(x) = x₀x₁x₂ + exp(x₀ − x₁): its Hessian in closed form.
struct cubic {
    template <class X>
    X operator()(const std::vector<X>& x) const {
        using std::exp;
        return x[0] * x[1] * x[2] + exp(x[0] - x[1]);
    }
    static std::vector<double> hessian(const std::vector<double>& x) {
        const double e = std::exp(x[0] - x[1]);
        return {e, x[2] - e, x[1], x[2] - e, e, x[0], x[1], x[0], 0.0};
    }
};

/// y ← y·y + y, n times, in place (the left side is an operand of its own statement).
struct aliased {
    int n = 4;
    template <class X>
    X operator()(const std::vector<X>& x) const {
        X y = x[0];
        for (int k = 0; k < n; ++k) y = y * y + y;
        return y;
    }
};

}  // namespace

TEST_CASE("an expression records one statement with its operands", "[reverse][pending]") {
    using V = Var<double>;
    // y += l * z: the GMM inner loop; three operands, one statement
    auto fma = recorded([](V a, V b, V c) { V y = a; y += b * c; return y; });
    CHECK(fma.statements == 1);
    CHECK(fma.operands == 3);
    // exp(a − m): one statement, two operands
    auto shifted = recorded([](V a, V b, V) { return V(exp(a - b)); });
    CHECK(shifted.statements == 1);
    CHECK(shifted.operands == 2);
    // x·y + sin(x): x is an operand twice (partials y and cos x, summed by the sweep)
    auto twice = recorded([](V a, V b, V) { return V(a * b + sin(a)); });
    CHECK(twice.statements == 1);
    CHECK(twice.operands == 3);
    // five factors: four operands fold into one statement, then one more with two
    auto chain = recorded([](V a, V b, V c) { return V(a * b * c * a * b); });
    CHECK(chain.statements == 2);
    CHECK(chain.operands == 6);
    // an integer power of an expression folds too: (a − b)² is one statement on a and b
    auto squared = recorded([](V a, V b, V) { return pow(a - b, 2); });
    CHECK(squared.statements == 1);
    CHECK(squared.operands == 2);
    // constants fold away: 2·a + 1 is one operand
    auto affine = recorded([](V a, V, V) { return V(2.0 * a + 1.0); });
    CHECK(affine.statements == 1);
    CHECK(affine.operands == 1);
}

TEST_CASE("copies and linear unit partials record nothing, constants stay constants", "[reverse][pending]") {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    const Var<double> a = Var<double>::input(1.5);
    const Var<double> copy = a;
    const Var<double> plus = -(-a) + 0.0;
    const Var<double> shifted = a - 2.0 + 2.0;
    CHECK(tape.size() == 1);
    CHECK(plus.i == a.i);
    CHECK(shifted.i == a.i);
    CHECK(shifted.v == a.v);
    CHECK(copy.i == a.i);
    const Var<double> c = Var<double>(2.0) * 3.0 + exp(Var<double>(0.0));
    CHECK_FALSE(c.active());
    CHECK(c.v == 7.0);
    CHECK(tape.size() == 1);
    // a partial that is 1 only at this point is a statement: the tape's shape does not depend on
    // the values (exp at 0, a product with 1.0, x^1 at 0)
    const Var<double> z = Var<double>::input(0.0);
    const Var<double> e = exp(z), one = z * 1.0, p1 = pow(z, 1);
    CHECK(e.i != z.i);
    CHECK(one.i != z.i);
    CHECK(p1.i != z.i);
    CHECK(tape.size() == 5);
    // a Pending assigned into a running Pending is stored and held: the result is still right
    auto s = a * a;   // Pending: a², partials 2a
    s = s * a + a;    // a³ + a
    const Var<double> y = s;
    tape.gradient_of(y.i);
    CHECK(tape.adjoints()[a.i] == 3 * 1.5 * 1.5 + 1);
}

TEST_CASE("fused statements: gradients in every mode equal the closed form", "[reverse][pending]") {
    // (x₀x₁)³ with an unsigned 64-bit exponent (the path that squares for n beyond long long)
    auto cube = [](const auto& x) { return pow(x[0] * x[1], 3ull); };
    every_mode::gradient(cube, {1.5, -0.5}, {3 * 0.75 * 0.75 * -0.5, 3 * 0.75 * 0.75 * 1.5}, 1e-15, "(x0 x1)^3");
    const mixed f;
    for (const std::vector<double>& x : {std::vector<double>{0.7, -1.3, 0.4, 2.1}, std::vector<double>{-2.0, 0.5, 1.5, -0.25}})
        every_mode::gradient(f, x, mixed::gradient(x), 1e-13, "mixed");
    // y ← y² + y four times: d/dx by the chain rule, step by step
    const aliased g;
    double y = 0.3, d = 1.0;
    for (int k = 0; k < g.n; ++k) d = d * (2 * y + 1), y = y * y + y;
    every_mode::gradient(g, {0.3}, {d}, 1e-14, "aliased");
}

TEST_CASE("fused statements: Hessians in every second-order mode equal the closed form", "[reverse][pending]") {
    const cubic f;
    const std::vector<double> x{0.3, -0.8, 1.7};
    every_mode::hessian(f, x, cubic::hessian(x), 1e-13, "cubic");
    every_mode::hessian(mixed{}, {0.7, -1.3, 0.4, 2.1}, [] {
        // ∂²/∂xᵢ∂xⱼ of mixed by central differences of its closed-form gradient
        const std::vector<double> x{0.7, -1.3, 0.4, 2.1};
        std::vector<double> H(16);
        for (std::size_t j = 0; j < 4; ++j) {
            std::vector<double> up = x, dn = x;
            const double h = 1e-5;
            up[j] += h, dn[j] -= h;
            const auto gu = mixed::gradient(up), gd = mixed::gradient(dn);
            for (std::size_t i = 0; i < 4; ++i) H[i * 4 + j] = (gu[i] - gd[i]) / (2 * h);
        }
        return H;
    }(), 1e-7, "mixed");
}

TEST_CASE("fused statements at 50 digits agree with the closed form to 45 digits", "[reverse][pending][mp50]") {
    using ad::mp50;
    const mixed f;
    const std::vector<mp50> x{mp50("0.7"), mp50("-1.3"), mp50("0.4"), mp50("2.1")};
    const auto g = ad::gradient(f, x);
    using std::exp;
    const mp50 e = exp(x[0] - x[2]);
    const std::vector<mp50> want{x[1] * x[3] - 1 / x[1] + e * x[1] * x[2] + 2 * x[0] * x[1] * x[2] * x[3],
                                 x[0] * x[3] + x[0] / (x[1] * x[1]) + e * x[2] + x[0] * x[0] * x[2] * x[3],
                                 x[3] - e * x[1] * x[2] + e * x[1] + x[0] * x[0] * x[1] * x[3],
                                 x[0] * x[1] + x[2] + x[0] * x[0] * x[1] * x[2]};
    for (std::size_t i = 0; i < 4; ++i) {
        INFO("entry " << i);
        CHECK(abs(g[i] - want[i]) < mp50("1e-45") * (1 + abs(want[i])));
    }
}

TEST_CASE("checked mode records each primitive by name inside an expression", "[reverse][pending][checked]") {
    ad::checked_scope checked;
    auto f = [](const auto& x) {
        using std::log;
        return log(x[0] - x[1]) * x[2];  // log of 0 when x₀ = x₁
    };
    CHECK_THROWS_WITH(ad::gradient(f, std::vector<double>{1.0, 1.0, 2.0}), Catch::Contains("log"));
    const auto g = ad::gradient(f, std::vector<double>{3.0, 1.0, 2.0});
    CHECK(g[0] == Approx(1.0));
    CHECK(g[1] == Approx(-1.0));
    CHECK(g[2] == Approx(std::log(2.0)));
    // one statement per primitive, as before (sub, log, mul)
    Tape<double> tape;
    ad::recording<double> rec(tape);
    const Var<double> a = Var<double>::input(3.0), b = Var<double>::input(1.0);
    const Var<double> y = log(a - b) * b;
    (void)y;
    CHECK(tape.size() == 2 + 3);
}
