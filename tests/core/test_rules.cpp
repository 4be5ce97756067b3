// Every primitive, at several points including near its domain edges:
// forward (Dual) = reverse (tape) = analytic derivative = central differences, the second
// derivative by nested duals = central differences of the analytic one, and at 50 digits
// AD = analytic to better than 1e-45. One line per (primitive, point) in the tables below.
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ad/adiff.hpp"
#include "support/close.hpp"

namespace {

using ad::Dual;
using ad::mp50;

/// Checks one unary primitive f with analytic derivative df at x (both generic lambdas).
template <class F, class DF>
void check_unary(const std::string& name, F f, DF df, double x, const char* domain) {
    INFO(name << " at x = " << x << "  // " << domain);
    const double want = df(x);
    // forward mode
    const double fwd = f(Dual<double>(x, 1.0)).t[0];
    ADT_CLOSE(fwd, want, 1e-14, 1e-13);
    // reverse mode
    const auto [y, g] = ad::value_and_gradient([&](const auto& v) { return f(v[0]); }, std::vector<double>{x});
    ADT_CLOSE(y, f(x), 0.0, 4e-16);  // f(x) may be constant-folded (correctly rounded)
    ADT_CLOSE(g[0], want, 1e-14, 1e-13);
    // central differences
    ADT_CLOSE(adt::central_difference(f, x), want, 1e-8, 1e-7);
    // second derivative: nested duals vs central differences of the analytic derivative
    const double second = f(Dual<Dual<double>>(Dual<double>(x, 1.0), Dual<double>(1.0))).t[0].t[0];
    ADT_CLOSE(second, adt::central_difference(df, x), 1e-7, 1e-6);
    // forward-over-reverse second derivative agrees with nested duals
    const auto H = ad::hessian([&](const auto& v) { return f(v[0]); }, std::vector<double>{x});
    ADT_CLOSE(H(0, 0), second, 1e-12, 1e-12);
    // one rule, one arithmetic: the Hessian driver's gradient (a Var<Dual> sweep) is bitwise the
    // reverse gradient (a Var<double> sweep), so each rule computes its partial the same way on
    // numbers and on the value part of a dual (forward tangents may associate differently)
    CHECK(ad::hessian_full([&](const auto& v) { return f(v[0]); }, std::vector<double>{x}).gradient[0] == g[0]);
    // float and long double go through the same rule
    ADT_CLOSE(double(f(Dual<float>(float(x), 1.0f)).t[0]), want, 1e-5, 1e-4);
    ADT_CLOSE(double(f(Dual<long double>((long double)x, 1.0L)).t[0]), want, 1e-14, 1e-13);
    // 50 digits: forward and reverse vs the analytic derivative evaluated at 50 digits
    const mp50 xm(x);
    const mp50 want50 = df(xm);
    const mp50 fwd50 = f(Dual<mp50>(xm, mp50(1))).t[0];
    const mp50 rev50 = ad::gradient([&](const auto& v) { return f(v[0]); }, std::vector<mp50>{xm})[0];
    using std::abs;
    const mp50 scale = std::max(mp50(1), abs(want50));
    CHECK(abs(fwd50 - want50) / scale < mp50("1e-45"));
    CHECK(abs(rev50 - want50) / scale < mp50("1e-45"));
}

/// Checks a binary primitive f(a, b) against analytic partials da, db at (a, b).
template <class F, class DA, class DB>
void check_binary(const std::string& name, F f, DA da, DB db, double a, double b, const char* domain) {
    INFO(name << " at (" << a << ", " << b << ")  // " << domain);
    auto fv = [&](const auto& v) { return f(v[0], v[1]); };
    const auto g = ad::gradient(fv, std::vector<double>{a, b});
    const auto J = ad::jacobian_forward(fv, std::vector<double>{a, b});
    ADT_CLOSE(g[0], da(a, b), 1e-14, 1e-13);
    ADT_CLOSE(g[1], db(a, b), 1e-14, 1e-13);
    ADT_CLOSE(J(0, 0), g[0], 1e-15, 1e-14);
    ADT_CLOSE(J(0, 1), g[1], 1e-15, 1e-14);
    ADT_CLOSE(adt::central_difference([&](double t) { return f(t, b); }, a), g[0], 1e-8, 1e-7);
    ADT_CLOSE(adt::central_difference([&](double t) { return f(a, t); }, b), g[1], 1e-8, 1e-7);
    // mixed constant operands take the one-sided path: same partials
    ADT_CLOSE(f(Dual<double>(a, 1.0), b).t[0], g[0], 1e-15, 1e-14);
    ADT_CLOSE(f(a, Dual<double>(b, 1.0)).t[0], g[1], 1e-15, 1e-14);
    const auto gm = ad::gradient(fv, std::vector<mp50>{mp50(a), mp50(b)});
    using std::abs;
    CHECK(abs(gm[0] - da(mp50(a), mp50(b))) < mp50("1e-45") * std::max(mp50(1), abs(gm[0])));
    CHECK(abs(gm[1] - db(mp50(a), mp50(b))) < mp50("1e-45") * std::max(mp50(1), abs(gm[1])));
}

#define ADIFF_MATH using std::exp, std::log, std::sqrt, std::sin, std::cos, std::tan, std::sinh, std::cosh, \
    std::tanh, std::asin, std::acos, std::atan, std::abs, std::pow
#define U(expr) [](const auto& x) { ADIFF_MATH; using ad::sigmoid; return expr; }
#define B(expr) [](const auto& a, const auto& b) { ADIFF_MATH; using ad::max; using ad::min; return expr; }

}  // namespace

