// Derivatives in matrix notation for every size (ad/tensor, issue 13): the printed forms of
// the seed formulas, and each derived tensor evaluated at n = 1, 2, 3, 7 against reverse mode
// (ad::jacobian_reverse / ad::hessian on the same program through the language's evaluator), both
// from the index form and from the printed text parsed back.
#include <span>
#include <string_view>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "ad/tensor/build.hpp"
#include "ad/tensor/compare.hpp"
#include "ad/tensor/derivative.hpp"
#include "ad/tensor/evaluate.hpp"
#include "ad/tensor/latex.hpp"
#include "ad/tensor/print.hpp"
#include "ops/rules/registry.hpp"

namespace tn = ad::tensor;

namespace {

struct Derived {
    tn::Scope scope;
    tn::Tensor d;
    std::string text;  // matrix notation ("" if none)
};

/// d^k(expr)/d wrt^k (k = number of entries of wrt) with the given symbolic shapes.
Derived derive(const std::string& expr, const std::vector<std::string>& wrt, const tn::Shapes& shapes) {
    Derived r;
    r.scope.shapes = shapes;
    r.d = tn::build(ad::lang::parse(expr), r.scope);
    for (const auto& w : wrt) {
        if (!r.scope.vars.count(w)) r.scope.vars.emplace(w, tn::variable(w, shapes.at(w)));
        r.d = tn::derivative(r.d, r.scope.vars.at(w));
    }
    std::set<std::string> taken;
    for (const auto& [n, s] : shapes) taken.insert(n);
    r.text = tn::to_matrix(r.d, taken).value_or("");
    return r;
}

ad::Shape numeric_shape(const std::vector<std::string>& dims, const tn::Binding& b) {
    ad::Shape s;
    for (const auto& d : dims) s.push_back(std::isdigit(static_cast<unsigned char>(d[0])) ? std::stoul(d) : b.sizes.at(d));
    return s;
}

/// The reference: reverse mode on the program (first derivative) or forward-over-reverse
/// (second), flattened row-major as the tensor's axes are (outputs, then wrt entries).
std::vector<double> reference(const std::string& expr, const std::vector<std::string>& wrt, const tn::Shapes& shapes, const tn::Binding& b) {
    const ad::lang::Program p = ad::lang::parse(expr);
    const std::string w = wrt[0];
    const std::vector<double>& x = b.values.at(w);
    auto outputs = [&](const auto& xs) {
        using X = typename std::decay_t<decltype(xs)>::value_type;
        ad::lang::Env<X> env;
        for (const auto& [name, dims] : shapes) {
            const ad::Shape s = numeric_shape(dims, b);
            if (name == w) env[name] = ad::Array<X>(s, xs);
            else {
                std::vector<X> v;
                for (double c : b.values.at(name)) v.push_back(X(c));
                env[name] = ad::Array<X>(s, v);
            }
        }
        return ad::lang::evaluate(p, env).values();
    };
    if (wrt.size() == 1) return ad::jacobian_reverse(outputs, x).values();
    return ad::hessian([&](const auto& xs) { return outputs(xs)[0]; }, x).values();
}

/// The printed program evaluated at b.
std::vector<double> printed_value(const std::string& text, const tn::Shapes& shapes, const tn::Binding& b) {
    ad::lang::Env<double> env;
    for (const auto& [name, dims] : shapes) env[name] = ad::Array<double>(numeric_shape(dims, b), b.values.at(name));
    return ad::lang::evaluate(ad::lang::parse(text), env).values();
}

void require_close(const std::vector<double>& a, const std::vector<double>& b, const std::string& what) {
    INFO(what);
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
        INFO("entry " << k << ": " << a[k] << " vs " << b[k]);
        REQUIRE(std::abs(a[k] - b[k]) <= 1e-12 * std::max(1.0, std::abs(b[k])));
    }
}

/// Checks the derived tensor and its printed form against the reference at n = 1, 2, 3, 7
/// (a second size symbol k = n + 1).
void check_numerically(const std::string& expr, const std::vector<std::string>& wrt, const tn::Shapes& shapes) {
    Derived r = derive(expr, wrt, shapes);
    for (std::size_t n : {1u, 2u, 3u, 7u}) {
        tn::Binding b;
        b.sizes = {{"n", n}, {"k", n + 1}};
        tn::randomize(r.scope, b, 17 + n);
        const auto ref = reference(expr, wrt, shapes, b);
        INFO(expr << " at n = " << n);
        require_close(tn::evaluate(r.d, b), ref, "index form vs reverse mode");
        if (!r.text.empty()) require_close(printed_value(r.text, shapes, b), ref, "printed form '" + r.text + "' vs reverse mode");
    }
}

const tn::Shapes vec_z{{"z", {"n"}}};

}  // namespace

