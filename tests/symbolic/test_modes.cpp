// A table of expressions with known derivatives, each run through every mode (forward duals,
// reverse tape, symbolic DAG) and precision (double, 50 digits) via the expression evaluator,
// against the analytic derivative (itself an expression) and central differences; the
// symbolic derivative's printed text is re-parsed and must give the same numbers.
#include <catch2/catch.hpp>
#include <unordered_map>

#include "ad/adiff.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#include "support/close.hpp"

namespace {

struct Case {
    const char* f;                  // scalar expression
    std::vector<std::pair<std::string, ad::Array<double>>> vars;  // differentiated, in order
    const char* grad;               // analytic gradient: flat, the variables' entries concatenated
    const char* domain;             // where it is valid (comment)
};

using Vars = std::vector<std::pair<std::string, ad::Array<double>>>;
ad::Array<double> S(double x) { return ad::Array<double>(ad::Shape{}, std::vector<double>{x}); }

const std::vector<Case>& table() {
    static const std::vector<Case> t = {
        {"exp(x)*sin(x)", {{"x", S(0.7)}}, "exp(x)*(sin(x) + cos(x))", "R"},
        {"log(x)/x", {{"x", S(1.3)}}, "(1 - log(x))/x^2", "x > 0"},
        {"sqrt(x^2 + 1)", {{"x", S(-0.8)}}, "x/sqrt(x^2 + 1)", "R"},
        {"tan(x)", {{"x", S(0.4)}}, "1/cos(x)^2", "R \\ {(1/2+k)pi}"},
        {"sinh(x)*cosh(x)", {{"x", S(0.9)}}, "cosh(x)^2 + sinh(x)^2", "R"},
        {"tanh(2*x)", {{"x", S(0.35)}}, "2*(1 - tanh(2*x)^2)", "R"},
        {"asin(x) + acos(x)/2", {{"x", S(0.3)}}, "0.5/sqrt(1 - x^2)", "(-1, 1)"},
        {"atan(x)", {{"x", S(-2.5)}}, "1/(1 + x^2)", "R"},
        {"abs(x)", {{"x", S(-1.5)}}, "-1", "x != 0"},
        {"sigmoid(x)", {{"x", S(-3.0)}}, "sigmoid(x)*(1 - sigmoid(x))", "R"},
        {"x^3 - 2*x", {{"x", S(-1.1)}}, "3*x^2 - 2", "R (integer power, exact for x < 0)"},
        {"pow(x, 2.5)", {{"x", S(1.7)}}, "2.5*x^1.5", "x > 0"},
        {"-x^2", {{"x", S(0.6)}}, "-2*x", "R"},
        {"2^x", {{"x", S(0.6)}}, "2^x*log(2)", "R"},
        {"maximum(x, 2*x - 1)", {{"x", S(1.5)}}, "2", "x != 1"},
        {"x*y + sin(x*y)", {{"x", S(1.0)}, {"y", S(2.0)}}, "[y + y*cos(x*y), x + x*cos(x*y)]", "R^2"},
        {"pi*x + e^x", {{"x", S(0.25)}}, "pi + e^x", "R"},
        {"sum(exp(z))", {{"z", {0.1, -0.4, 1.2}}}, "exp(z)", "R^3"},
        {"logsumexp(z)", {{"z", {0.1, -0.4, 1.2}}}, "softmax(z)", "R^3"},
        {"log_softmax(z)[1]", {{"z", {0.1, -0.4, 1.2}}}, "[0, 1, 0] - softmax(z)", "R^3 (cross-entropy with target 1)"},
        {"dot(z, z)/2", {{"z", {0.1, -0.4, 1.2}}}, "z", "R^3"},
        {"max(z)", {{"z", {1.0, 3.0, 2.0}}}, "[0, 1, 0]", "no ties"},
        {"min(z)", {{"z", {1.0, 3.0, -2.0}}}, "[0, 0, 1]", "no ties (min is -max(-z))"},
        {"sum(min(W, 0))", {{"W", {{1.0, -2.0}, {3.0, 4.0}}}}, "[1, 1, 0, 0]", "no ties: the column minima are W[0,0] and W[0,1]"},
        {"min(z, 0) * 2", {{"z", {1.0, 5.0, -2.0}}}, "[0, 0, 2]", "one axis: the reduction of a vector"},
        {"fmax(x, y^2)", {{"x", S(1.5)}, {"y", S(0.5)}}, "[1, 0]", "x > y^2"},
        {"fmin(x, y^2) * y", {{"x", S(1.5)}, {"y", S(0.5)}}, "[0, 3*y^2]", "x > y^2"},
        {"fmax(x, x)", {{"x", S(0.7)}}, "1", "a tie splits 1/2, 1/2"},
        {"mean(z^2)", {{"z", {0.1, -0.4, 1.2}}}, "2*z/3", "R^3"},
        {"sum(W @ v)", {{"W", {{1.0, 2.0}, {3.0, 4.0}}}, {"v", {0.5, -1.0}}}, "[v, v, sum(W, 0)]", "R^6"},
        {"s = softmax(z); sum(s*s)", {{"z", {0.2, 0.9, -0.5}}}, "s = softmax(z); 2*(s*s - s*sum(s*s))", "R^3"},
    };
    return t;
}

template <class X>
ad::lang::Env<X> env_from(const Vars& vars, const std::vector<X>& xs) {
    ad::lang::Env<X> env;
    std::size_t off = 0;
    for (const auto& [name, a] : vars) {
        env[name] = ad::Array<X>(a.shape(), std::vector<X>(xs.begin() + static_cast<std::ptrdiff_t>(off), xs.begin() + static_cast<std::ptrdiff_t>(off + a.size())));
        off += a.size();
    }
    return env;
}

template <class T>
std::vector<T> flat_point(const Vars& vars) {
    std::vector<T> x;
    for (const auto& [name, a] : vars) for (double v : a) x.push_back(T(v));
    return x;
}

template <class T>
std::vector<T> analytic(const Case& c) {
    const auto g = ad::lang::evaluate(ad::lang::parse(c.grad), env_from(c.vars, flat_point<T>(c.vars)));
    return g.values();
}

template <class T>
std::vector<T> symbolic(const Case& c, std::string* printed = nullptr) {
    std::vector<ad::sym::Expr> syms;
    ad::lang::Env<ad::sym::Expr> env;
    for (const auto& [name, a] : c.vars) {
        std::vector<ad::sym::Expr> s;
        for (std::size_t k = 0; k < a.size(); ++k)
            s.push_back(a.ndim() == 0 ? ad::sym::symbol(name)
                        : a.ndim() == 1 ? ad::sym::symbol(name, "[" + std::to_string(k) + "]", static_cast<std::uint32_t>(k))
                        : ad::sym::symbol(name, "[" + std::to_string(k / a.cols()) + ", " + std::to_string(k % a.cols()) + "]", static_cast<std::uint32_t>(k)));
        syms.insert(syms.end(), s.begin(), s.end());
    }
    env = env_from(c.vars, syms);
    const auto y = ad::lang::evaluate(ad::lang::parse(c.f), env);
    REQUIRE(y.size() == 1);
    const auto g = ad::sym::gradient(y[0], syms);
    if (printed) {
        const auto p = ad::sym::print(g, ad::sym::Style::text);
        for (const auto& [n, d] : p.bindings) *printed += n + " = " + d + "; ";
        *printed += "[";
        for (std::size_t k = 0; k < p.roots.size(); ++k) *printed += (k ? ", " : "") + p.roots[k];
        *printed += "]";
    }
    const std::vector<T> x = flat_point<T>(c.vars);
    std::unordered_map<std::uint32_t, T> b;
    for (std::size_t k = 0; k < syms.size(); ++k) b[syms[k].id()] = x[k];
    return ad::sym::evaluate<T>(g, b);
}

}  // namespace