TEST_CASE("unary primitives: forward = reverse = analytic = central differences, 50 digits", "[rules][forward][reverse]") {
    //          name       f(x)                  f'(x)                                   x       domain
    check_unary("neg",     U(-x),                U(x * 0 - 1),                           1.5,    "R");
    check_unary("exp",     U(exp(x)),            U(exp(x)),                              0.3,    "R");
    check_unary("exp",     U(exp(x)),            U(exp(x)),                              -20.0,  "R, tiny result");
    check_unary("exp",     U(exp(x)),            U(exp(x)),                              30.0,   "R, large result");
    check_unary("log",     U(log(x)),            U(1 / x),                               2.5,    "x > 0");
    check_unary("log",     U(log(x)),            U(1 / x),                               1e-3,   "x > 0, near the pole at 0");
    check_unary("sqrt",    U(sqrt(x)),           U(1 / (2 * sqrt(x))),                   4.0,    "x >= 0");
    check_unary("sqrt",    U(sqrt(x)),           U(1 / (2 * sqrt(x))),                   1e-4,   "x >= 0, near 0 where f' -> inf");
    check_unary("sin",     U(sin(x)),            U(cos(x)),                              0.7,    "R");
    check_unary("sin",     U(sin(x)),            U(cos(x)),                              -3.0,   "R");
    check_unary("cos",     U(cos(x)),            U(-sin(x)),                             0.7,    "R");
    check_unary("cos",     U(cos(x)),            U(-sin(x)),                             3.1,    "R, near pi");
    check_unary("tan",     U(tan(x)),            U(1 / (cos(x) * cos(x))),               0.4,    "R \\ {(1/2+k)pi}");
    check_unary("tan",     U(tan(x)),            U(1 / (cos(x) * cos(x))),               1.5,    "near the pole at pi/2");
    check_unary("sinh",    U(sinh(x)),           U(cosh(x)),                             -1.2,   "R");
    check_unary("cosh",    U(cosh(x)),           U(sinh(x)),                             0.9,    "R");
    check_unary("tanh",    U(tanh(x)),           U(1 / (cosh(x) * cosh(x))),             0.5,    "R");
    check_unary("tanh",    U(tanh(x)),           U(1 / (cosh(x) * cosh(x))),             -4.0,   "R, saturating");
    check_unary("tanh",    U(tanh(x)),           U(1 / (cosh(x) * cosh(x))),             0.7,    "R, first point of the 4e/(1 + e)^2 branch");
    check_unary("asin",    U(asin(x)),           U(1 / sqrt(1 - x * x)),                 0.3,    "[-1, 1]");
    check_unary("asin",    U(asin(x)),           U(1 / sqrt(1 - x * x)),                 -0.99,  "[-1, 1], near the edge -1");
    check_unary("acos",    U(acos(x)),           U(-1 / sqrt(1 - x * x)),                0.3,    "[-1, 1]");
    check_unary("acos",    U(acos(x)),           U(-1 / sqrt(1 - x * x)),                0.99,   "[-1, 1], near the edge 1");
    check_unary("atan",    U(atan(x)),           U(1 / (1 + x * x)),                     2.0,    "R");
    check_unary("abs",     U(abs(x)),            U(x / abs(x)),                          -2.0,   "R \\ {0}");
    check_unary("abs",     U(abs(x)),            U(x / abs(x)),                          0.5,    "R \\ {0}");
    check_unary("sigmoid", U(sigmoid(x)),        U(exp(-x) / ((1 + exp(-x)) * (1 + exp(-x)))), 0.8, "R");
    check_unary("sigmoid", U(sigmoid(x)),        U(exp(x) / ((1 + exp(x)) * (1 + exp(x)))),     -30.0, "R, the branch for x < 0");
    check_unary("sigmoid", U(sigmoid(x)),        U(exp(-x) / ((1 + exp(-x)) * (1 + exp(-x)))), 3.0, "R, the e^-x y^2 branch");
    check_unary("powi",    U(pow(x, 3)),         U(3 * x * x),                           -1.7,   "R, integer power of a negative base");
    check_unary("powi",    U(pow(x, -2)),        U(-2 / (x * x * x)),                    0.6,    "R \\ {0}");
    check_unary("powi",    U(pow(x, 0)),         U(x * 0),                               2.0,    "R, x^0 = 1");
    check_unary("pow",     U(pow(x, 2.5)),       U(2.5 * pow(x, 1.5)),                   1.3,    "x > 0");
    check_unary("pow",     U(pow(x, -0.5)),      U(-0.5 * pow(x, -1.5)),                 0.2,    "x > 0");
    check_unary("pow",     U(pow(2.0, x)),       U(pow(2.0, x) * log(x * 0 + 2)),              1.1,    "constant base > 0");
    check_unary("composite", U(exp(sin(x)) / (1 + x * x)), U(exp(sin(x)) * (cos(x) * (1 + x * x) - 2 * x) / ((1 + x * x) * (1 + x * x))), 0.6, "R");
}

