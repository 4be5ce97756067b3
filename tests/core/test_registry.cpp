// The registry test: every primitive listed in ops/rules/registry.hpp, at the test points its
// declaration gives, in every mode (forward Dual, reverse Var, forward-over-reverse, Replay,
// the symbolic DAG, the expression-language evaluator) and precision (float, double, long
// double, 50 digits). The reference is independent of the rule's derivative formula: central
// differences at 50 digits (h = 1e-20, so truncation ~1e-40 and rounding ~1e-30), and for the
// second derivative central differences of the rule's own first derivative. A new primitive is
// checked here without an edit: it is in the registry, and its declaration must have points.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ad/adiff.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "ad/reverse/replay.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ops/rules/registry.hpp"
#include "support/close.hpp"

namespace {

using ad::Dual;
using ad::mp50;

/// |a − b| ≤ rel·max(1, |b|) at 50 digits.
bool near50(const mp50& a, const mp50& b, const char* rel) {
    using std::abs;
    return abs(a - b) <= mp50(rel) * std::max(mp50(1), mp50(abs(b)));
}

template <class R>
void check_unary_primitive() {
    const R r{};
    auto f = [](const auto& v) { return ad::apply_rule(R{}, v[0]); };
    std::size_t points = 0;
    for (const double x : R::points) {
        ++points;
        INFO(R::name << " at x = " << x << "  // domain: " << R::about.domain);
        const double y = r.value(x);
        REQUIRE(std::isfinite(y));
        if constexpr (ad::rules::linear_rule<R>) {  // a linear rule's partial is one number everywhere
            const double x0 = R::points[0];
            CHECK(r.d(x, y) == r.d(x0, r.value(x0)));
        }
        // 50 digits: AD vs central differences of the value (not of the rule's d)
        const mp50 xm(x), h("1e-20");
        const mp50 fd = (r.value(mp50(xm + h)) - r.value(mp50(xm - h))) / (2 * h);
        const mp50 ad50 = ad::gradient(f, std::vector<mp50>{xm})[0];
        if (R::about.smooth) CHECK(near50(ad50, fd, "1e-25"));
        else CHECK(ad50 == 0);
        const mp50 fwd50 = ad::apply_rule(r, Dual<mp50>(xm, mp50(1))).t[0];
        CHECK(near50(fwd50, ad50, "1e-45"));
        // second derivative: nested duals at 50 digits vs central differences of the rule's d
        if (R::about.smooth) {
            auto d = [&r](const mp50& u) { return r.d(u, r.value(u)); };
            const mp50 fd2 = (d(mp50(xm + h)) - d(mp50(xm - h))) / (2 * h);
            const mp50 ad2 = ad::apply_rule(r, Dual<Dual<mp50>>(Dual<mp50>(xm, mp50(1)), Dual<mp50>(mp50(1)))).t[0].t[0];
            CHECK(near50(ad2, fd2, "1e-25"));
        }
        const double want = static_cast<double>(ad50);
        // double: every mode, the value bitwise the rule's
        const auto fwd = ad::apply_rule(r, Dual<double>(x, 1.0));
        CHECK(fwd.v == y);
        ADT_CLOSE(fwd.t[0], want, 1e-300, 2e-15);
        const auto [vr, g] = ad::value_and_gradient(f, std::vector<double>{x});
        CHECK(vr == y);
        ADT_CLOSE(g[0], want, 1e-300, 2e-15);
        const auto hf = ad::hessian_full(f, std::vector<double>{x});
        CHECK(hf.value == y);
        CHECK(hf.gradient[0] == g[0]);  // the same sweep, on the value part of a dual
        ad::Replay<double> rp(f, std::vector<double>{x + 0.25});  // recorded elsewhere, replayed at x
        const auto [vp, gp] = rp.value_and_gradient(std::vector<double>{x});
        CHECK(vp == y);
        CHECK(gp[0] == g[0]);
        // the symbolic DAG: value and derivative evaluated at x
        {
            const ad::sym::Expr s = ad::sym::symbol("x");
            const ad::sym::Expr e = ad::apply_rule(r, s);
            const ad::sym::Expr ds = ad::sym::gradient(e, std::span<const ad::sym::Expr>(&s, 1))[0];
            const auto v = ad::sym::evaluate<double>(std::vector<ad::sym::Expr>{e, ds}, {{s.id(), x}});
            CHECK(v[0] == y);
            ADT_CLOSE(v[1], want, 1e-300, 2e-15);
        }
        // the expression language: name(x) with x a dual
        {
            const auto prog = ad::lang::parse(std::is_same_v<R, ad::rules::neg> ? std::string("-x") : std::string(R::name) + "(x)");
            ad::lang::Env<Dual<double>> env;
            env.emplace("x", ad::Array<Dual<double>>(ad::Shape{}, std::vector<Dual<double>>{Dual<double>(x, 1.0)}));
            const auto out = ad::lang::evaluate(prog, env);
            CHECK(out[0].v == y);
            CHECK(out[0].t[0] == fwd.t[0]);
        }
        // float and long double through the same rule
        ADT_CLOSE(double(ad::apply_rule(r, Dual<float>(float(x), 1.0f)).t[0]), want, 1e-30, 2e-5);
        ADT_CLOSE(double(ad::apply_rule(r, Dual<long double>((long double)x, 1.0L)).t[0]), want, 1e-300, 1e-15);
    }
    CHECK(points >= 2);
    // The tape's shape never depends on the values: one statement of one operand at every point,
    // also where the partial happens to be exactly 1 or 0 (at 0 and 1, where the rule is finite).
    std::vector<double> at(std::begin(R::points), std::end(R::points));
    for (const double x : {0.0, 1.0, 0.25})
        if (std::isfinite(r.value(x)) && std::isfinite(r.d(x, r.value(x)))) at.push_back(x);
    for (const double x : at) {
        INFO(R::name << " recorded at x = " << x);
        ad::Tape<double> tape;
        const ad::recording<double> rec(tape);
        const ad::Var<double> y = ad::apply_rule(r, ad::Var<double>::input(x));
        CHECK(y.i == 1);
        CHECK(tape.size() == 2);
        CHECK(tape.operands() == 1);
    }
}

template <class R>
void check_binary_primitive() {
    const R r{};
    auto f = [](const auto& v) {
        using V = std::remove_cvref_t<decltype(v[0])>;
        if constexpr (ad::is_ad_type_v<V>) return apply_binary(R{}, v[0], v[1]);
        else return R{}.value(v[0], v[1]);
    };
    std::size_t points = 0;
    for (const auto& p : R::points) {
        ++points;
        const double a = p[0], b = p[1];
        INFO(R::name << " at (" << a << ", " << b << ")  // domain: " << R::about.domain);
        const double y = r.value(a, b);
        if constexpr (ad::rules::linear_rule<R>) {  // a linear rule's partials are numbers
            const double a0 = R::points[0][0], b0 = R::points[0][1], y0 = r.value(a0, b0);
            CHECK(r.da(a, b, y) == r.da(a0, b0, y0));
            CHECK(r.db(a, b, y) == r.db(a0, b0, y0));
        }
        const mp50 am(a), bm(b), h("1e-20");
        // an integer operand (polygamma's order) has no central difference: its partial is 0
        const mp50 fa = ad::rules::integer_a<R> ? mp50(0) : (r.value(mp50(am + h), bm) - r.value(mp50(am - h), bm)) / (2 * h);
        const mp50 fb = (r.value(am, mp50(bm + h)) - r.value(am, mp50(bm - h))) / (2 * h);
        const auto g50 = ad::gradient(f, std::vector<mp50>{am, bm});
        CHECK(near50(g50[0], fa, "1e-25"));
        CHECK(near50(g50[1], fb, "1e-25"));
        const auto [v, g] = ad::value_and_gradient(f, std::vector<double>{a, b});
        CHECK(v == y);
        ADT_CLOSE(g[0], double(g50[0]), 1e-300, 2e-15);
        ADT_CLOSE(g[1], double(g50[1]), 1e-300, 2e-15);
        const auto J = ad::jacobian_forward(f, std::vector<double>{a, b});
        ADT_CLOSE(J(0, 0), g[0], 1e-300, 1e-15);
        ADT_CLOSE(J(0, 1), g[1], 1e-300, 1e-15);
        const auto hf = ad::hessian_full(f, std::vector<double>{a, b});
        CHECK(hf.gradient[0] == g[0]);
        CHECK(hf.gradient[1] == g[1]);
        const ad::sym::Expr sa = ad::sym::symbol("a"), sb = ad::sym::symbol("b");
        const ad::sym::Expr e = apply_binary(r, sa, sb);
        const ad::sym::Expr ws[2] = {sa, sb};
        const auto gs = ad::sym::gradient(e, ws);
        const auto vs = ad::sym::evaluate<double>(std::vector<ad::sym::Expr>{e, gs[0], gs[1]}, {{sa.id(), a}, {sb.id(), b}});
        CHECK(vs[0] == y);
        ADT_CLOSE(vs[1], g[0], 1e-300, 2e-15);
        ADT_CLOSE(vs[2], g[1], 1e-300, 2e-15);
    }
    CHECK(points >= 2);
}

}  // namespace