TEST_CASE("known derivatives through forward, reverse and symbolic mode, in double", "[modes][table]") {
    for (const Case& c : table()) {
        INFO(c.f << "  (domain " << c.domain << ")");
        const auto prog = ad::lang::parse(c.f);
        auto f = [&](const auto& xs) {
            return ad::lang::evaluate(prog, env_from(c.vars, xs)).values();
        };
        const std::vector<double> x = flat_point<double>(c.vars);
        const std::vector<double> want = analytic<double>(c);
        REQUIRE(want.size() == x.size());
        const auto fwd = ad::jacobian_forward<8>(f, x);
        const auto rev = ad::jacobian_reverse(f, x);
        std::string printed;
        const auto sym = symbolic<double>(c, &printed);
        // the printed symbolic derivative, parsed back and evaluated as plain numbers
        const auto back = ad::lang::evaluate(ad::lang::parse(printed), env_from(c.vars, x)).values();
        INFO("symbolic derivative: " << printed);
        REQUIRE(back.size() == x.size());
        for (std::size_t j = 0; j < x.size(); ++j) {
            ADT_CLOSE(fwd(0, j), want[j], 1e-13, 1e-13);
            ADT_CLOSE(rev(0, j), want[j], 1e-13, 1e-13);
            ADT_CLOSE(sym[j], want[j], 1e-13, 1e-13);
            ADT_CLOSE(back[j], fwd(0, j), 1e-13, 1e-13);
            // central differences (O(h²) ≈ 1e-10 relative)
            auto fj = [&](double t) {
                std::vector<double> xt = x;
                xt[j] = t;
                return f(xt)[0];
            };
            ADT_CLOSE(adt::central_difference(fj, x[j]), want[j], 1e-7, 1e-6);
        }
    }
}