TEST_CASE("binary primitives: partials by both modes, one-sided constants, 50 digits", "[rules][forward][reverse]") {
    //           name   f(a, b)        ∂f/∂a                        ∂f/∂b                            a     b     domain
    check_binary("add", B(a + b),      B(a * 0 + 1),                B(b * 0 + 1),                    1.5,  -2.0, "R^2");
    check_binary("sub", B(a - b),      B(a * 0 + 1),                B(b * 0 - 1),                    1.5,  -2.0, "R^2");
    check_binary("mul", B(a * b),      B(b),                        B(a),                            1.5,  -2.0, "R^2");
    check_binary("div", B(a / b),      B(1 / b),                    B(-a / (b * b)),                 1.5,  -2.0, "b != 0");
    check_binary("div", B(a / b),      B(1 / b),                    B(-a / (b * b)),                 1.0,  1e-3, "b != 0, near the pole");
    check_binary("pow", B(pow(a, b)),  B(b * pow(a, b - 1)),        B(pow(a, b) * log(a)),           1.7,  2.3,  "a > 0");
    check_binary("pow", B(pow(a, b)),  B(b * pow(a, b - 1)),        B(pow(a, b) * log(a)),           0.2,  -1.5, "a > 0, negative exponent");
    check_binary("max", B(max(a, b)),  B(a * 0 + 1),                B(b * 0),                        2.0,  1.0,  "a > b");
    check_binary("max", B(max(a, b)),  B(a * 0),                    B(b * 0 + 1),                    -1.0, 3.0,  "a < b");
    check_binary("min", B(min(a, b)),  B(a * 0),                    B(b * 0 + 1),                    2.0,  1.0,  "a > b");
    check_binary("min", B(min(a, b)),  B(a * 0 + 1),                B(b * 0),                        -1.0, 3.0,  "a < b");
}

