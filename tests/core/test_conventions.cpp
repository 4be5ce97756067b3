// Issue 12, class 7: ONE convention at non-smooth points for every mode and every order.
//   * max/min at a tie give each tied argument an equal share (½/½, 1/k among k tied entries of
//     an n-ary max) and the weights are piecewise constant: their derivative is 0.
//   * abs′(0) = 0 (and abs″ = 0).
//   * NaN propagates: a NaN argument of max/min makes the value and every first-order weight
//     NaN; the weights stay piecewise constant (their own derivative is 0, so max(x, NaN)″ = 0,
//     while max(x, NaN)·x has a NaN second derivative through the product rule).
//   * an operand that carries no derivative (an inactive Var, a Dual whose tangents are all
//     exactly zero, a constant of a Replay) contributes nothing: x^3.0 with the exponent a
//     constant of the AD type is 12 at x = −2 in every mode, not 12 + log(−2)·0 = NaN, and an
//     input a NaN does not reach keeps its derivative.
// Each test function is written once as a generic lambda and run through every first-order
// mode (forward 8 and 1 lanes, reverse, Replay) and every second-order one (forward-over-
// forward, forward-over-reverse, reverse-over-forward, Replay of Dual), plus symbolic mode when
// the symbolic engine is built, in double and at 50 digits, plain and inside a checked_scope.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/modes.hpp"
#include "support/close.hpp"
#ifdef ADIFF_TEST_SYMBOLIC
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#endif

namespace {

constexpr double nan_ = std::numeric_limits<double>::quiet_NaN();

/// The expected results: value, gradient, Hessian (row-major). NaN means NaN.
struct expected {
    double value;
    std::vector<double> gradient;
    std::vector<double> hessian;
};

template <class T>
bool same(const T& a, double b) {
    using std::isnan;
    if (std::isnan(b)) return isnan(a);
    return a == T(b);
}

template <class T>
std::string text(const std::vector<T>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + adt::str(v[i]);
    return s + "]";
}

#ifdef ADIFF_TEST_SYMBOLIC
/// Symbolic mode: the gradient and Hessian built as expressions and evaluated at x.
template <class T, class F>
void check_symbolic(const char* name, F f, const std::vector<double>& x, const expected& want) {
    ad::sym::graph_scope scope;
    std::vector<ad::sym::Expr> xs;
    std::unordered_map<std::uint32_t, T> bind;
    for (std::size_t i = 0; i < x.size(); ++i) {
        xs.push_back(ad::sym::symbol("x" + std::to_string(i)));
        bind[xs.back().id()] = T(x[i]);
    }
    const ad::sym::Expr y = f(std::as_const(xs));
    const std::vector<ad::sym::Expr> g = ad::sym::gradient(y, xs);
    const ad::Array<ad::sym::Expr> H = ad::sym::hessian(y, xs);
    const auto gv = ad::sym::evaluate<T>(g, bind);
    const auto hv = ad::sym::evaluate<T>(std::vector<ad::sym::Expr>(H.begin(), H.end()), bind);
    INFO(name << " symbolic: gradient " << text(gv) << ", Hessian " << text(hv));
    for (std::size_t i = 0; i < gv.size(); ++i) CHECK(same(gv[i], want.gradient[i]));
    for (std::size_t i = 0; i < hv.size(); ++i) CHECK(same(hv[i], want.hessian[i]));
}
#endif

/// Runs f through every mode at precision T and compares with `want` exactly (the table's
/// entries are exact in binary: ½, ⅓ is avoided where rounding would differ between modes).
template <class T, class F>
void check_all_modes(const char* name, F f, const std::vector<double>& x, const expected& want, bool symbolic = true) {
    const std::vector<T> xt(x.begin(), x.end());
    {
        const T v = modes::value(f, xt);
        INFO(name << ": value " << adt::str(v));
        CHECK(same(v, want.value));
    }
    for (const auto& m : modes::gradients<T>(f)) {
        const std::vector<T> g = m.run(xt);
        INFO(name << " " << m.name << ": gradient " << text(g) << ", want " << text(want.gradient));
        REQUIRE(g.size() == want.gradient.size());
        for (std::size_t i = 0; i < g.size(); ++i) CHECK(same(g[i], want.gradient[i]));
    }
    for (const auto& m : modes::hessians<T>(f)) {
        const std::vector<T> H = m.run(xt);
        INFO(name << " " << m.name << ": Hessian " << text(H) << ", want " << text(want.hessian));
        REQUIRE(H.size() == want.hessian.size());
        for (std::size_t i = 0; i < H.size(); ++i) CHECK(same(H[i], want.hessian[i]));
    }
#ifdef ADIFF_TEST_SYMBOLIC
    if (symbolic) check_symbolic<T>(name, f, x, want);
#else
    (void)symbolic;
#endif
}

template <class F>
void check_every_precision(const char* name, F f, const std::vector<double>& x, const expected& want, bool symbolic = true) {
    check_all_modes<double>(name, f, x, want, symbolic);
    check_all_modes<ad::mp50>(name, f, x, want, symbolic);
}

// The test functions, each written once.
#define FN(body) [](const auto& x) { using X = std::decay_t<decltype(x[0])>; using std::abs, std::sqrt, std::pow, std::log; (void)sizeof(X); return body; }
template <class X>
std::vector<X> vec(std::initializer_list<X> l) { return std::vector<X>(l); }

}  // namespace

