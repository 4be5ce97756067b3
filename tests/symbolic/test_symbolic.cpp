// The symbolic DAG: hash-consing, local simplification, derivatives through the rule table,
// operation counts (no swell), and printers whose text output parses back.
#include <catch2/catch.hpp>
#include <chrono>
#include <unordered_map>

#include "ad/core/multiprecision.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#include "support/close.hpp"

using ad::sym::Expr;
using ad::sym::Op;

namespace {
double at(const Expr& e, const std::unordered_map<std::uint32_t, double>& b) {
    return ad::sym::evaluate<double>(std::vector<Expr>{e}, b)[0];
}
std::vector<Expr> vec_symbols(const std::string& name, std::size_t n) {
    std::vector<Expr> z;
    for (std::size_t i = 0; i < n; ++i) z.push_back(ad::sym::symbol(name, "[" + std::to_string(i) + "]", static_cast<std::uint32_t>(i)));
    return z;
}
}  // namespace

TEST_CASE("hash-consing: structurally equal expressions are one node", "[symbolic]") {
    const Expr x = ad::sym::symbol("x"), y = ad::sym::symbol("y");
    const Expr a = exp(x * y) + sin(x);
    const std::size_t before = ad::sym::graph_size();
    const Expr b = exp(x * y) + sin(x);
    CHECK(a.same(b));
    CHECK(ad::sym::graph_size() == before);      // nothing new was built
    CHECK((x * y).same(y * x));                    // commutative operands are ordered
    CHECK((x + y).same(y + x));
    CHECK(ad::sym::symbol("x").same(x));
    CHECK(ad::sym::literal("0.25").same(Expr(1) / Expr(4)));  // decimal literals are exact rationals
}

TEST_CASE("cheap local simplification, never expansion", "[symbolic]") {
    const Expr x = ad::sym::symbol("x"), y = ad::sym::symbol("y");
    CHECK((x * 1).same(x));
    CHECK((x + 0).same(x));
    CHECK((x * 0).same(Expr(0)));
    CHECK((x - x).same(Expr(0)));
    // exact only where the dropped part is finite: kept as guard(simplified, original)
    CHECK((x / x).op() == Op::guard);
    CHECK((x / x).arg(0).same(Expr(1)));
    CHECK(exp(log(x)).arg(0).same(x));
    CHECK(log(exp(x)).arg(0).same(x));
    CHECK(exp(log(Expr(3))).same(Expr(3)));      // exact for a positive constant
    CHECK((-(-x)).same(x));
    CHECK((x * x).same(pow(x, 2)));                // repeated factors as powers
    CHECK((pow(x, 2) * x).same(pow(x, 3)));
    CHECK((Expr(2) * Expr(3) + Expr(1) / Expr(2)).same(Expr(13) / Expr(2)));  // constants folded
    CHECK((x - (-y)).same(x + y));
    const Expr prod = (x + y) * (x - y);           // not expanded
    CHECK(prod.op() == Op::mul);
    CHECK(ad::sym::to_text(prod) == "(x + y)*(x - y)");
}

TEST_CASE("derivatives come from the rule table with T = Expr", "[symbolic]") {
    const Expr x = ad::sym::symbol("x");
    const std::vector<Expr> wrt{x};
    // exp's partial is the node itself: d/dx exp(x) is the same node as exp(x).
    CHECK(ad::sym::gradient(exp(x), wrt)[0].same(exp(x)));
    CHECK(ad::sym::gradient(log(x), wrt)[0].same(Expr(1) / x));
    CHECK(ad::sym::gradient(abs(x), wrt)[0].same(ad::sym::sign(x)));
    CHECK(ad::sym::gradient(pow(x, 3), wrt)[0].same(Expr(3) * pow(x, 2)));
    // max(a, b): ∂a = H(a − b)
    const Expr y = ad::sym::symbol("y");
    CHECK(ad::sym::gradient(max(x, y), std::vector<Expr>{x, y})[0].same(ad::sym::heaviside(x - y)));
    // values
    const std::unordered_map<std::uint32_t, double> b{{x.id(), 0.3}, {y.id(), 0.3}};
    ADT_CLOSE(at(ad::sym::gradient(tanh(x), wrt)[0], b), 1 - std::tanh(0.3) * std::tanh(0.3), 1e-15, 1e-15);
    ADT_CLOSE(at(ad::sym::gradient(sigmoid(x), wrt)[0], b), std::exp(-0.3) / std::pow(1 + std::exp(-0.3), 2), 1e-15, 1e-14);
    // a node used twice gets both contributions: d/dx (x·x + x) = 2x + 1
    ADT_CLOSE(at(ad::sym::gradient(x * x + x, wrt)[0], b), 1.6, 1e-15, 0.0);
    // ties of max split ½/½ (rules::max), abs'(0) = 0 (rules::abs)
    CHECK(at(ad::sym::gradient(max(x, y), std::vector<Expr>{x, y})[0], b) == 0.5);
    const std::unordered_map<std::uint32_t, double> zero{{x.id(), 0.0}};
    CHECK(at(ad::sym::gradient(abs(x), wrt)[0], zero) == 0.0);
}