TEST_CASE("softmax Jacobian in matrix notation, for every n") {
    const auto r = derive("softmax(z)", {"z"}, vec_z);
    CHECK(r.text == "s = softmax(z); diag(s) - outer(s, s)");
    CHECK(tn::shape_text(r.d.axes) == "n x n");
    check_numerically("softmax(z)", {"z"}, vec_z);
}

TEST_CASE("log-sum-exp of a layer: d/dW is outer(softmax(W @ x), x)") {
    const tn::Shapes s{{"W", {"n", "k"}}, {"x", {"k"}}};
    const auto r = derive("log(sum(exp(W @ x)))", {"W"}, s);
    CHECK(r.text == "outer(softmax(W @ x), x)");
    CHECK(tn::shape_text(r.d.axes) == "n x k");
    check_numerically("log(sum(exp(W @ x)))", {"W"}, s);
    check_numerically("log(sum(exp(W @ x)))", {"x"}, s);
}

TEST_CASE("quadratic form: gradient (A + transpose(A)) @ x, Hessian A + transpose(A)") {
    const tn::Shapes s{{"x", {"n"}}, {"A", {"n", "n"}}};
    CHECK(derive("x @ A @ x", {"x"}, s).text == "(A + transpose(A)) @ x");
    CHECK(derive("x @ A @ x", {"x", "x"}, s).text == "A + transpose(A)");
    check_numerically("x @ A @ x", {"x"}, s);
    check_numerically("x @ A @ x", {"x", "x"}, s);
}

TEST_CASE("cross-entropy of log_softmax: softmax(z) * sum(y) - y") {
    const tn::Shapes s{{"z", {"n"}}, {"y", {"n"}}};
    CHECK(derive("-sum(y * log_softmax(z))", {"z"}, s).text == "softmax(z) * sum(y) - y");
    check_numerically("-sum(y * log_softmax(z))", {"z"}, s);
}

TEST_CASE("elementwise functions take their derivatives from the rule table") {
    const tn::Shapes s{{"W", {"n", "k"}}, {"x", {"k"}}, {"b", {"n"}}};
    for (const char* f : {"tanh", "sigmoid", "exp", "sin"}) {
        const std::string e = std::string("sum(") + f + "(W @ x + b))";
        check_numerically(e, {"x"}, s);
        check_numerically(e, {"W"}, s);
        check_numerically(std::string(f) + "(W @ x + b)", {"x"}, s);
    }
    // a layer's Jacobian scales the rows of W: diag(f'(W @ x + b)) @ W
    CHECK(derive("sigmoid(W @ x + b)", {"x"}, s).text == "diag(sigmoid(W @ x + b)*sigmoid(-(W @ x + b))) @ W");
    // sigmoid′ is σ(u)σ(−u), the rule's stable form, not σ(1 − σ)
    const auto r = derive("sigmoid(z)", {"z"}, vec_z);
    CHECK(r.text.find("1 -") == std::string::npos);
    CHECK(r.text.find("sigmoid(-") != std::string::npos);
}

TEST_CASE("every unary function of the registry is elementwise in the tensor algebra, derived by its rule") {
    // sum(f(z)) for each registry function f, at the rule's own points (inside its domain),
    // against reverse mode on the program: the tensor algebra takes every one (it took only the
    // first fifteen before), with no list of them of its own
    std::size_t checked = 0;
    const auto one = [&](std::string_view name, std::span<const double> points) {
        const std::string e = "sum(" + std::string(name) + "(z))";
        INFO(e);
        Derived r = derive(e, {"z"}, vec_z);
        for (std::size_t n : {1u, 3u, 5u}) {
            tn::Binding b;
            b.sizes = {{"n", n}};
            std::vector<double> z;
            for (std::size_t k = 0; k < n; ++k) z.push_back(points[k % points.size()]);
            b.values["z"] = z;
            const auto ref = reference(e, {"z"}, vec_z, b);
            require_close(tn::evaluate(r.d, b), ref, "index form vs reverse mode");
            if (!r.text.empty()) require_close(printed_value(r.text, vec_z, b), ref, "printed form '" + r.text + "' vs reverse mode");
        }
        ++checked;
    };
#define ADIFF_ONE(rule) one(ad::rules::rule::name, std::span<const double>(ad::rules::rule::points));
    ADIFF_UNARY_FUNCTIONS(ADIFF_ONE)
#undef ADIFF_ONE
    CHECK(checked >= 34);
}

TEST_CASE("least squares and a Hessian of log-sum-exp") {
    const tn::Shapes s{{"A", {"n", "k"}}, {"x", {"k"}}, {"b", {"n"}}};
    check_numerically("sum((A @ x - b)^2)", {"x"}, s);
    check_numerically("sum((A @ x - b)^2)", {"x", "x"}, s);
    check_numerically("logsumexp(z)", {"z", "z"}, vec_z);
    check_numerically("sqrt(sum(z * z))", {"z"}, vec_z);
}