TEST_CASE("ties of max/min: equal shares, piecewise-constant weights, every mode and order", "[conventions][max]") {
    //                     name                     f                                          x            value  gradient           Hessian
    check_every_precision("max(x, y) tie",          FN(ad::max(x[0], x[1])),                   {0.0, 0.0},  {0.0, {0.5, 0.5},   {0, 0, 0, 0}});
    check_every_precision("max(x, y)*x tie",        FN(ad::max(x[0], x[1]) * x[0]),            {0.0, 0.0},  {0.0, {0.0, 0.0},   {1, 0.5, 0.5, 0}});
    check_every_precision("max([x, y])*x tie",      FN(ad::max(vec<X>({x[0], x[1]})) * x[0]),  {0.0, 0.0},  {0.0, {0.0, 0.0},   {1, 0.5, 0.5, 0}});
    check_every_precision("min(x, y)*y tie at 1",   FN(ad::min(x[0], x[1]) * x[1]),            {1.0, 1.0},  {1.0, {0.5, 1.5},   {0, 0.5, 0.5, 1}});
    check_every_precision("max(x*x, y) tie at 1",   FN(ad::max(x[0] * x[0], x[1])),            {1.0, 1.0},  {1.0, {1.0, 0.5},   {1, 0, 0, 0}});
    check_every_precision("max(x, y)^2 tie",        FN(ad::max(x[0], x[1]) * ad::max(x[0], x[1])), {0.0, 0.0}, {0.0, {0.0, 0.0}, {0.5, 0.5, 0.5, 0.5}});
    check_every_precision("max(x, y)*x tie at -3",  FN(ad::max(x[0], x[1]) * x[0]),            {-3.0, -3.0}, {9.0, {-4.5, -1.5}, {1, 0.5, 0.5, 0}});
    check_every_precision("max(x, y) no tie",       FN(ad::max(x[0], x[1]) * x[0]),            {2.0, 1.0},  {4.0, {4.0, 0.0},   {2, 0, 0, 0}});
    check_every_precision("max(x, x) same operand", FN(ad::max(x[0], x[0]) * x[0]),            {1.5},       {2.25, {3.0},       {2}});
    // n-ary: two of three tied (weights ½, ½), the product rule on the shared value
    check_every_precision("max([x, y, z])*y, y = z", FN(ad::max(vec<X>({x[0], x[1], x[2]})) * x[1]), {1.0, 3.0, 3.0},
                          {9.0, {0.0, 4.5, 1.5}, {0, 0, 0, 0, 1, 0.5, 0, 0.5, 0}});
    // four tied entries: weights ¼ (exact in binary)
    check_every_precision("max of 4 tied * x0",     FN(ad::max(vec<X>({x[0], x[1], x[2], x[3]})) * x[0]), {2.0, 2.0, 2.0, 2.0},
                          {4.0, {2.5, 0.5, 0.5, 0.5}, {0.5, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0.25, 0, 0, 0, 0.25, 0, 0, 0}});
    // an entry below the maximum does not reach the derivative even where its own is infinite
    // (sqrt at 0): forward mode adds the maximal entries' tangents only, as reverse mode records
    // only their operands (a 0 partial times an infinite tangent made forward mode's NaN)
    check_every_precision("max([x, sqrt(y)]) at y = 0", FN(ad::max(vec<X>({x[0], X(sqrt(x[1]))}))), {1.0, 0.0},
                          {1.0, {1.0, 0.0}, {0, 0, 0, 0}}, false);
    check_every_precision("max([x, sqrt(y), z]) tie x = z", FN(ad::max(vec<X>({x[0], X(sqrt(x[1])), x[2]}))), {2.0, 0.0, 2.0},
                          {2.0, {0.5, 0.0, 0.5}, {0, 0, 0, 0, 0, 0, 0, 0, 0}}, false);
    // a tie at a large value: the mean does not overflow
    check_every_precision("max(x, y) tie at 1e308", FN(ad::max(x[0], x[1]) - x[0]),           {1e308, 1e308}, {0.0, {-0.5, 0.5}, {0, 0, 0, 0}});
}

