// Issue 12, class 6 (rules part): sigmoid′ and tanh′ keep their relative accuracy in the tails.
// y(1 − y) and 1 − y² cancel to 0 where y rounds to 1 (σ′(40) = 4.2e−18, tanh′(20) = 1.7e−17
// printed 0); the rules now use σ′ = σ(x)σ(−x) and tanh′ = 4σ(2x)σ(−2x) (numbers: the same
// without cancellation, one exp), which never overflow (1/cosh² would beyond |x| ≈ 710, and make
// a checked Hessian fail where the double result is fine). Every mode and order — forward,
// reverse, Replay, the four nested Hessian modes, symbolic — against a 100-digit reference
// computed by other formulas (1/(4cosh²(x/2)), 1/cosh²x), in double (a few ulps) and at 50
// digits (1e-45), inside a checked_scope.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ad/core/multiprecision.hpp"
#include "core/modes.hpp"
#include "support/close.hpp"
#ifdef ADIFF_TEST_SYMBOLIC
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#endif

namespace {

using R = ad::mp100;

/// References at 100 digits: σ′ = 1/(4cosh²(x/2)), σ″ = −tanh(x/2)·σ′, tanh′ = 1/cosh²x,
/// tanh″ = −2·tanh(x)/cosh²x.
R sigmoid_d1(const R& x) { using std::cosh; const R c = cosh(x / 2); return 1 / (4 * c * c); }
R sigmoid_d2(const R& x) { using std::tanh; return -tanh(x / 2) * sigmoid_d1(x); }
R tanh_d1(const R& x) { using std::cosh; const R c = cosh(x); return 1 / (c * c); }
R tanh_d2(const R& x) { using std::tanh; return -2 * tanh(x) * tanh_d1(x); }

/// Distance from the reference in units of the double spacing at the reference (subnormal and
/// zero references: in units of the smallest subnormal).
double ulps(double got, const R& ref) {
    const double r = static_cast<double>(ref);  // correctly rounded enough for a tolerance
    if (std::isnan(got)) return std::numeric_limits<double>::infinity();
    const double spacing = std::max(std::abs(r) * std::numeric_limits<double>::epsilon(), std::numeric_limits<double>::denorm_min());
    return static_cast<double>(abs(R(got) - ref)) / spacing;
}

constexpr double max_ulps = 4;
const std::vector<double> points = {1, -1, 20, -20, 40, -40, 700, -700, 800, -800};

template <class F>
std::vector<double> symbolic_d(F f, double x, int order) {
#ifdef ADIFF_TEST_SYMBOLIC
    ad::sym::graph_scope scope;
    const std::vector<ad::sym::Expr> xs{ad::sym::symbol("x")};
    const ad::sym::Expr y = f(xs);
    const std::unordered_map<std::uint32_t, double> bind{{xs[0].id(), x}};
    if (order == 1) return ad::sym::evaluate<double>(ad::sym::gradient(y, xs), bind);
    const auto H = ad::sym::hessian(y, xs);
    return ad::sym::evaluate<double>(std::vector<ad::sym::Expr>(H.begin(), H.end()), bind);
#else
    (void)f, (void)x, (void)order;
    return {};
#endif
}

template <class F>
void check_tails(const char* name, F f, R (*d1)(const R&), R (*d2)(const R&)) {
    ad::checked_scope checked;  // no spurious overflow anywhere in the tails
    for (double x : points) {
        const R want1 = d1(R(x)), want2 = d2(R(x));
        INFO(name << " at x = " << x << ": f' = " << want1 << ", f'' = " << want2);
        for (const auto& m : modes::gradients<double>(f)) {
            const double g = m.run(std::vector<double>{x})[0];
            INFO(m.name << ": " << adt::str(g) << " (" << ulps(g, want1) << " ulps)");
            CHECK(ulps(g, want1) <= max_ulps);
        }
        for (const auto& m : modes::hessians<double>(f)) {
            const double h = m.run(std::vector<double>{x})[0];
            INFO(m.name << ": " << adt::str(h) << " (" << ulps(h, want2) << " ulps)");
            CHECK(ulps(h, want2) <= max_ulps);
        }
        for (double g : symbolic_d(f, x, 1)) {
            INFO("symbolic: " << adt::str(g) << " (" << ulps(g, want1) << " ulps)");
            CHECK(ulps(g, want1) <= max_ulps);
        }
        for (double h : symbolic_d(f, x, 2)) {
            INFO("symbolic second: " << adt::str(h) << " (" << ulps(h, want2) << " ulps)");
            CHECK(ulps(h, want2) <= max_ulps);
        }
        // 50 digits: every mode to 1e-45 relative (e^−1600 is representable there)
        using M = ad::mp50;
        for (const auto& m : modes::gradients<M>(f)) {
            INFO(m.name << " at 50 digits");
            const R g(m.run(std::vector<M>{M(x)})[0]);
            CHECK(abs(g - want1) <= R("1e-45") * abs(want1));
        }
        for (const auto& m : modes::hessians<M>(f)) {
            INFO(m.name << " at 50 digits");
            const R h(m.run(std::vector<M>{M(x)})[0]);
            CHECK(abs(h - want2) <= R("1e-45") * abs(want2));
        }
    }
}

}  // namespace

TEST_CASE("sigmoid' and sigmoid'' keep relative accuracy in both tails, every mode", "[tails][sigmoid][class6]") {
    check_tails("sigmoid", [](const auto& x) { using ad::sigmoid; return sigmoid(x[0]); }, sigmoid_d1, sigmoid_d2);
}

TEST_CASE("tanh' and tanh'' keep relative accuracy in both tails, every mode", "[tails][tanh][class6]") {
    check_tails("tanh", [](const auto& x) { using std::tanh; return tanh(x[0]); }, tanh_d1, tanh_d2);
}

TEST_CASE("the issue's examples: sigmoid'(40) and tanh'(20) are not 0", "[tails][class6]") {
    const double s = ad::gradient([](const auto& x) { return ad::sigmoid(x[0]); }, std::vector<double>{40.0})[0];
    const double t = ad::gradient([](const auto& x) { using std::tanh; return tanh(x[0]); }, std::vector<double>{20.0})[0];
    CHECK(s == Approx(4.248354255291589e-18).epsilon(1e-15));
    CHECK(t == Approx(1.6993417021166355e-17).epsilon(1e-15));
    // and the small-|x| branch of tanh′ (1 − y²) agrees with the tail branch where they meet
    for (double x : {0.0, 0.3, 0.88, 0.9, 2.0}) {
        const double g = ad::gradient([](const auto& v) { using std::tanh; return tanh(v[0]); }, std::vector<double>{x})[0];
        CHECK(ulps(g, tanh_d1(R(x))) <= 4);
    }
}
