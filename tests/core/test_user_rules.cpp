// Issue 15: user-defined primitives (ad::apply_rule with a rule declared in user code, as JAX's
// custom_jvp): one primitive in every numeric mode and order, checked mode names them, and a
// binary rule takes constants on either side. The functions are written once and run through
// every first- and second-order mode (tests/core/modes.hpp) against closed forms.
#include <catch2/catch.hpp>

#include <cmath>
#include <span>
#include <type_traits>
#include <string>
#include <string_view>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/core/checked.hpp"
#include "ad/core/multiprecision.hpp"
#include "every_mode.hpp"
#include "user_rules.hpp"

namespace {

/// sinc x = sin(x)/x (1 at 0); ∂ = (cos x − y)/x (0 at 0).
struct sinc {
    static constexpr std::string_view name = "sinc";
    template <class T> T value(const T& x) const { using std::sin; return x == T(0) ? T(1) : T(sin(x) / x); }
    template <class T> T d(const T& x, const T& y) const { using std::cos; return x == T(0) ? T(0) : T(T(cos(x) - y) / x); }
};
}  // namespace

using namespace user_rules;

TEST_CASE("a user-defined unary rule in every mode and order", "[rules][user]") {
    auto f = [](const auto& v) { return ad::apply_rule(sinc{}, v[0]) * v[1]; };
    for (double x : {0.5, -2.0, 3.0}) {
        const double s = std::sin(x) / x, ds = (std::cos(x) - s) / x;
        const double dds = (-x * x * std::sin(x) - 2 * x * std::cos(x) + 2 * std::sin(x)) / (x * x * x);
        every_mode::gradient(f, {x, 1.5}, {1.5 * ds, s}, 1e-14, "sinc(x)*y");
        every_mode::hessian(f, {x, 1.5}, {1.5 * dds, ds, ds, 0.0}, 1e-13, "sinc(x)*y, second order");
    }
    // the removable singularity is the rule's: sinc(0) = 1, sinc'(0) = 0 in every mode
    every_mode::gradient(f, {0.0, 2.0}, {0.0, 1.0}, 0, "sinc at 0");
    // plain numbers get the value, bitwise
    CHECK(ad::apply_rule(sinc{}, 0.5) == std::sin(0.5) / 0.5);
    // 50 digits through the same rule
    const auto g50 = ad::gradient([](const auto& v) { return ad::apply_rule(sinc{}, v[0]); }, std::vector<ad::mp50>{ad::mp50("0.5")});
    const ad::mp50 x50("0.5");
    CHECK(abs(g50[0] - (cos(x50) - sin(x50) / x50) / x50) < ad::mp50("1e-48"));
}

TEST_CASE("a user-defined rule is ONE tape statement", "[rules][user][tape]") {
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const ad::Var<double> x = ad::Var<double>::input(0.7);
    const std::size_t before = tape.size();
    const ad::Var<double> y = ad::apply_rule(sinc{}, x);
    CHECK(tape.size() == before + 1);
    CHECK(tape.operands() == 1);
    tape.gradient_of(y.i);
    CHECK(every_mode::close(tape.adjoints()[x.i], (std::cos(0.7) - std::sin(0.7) / 0.7) / 0.7, 1e-15));
}

TEST_CASE("a user-defined binary rule, with constants on either side", "[rules][user]") {
    const double a = 1.0, b = 2.0;
    const double p = std::exp(a) / (std::exp(a) + std::exp(b)), q = 1 - p;
    every_mode::gradient([](const auto& v) { return ad::apply_rule(logaddexp{}, v[0], v[1]); }, {a, b}, {p, q}, 1e-15, "logaddexp");
    every_mode::hessian([](const auto& v) { return ad::apply_rule(logaddexp{}, v[0], v[1]); }, {a, b}, {p * q, -p * q, -p * q, p * q}, 1e-14,
                  "logaddexp, second order");
    every_mode::gradient([](const auto& v) { return ad::apply_rule(logaddexp{}, v[0], 2.0); }, {a}, {p}, 1e-15, "logaddexp(x, 2)");
    every_mode::gradient([](const auto& v) { return ad::apply_rule(logaddexp{}, 1.0, v[0]); }, {b}, {q}, 1e-15, "logaddexp(1, x)");
    // no overflow where the composition log(exp(a) + exp(b)) would
    const auto g = ad::gradient([](const auto& v) { return ad::apply_rule(logaddexp{}, v[0], v[1]); }, std::vector<double>{1000.0, 999.0});
    CHECK(every_mode::close(g[0], 1 / (1 + std::exp(-1.0)), 2e-13));  // a − y at 1000 carries y's rounding (ulp 1.1e-13)
    CHECK(ad::apply_rule(logaddexp{}, 1000.0, 1000.0) == 1000.0 + std::log(2.0));
}