TEST_CASE("conventions at non-smooth points are documented and symmetric", "[rules]") {
    using ad::Dual;
    // abs'(0) := 0 (midpoint subgradient).
    CHECK(ad::abs(Dual<double>(0.0, 1.0)).t[0] == 0.0);
    // max/min at a tie: each side gets 1/2, so max(x, x)' = 1 exactly.
    const auto g = ad::gradient([](const auto& v) { return ad::max(v[0], v[1]); }, std::vector<double>{2.0, 2.0});
    CHECK(g[0] == 0.5);
    CHECK(g[1] == 0.5);
    const auto same = ad::gradient([](const auto& v) { return ad::max(v[0], v[0]); }, std::vector<double>{2.0});
    CHECK(same[0] == 1.0);
    // n-ary max: ties split evenly among the k maxima.
    const auto gm = ad::gradient([](const auto& v) { return ad::max(v); }, std::vector<double>{1.0, 3.0, 3.0, 3.0, -2.0});
    CHECK(gm == std::vector<double>{0.0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0.0});
    // 0^0 = 1 with derivative 0 (integer power).
    const Dual<double> p = ad::pow(Dual<double>(0.0, 1.0), 0);
    CHECK(p.v == 1.0);
    CHECK(p.t[0] == 0.0);
}

TEST_CASE("n-ary sum and max reductions agree across modes", "[rules][reduce]") {
    auto f = [](const auto& x) {
        using std::exp;
        using X = std::decay_t<decltype(x[0])>;
        std::vector<X> e;
        for (const auto& xi : x) e.push_back(exp(xi) * xi);
        return ad::sum(e) + ad::max(x) * 3.0;
    };
    const std::vector<double> x{0.1, -0.4, 0.9, 0.3};
    const auto g = ad::gradient(f, x);
    const auto J = ad::jacobian_forward(f, x);
    for (std::size_t j = 0; j < x.size(); ++j) {
        const double want = std::exp(x[j]) * (1 + x[j]) + (j == 2 ? 3.0 : 0.0);
        ADT_CLOSE(g[j], want, 1e-15, 1e-14);
        ADT_CLOSE(J(0, j), want, 1e-15, 1e-14);
    }
    CHECK(ad::sum(std::vector<double>{}) == 0.0);
}