TEST_CASE("known derivatives at 50 digits: reverse and symbolic agree with the analytic form", "[modes][table][multiprecision]") {
    using T = ad::mp50;
    for (const Case& c : table()) {
        INFO(c.f);
        const auto prog = ad::lang::parse(c.f);
        auto f = [&](const auto& xs) { return ad::lang::evaluate(prog, env_from(c.vars, xs)).values(); };
        const std::vector<T> x = flat_point<T>(c.vars);
        const std::vector<T> want = analytic<T>(c);
        const auto rev = ad::jacobian_reverse(f, x);
        const auto sym = symbolic<T>(c);
        for (std::size_t j = 0; j < x.size(); ++j) {
            ADT_CLOSE(rev(0, j), want[j], T("1e-45"), T("1e-45"));
            ADT_CLOSE(sym[j], want[j], T("1e-45"), T("1e-45"));
        }
    }
}

TEST_CASE("literals are read at the working precision", "[modes][multiprecision]") {
    const auto p = ad::lang::parse("x * 0.1");
    const auto v = ad::lang::evaluate(p, ad::lang::Env<ad::mp50>{{"x", ad::Array<ad::mp50>(ad::Shape{}, std::vector<ad::mp50>{ad::mp50(3)})}});
    CHECK(v[0] == ad::mp50("0.3"));                               // not 3 × (double)0.1
    CHECK(v[0] != ad::mp50(0.1) * 3);
}

TEST_CASE("evaluation errors are typed and located", "[modes][errors]") {
    const ad::lang::Env<double> env{{"z", ad::Array<double>{1.0, 2.0, 3.0}}, {"w", ad::Array<double>{1.0, 2.0}}};
    auto run = [&](const char* src) { return ad::lang::evaluate(ad::lang::parse(src), env); };
    CHECK_THROWS_AS(run("z + w"), ad::shape_error);
    CHECK(ad::lang::last_error_site.set);
    CHECK(ad::lang::last_error_site.column == 3);
    CHECK_THROWS_AS(run("sofmax(z)"), ad::name_error);
    CHECK_THROWS_WITH(run("sofmax(z)"), Catch::Contains("did you mean 'softmax'"));
    CHECK_THROWS_WITH(run("zz + 1"), Catch::Contains("unknown variable 'zz'") && Catch::Contains("did you mean 'z'"));
    CHECK_THROWS_AS(run("sum(z, 0, 1)"), ad::size_error);
    CHECK_THROWS_WITH(run("z[3]"), Catch::Contains("index 3 out of range"));
    CHECK_THROWS_WITH(run("sum(z, w)"), Catch::Contains("integer literal as axis"));
    {
        ad::checked_scope checked;
        CHECK_THROWS_AS(run("log(z - 1)"), ad::domain_error);
        CHECK_THROWS_WITH(run("log(z - 1)"), Catch::Contains("'log'"));
    }
    CHECK(std::isinf(run("log(z - 1)")[0]));  // unchecked: IEEE
}