#define ADIFF_TEST_UNARY(rule) \
    SECTION(#rule) { check_unary_primitive<ad::rules::rule>(); }
#define ADIFF_TEST_BINARY(rule) \
    SECTION(#rule) { check_binary_primitive<ad::rules::rule>(); }

TEST_CASE("every unary primitive in the registry, every mode and precision, at its own points", "[registry]") {
    ADIFF_TEST_UNARY(neg)
    ADIFF_UNARY_FUNCTIONS(ADIFF_TEST_UNARY)
}

TEST_CASE("every binary primitive in the registry, every mode, at its own points", "[registry]") {
    ADIFF_BINARY_OPERATORS(ADIFF_TEST_BINARY)
    ADIFF_BINARY_FUNCTIONS(ADIFF_TEST_BINARY)
}

TEST_CASE("the registry's names and spellings are complete and unique", "[registry]") {
    std::vector<std::string> names;
#define ADIFF_TEST_NAME(rule) names.emplace_back(ad::rules::rule::name); CHECK_FALSE(ad::rules::rule::about.latex.empty()); CHECK_FALSE(ad::rules::rule::about.c.empty());
    ADIFF_UNARY_FUNCTIONS(ADIFF_TEST_NAME)
    ADIFF_BINARY_FUNCTIONS(ADIFF_TEST_NAME)
#undef ADIFF_TEST_NAME
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    // every unary function is in the language's function table (did-you-mean) and prints as itself
    const auto& known = ad::lang::function_names();
    for (const auto& n : names)
        if (n != "max" && n != "min") CHECK(std::find(known.begin(), known.end(), n) != known.end());
    CHECK(std::find(known.begin(), known.end(), "maximum") != known.end());
    // the symbolic op names come from the rules: op_name(Op::add) is "add", and so on
    CHECK(ad::sym::op_name(ad::sym::Op::add) == "add");
    CHECK(ad::sym::op_name(ad::sym::Op::sub) == "sub");
    CHECK(ad::sym::op_name(ad::sym::Op::logsumexp) == "logsumexp");
#define ADIFF_TEST_OPNAME(rule) CHECK(ad::sym::op_name(ad::sym::Op::rule) == ad::rules::rule::name);
    ADIFF_UNARY_FUNCTIONS(ADIFF_TEST_OPNAME)
#undef ADIFF_TEST_OPNAME
}