namespace {
/// The gradient of f at x in every gradient mode at precision T, compared exactly with `want`.
template <class T, class F>
void check_gradients(const char* name, F f, const std::vector<double>& x, const std::vector<double>& want) {
    const std::vector<T> xt(x.begin(), x.end());
    for (const auto& m : modes::gradients<T>(f)) {
        const std::vector<T> g = m.run(xt);
        INFO(name << " " << m.name << ": gradient " << text(g) << ", want " << text(want));
        REQUIRE(g.size() == want.size());
        for (std::size_t i = 0; i < g.size(); ++i) CHECK(same(g[i], want[i]));
    }
}
}  // namespace

TEST_CASE("an n-ary entry whose partial is exactly 0 adds nothing, even with an infinite derivative, every mode",
          "[conventions][nary]") {
    // forward mode multiplied the zero weight by the entry's infinite tangent (NaN), where reverse
    // mode records only nonzero partials (0): now both leave the entry out
    const auto lse_log = FN(ad::logsumexp(vec<X>({x[1], X(log(x[0]))})));  // log(0) = −inf: weight exp(−inf) = 0
    check_gradients<double>("logsumexp([y, log(x)]) at x = 0", lse_log, {0.0, 1.0}, {0.0, 1.0});
    check_gradients<ad::mp50>("logsumexp([y, log(x)]) at x = 0", lse_log, {0.0, 1.0}, {0.0, 1.0});
    // a weight that underflows in double: exp(−1001) is 0 there
    const auto lse_far = FN(ad::logsumexp(vec<X>({x[1], X(sqrt(x[0]) - 1000.0)})));
    check_gradients<double>("logsumexp([y, sqrt(x) − 1000]) at x = 0", lse_far, {0.0, 1.0}, {0.0, 1.0});
    // the zero-weight entry first, y elsewhere: y's own weight is exp(0) = 1 exactly
    const auto lse_first = FN(ad::logsumexp(vec<X>({X(log(x[0])), x[1]})));
    check_gradients<double>("logsumexp([log(x), y]) at x = 0, y = -3", lse_first, {0.0, -3.0}, {0.0, 1.0});
}

