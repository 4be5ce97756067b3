// The math functions added to the registry (issue 15): log1p expm1 log2 log10 exp2 cbrt asinh
// acosh atanh erf erfc softplus floor ceil trunc round hypot atan2 fmod, and the gamma
// family lgamma digamma polygamma. test_registry checks
// each at ordinary points against 50-digit central differences in every mode; this file checks
// what each rule promises beyond that -- relative accuracy where the textbook formula cancels,
// overflows or underflows, the conventions of the piecewise-constant ones, the plain-number
// overloads -- in every first- and second-order mode (tests/core/modes.hpp), against values
// computed at 50 digits from the closed forms.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/core/multiprecision.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#include "modes.hpp"

using ad::mp50;

namespace {

/// |a − b| ≤ rel·|b| (b ≠ 0), or a == b.
bool rel_close(double a, double b, double rel) { return a == b || std::abs(a - b) <= rel * std::abs(b); }

/// Every first-order mode of f at x gives `want` (a 50-digit closed form) to `rel`.
template <class F>
void every_gradient(F f, const std::vector<double>& x, const std::vector<mp50>& want, double rel, const std::string& what) {
    for (const auto& m : modes::gradients<double>(f)) {
        const auto g = m.run(x);
        for (std::size_t i = 0; i < want.size(); ++i) {
            INFO(what << ", " << m.name << ", partial " << i << ": " << g[i] << " vs " << double(want[i]));
            CHECK(rel_close(g[i], double(want[i]), rel));
        }
    }
}

/// Every second-order mode of a one-input f at x gives `want`.
template <class F>
void every_second(F f, double x, const mp50& want, double rel, const std::string& what) {
    for (const auto& m : modes::hessians<double>(f)) {
        const auto H = m.run({x});
        INFO(what << ", " << m.name << ": " << H[0] << " vs " << double(want));
        CHECK(rel_close(H[0], double(want), rel));
    }
}

const mp50 one(1);
const mp50 pi50 = boost::multiprecision::acos(mp50(-1));

}  // namespace

TEST_CASE("derivatives keep their relative accuracy where the textbook formula fails", "[rules][functions]") {
    using std::exp;
    // expm1' = e^x, not y + 1 (which is 0 where y rounds to -1)
    every_gradient([](const auto& v) { using ad::expm1; return expm1(v[0]); }, {-40.0}, {exp(mp50(-40))}, 4e-16, "expm1' at -40");
    // acosh' = 1/(sqrt(x-1) sqrt(x+1)), not 1/sqrt(x^2 - 1) (x^2 - 1 cancels near 1)
    const double xa = 1.0 + 1e-10;
    every_gradient([](const auto& v) { using ad::acosh; return acosh(v[0]); }, {xa},
                   {one / sqrt((mp50(xa) - 1) * (mp50(xa) + 1))}, 4e-16, "acosh' near 1");
    // atanh' = 1/((1-x)(1+x)), not 1/(1 - x^2)
    const double xt = 0.9999999999;
    every_gradient([](const auto& v) { using ad::atanh; return atanh(v[0]); }, {xt},
                   {one / ((1 - mp50(xt)) * (1 + mp50(xt)))}, 4e-16, "atanh' near 1");
    // asinh' = 1/hypot(1, x): 1e-200 at 1e200, where 1/sqrt(1 + x^2) gives 0
    every_gradient([](const auto& v) { using ad::asinh; return asinh(v[0]); }, {1e200}, {one / mp50(1e200)}, 4e-16, "asinh' at 1e200");
    // hypot and atan2 at (1e200, 1e200): no overflow of a^2 + b^2
    const mp50 big(1e200);
    every_gradient([](const auto& v) { using ad::hypot; return hypot(v[0], v[1]); }, {1e200, 1e200},
                   {one / sqrt(mp50(2)), one / sqrt(mp50(2))}, 4e-16, "hypot' at (1e200, 1e200)");
    every_gradient([](const auto& v) { using ad::atan2; return atan2(v[0], v[1]); }, {1e200, 1e200},
                   {big / (2 * big * big), -big / (2 * big * big)}, 4e-16, "atan2' at (1e200, 1e200)");
    // softplus: relatively exact in both tails; softplus' = sigmoid
    every_gradient([](const auto& v) { using ad::softplus; return softplus(v[0]); }, {-40.0}, {one / (1 + exp(mp50(40)))}, 4e-16,
                   "softplus' at -40");
    every_gradient([](const auto& v) { using ad::softplus; return softplus(v[0]); }, {40.0}, {one / (1 + exp(mp50(-40)))}, 4e-16,
                   "softplus' at 40");
    CHECK(rel_close(ad::softplus(-40.0), double(log1p(exp(mp50(-40)))), 4e-16));
    CHECK(ad::softplus(800.0) == 800.0);  // no overflow of e^800
    // erf' = 2/sqrt(pi) e^(-x^2), and erfc' its negative, in the tail where erfc is tiny
    every_gradient([](const auto& v) { using ad::erfc; return erfc(v[0]); }, {8.0}, {-2 / sqrt(pi50) * exp(mp50(-64))}, 4e-16,
                   "erfc' at 8");
}

