// The expression language's parser: precedence, associativity, statements, literals kept as
// text, and errors with line, column, caret and what was expected.
#include <catch2/catch.hpp>
#include <string>

#include "ad/lang/parser.hpp"

using namespace ad::lang;

namespace {
// Fully parenthesised rendering of a syntax tree, to check its structure.
std::string show(const Program& p, int k) {
    const Node& n = p.node(k);
    switch (n.kind) {
        case Kind::number: case Kind::name: return n.text;
        case Kind::neg: return "(-" + show(p, n.kids[0]) + ")";
        case Kind::binary: return "(" + show(p, n.kids[0]) + " " + n.op + " " + show(p, n.kids[1]) + ")";
        case Kind::call: case Kind::index: case Kind::list: {
            std::string s = n.kind == Kind::call ? n.text + "(" : (n.kind == Kind::index ? show(p, n.kids[0]) + "[" : "[");
            for (std::size_t i = n.kind == Kind::index ? 1 : 0; i < n.kids.size(); ++i)
                s += (i > (n.kind == Kind::index ? 1u : 0u) ? ", " : "") + show(p, n.kids[i]);
            return s + (n.kind == Kind::call ? ")" : "]");
        }
    }
    return "?";
}
std::string tree(const std::string& src) {
    const Program p = parse(src);
    return show(p, p.result());
}
std::string error_of(const std::string& src) {
    try {
        parse(src);
    } catch (const ad::parse_error& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("operator precedence and associativity", "[parse]") {
    CHECK(tree("-x^2") == "(-(x ^ 2))");             // ^ binds tighter than unary minus
    CHECK(tree("2^3^2") == "(2 ^ (3 ^ 2))");         // right-associative
    CHECK(tree("2^-1") == "(2 ^ (-1))");
    CHECK(tree("a - b - c") == "((a - b) - c)");     // left-associative
    CHECK(tree("a + b * c / d") == "(a + ((b * c) / d))");
    CHECK(tree("A @ x + b") == "((A @ x) + b)");
    CHECK(tree("-a * b") == "((-a) * b)");
    CHECK(tree("f(x)[1, 2]") == "f(x)[1, 2]");
    CHECK(tree("[[1, 2], [3, 4]]") == "[[1, 2], [3, 4]]");
    CHECK(tree("sum(z, 0) + max(z)") == "(sum(z, 0) + max(z))");
}

TEST_CASE("statements, bindings and comments", "[parse]") {
    const Program p = parse("s = softmax(z);\n# a comment\ndiag(s) - outer(s, s);");
    REQUIRE(p.statements.size() == 2);
    CHECK(p.statements[0].name == "s");
    CHECK(p.statements[1].name.empty());
    CHECK(show(p, p.result()) == "(diag(s) - outer(s, s))");
    CHECK(p.statements[1].line == 3);
}

TEST_CASE("number literals stay text until evaluated", "[parse]") {
    const Program p = parse("0.1 + 1e-3 + .5 + 2E+10");
    std::vector<std::string> nums;
    for (const auto& n : p.nodes) if (n.kind == Kind::number) nums.push_back(n.text);
    CHECK(nums == std::vector<std::string>{"0.1", "1e-3", ".5", "2E+10"});
}

TEST_CASE("parse errors give line, column, caret and what was expected", "[parse][errors]") {
    try {
        parse("s = softmax(z);\nexp(s +)");
        FAIL("no error");
    } catch (const ad::parse_error& e) {
        CHECK(e.line == 2);
        CHECK(e.column == 8);
        const std::string m = e.what();
        CHECK(m.find("expected a number, a name, '(' or '['") != std::string::npos);
        CHECK(m.find("found ')'") != std::string::npos);
        CHECK(m.find("\n  exp(s +)\n         ^") != std::string::npos);
    }
    CHECK(error_of("(x + 1") .find("expected ')' to close the parenthesis opened at line 1, column 1") != std::string::npos);
    CHECK(error_of("x $ y").find("unexpected character '$'") != std::string::npos);
    CHECK(error_of("1e+").find("malformed number") != std::string::npos);
    CHECK(error_of("").find("expected an expression") != std::string::npos);
    CHECK(error_of("x y").find("expected ';' or an operator, found name 'y'") != std::string::npos);
    CHECK(error_of("f(x,)").find("found ')'") != std::string::npos);
}

TEST_CASE("deep nesting is an error, not a stack overflow", "[parse][errors]") {
    const std::string parens = std::string(100000, '(') + "x" + std::string(100000, ')');
    CHECK(error_of(parens).find("nested too deeply") != std::string::npos);
    CHECK(error_of(std::string(100000, '-') + "x").find("nested too deeply") != std::string::npos);
    std::string chain = "x";
    for (int i = 0; i < 100000; ++i) chain += "+x";
    CHECK(error_of(chain).find("too deep") != std::string::npos);
    std::string idx = "x";
    for (int i = 0; i < 100000; ++i) idx += "[0]";
    CHECK(error_of(idx).find("too deep") != std::string::npos);
    std::string tower = "x";
    for (int i = 0; i < 100000; ++i) tower += "^x";
    CHECK(error_of(tower).find("nested too deeply") != std::string::npos);
    // 200 levels are fine.
    CHECK(tree(std::string(200, '(') + "x" + std::string(200, ')')) == "x");
}

TEST_CASE("closest names for unknown-name errors", "[parse][errors]") {
    const std::vector<std::string> fns{"softmax", "log_softmax", "logsumexp", "sum", "sin", "sinh", "max"};
    const auto near = closest_names("sofmax", fns);
    REQUIRE(!near.empty());
    CHECK(near[0] == "softmax");
    CHECK(closest_names("zzzzzz", fns).empty());
    CHECK(edit_distance("kitten", "sitting") == 3);
    const Program p = parse("sofmax(z)");
    try {
        throw_unknown(p, p.node(p.result()), "function", fns);
        FAIL("no error");
    } catch (const ad::name_error& e) {
        CHECK(e.name == "sofmax");
        CHECK(std::string(e.what()).find("unknown function 'sofmax' at line 1, column 1") != std::string::npos);
        CHECK(std::string(e.what()).find("did you mean 'softmax'") != std::string::npos);
    }
}
