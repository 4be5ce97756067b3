// Issue 15: user-defined primitives (ad::apply_rule with a rule declared in user code, as JAX's
// custom_jvp): one primitive in every numeric mode and order, checked mode names them, and a
// binary rule takes constants on either side. The functions are written once and run through
// every first- and second-order mode (tests/core/modes.hpp) against closed forms.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/core/checked.hpp"
#include "ad/core/multiprecision.hpp"
#include "every_mode.hpp"

namespace {

/// sinc x = sin(x)/x (1 at 0); ∂ = (cos x − y)/x (0 at 0).
struct sinc {
    static constexpr std::string_view name = "sinc";
    template <class T> T value(const T& x) const { using std::sin; return x == T(0) ? T(1) : T(sin(x) / x); }
    template <class T> T d(const T& x, const T& y) const { using std::cos; return x == T(0) ? T(0) : T(T(cos(x) - y) / x); }
};
/// logaddexp(a, b) = log(eᵃ + eᵇ) without overflow; ∂a = e^(a−y), ∂b = e^(b−y).
struct logaddexp {
    static constexpr std::string_view name = "logaddexp";
    template <class T> T value(const T& a, const T& b) const {
        using std::exp; using std::log1p; using std::abs;
        const T m = a > b ? a : b;
        return T(m + log1p(exp(T(-abs(T(a - b))))));
    }
    template <class T> T da(const T& a, const T&, const T& y) const { using std::exp; return exp(T(a - y)); }
    template <class T> T db(const T&, const T& b, const T& y) const { using std::exp; return exp(T(b - y)); }
};
/// A rule whose value is NaN for x < 0 (as log): checked mode must name it.
struct half_log {
    static constexpr std::string_view name = "half_log";
    template <class T> T value(const T& x) const { using std::log; return T(log(x) / T(2)); }
    template <class T> T d(const T& x, const T&) const { return T(T(1) / T(T(2) * x)); }
};

}  // namespace

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