TEST_CASE("second derivatives of the new functions agree in every second-order mode", "[rules][functions]") {
    using std::exp;
    // log1p'' = -1/(1+x)^2, erf'' = -2x erf', cbrt'' = -2/9 x^(-5/3), log2'' = -1/(x^2 log 2)
    every_second([](const auto& v) { using ad::log1p; return log1p(v[0]); }, 0.5, -one / (mp50(1.5) * mp50(1.5)), 1e-15, "log1p''");
    const mp50 x(0.5);
    every_second([](const auto& v) { using ad::erf; return erf(v[0]); }, 0.5, -2 * x * (2 / sqrt(pi50) * exp(-x * x)), 1e-15, "erf''");
    every_second([](const auto& v) { using ad::cbrt; return cbrt(v[0]); }, 0.5, mp50(-2) / 9 * pow(x, mp50(-5) / 3), 1e-15, "cbrt''");
    every_second([](const auto& v) { using ad::log2; return log2(v[0]); }, 0.5, -one / (x * x * log(mp50(2))), 1e-15, "log2''");
    every_second([](const auto& v) { using ad::softplus; return softplus(v[0]); }, 0.5,
                 exp(-x) / ((1 + exp(-x)) * (1 + exp(-x))), 1e-15, "softplus''");
}

TEST_CASE("floor, ceil, trunc, round and fmod: values as C's, derivatives by their convention", "[rules][functions]") {
    // derivative 0 everywhere, at the jumps too (JAX's and PyTorch's convention)
    for (double x : {-1.5, -0.2, 0.0, 2.0, 2.5, 7.3}) {
        every_gradient([](const auto& v) { using ad::floor; return floor(v[0]); }, {x}, {mp50(0)}, 0, "floor'");
        every_gradient([](const auto& v) { using ad::ceil; return ceil(v[0]); }, {x}, {mp50(0)}, 0, "ceil'");
        every_gradient([](const auto& v) { using ad::round; return round(v[0]); }, {x}, {mp50(0)}, 0, "round'");
        every_gradient([](const auto& v) { using ad::trunc; return trunc(v[0]) + v[0]; }, {x}, {mp50(1)}, 0, "(trunc + id)'");
        CHECK(ad::floor(x) == std::floor(x));
        CHECK(ad::round(x) == std::round(x));
    }
    // fmod(a, b) = a - q b: partials 1 and -q, q an exact integer even where a/b rounds across one
    every_gradient([](const auto& v) { using ad::fmod; return fmod(v[0], v[1]); }, {5.3, 2.0}, {mp50(1), mp50(-2)}, 0, "fmod' at (5.3, 2)");
    every_gradient([](const auto& v) { using ad::fmod; return fmod(v[0], v[1]); }, {-7.5, 2.25}, {mp50(1), mp50(3)}, 0, "fmod' at (-7.5, 2.25)");
    const double a = 0.3, b = 0.1;  // a/b rounds to 2.9999999999999996; fmod(0.3, 0.1) = 0.09999999999999998, q = 2
    every_gradient([](const auto& v) { using ad::fmod; return fmod(v[0], v[1]); }, {a, b}, {mp50(1), mp50(-2)}, 0, "fmod' at (0.3, 0.1)");
}