TEST_CASE("checked mode names a user-defined rule", "[rules][user][checked]") {
    auto f = [](const auto& v) { return ad::apply_rule(half_log{}, v[0]); };
    ad::checked_scope checked;
    CHECK(every_mode::close(ad::gradient(f, std::vector<double>{2.0})[0], 0.25, 1e-15));
    try {
        (void)ad::gradient(f, std::vector<double>{-1.0});
        FAIL("no error for half_log(-1)");
    } catch (const ad::domain_error& e) {
        CHECK(e.op == "half_log");
    }
    CHECK_THROWS_AS(ad::jacobian_forward(f, std::vector<double>{-1.0}), ad::domain_error);
}

// ---- vector rules (ops/rules/vector_rule.hpp): n inputs, m outputs, a JVP and a VJP

TEST_CASE("a user-defined vector rule (JVP and VJP) in every mode and order", "[rules][user][vector]") {
    for (const std::vector<double>& x : {std::vector<double>{0.3, -1.2, 0.8}, std::vector<double>{-2.0, 0.5, 1.5}}) {
        CHECK(every_mode::close(f_rules(x), f_primitives(x), 1e-15));  // plain numbers: the values
        const std::vector<double> g = ad::gradient(f_primitives, x);
        every_mode::gradient(f_rules, x, g, 1e-14, "normalize and polar");
        const auto H = ad::hessian(f_primitives, x);
        every_mode::hessian(f_rules, x, std::vector<double>(H.begin(), H.end()), 1e-12, "normalize and polar, second order");
    }
    // 50 digits through the same rules
    const std::vector<ad::mp50> x50{ad::mp50("0.3"), ad::mp50("-1.2"), ad::mp50("0.8")};
    const auto g50 = ad::gradient(f_rules, x50), p50 = ad::gradient(f_primitives, x50);
    for (std::size_t k = 0; k < 3; ++k) CHECK(abs(g50[k] - p50[k]) < ad::mp50("1e-45"));
}

TEST_CASE("a vector rule is ONE external statement, constant inputs and outputs", "[rules][user][vector][tape]") {
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const ad::Var<double> a = ad::Var<double>::input(0.6), b = ad::Var<double>::input(0.8);
    const std::size_t before = tape.size();
    const std::vector<ad::Var<double>> y = ad::apply_rule(polar{}, std::vector<ad::Var<double>>{a, b});
    CHECK(tape.size() == before + 2);  // its two outputs
    CHECK(tape.operands() == 0);       // no Jacobian stored: the sweep runs the VJP
    CHECK(tape.calls().size() == 1);
    CHECK(tape.calls()[0].name == "polar");
    tape.gradient_of(y[1].i);  // ∂θ = (−x₁, x₀)/r²
    CHECK(every_mode::close(tape.adjoints()[a.i], -0.8, 1e-15));
    CHECK(every_mode::close(tape.adjoints()[b.i], 0.6, 1e-15));
    // a constant input gets no adjoint, every constant input records nothing
    const std::vector<ad::Var<double>> c = ad::apply_rule(polar{}, std::vector<ad::Var<double>>{ad::Var<double>(3.0), ad::Var<double>(4.0)});
    CHECK(tape.calls().size() == 1);
    CHECK(!c[0].active());
    CHECK(c[0].v == 5.0);
    const auto g = ad::gradient([](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        return ad::apply_rule(polar{}, std::vector<X>{v[0], X(1.0)})[1];
    }, std::vector<double>{1.0});
    CHECK(every_mode::close(g[0], -0.5, 1e-15));  // ∂θ/∂x₀ at (1, 1)
}

TEST_CASE("Replay re-runs a vector rule's value at every point", "[rules][user][vector][replay]") {
    ad::Replay<double> r(f_rules, std::vector<double>{0.3, -1.2, 0.8});
    for (const std::vector<double>& x : {std::vector<double>{1.1, 0.4, -0.7}, std::vector<double>{-0.2, 2.5, 0.9}}) {
        const auto [v, g] = r.value_and_gradient(x);
        CHECK(every_mode::close(v, f_primitives(x), 1e-15));
        const std::vector<double> want = ad::gradient(f_primitives, x);
        for (std::size_t k = 0; k < 3; ++k) CHECK(every_mode::close(g[k], want[k], 1e-14));
    }
}

TEST_CASE("checked mode names a vector rule whose value is not finite", "[rules][user][vector][checked]") {
    auto f = [](const auto& v) { return ad::apply_rule(normalize{}, v)[0]; };
    const std::vector<double> zero{0.0, 0.0};
    ad::checked_scope checked;
    const auto named = [](auto&& run, const char* mode) {
        INFO(mode);
        try {
            run();
            FAIL("no error for normalize(0)");
        } catch (const ad::domain_error& e) {
            CHECK(e.op == "normalize");
        }
    };
    named([&] { (void)ad::gradient(f, zero); }, "reverse");
    named([&] { (void)ad::jacobian_forward(f, zero); }, "forward");
    named([&] { ad::Replay<double> r(f, zero); }, "replay");
    ad::Replay<double> r(f, std::vector<double>{1.0, 1.0});
    named([&] { (void)r.gradient(zero); }, "replay at a new point");
}
