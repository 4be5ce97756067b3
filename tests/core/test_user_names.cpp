// Issue 15: adiff's function names never make a user's code ambiguous, and the C functions user
// code calls (fmax, fmin, std::max after `using std::max;`) keep adiff's conventions. User code
// such as ADBench's LSTM and GMM objectives defines its own `sigmoid`, `logsumexp`, `sum`
// templates; adiff's overloads of those names (found by argument-dependent lookup) are more
// specialised (Var<T>, Dual<T, N>, ...), so overload resolution picks one without ambiguity under
// both g++ and clang, and the gradient is right either way. Every function is written once as a
// template and run through every first- and second-order mode (tests/core/modes.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "every_mode.hpp"

namespace user {
// The user's own helpers, as ADBench's objectives write them (by value, by reference, pointers).
template <class T>
T sigmoid(T x) { using std::exp; return T(1) / (T(1) + exp(-x)); }
template <class T>
T softplus(const T& x) { using std::exp; using std::log; return log(T(1) + exp(x)); }
template <class T>
T logsumexp(const T* x, int n) {
    using std::exp; using std::log;
    T m = x[0];
    for (int i = 1; i < n; ++i) if (x[i] > m) m = x[i];
    T s(0);
    for (int i = 0; i < n; ++i) s += exp(x[i] - m);
    return m + log(s);
}
template <class T>
T logsumexp(const std::vector<T>& x) { return logsumexp(x.data(), static_cast<int>(x.size())); }
template <class T>
T sum(const std::vector<T>& x) { T s(0); for (const T& v : x) s += v; return s; }
template <class T>
T max(const std::vector<T>& x) { T m = x[0]; for (const T& v : x) if (v > m) m = v; return m; }

/// Calls every helper unqualified, as user code does: sigmoid(x0)·softplus(x1) + lse(x) +
/// lse(x.data(), n) + Σx + max(x).
template <class V>
auto objective(const V& x) {
    return sigmoid(x[0]) * softplus(x[1]) + logsumexp(x) + logsumexp(x.data(), static_cast<int>(x.size())) + sum(x) + max(x);
}
/// The same without the pointer overload (which compares, and a symbolic Expr has no order):
/// every call resolves to adiff's Expr overloads.
template <class V>
auto symbolic_objective(const V& x) { return sigmoid(x[0]) * softplus(x[1]) + logsumexp(x) + sum(x) + max(x); }
}  // namespace user

namespace {

double sig(double x) { return 1 / (1 + std::exp(-x)); }

}  // namespace

TEST_CASE("user code with its own sigmoid, softplus, logsumexp, sum and max compiles and differentiates", "[rules][names]") {
    const std::vector<double> x{0.3, -1.2, 0.8};
    // ∂/∂x0 = σ'(x0)·softplus(x1) + 2·softmax0 + 1 (+ 1 for the max, which is x2), …
    double m = 0.8, s = 0;
    for (double v : x) s += std::exp(v - m);
    std::vector<double> want(3);
    for (int i = 0; i < 3; ++i) want[i] = 2 * std::exp(x[i] - m) / s + 1 + (i == 2 ? 1 : 0);
    const double sp = std::log1p(std::exp(x[1]));
    want[0] += sig(x[0]) * (1 - sig(x[0])) * sp;
    want[1] += sig(x[0]) * sig(x[1]);
    every_mode::gradient([](const auto& v) { return user::objective(v); }, x, want, 1e-14, "user objective");
    // the value through plain doubles is the same formula
    CHECK(every_mode::close(user::objective(x), sig(0.3) * sp + 2 * (m + std::log(s)) + (0.3 - 1.2 + 0.8) + 0.8, 1e-15));
}

TEST_CASE("user helpers with adiff's names in second-order modes and symbolic mode", "[rules][names]") {
    // f = sigmoid(x0)·softplus(x1): H = [[σ''·sp, σ'·σ(x1)], [σ'·σ(x1), σ(x0)·σ(x1)(1 − σ(x1))]]
    const double a = 0.4, b = -0.7;
    const double s0 = sig(a), s1 = sig(b), d0 = s0 * (1 - s0), dd0 = d0 * (1 - 2 * s0), sp = std::log1p(std::exp(b));
    auto f = [](const auto& v) { return user::sigmoid(v[0]) * user::softplus(v[1]); };
    auto g = [](const auto& v) { using user::sigmoid; using user::softplus; return sigmoid(v[0]) * softplus(v[1]); };
    every_mode::hessian(f, {a, b}, {dd0 * sp, d0 * s1, d0 * s1, s0 * s1 * (1 - s1)}, 1e-13, "qualified user helpers");
    every_mode::hessian(g, {a, b}, {dd0 * sp, d0 * s1, d0 * s1, s0 * s1 * (1 - s1)}, 1e-13, "unqualified after using-declarations");
    // the symbolic Expr overloads are as specialised: the same call builds a graph
    const ad::sym::Expr x = ad::sym::symbol("x"), y = ad::sym::symbol("y");
    const ad::sym::Expr e = user::symbolic_objective(std::vector<ad::sym::Expr>{x, y, x});
    const std::vector<double> xs{a, b, a};
    const auto v = ad::sym::evaluate<double>(std::vector<ad::sym::Expr>{e}, {{x.id(), a}, {y.id(), b}});
    CHECK(every_mode::close(v[0], user::symbolic_objective(xs), 1e-15));
    CHECK(e.op() == ad::sym::Op::add);
}

