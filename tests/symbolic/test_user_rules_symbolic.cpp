// Issue 15: user-defined rules in symbolic mode. A rule declared in user code (tests/core/
// user_rules.hpp: a unary, a binary and two vector rules) applied to Expr builds one opaque call
// node; its symbolic derivative is the rule's own partials run on Expr, and must equal reverse
// mode at double and at 50 digits, to first and second order; it prints under the rule's name,
// evaluates at every precision of the evaluator, and checked evaluation names the rule.
#include <catch2/catch.hpp>

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/core/checked.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#include "core/user_rules.hpp"
#include "support/close.hpp"

using ad::sym::Expr;
using namespace user_rules;

namespace {

std::vector<Expr> symbols(std::size_t n) {
    std::vector<Expr> x;
    for (std::size_t k = 0; k < n; ++k) x.push_back(ad::sym::symbol("x" + std::to_string(k)));
    return x;
}

template <class T>
std::unordered_map<std::uint32_t, T> bind(const std::vector<Expr>& x, const std::vector<T>& v) {
    std::unordered_map<std::uint32_t, T> b;
    for (std::size_t k = 0; k < x.size(); ++k) b[x[k].id()] = v[k];
    return b;
}

/// f through a unary and a binary user rule: half_log(x₀)·logaddexp(x₀, x₁) + logaddexp(2, x₁).
auto f_scalar = [](const auto& v) {
    using X = std::decay_t<decltype(v[0])>;
    return X(ad::apply_rule(half_log{}, v[0]) * ad::apply_rule(logaddexp{}, v[0], v[1]) + ad::apply_rule(logaddexp{}, 2.0, v[1]));
};

/// The symbolic gradient and Hessian of f at x, evaluated at T, against reverse mode at T.
template <class T, class F>
void agrees_with_reverse(F f, const std::vector<T>& x, const T& tol, const char* what) {
    INFO(what);
    using std::abs;
    const std::vector<Expr> s = symbols(x.size());
    const Expr y = f(s);
    const auto b = bind(s, x);
    const std::vector<T> g = ad::sym::evaluate<T>(ad::sym::gradient(y, s), b);
    const std::vector<T> want = ad::gradient(f, x);
    REQUIRE(g.size() == want.size());
    for (std::size_t k = 0; k < g.size(); ++k) CHECK(abs(g[k] - want[k]) <= tol * (1 + abs(want[k])));
    const ad::Array<Expr> H = ad::sym::hessian(y, s);
    const std::vector<T> h = ad::sym::evaluate<T>(H.values(), b);
    const auto hw = ad::hessian(f, x);
    for (std::size_t k = 0; k < h.size(); ++k) CHECK(abs(h[k] - hw.values()[k]) <= T(100) * tol * (1 + abs(hw.values()[k])));
}

}  // namespace

TEST_CASE("user rules in symbolic mode: derivatives equal reverse mode at double and 50 digits", "[symbolic][user]") {
    for (const std::vector<double>& x : {std::vector<double>{0.7, -1.3}, std::vector<double>{2.5, 3.0}})
        agrees_with_reverse<double>(f_scalar, x, 1e-14, "unary and binary rules, double");
    agrees_with_reverse<ad::mp50>(f_scalar, {ad::mp50("0.7"), ad::mp50("-1.3")}, ad::mp50("1e-45"), "unary and binary rules, 50 digits");
    for (const std::vector<double>& x : {std::vector<double>{0.3, -1.2, 0.8}, std::vector<double>{-2.0, 0.5, 1.5}})
        agrees_with_reverse<double>(f_rules, x, 1e-13, "vector rules (normalize, polar), double");
    agrees_with_reverse<ad::mp50>(f_rules, {ad::mp50("0.3"), ad::mp50("-1.2"), ad::mp50("0.8")}, ad::mp50("1e-44"),
                                  "vector rules, 50 digits");
    // and the same function composed from the registry's primitives, differentiated independently
    const std::vector<Expr> s = symbols(3);
    const auto g_rules = ad::sym::evaluate<double>(ad::sym::gradient(f_rules(s), s), bind<double>(s, {0.3, -1.2, 0.8}));
    const auto g_prims = ad::sym::evaluate<double>(ad::sym::gradient(f_primitives(s), s), bind<double>(s, {0.3, -1.2, 0.8}));
    for (std::size_t k = 0; k < 3; ++k) CHECK(adt::close(g_rules[k], g_prims[k], 1e-14, 1e-14));
}