TEST_CASE("the new functions for plain numbers, multiprecision and symbolic graphs", "[rules][functions]") {
    // plain overloads go through the same rules
    CHECK(ad::log1p(1e-20) == 1e-20);
    CHECK(ad::expm1(1e-20) == 1e-20);
    // libm's cbrt is within 1 ulp, not exact (clang -O1: -3 - 1 ulp); compared at run time on
    // both sides, since g++ folds std::cbrt(-27.0) of a constant exactly even at -O0
    volatile double minus27 = -27.0;
    CHECK(ad::cbrt(double(minus27)) == std::cbrt(double(minus27)));
    CHECK(std::abs(ad::cbrt(-27.0) + 3.0) <= 4.5e-16);
    CHECK(ad::exp2(10.0) == 1024.0);
    CHECK(ad::log10(1000.0) == std::log10(1000.0));
    const mp50 e50 = ad::erf(mp50("0.5"));
    CHECK(abs(e50 - mp50("0.52049987781304653768274665389196452873645157575796")) < mp50("1e-48"));
    // a symbolic derivative is built from the same rule and prints in the language
    const ad::sym::Expr x = ad::sym::symbol("x");
    const ad::sym::Expr d = ad::sym::gradient(ad::erf(x), std::vector<ad::sym::Expr>{x})[0];
    const std::string text = ad::sym::to_text(d);
    INFO(text);
    CHECK(text.find("pi") != std::string::npos);
    CHECK(text.find("exp") != std::string::npos);
    const double at = 0.5;
    const auto v = ad::sym::evaluate<double>(std::span<const ad::sym::Expr>(&d, 1), {{x.id(), at}});
    CHECK(rel_close(v[0], double(2 / sqrt(pi50) * exp(-mp50(at) * mp50(at))), 4e-16));
    const ad::sym::Expr f = ad::fmod(x, ad::sym::symbol("y"));
    CHECK(ad::sym::to_text(f) == "fmod(x, y)");
}