TEST_CASE("max and min after `using std::max` keep the tie rule in every mode", "[rules][names][conventions]") {
    // std::max(a, b) would return a at a tie (gradient (1, 0)); adiff's overload for the mode's
    // type is more specialised than std's template, so the documented ½/½ holds
    auto fmax2 = [](const auto& v) { using std::max; return max(v[0], v[1]); };
    auto fmin2 = [](const auto& v) { using std::min; return min(v[0], v[1]); };
    every_mode::gradient(fmax2, {2.0, 2.0}, {0.5, 0.5}, 0, "using std::max; max(x, y) at a tie");
    every_mode::gradient(fmin2, {2.0, 2.0}, {0.5, 0.5}, 0, "using std::min; min(x, y) at a tie");
    every_mode::gradient(fmax2, {3.0, 2.0}, {1.0, 0.0}, 0, "using std::max; max(x, y), x > y");
    every_mode::gradient(fmin2, {3.0, 2.0}, {0.0, 1.0}, 0, "using std::min; min(x, y), x > y");
    // max(x, x) is x: derivative 1 (std::max would give 1 too, through one operand)
    every_mode::gradient([](const auto& v) { using std::max; return max(v[0], v[0]) * v[1]; }, {1.5, 2.0}, {2.0, 1.5}, 0, "max(x, x)*y");
}

TEST_CASE("fmax and fmin: C's NaN-ignoring max and min, with max's tie rule", "[rules][names][conventions]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto fx = [](const auto& v) { using std::fmax; return fmax(v[0], v[1]) * v[2]; };
    auto fn = [](const auto& v) { using std::fmin; return fmin(v[0], v[1]) * v[2]; };
    every_mode::gradient(fx, {1.0, 2.0, 3.0}, {0.0, 3.0, 2.0}, 0, "fmax, b > a");
    every_mode::gradient(fx, {2.0, 1.0, 3.0}, {3.0, 0.0, 2.0}, 0, "fmax, a > b");
    every_mode::gradient(fx, {2.0, 2.0, 3.0}, {1.5, 1.5, 2.0}, 0, "fmax at a tie");
    every_mode::gradient(fn, {1.0, 2.0, 3.0}, {3.0, 0.0, 1.0}, 0, "fmin, a < b");
    every_mode::gradient(fn, {2.0, 2.0, 3.0}, {1.5, 1.5, 2.0}, 0, "fmin at a tie");
    // a NaN operand is ignored: its partial is 0, the other's 1 (as the value is the other's)
    every_mode::gradient(fx, {nan, 2.0, 3.0}, {0.0, 3.0, 2.0}, 0, "fmax(NaN, b)");
    every_mode::gradient(fx, {2.0, nan, 3.0}, {3.0, 0.0, 2.0}, 0, "fmax(a, NaN)");
    every_mode::gradient(fn, {nan, 2.0, 3.0}, {0.0, 3.0, 2.0}, 0, "fmin(NaN, b)");
    CHECK(ad::fmax(nan, 2.0) == 2.0);
    CHECK(ad::fmin(1.0, nan) == 1.0);
    // second order: fmax(x², y)·y with x² > y, H = [[2y, 2x], [2x, 0]]
    every_mode::hessian([](const auto& v) { using std::fmax; return fmax(v[0] * v[0], v[1]) * v[1]; }, {1.5, 0.5},
                  {1.0, 3.0, 3.0, 0.0}, 1e-15, "fmax(x^2, y)*y");
    // the value of the plain-number overload is std's, bitwise, for every precision
    CHECK(ad::fmax(1.0f, -3.0f) == 1.0f);
    CHECK(ad::fmin(1.0L, -3.0L) == -3.0L);
}

TEST_CASE("isfinite, isnan and isinf on AD numbers read the value, in every mode", "[rules][names]") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    // user code guards with the std names: x·y where x is finite, else y
    auto guarded = [](const auto& v) {
        using std::isfinite;
        using std::isinf;
        using std::isnan;
        // two returns of different expressions need one type (reverse mode's products are
        // ad::Pending until stored: docs/reverse.md, "One statement per expression")
        using X = std::decay_t<decltype(v[0])>;
        if (isnan(v[0]) || isinf(v[0])) return X(v[1] * 2);
        return X(isfinite(v[0]) ? v[0] * v[1] : v[1]);
    };
    every_mode::gradient(guarded, {3.0, 2.0}, {2.0, 3.0}, 0, "finite x");
    every_mode::gradient(guarded, {inf, 2.0}, {0.0, 2.0}, 0, "x = inf");
    every_mode::gradient(guarded, {nan, 2.0}, {0.0, 2.0}, 0, "x = NaN");
    every_mode::hessian(guarded, {3.0, 2.0}, {0.0, 1.0, 1.0, 0.0}, 0, "finite x, second order");
    CHECK(ad::isfinite(ad::Dual<double>(1.0, inf)));  // the value is finite; the tangent is not read
    CHECK(ad::isinf(ad::Dual<ad::Dual<double>>(ad::Dual<double>(-inf))));
    CHECK_FALSE(ad::isinf(ad::Dual<double>(nan)));
}