TEST_CASE("n-ary logsumexp: stable value, partials = softmax, every mode, 50 digits", "[rules][reduce][logsumexp]") {
    auto f = [](const auto& x) { return ad::logsumexp(x); };
    for (const std::vector<double>& x : {std::vector<double>{0.1, -0.4, 0.9, 0.3}, {1e4, 1e4 - 2, -1e4}, {-800.0, -801.0},
                                         {0.0, -37.0}, {5.0}}) {
        INFO("x[0] = " << x[0] << ", n = " << x.size());
        double m = x[0];
        for (double v : x) m = std::max(m, v);
        double tot = 0;
        for (double v : x) tot += std::exp(v - m);
        double rest = 0;  // Σ over the entries but the (first) maximal one
        bool seen = false;
        for (double v : x) {
            if (v == m && !seen) seen = true;
            else rest += std::exp(v - m);
        }
        const double want = m + std::log1p(rest);
        CHECK(ad::logsumexp(x) == Approx(want).epsilon(1e-15));
        const auto [v, g] = ad::value_and_gradient(f, x);
        const auto J = ad::jacobian_forward(f, x);
        CHECK(v == ad::logsumexp(x));  // bitwise the plain value
        for (std::size_t j = 0; j < x.size(); ++j) {
            const double s = std::exp(x[j] - m) / tot;
            ADT_CLOSE(g[j], s, 1e-300, 1e-14);
            ADT_CLOSE(J(0, j), s, 1e-300, 1e-14);
            if (std::abs(x[0]) < 10) ADT_CLOSE(adt::central_difference([&](double t) { auto y = x; y[j] = t; return ad::logsumexp(y); }, x[j]), s, 1e-8, 1e-7);
        }
        const auto gm = ad::gradient(f, std::vector<mp50>(x.begin(), x.end()));
        for (std::size_t j = 0; j < x.size(); ++j) ADT_CLOSE(static_cast<double>(gm[j]), std::exp(x[j] - m) / tot, 1e-300, 1e-15);
    }
    // a dominant entry: log(1 + e^−37) is relatively exact (log1p), not rounded to 0
    CHECK(ad::logsumexp(std::vector<double>{0.0, -37.0}) == Approx(std::log1p(std::exp(-37.0))).epsilon(1e-14));
    CHECK(ad::logsumexp(std::vector<double>{0.0, -37.0}) > 0.0);
    CHECK(std::isnan(ad::logsumexp(std::vector<double>{1.0, NAN})));
    CHECK(ad::logsumexp(std::vector<double>{-INFINITY, -INFINITY}) == -INFINITY);
    CHECK_THROWS_AS(ad::logsumexp(std::vector<double>{}), ad::size_error);
}

TEST_CASE("stop_gradient: the value passes, the derivative is 0 in every mode", "[rules][stop_gradient]") {
    // f(x) = x · stop_gradient(x²): f' = stop_gradient(x²) = x², not 3x²
    auto f = [](const auto& x) { return x[0] * ad::stop_gradient(x[0] * x[0]); };
    const std::vector<double> x{1.5};
    const auto [v, g] = ad::value_and_gradient(f, x);
    CHECK(v == 1.5 * 2.25);
    CHECK(g[0] == 2.25);
    CHECK(ad::jacobian_forward(f, x)(0, 0) == 2.25);
    CHECK(ad::stop_gradient(2.5) == 2.5);
    // (symbolic mode: tests/symbolic, "stop_gradient")
    // NaN convention: max/min and the n-ary max propagate NaN (value and partials) in every mode
    const auto [vm, gm] = ad::value_and_gradient([](const auto& y) { return ad::max(y[0], y[1]); }, std::vector<double>{NAN, 1.0});
    CHECK(std::isnan(vm));
    CHECK(std::isnan(gm[0]));
    CHECK(std::isnan(gm[1]));
    CHECK(std::isnan(ad::max(1.0, double(NAN))));
    CHECK(std::isnan(ad::min(double(NAN), 1.0)));
    const auto jm = ad::jacobian_forward([](const auto& y) { return ad::max(y); }, std::vector<double>{1.0, NAN, 3.0});
    CHECK(std::isnan(jm(0, 0)));
    const auto [vr, gr] = ad::value_and_gradient([](const auto& y) { return ad::max(y); }, std::vector<double>{1.0, NAN, 3.0});
    CHECK(std::isnan(vr));
    CHECK(std::isnan(gr[2]));
}