TEST_CASE("abs at 0: derivative 0, second derivative 0, every mode", "[conventions][abs]") {
    check_every_precision("abs(x) at 0",     FN(abs(x[0])),          {0.0},      {0.0, {0.0}, {0.0}});
    check_every_precision("abs(x)*x at 0",   FN(abs(x[0]) * x[0]),   {0.0},      {0.0, {0.0}, {0.0}});
    check_every_precision("abs(x)*y at 0",   FN(abs(x[0]) * x[1]),   {0.0, 2.0}, {0.0, {0.0, 0.0}, {0, 0, 0, 0}});
    check_every_precision("abs(x)*x at -2",  FN(abs(x[0]) * x[0]),   {-2.0},     {-4.0, {4.0}, {-2.0}});
}

TEST_CASE("NaN propagates through max/min in value and derivative, every mode", "[conventions][nan]") {
    const double n = nan_;
    // a NaN argument: value and both weights NaN; the weights' own derivative is 0
    check_every_precision("max(NaN, y)",        FN(ad::max(x[0], x[1])),             {n, 1.0},  {n, {n, n}, {0, 0, 0, 0}});
    check_every_precision("min(x, NaN)",        FN(ad::min(x[0], x[1])),             {1.0, n},  {n, {n, n}, {0, 0, 0, 0}});
    check_every_precision("max(x, NaN)*x",      FN(ad::max(x[0], x[1]) * x[0]),      {1.0, n},  {n, {n, n}, {n, n, n, 0}});
    check_every_precision("max([x, NaN, z])",   FN(ad::max(vec<X>({x[0], x[1], x[2]}))), {1.0, n, 3.0}, {n, {n, n, n}, {0, 0, 0, 0, 0, 0, 0, 0, 0}});
    // an input the NaN does not reach keeps its derivative (forward mode does not multiply a NaN
    // partial by a zero tangent, reverse mode never visits it)
    check_every_precision("max(x, NaN) + y*y",  FN(ad::max(x[0], X(nan_)) + x[1] * x[1]), {1.0, 2.0}, {n, {n, 4.0}, {0, 0, 0, 2}}, false);
    check_every_precision("max(NaN, y) + x*y",  FN(ad::max(x[0], x[1]) + x[2] * x[3]),  {n, 1.0, 2.0, 3.0},
                          {n, {n, n, 3.0, 2.0}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0}});
    // numbers: the rule's value propagates NaN from either side
    CHECK(std::isnan(ad::max(1.0, nan_)));
    CHECK(std::isnan(ad::min(nan_, 1.0)));
}

TEST_CASE("constants carry no derivative: x^3.0 at -2, sqrt(0)*x, in every mode", "[conventions][constants]") {
    // the exponent is a constant OF THE AD TYPE (as the expression evaluator builds it): its
    // partial y·log(x) is NaN at x < 0 but is never applied
    check_every_precision("x^3.0 at -2",        FN(pow(x[0], X(3.0))),                    {-2.0}, {-8.0, {12.0}, {-12.0}}, false);
    check_every_precision("x^3.0 * y at -2",    FN(pow(x[0], X(3.0)) * x[1]),             {-2.0, 1.0}, {-8.0, {12.0, -8.0}, {-12, 12, 12, 0}}, false);
    check_every_precision("sqrt(0)*x",          FN(sqrt(X(0.0)) * x[0] + x[0]),           {3.0}, {3.0, {1.0}, {0.0}}, false);
    check_every_precision("x*x + stop_gradient(x)", FN(x[0] * x[0] + ad::stop_gradient(x[0])),   {3.0}, {12.0, {6.0}, {2.0}});
}