TEST_CASE("second derivatives differentiate the derivative DAG", "[symbolic]") {
    const Expr x = ad::sym::symbol("x"), y = ad::sym::symbol("y");
    const std::vector<Expr> wrt{x, y};
    const auto H = ad::sym::hessian(x * x * y + sin(x * y), wrt);
    const std::unordered_map<std::uint32_t, double> b{{x.id(), 1.0}, {y.id(), 2.0}};
    ADT_CLOSE(at(H(0, 0), b), 2 * 2 - 4 * std::sin(2.0), 1e-14, 1e-14);
    ADT_CLOSE(at(H(0, 1), b), 2 * 1 + std::cos(2.0) - 2 * std::sin(2.0), 1e-14, 1e-14);
    ADT_CLOSE(at(H(1, 0), b), at(H(0, 1), b), 1e-14, 1e-14);
    ADT_CLOSE(at(H(1, 1), b), -std::sin(2.0), 1e-14, 1e-14);
}

TEST_CASE("softmax Jacobian at Q = 50 is a small shared DAG", "[symbolic][softmax]") {
    const auto z = vec_symbols("z", 50);
    ad::lang::Env<Expr> env{{"z", ad::Array<Expr>(ad::Shape{50}, z)}};
    const auto y = ad::lang::evaluate(ad::lang::parse("softmax(z)"), env);
    const auto J = ad::sym::jacobian(y.values(), z);
    const std::size_t ops = ad::sym::operation_count(J.values());
    INFO("shared operations: " << ops);
    CHECK(ops <= 3000);      // SymPy's tree: 267,500
    CHECK(ops >= 2500);      // one product per entry at least: the count is not trivially small
    // and it is right: J = diag(s) − s sᵀ at a point
    std::unordered_map<std::uint32_t, double> b;
    std::vector<double> zv(50), e(50);
    double total = 0;
    for (int i = 0; i < 50; ++i) zv[i] = std::sin(1.0 + i), b[z[i].id()] = zv[i], total += (e[i] = std::exp(zv[i]));
    const auto v = ad::sym::evaluate<double>(J.values(), b);
    for (int i = 0; i < 50; i += 7)
        for (int j = 0; j < 50; j += 5) {
            const double si = e[i] / total, sj = e[j] / total;
            ADT_CLOSE(v[i * 50 + j], (i == j ? si : 0.0) - si * sj, 1e-16, 1e-12);
        }
}