TEST_CASE("forward mode's compound assignments update in place with the binary rule's own arithmetic",
          "[rules][forward]") {
    using D = Dual<double, 3>;
    auto same = [](const D& u, const D& w) {
        bool eq = u.v == w.v || (std::isnan(u.v) && std::isnan(w.v));
        for (std::size_t l = 0; l < 3; ++l) eq = eq && (u.t[l] == w.t[l] || (std::isnan(u.t[l]) && std::isnan(w.t[l])));
        return eq;
    };
    const D a(1.5, 1.0, 0), b(-0.25, 1.0, 1);
    D c(0.75, 2.0, 2);
    c.t[0] = 0.5;
    for (const D& rhs : {b, c, D(0.0), D(0.0, 1.0, 2)}) {
        D x = a;
        x += rhs;
        CHECK(same(x, a + rhs));
        x = a, x -= rhs;
        CHECK(same(x, a - rhs));
        x = a, x *= rhs;
        CHECK(same(x, a * rhs));
        x = a, x /= rhs;
        CHECK(same(x, a / rhs));  // ÷ 0: the careful path, lanes without derivative stay 0
    }
    // the right operand may be the left one
    D x = c;
    const D& same_x = x;
    x += same_x;
    CHECK(same(x, c + c));
    x = c, x *= same_x;
    CHECK(same(x, c * c));
    x = c, x -= same_x;
    CHECK(same(x, c - c));
    x = c, x /= same_x;
    CHECK(same(x, c / c));
    CHECK(x.v == 1.0);
    CHECK(x.t == std::array<double, 3>{0.0, 0.0, 0.0});
    // checked mode names the operation, as a / b does
    ad::checked_scope checked;
    x = a;
    CHECK_THROWS_WITH(x /= D(0.0, 1.0, 1), Catch::Contains("div"));
}

namespace {
/// The index max_reduce::argmax promises: the first NaN if there is one, else the first entry
/// that no later entry exceeds (written as the plain loop, for comparison).
template <class T>
std::size_t first_argmax(const std::vector<T>& x) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (x[i] != x[i]) return i;
        if (x[i] > x[k]) k = i;
    }
    return k;
}

template <class T>
void argmax_family(unsigned seed) {
    std::mt19937 rng(seed);
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    // values drawn from a small set, so that ties, ±0, ±inf and NaN meet at every position
    const std::vector<T> pool{T(-1), T(0), T(-0.0), T(2), T(2), T(3.5), inf, -inf, nan, T(0.5)};
    std::size_t checked = 0, with_nan = 0;
    for (std::size_t n = 1; n <= 13; ++n)
        for (int trial = 0; trial < 400; ++trial) {
            std::vector<T> x(n);
            for (T& v : x) v = pool[rng() % (trial % 3 == 0 ? pool.size() : pool.size() - 3)];  // 2 of 3 trials: no NaN
            const std::size_t want = first_argmax(x);
            CAPTURE(n, trial);
            CHECK(ad::rules::max_reduce::argmax(std::span<const T>(x)) == want);
            // the AD types' loop (on the innermost values) gives the same index
            std::vector<Dual<T, 1>> d(x.begin(), x.end());
            CHECK(ad::rules::max_reduce::argmax(std::span<const Dual<T, 1>>(d)) == want);
            ++checked;
            with_nan += x[want] != x[want];
        }
    CHECK(checked == 13 * 400);
    CHECK(with_nan > 100);  // the NaN path was exercised
}
}  // namespace