TEST_CASE("the conventions hold in checked mode too (constants' partials are not checked)", "[conventions][checked]") {
    ad::checked_scope checked;
    check_all_modes<double>("x^3.0 at -2 (checked)", FN(pow(x[0], X(3.0))), {-2.0}, {-8.0, {12.0}, {-12.0}}, false);
    check_all_modes<double>("sqrt(0)*x (checked)", FN(sqrt(X(0.0)) * x[0] + x[0]), {3.0}, {3.0, {1.0}, {0.0}}, false);
    check_all_modes<double>("max(x, y)*x tie (checked)", FN(ad::max(x[0], x[1]) * x[0]), {0.0, 0.0}, {0.0, {0.0, 0.0}, {1, 0.5, 0.5, 0}});
    check_all_modes<ad::mp50>("max([x, y])*x tie (checked, 50 digits)", FN(ad::max(vec<X>({x[0], x[1]})) * x[0]), {0.0, 0.0},
                              {0.0, {0.0, 0.0}, {1, 0.5, 0.5, 0}});
    check_all_modes<double>("abs(x)*x at 0 (checked)", FN(abs(x[0]) * x[0]), {0.0}, {0.0, {0.0}, {0.0}});
}

TEST_CASE("plain-number values at a tie are bitwise one argument", "[conventions][max]") {
    // the mean is taken only for AD types; for numbers max/min return an operand unchanged
    CHECK(std::signbit(ad::max(-0.0, 0.0)) == true);   // first operand at a tie (≥)
    CHECK(std::signbit(ad::min(0.0, -0.0)) == false);
    CHECK(ad::max(std::vector<double>{1.0, 3.0, 3.0}) == 3.0);
    // AD values at a tie: bitwise the common value
    const ad::Dual<double> a(0.1, 1.0), b(0.1, 0.0);
    CHECK(ad::max(a, b).v == 0.1);
    CHECK(ad::max(a, b).t[0] == 0.5);
}

TEST_CASE("a tie of -0 and +0 keeps the plain value's sign in every mode and order", "[conventions][max]") {
    // The value at a tie of AD values is bitwise the plain one, −0 included (a mean would give
    // +0): x₂²·atan2(max(x₀, x₁), x₃) at (−0, +0, 1, −1) is −π, and its second derivative in x₂
    // is 2·atan2(−0, −1) = −2π (+2π if the tie's value lost its sign). atan2″ at (0, −1): ∂a∂b = −1.
    const double pi = std::acos(-1.0);
    check_all_modes<double>("x2^2 atan2(max(x0, x1), x3) at (-0, +0)", FN(x[2] * x[2] * ad::atan2(ad::max(x[0], x[1]), x[3])),
                            {-0.0, 0.0, 1.0, -1.0},
                            {-pi, {-0.5, -0.5, -2 * pi, 0.0},
                             {0, 0, -1, -0.5,  0, 0, -1, -0.5,  -1, -1, -2 * pi, 0,  -0.5, -0.5, 0, 0}});
    check_all_modes<double>("x2^2 atan2(min(x0, x1), x3) at (-0, +0)", FN(x[2] * x[2] * ad::atan2(ad::min(x[0], x[1]), x[3])),
                            {-0.0, 0.0, 1.0, -1.0},
                            {-pi, {-0.5, -0.5, -2 * pi, 0.0},
                             {0, 0, -1, -0.5,  0, 0, -1, -0.5,  -1, -1, -2 * pi, 0,  -0.5, -0.5, 0, 0}});
    check_all_modes<double>("x2^2 atan2(max(x0, x1), x3) at (+0, -0)", FN(x[2] * x[2] * ad::atan2(ad::max(x[0], x[1]), x[3])),
                            {0.0, -0.0, 1.0, -1.0},
                            {pi, {-0.5, -0.5, 2 * pi, 0.0},
                             {0, 0, -1, -0.5,  0, 0, -1, -0.5,  -1, -1, 2 * pi, 0,  -0.5, -0.5, 0, 0}});
    check_all_modes<double>("x2^2 atan2(max([x0, x1]), x3) at (-0, +0)",
                            FN(x[2] * x[2] * ad::atan2(ad::max(vec<X>({x[0], x[1]})), x[3])), {-0.0, 0.0, 1.0, -1.0},
                            {-pi, {-0.5, -0.5, -2 * pi, 0.0},
                             {0, 0, -1, -0.5,  0, 0, -1, -0.5,  -1, -1, -2 * pi, 0,  -0.5, -0.5, 0, 0}});
}