TEST_CASE("text output parses back to the same values, LaTeX and C are produced", "[symbolic][print]") {
    const auto z = vec_symbols("z", 4);
    ad::lang::Env<Expr> env{{"z", ad::Array<Expr>(ad::Shape{4}, z)}};
    const auto y = ad::lang::evaluate(ad::lang::parse("s = softmax(z); sum(s * log(s)) + max(z)^2"), env);
    const auto g = ad::sym::gradient(y[0], z);
    const ad::sym::Printed p = ad::sym::print(g, ad::sym::Style::text);
    CHECK(!p.bindings.empty());  // shared subexpressions become temporaries
    std::string program;
    for (const auto& [n, d] : p.bindings) program += n + " = " + d + ";\n";
    program += "[";
    for (std::size_t k = 0; k < p.roots.size(); ++k) program += (k ? ", " : "") + p.roots[k];
    program += "]";
    const ad::Array<double> zv{0.3, -1.2, 2.0, 0.7};
    const auto back = ad::lang::evaluate(ad::lang::parse(program), ad::lang::Env<double>{{"z", zv}});
    std::unordered_map<std::uint32_t, double> b;
    for (int i = 0; i < 4; ++i) b[z[i].id()] = zv[i];
    const auto direct = ad::sym::evaluate<double>(g, b);
    REQUIRE(back.size() == 4);
    for (int i = 0; i < 4; ++i) ADT_CLOSE(back[i], direct[i], 1e-14, 1e-13);
    // the max contributes only to its argmax entry (z[2]): 2·max·1
    const ad::sym::Printed latex = ad::sym::print(g, ad::sym::Style::latex);
    // softmax is exp(z − logsumexp(z)) symbolically (stable at any logits)
    const std::string latex_all = [&] {
        std::string t;
        for (const auto& [n, d] : latex.bindings) t += d + "\n";
        return t + latex.roots[0];
    }();
    CHECK(latex_all.find("\\operatorname{logsumexp}") != std::string::npos);
    CHECK(latex_all.find("e^{") != std::string::npos);
    const ad::sym::Printed c = ad::sym::print(g, ad::sym::Style::c);
    CHECK(c.roots[2].find("z[") != std::string::npos);
    // the helpers the code calls, with those they call (adiff_max_weight calls adiff_max_n), and no others
    std::string c_code;
    for (const auto& [n, d] : c.bindings) c_code += d + "\n";
    for (const auto& r : c.roots) c_code += r + "\n";
    const std::string helpers = ad::sym::c_helpers(c_code);
    CHECK(c_code.find("adiff_max_weight(") != std::string::npos);
    CHECK(helpers.find("static inline double adiff_max_weight(") != std::string::npos);
    CHECK(helpers.find("static inline double adiff_max_n(") != std::string::npos);
    CHECK(helpers.find("adiff_sigmoid") == std::string::npos);
    CHECK((helpers.find("adiff_guard") != std::string::npos) == (c_code.find("adiff_guard(") != std::string::npos));
    CHECK(ad::sym::c_helpers("x + 1") == "#include <math.h>\n");
    CHECK(ad::sym::c_helpers("my_adiff_sign(x)").find("adiff_sign") == std::string::npos);  // a call, not a suffix
}

TEST_CASE("numbers are exact until evaluated at the working precision", "[symbolic][multiprecision]") {
    const Expr tenth = ad::sym::literal("0.1");
    const auto v50 = ad::sym::evaluate<ad::mp50>(std::vector<Expr>{tenth * 3}, {})[0];
    CHECK(v50 == ad::mp50("0.3"));
    const auto big = ad::sym::literal("0.12345678901234567890123456789");  // too long for int64: kept as text
    CHECK(big.op() == Op::literal);
    CHECK(ad::sym::evaluate<ad::mp50>(std::vector<Expr>{big}, {})[0] == ad::mp50("0.12345678901234567890123456789"));
    CHECK(ad::sym::to_text(Expr(1) / Expr(3) * ad::sym::symbol("x")) == "1/3*x");
}

TEST_CASE("stop_gradient: symbolic derivative 0, prints and parses back", "[symbolic][stop_gradient]") {
    const ad::sym::graph_scope scope;
    const Expr x = ad::sym::symbol("x");
    const Expr f = x * ad::stop_gradient(x * x);
    const auto g = ad::sym::gradient(f, std::vector<Expr>{x});
    CHECK(ad::sym::to_text(g[0]) == "stop_gradient(x^2)");
    CHECK(ad::sym::evaluate<double>(g, {{x.id(), 1.5}})[0] == 2.25);
    CHECK(ad::stop_gradient(Expr(3)).same(Expr(3)));  // a constant has no gradient to stop
    const auto back = ad::lang::evaluate(ad::lang::parse("stop_gradient(x^2)"), ad::lang::Env<double>{{"x", ad::Array<double>(ad::Shape{}, std::vector<double>{1.5})}});
    CHECK(back[0] == 2.25);
}

TEST_CASE("graph_scope frees the nodes built inside it and keeps the older ones", "[symbolic][memory]") {
    const Expr x = ad::sym::symbol("x_scope_test");
    const Expr kept = exp(x);
    const std::size_t before = ad::sym::graph_size();
    for (int k = 0; k < 1000; ++k) {
        const ad::sym::graph_scope scope;
        const Expr e = sin(x * Expr(k + 7)) + exp(x);  // exp(x) already exists: found, not rebuilt
        CHECK((e.arg(0).same(kept) || e.arg(1).same(kept)));
        CHECK(ad::sym::graph_size() > before);
    }
    CHECK(ad::sym::graph_size() == before);
    // and hash-consing still works after the tables were trimmed
    const ad::sym::graph_scope scope;
    CHECK((sin(x * Expr(9))).same(sin(x * Expr(9))));
    CHECK(exp(x).same(kept));
}