TEST_CASE("max's argmax: the first NaN, else the first maximal entry, for ties, ±0, ±inf at every position",
          "[rules][reduce]") {
    argmax_family<double>(1);
    argmax_family<float>(2);
    argmax_family<long double>(3);
    // −0 and +0 are equal: the first of them is the maximum
    CHECK(ad::rules::max_reduce::argmax(std::span<const double>(std::vector<double>{-0.0, 0.0, -1.0})) == 0);
    CHECK(ad::rules::max_reduce::argmax(std::span<const double>(std::vector<double>{-1.0, 0.0, -0.0})) == 1);
    // all −inf: the first
    const double ninf = -std::numeric_limits<double>::infinity();
    CHECK(ad::rules::max_reduce::argmax(std::span<const double>(std::vector<double>(9, ninf))) == 0);
    // integers: the first maximal entry
    CHECK(ad::rules::max_reduce::argmax(std::span<const int>(std::vector<int>{1, 3, -2, 3, 2})) == 1);
    CHECK(ad::rules::max_reduce::argmax(std::span<const long>(std::vector<long>{-5, -7, -5})) == 0);
    // long rows (the four running maxima and their tail), the maximum last, first, in the middle
    for (std::size_t n : {4u, 5u, 8u, 11u, 100u, 1001u}) {
        std::vector<double> x(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(double(i));  // no two equal
        for (std::size_t at : {std::size_t(0), n / 2, n - 1}) {
            std::vector<double> y = x;
            y[at] = 2.0;
            CAPTURE(n, at);
            CHECK(ad::rules::max_reduce::argmax(std::span<const double>(y)) == at);
        }
    }
}

namespace {

/// A reduction's nonzero partials (max, sum) against its partials: the same numbers where
/// nonzero, in order, and nothing else.
template <class R = ad::rules::max_reduce, class T>
void check_nonzero_partials(const std::vector<T>& xs) {
    const R r;
    const std::span<const T> s(xs);
    const T y = r.value(s);
    std::vector<T> dense(xs.size());
    r.partials(s, y, std::span<T>(dense));
    std::vector<std::size_t> at;
    std::vector<T> p;
    const std::size_t n = r.nonzero_partials(s, y, [&](std::size_t i, const T& v) { at.push_back(i), p.push_back(v); });
    REQUIRE(n == at.size());
    std::size_t expected = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        INFO("entry " << i);
        const auto d = ad::val(dense[i]);
        if (d == 0) continue;  // NaN ≠ 0: a NaN weight is nonzero
        REQUIRE(expected < n);
        CHECK(at[expected] == i);
        const auto q = ad::val(p[expected]);
        CHECK((std::isnan(double(d)) ? std::isnan(double(q)) : q == d));
        ++expected;
    }
    CHECK(expected == n);
}

}  // namespace

TEST_CASE("max and sum over a range: their nonzero partials are their partials without the zeros", "[rules][max]") {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const std::vector<std::vector<double>> cases{
        {1.5},                       {0.5, 2.0, -1.0},       {3.0, 1.0, 3.0, 0.0},  // one maximum; a tie of two
        {1.0, 1.0, 1.0},             {-inf, -inf},           {2.0, nan, 5.0},       // all tied; −∞ tied; NaN
        {nan, 1.0},                  {inf, 1.0, inf, 0.0},   {-0.0, 0.0}};          // NaN first; +∞ tied; ±0 tied
    for (const auto& c : cases) {
        INFO("case of " << c.size() << " entries starting " << c[0]);
        check_nonzero_partials(c);
        check_nonzero_partials(std::vector<float>(c.begin(), c.end()));
        std::vector<Dual<double>> d;
        for (std::size_t i = 0; i < c.size(); ++i) d.push_back(Dual<double>(c[i], {double(i + 1)}));
        check_nonzero_partials(d);
        check_nonzero_partials<ad::rules::sum>(c);
        check_nonzero_partials<ad::rules::sum>(d);
    }
    // the tape keeps the nonzero ones only: one operand per maximal entry
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    std::vector<ad::Var<double>> v;
    for (double x : {3.0, 1.0, 3.0, 0.0, 3.0}) v.push_back(ad::Var<double>::input(x));
    const auto before = tape.operands();
    const ad::Var<double> m = ad::max(v);
    CHECK(tape.operands() - before == 3);
    tape.gradient_of(m.i);
    const auto adj = std::as_const(tape).adjoints();
    CHECK(adj[v[0].i] == 1.0 / 3.0);
    CHECK(adj[v[1].i] == 0.0);
    CHECK(adj[v[4].i] == 1.0 / 3.0);
    // a sum: one operand per active entry (a constant entry adds none), each with partial 1
    const std::vector<ad::Var<double>> w{v[0], ad::Var<double>(2.5), v[1], v[1]};
    const auto before_sum = tape.operands();
    const ad::Var<double> s = ad::sum(w);
    CHECK(s.v == 7.5);
    CHECK(tape.operands() - before_sum == 3);
    tape.gradient_of(s.i);
    const auto sum_adj = std::as_const(tape).adjoints();
    CHECK(sum_adj[v[0].i] == 1.0);
    CHECK(sum_adj[v[1].i] == 2.0);
    CHECK(sum_adj[v[2].i] == 0.0);
}