TEST_CASE("a user rule is one opaque node, printed under its name", "[symbolic][user][print]") {
    const std::vector<Expr> x = symbols(2);
    const Expr h = ad::apply_rule(half_log{}, x[0]);
    CHECK(h.op() == ad::sym::Op::call);
    CHECK(h.same(ad::apply_rule(half_log{}, x[0])));                 // hash-consed: the same call is the same node
    CHECK(!ad::apply_rule(logaddexp{}, x[0], x[1]).same(ad::apply_rule(logaddexp{}, x[1], x[0])));
    CHECK(ad::sym::node_name(h.node()) == "half_log");
    CHECK(ad::sym::to_text(h) == "half_log(x0)");
    CHECK(ad::sym::to_text(ad::apply_rule(logaddexp{}, x[0], 2.0)) == "logaddexp(x0, 2)");
    CHECK(ad::sym::to_text(ad::sym::gradient(h, std::vector<Expr>{x[0]})[0]) == "1/(2*x0)");  // the rule's d, simplified
    const std::vector<Expr> p = ad::apply_rule(polar{}, x);
    REQUIRE(p.size() == 2);
    CHECK(ad::sym::to_text(p[1]) == "polar(x0, x1)[1]");
    const auto latex = ad::sym::print(std::vector<Expr>{h}, ad::sym::Style::latex);
    CHECK(latex.roots[0] == "\\operatorname{half\\_log}\\left(x0\\right)");
    const auto c = ad::sym::print(std::vector<Expr>{p[0]}, ad::sym::Style::c);
    CHECK(c.roots[0] == "polar(x0, x1)[0]");
    // ∂θ/∂x₀ of polar = −x₁/r², with r the call's own output 0: the JVP ran on Expr
    const Expr d = ad::sym::gradient(p[1], x)[0];
    CHECK(ad::sym::evaluate<double>(std::vector<Expr>{d}, bind<double>(x, {0.6, 0.8}))[0] == Approx(-0.8).epsilon(1e-15));
    CHECK(ad::sym::to_text(d).find("polar(x0, x1)[0]") != std::string::npos);
}

TEST_CASE("a user rule evaluates at every precision, checked evaluation names it", "[symbolic][user][checked]") {
    const std::vector<Expr> x = symbols(2);
    const Expr y = ad::apply_rule(logaddexp{}, x[0], x[1]);
    CHECK(ad::sym::evaluate<float>(std::vector<Expr>{y}, bind<float>(x, {1.0f, 2.0f}))[0] == Approx(std::log(std::exp(1.0) + std::exp(2.0))).epsilon(1e-6));
    CHECK(ad::sym::evaluate<long double>(std::vector<Expr>{y}, bind<long double>(x, {1.0L, 2.0L}))[0] ==
          Approx(std::log(std::exp(1.0) + std::exp(2.0))).epsilon(1e-15));
    const ad::mp100 v100 = ad::sym::evaluate<ad::mp100>(std::vector<Expr>{y}, bind<ad::mp100>(x, {ad::mp100(1), ad::mp100(2)}))[0];
    CHECK(abs(v100 - log(exp(ad::mp100(1)) + exp(ad::mp100(2)))) < ad::mp100("1e-95"));
    // another number type: an error naming the rule, never a wrong value
    using mp30 = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<30>, boost::multiprecision::et_off>;
    CHECK_THROWS_WITH(ad::sym::evaluate<mp30>(std::vector<Expr>{y}, bind<mp30>(x, {mp30(1), mp30(2)})), Catch::Contains("'logaddexp'"));
    // checked: half_log(−1) is NaN, named by the rule
    ad::checked_scope checked;
    try {
        (void)ad::sym::evaluate<double>(std::vector<Expr>{ad::apply_rule(half_log{}, x[0])}, bind<double>(x, {-1.0, 0.0}));
        FAIL("no error for half_log(-1)");
    } catch (const ad::domain_error& e) {
        CHECK(e.op == "half_log");
    }
}

TEST_CASE("a user rule first used on several threads at once has one number", "[symbolic][user][threads]") {
    std::vector<std::uint32_t> ids(4);
    std::vector<double> values(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < ids.size(); ++t)
        threads.emplace_back([&, t] {
            const Expr x = ad::sym::symbol("x");
            const Expr y = ad::apply_rule(half_log{}, x);
            ids[t] = ad::sym::call_rule(y.node());
            values[t] = ad::sym::evaluate<double>(ad::sym::gradient(y, std::vector<Expr>{x}), {{x.id(), 0.25}})[0];
        });
    for (auto& th : threads) th.join();
    for (std::size_t t = 0; t < ids.size(); ++t) {
        CHECK(ids[t] == ids[0]);
        CHECK(values[t] == 2.0);
    }
}