TEST_CASE("lgamma, digamma and polygamma: known values, poles, every order and precision", "[rules][functions][gamma]") {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const mp50 gamma50("0.57721566490153286060651209008240243104215933593992");  // Euler's constant
    // lgamma(½) = ln √π, lgamma′(1) = ψ(1) = −γ, ψ′(1) = π²/6, ψ″(1) = −2ζ(3)
    CHECK(rel_close(ad::lgamma(0.5), double(log(sqrt(pi50))), 2e-16));
    every_gradient([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, {1.0}, {-gamma50}, 2e-16, "lgamma'(1)");
    every_second([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, 1.0, pi50 * pi50 / 6, 2e-16, "lgamma''(1)");
    const mp50 zeta3("1.2020569031595942853997381615114499907649862923405");
    every_second([](const auto& v) { using ad::digamma; return digamma(v[0]); }, 1.0, -2 * zeta3, 4e-16, "digamma''(1)");
    // at 50 digits through reverse mode: ψ(1) = −γ exactly to 48 digits
    const auto g50 = ad::gradient([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, std::vector<mp50>{mp50(1)});
    CHECK(abs(g50[0] + gamma50) < mp50("1e-48"));
    // negative non-integers: lgamma is log|Γ| (Γ(−2.5) < 0), ψ by reflection
    CHECK(rel_close(ad::lgamma(-2.5), std::lgamma(-2.5), 4e-16));
    every_gradient([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, {-2.5}, {mp50("1.1031566406452431872256903336679110994735070620062")}, 4e-16, "psi(-2.5)");
    // the poles: lgamma = +inf (as C), ψ NaN, ψ⁽ⁿ⁾ +inf for odd n and NaN for even n
    for (double p : {0.0, -1.0, -3.0, -1e17}) {
        CHECK(ad::lgamma(p) == inf);
        CHECK(std::isnan(ad::digamma(p)));
        CHECK(ad::polygamma(1.0, p) == inf);
        CHECK(std::isnan(ad::polygamma(2.0, p)));
    }
    CHECK(ad::lgamma(inf) == inf);
    CHECK(ad::lgamma(-inf) == inf);
    CHECK(std::isnan(ad::lgamma(nan)));
    CHECK(ad::digamma(inf) == inf);
    CHECK(ad::polygamma(3.0, inf) == 0.0);
    // the order must be a non-negative integer
    CHECK(std::isnan(ad::polygamma(1.5, 2.0)));
    CHECK(std::isnan(ad::polygamma(-1.0, 2.0)));
    CHECK(ad::polygamma(0.0, 2.0) == ad::digamma(2.0));
    // polygamma's derivative in x is the next order; in the order it is 0 (an integer)
    every_gradient([](const auto& v) { using ad::polygamma; return polygamma(v[0], v[1]); }, {2.0, 1.0},
                   {mp50(0), mp50(6) * mp50("1.0823232337111381915160036965411679027747509519187")}, 4e-16, "psi'''(1) = 6 zeta(4)");
    // large x: lgamma by Stirling without overflow of Γ; float and long double through the same rule
    CHECK(rel_close(ad::lgamma(1e10), double(mp50(1e10) * log(mp50(1e10)) - mp50(1e10) - log(mp50(1e10)) / 2 + log(2 * pi50) / 2 + 1 / (12 * mp50(1e10))), 1e-15));
    CHECK(std::abs(ad::lgamma(0.5f) - 0.5723649f) < 1e-6f);
    CHECK(std::abs(ad::digamma(1.0L) + 0.5772156649015328606L) < 1e-18L);
    // symbolic: the derivative of lgamma is digamma, its derivative polygamma(1, x)
    const ad::sym::Expr x = ad::sym::symbol("x");
    const std::vector<ad::sym::Expr> wrt{x};
    const ad::sym::Expr d1 = ad::sym::gradient(ad::lgamma(x), wrt)[0];
    const ad::sym::Expr d2 = ad::sym::gradient(d1, wrt)[0];
    CHECK(ad::sym::to_text(d1) == "digamma(x)");
    CHECK(ad::sym::to_text(d2) == "polygamma(1, x)");
    const auto v = ad::sym::evaluate<double>(std::vector<ad::sym::Expr>{d2}, {{x.id(), 1.0}});
    CHECK(rel_close(v[0], double(pi50 * pi50 / 6), 2e-16));
}

TEST_CASE("the gamma family far below zero: no int conversion of the argument, values by reflection", "[rules][functions][gamma]") {
    // Boost.Math's reflection converts x to int (undefined beyond 2³¹: found by fuzz_ops at
    // x ≈ −6.5e11); below −10⁶ the rule reflects on x − round(x). The references here reflect at
    // x itself, at 50 digits (π·x keeps 35 of them), with Boost.Math only at 1 − x > 0.
    using boost::multiprecision::sin;
    using boost::multiprecision::cos;
    for (const double x : {-1000000.25, -1000001.7, -650433000000.25, -650433000000.5, -3e15 - 0.5, -1e12 - 0.1}) {
        const mp50 X(x), s = sin(pi50 * X), c = cos(pi50 * X), csc2 = 1 / (s * s);
        const mp50 lg = log(pi50) - log(abs(s)) - boost::math::lgamma(1 - X);
        const mp50 dg = boost::math::digamma(1 - X) - pi50 * c / s;
        const mp50 tg = -boost::math::trigamma(1 - X) + pi50 * pi50 * csc2;
        const mp50 pg2 = boost::math::polygamma(2, 1 - X) - 2 * pi50 * pi50 * pi50 * csc2 * c / s;
        INFO("x = " << x);
        CHECK(rel_close(ad::lgamma(x), double(lg), 4e-16));
        CHECK(rel_close(ad::digamma(x), double(dg), 4e-15));
        CHECK(rel_close(ad::polygamma(1.0, x), double(tg), 4e-15));
        if (abs(pg2) > 1e-6) CHECK(rel_close(ad::polygamma(2.0, x), double(pg2), 4e-15));
        else CHECK(std::abs(ad::polygamma(2.0, x) - double(pg2)) < 1e-12);
        // the derivative chain lgamma′ = ψ, ψ′ = ψ⁽¹⁾ holds there in every mode
        every_gradient([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, {x}, {dg}, 4e-15, "lgamma' far below 0");
        every_second([](const auto& v) { using ad::lgamma; return lgamma(v[0]); }, x, tg, 4e-15, "lgamma'' far below 0");
        // and at 50 digits, through the same rule
        CHECK(rel_close(double(ad::lgamma(X)), double(lg), 1e-16));
    }
    // the first point below the bound continues the values just above it (Boost.Math's own path)
    CHECK(rel_close(ad::digamma(-1000000.25), ad::digamma(-999999.25) - 1 / -1000000.25, 1e-14));
    // orders above 1000 are NaN (Boost.Math's cost grows as n²: 10⁴ takes half a second)
    CHECK(std::isnan(ad::polygamma(1001.0, 2.0)));
    CHECK(std::isfinite(ad::polygamma(1000.0, 1e6)));
}