TEST_CASE("claims are proved for every size or refuted with a counterexample") {
    auto verdict = [](const std::string& e, const std::string& claim, const std::vector<std::string>& wrt, const tn::Shapes& s) {
        Derived r = derive(e, wrt, s);
        const tn::Tensor c = tn::build(ad::lang::parse(claim), r.scope);
        return tn::compare(r.d, c, r.scope);
    };
    const tn::Shapes q{{"x", {"n"}}, {"A", {"n", "n"}}};
    auto c = verdict("softmax(z)", "s = softmax(z); diag(s) - outer(s, s)", {"z"}, vec_z);
    CHECK(c.symbolic);
    CHECK(c.numeric);
    c = verdict("x @ A @ x", "A @ x + transpose(A) @ x", {"x"}, q);
    CHECK(c.symbolic);
    c = verdict("x @ A @ x", "2 * A @ x", {"x"}, q);  // missing transpose: A is not symmetric
    CHECK_FALSE(c.symbolic);
    CHECK_FALSE(c.numeric);
    c = verdict("softmax(z)", "s = softmax(z); outer(s, s) - diag(s)", {"z"}, vec_z);  // wrong sign
    CHECK_FALSE(c.numeric);
}

TEST_CASE("rank-3 and rank-4 derivatives in index notation: the softmax layer and the batch Jacobian") {
    // d softmax(W x)/dW is n x n x k (the seeds' S_t(δ_it − S_i)x_j); d softmax(Z)/dZ row-wise
    // is the dense batch Jacobian, n x k x n x k with a δ between the rows
    const tn::Shapes layer{{"W", {"n", "k"}}, {"x", {"k"}}};
    const auto r = derive("softmax(W @ x)", {"W"}, layer);
    CHECK(tn::shape_text(r.d.axes) == "n x n x k");
    CHECK(r.text.empty());  // no matrix form: index notation
    // the seeds' S_i(δ_ij − S_j)x_l, the softmax named once
    CHECK(tn::to_index(r.d) == "s = softmax(W @ x); d[i, j, l] = (-1*s[i]*s[j]*x[l] + delta(i, j)*s[i]*x[l])");
    const tn::IndexLatex rl = tn::to_index_latex(r.d);
    REQUIRE(rl.bindings.size() == 1);
    CHECK(rl.bindings[0].second == "\\operatorname{softmax}\\left(W x\\right)");
    CHECK(rl.rhs == "\\left(-s_{i} s_{j} x_{l} + \\delta_{ij} s_{i} x_{l}\\right)");
    check_numerically("softmax(W @ x)", {"W"}, layer);
    const tn::Shapes batch{{"Z", {"n", "k"}}};
    const auto b = derive("softmax(Z)", {"Z"}, batch);
    CHECK(tn::shape_text(b.d.axes) == "n x k x n x k");
    check_numerically("softmax(Z)", {"Z"}, batch);
    check_numerically("log_softmax(Z)", {"Z"}, batch);
    // the LaTeX of the index form: subscripts, Kronecker deltas and sums
    const tn::IndexLatex il = tn::to_index_latex(b.d);
    const std::string& indices = il.indices;
    const std::string& rhs = il.rhs;
    CHECK(indices == "ijlp");  // k is a size here (Z is n x k): never an index letter
    CHECK(rhs.find("\\delta_{il}") != std::string::npos);
    CHECK(rhs == "\\left(-\\delta_{il} S_{ij} S_{ip} + \\delta_{il} \\delta_{jp} S_{ij}\\right)");
    // the row-wise softmax named once: the blocks sit on the diagonal (δ between the rows)
    CHECK(tn::to_index(b.d) == "S = softmax(Z); d[i, j, l, p] = (-1*delta(i, l)*S[i, j]*S[i, p] + delta(i, l)*delta(j, p)*S[i, j])");
}

TEST_CASE("the matrix forms in LaTeX: the notation of matrix calculus texts") {
    const auto latex = [](const std::string& e, const std::vector<std::string>& wrt, const tn::Shapes& s) {
        const Derived r = derive(e, wrt, s);
        REQUIRE(!r.text.empty());
        const tn::Latex l = tn::matrix_latex(r.text, s);
        std::string out;
        for (const auto& [name, def] : l.bindings) out += name + " = " + def + "; ";
        return out + l.result;
    };
    CHECK(latex("softmax(z)", {"z"}, vec_z) == "s = \\operatorname{softmax}\\left(z\\right); \\operatorname{diag}\\left(s\\right) - s s^{\\top}");
    const tn::Shapes q{{"x", {"n"}}, {"A", {"n", "n"}}};
    CHECK(latex("x @ A @ x", {"x"}, q) == "\\left(A + A^{\\top}\\right) x");
    CHECK(latex("x @ A @ x", {"x", "x"}, q) == "A + A^{\\top}");
    const tn::Shapes layer{{"W", {"n", "k"}}, {"x", {"k"}}};
    CHECK(latex("log(sum(exp(W @ x)))", {"W"}, layer) == "\\operatorname{softmax}\\left(W x\\right) x^{\\top}");
    const tn::Shapes ce{{"z", {"n"}}, {"y", {"n"}}};
    CHECK(latex("-sum(y * log_softmax(z))", {"z"}, ce) == "\\operatorname{softmax}\\left(z\\right) \\left(\\mathbf{1}^{\\top} y\\right) - y");
    // elementwise functions in the rule table's LaTeX spelling, ⊙ between arrays, diag scaling rows
    const tn::Shapes l2{{"W", {"n", "k"}}, {"x", {"k"}}, {"b", {"n"}}};
    const std::string sig = latex("sigmoid(W @ x + b)", {"x"}, l2);
    CHECK(sig.find("\\operatorname{diag}") == 0);
    CHECK(sig.find("\\odot") != std::string::npos);
    CHECK(sig.ends_with(" W"));
    CHECK(latex("sum(exp(z))", {"z"}, vec_z) == "e^{z}");
    // every derived form of the table prints: none of them falls outside the LaTeX printer
    for (const auto& [e, w, s] : std::vector<std::tuple<std::string, std::vector<std::string>, tn::Shapes>>{
             {"sum((A @ x - b)^2)", {"x"}, {{"A", {"n", "k"}}, {"x", {"k"}}, {"b", {"n"}}}},
             {"sum((A @ x - b)^2)", {"x", "x"}, {{"A", {"n", "k"}}, {"x", {"k"}}, {"b", {"n"}}}},
             {"logsumexp(z)", {"z", "z"}, vec_z},
             {"sqrt(sum(z * z))", {"z"}, vec_z},
             {"tanh(W @ x + b)", {"x"}, l2},
             {"sum(tanh(W @ x + b))", {"W"}, l2}}) {
        INFO(e);
        const Derived r = derive(e, w, s);
        if (!r.text.empty()) CHECK_NOTHROW(tn::matrix_latex(r.text, s));
    }
    // a construct outside the printed notation is an error, never a different formula
    CHECK_THROWS_WITH(tn::matrix_latex("z[0]", vec_z), Catch::Contains("outside the printed notation"));
}

TEST_CASE("shapes that cannot agree name both symbolic shapes") {
    tn::Scope scope;
    scope.shapes = {{"W", {"n", "k"}}, {"x", {"n"}}};
    try {
        tn::build(ad::lang::parse("W @ x"), scope);
        FAIL("no shape error");
    } catch (const ad::error& e) {
        CHECK(std::string(e.what()).find("(n x k) and (n)") != std::string::npos);
    }
    CHECK(tn::parse_shape("n x k") == std::vector<std::string>{"n", "k"});
    CHECK(tn::parse_shape("3x2") == std::vector<std::string>{"3", "2"});
    CHECK(tn::is_symbolic_shape("n"));
    CHECK_FALSE(tn::is_symbolic_shape("3x2"));
}

TEST_CASE("one --size grammar: numbers, names, at most two dimensions, anything else says why") {
    using dims = std::vector<std::string>;
    CHECK(tn::parse_shape("scalar").empty());
    CHECK(tn::parse_shape("7") == dims{"7"});
    CHECK(tn::parse_shape("3 x 2") == dims{"3", "2"});
    CHECK(tn::parse_shape("3,2") == dims{"3", "2"});
    CHECK(tn::parse_shape("n*k") == dims{"n", "k"});
    CHECK(tn::parse_shape("2 x n") == dims{"2", "n"});
    CHECK(tn::parse_shape("xs x n_1") == dims{"xs", "n_1"});  // names may begin with x
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "no dimension"},           {"3x", "after the last"},        {"n x", "after the last"},
        {"x 3", "without an 'x'"},     {",3", "before the first"},      {"3,,2", "two separators"},
        {"n k", "without an 'x'"},      {"1.5", "unexpected character"}, {"3a", "'3a'"},
        {"3xn", "'3 x n'"},             {"0", "at least 1"},             {"1234567890", "more than 9 digits"},
        {"n x k x m", "rank above 2"},  {"@", "unexpected character"},
    };
    for (const auto& [text, why] : bad) {
        INFO("shape '" << text << "'");
        try {
            tn::parse_shape(text);
            FAIL("accepted");
        } catch (const ad::error& e) {
            CHECK(std::string(e.what()).find(why) != std::string::npos);
        }
    }
}
