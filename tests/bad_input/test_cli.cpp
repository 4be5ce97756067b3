// The bad-input contract, command-line side: each row runs the built `adiff` binary on a
// malformed or hostile input and requires its documented exit code (2 bad input, 3 non-finite
// naming the operation; see cli/exit_codes.hpp) and a fragment of its message. Every run has a
// time limit, so a hang fails the row; a crash (signal) or a sanitizer report fails it too.
#include <string>
#include <vector>

#include "support/run_cli.hpp"

#ifdef ADIFF_CLI_EXE
namespace {

using adiff_test::has_sanitizer_report;
using adiff_test::result;
using adiff_test::run_adiff;
using adiff_test::temp_file;

std::string repeat(const std::string& s, int n) {
    std::string r;
    r.reserve(s.size() * std::size_t(n));
    for (int i = 0; i < n; ++i) r += s;
    return r;
}

struct cli_row {
    std::string what;
    std::vector<std::string> args;
    int code;
    std::string fragment;
    std::string stdin_text = "";
};

std::vector<cli_row> cli_rows() {
    const std::string deep_parens = temp_file(repeat("(", 100000) + "x" + repeat(")", 100000));
    const std::string deep_minus = temp_file(repeat("-", 100000) + "x");
    const std::string deep_pow = temp_file(repeat("x^", 100000) + "x");
    const std::string deep_calls = temp_file(repeat("exp(", 100000) + "x" + repeat(")", 100000));
    const std::string deep_brackets = temp_file(repeat("[", 100000) + "1" + repeat("]", 100000));
    const std::string long_sum = temp_file(repeat("x+", 100000) + "x");
    const std::string long_name = temp_file(repeat("q", 100000));
    const std::string garbage = temp_file(std::string("\x01\x02\xff\xfe(x\x7f", 8));
    const std::string X1 = "x=1", Z = "z=[1,2,3]", A = "A=[[1,2],[3,4]]";
    return {
        // syntax
        {"unbalanced '('", {"eval", "(x + 1", "--at", X1}, 2, "expected ')'"},
        {"unbalanced ')'", {"eval", "x + 1)", "--at", X1}, 2, "column 6"},
        {"unclosed '['", {"eval", "[1, 2", "--at", X1}, 2, "expected"},
        {"empty expression", {"eval", ""}, 2, "expected"},
        {"blank expression", {"eval", "   "}, 2, "expected"},
        {"dangling operator", {"eval", "x *", "--at", X1}, 2, "expected"},
        {"leading binary operator", {"eval", "* x", "--at", X1}, 2, "expected"},
        {"unknown character", {"eval", "x $ 1", "--at", X1}, 2, "column 3"},
        {"binary garbage (from a file)", {"eval", "@" + garbage}, 2, "adiff"},
        {"missing file", {"eval", "@/nonexistent/adiff/expr"}, 2, "nonexistent"},
        {"empty stdin", {"eval", "-"}, 2, "expected"},
        {"assignment without a value", {"eval", "y = ; y", "--at", X1}, 2, "expected"},
        {"two operators", {"eval", "x + * 2", "--at", X1}, 2, "expected"},
        {"empty call", {"eval", "sin()", "--at", X1}, 2, "sin"},
        // names and arities
        {"unknown function", {"eval", "foo(x)", "--at", X1}, 2, "unknown function 'foo'"},
        {"misspelt function suggests", {"eval", "sine(x)", "--at", X1}, 2, "did you mean"},
        {"unknown variable", {"eval", "y + 1", "--at", X1}, 2, "unknown variable 'y'"},
        {"a function used as a variable", {"eval", "exp + 1"}, 2, "is a function"},
        {"NaN literal is not a name", {"eval", "nan"}, 2, "unknown variable 'nan'"},
        {"inf literal is not a name", {"eval", "inf * 2"}, 2, "unknown variable 'inf'"},
        {"sin with two arguments", {"eval", "sin(x, x)", "--at", X1}, 2, "wrong number of arguments to 'sin'"},
        {"pow with one argument", {"eval", "pow(x)", "--at", X1}, 2, "wrong number of arguments to 'pow'"},
        {"100000-character name (file)", {"eval", "@" + long_name}, 2, "unknown variable"},
        // shapes and sizes
        {"broadcast mismatch", {"eval", "z + A", "--at", Z, "--at", A}, 2, "(3,) and (2, 2)"},
        {"matmul mismatch", {"eval", "A @ z", "--at", Z, "--at", A}, 2, "(2, 2) and (3,)"},
        {"dot of different lengths", {"eval", "dot(z, [1, 2])", "--at", Z}, 2, "dot"},
        {"index out of range", {"eval", "z[3]", "--at", Z}, 2, "out of range"},
        {"too many subscripts", {"eval", "A[0, 0, 0]", "--at", A}, 2, "too many subscripts"},
        {"non-literal subscript", {"eval", "z[x]", "--at", Z, "--at", X1}, 2, "integer literal"},
        {"axis out of range", {"eval", "sum(A, 5)", "--at", A}, 2, "axis 5 out of range"},
        {"ragged array literal", {"eval", "[[1, 2], [3]]"}, 2, "different shapes"},
        {"ragged --at value", {"eval", "A", "--at", "A=[[1,2],[3]]"}, 2, "A"},
        {"empty array --at value", {"eval", "max(z)", "--at", "z=[]"}, 2, "expected"},
        {"gradient of a vector", {"grad", "z * 2", "--at", Z}, 2, "scalar"},
        {"hessian of a vector", {"hessian", "z * 2", "--at", Z}, 2, "scalar"},
        {"--wrt an unknown variable", {"grad", "x * 2", "--at", X1, "--wrt", "q"}, 2, "q"},
        // numbers
        {"huge exponent literal", {"eval", "1e999 * 2"}, 2, "out of range"},
        {"huge exponent in --at", {"eval", "x", "--at", "x=1e999"}, 2, "bad --at value for x: number literal '1e999' is out of range"},
        {"non-numeric --at", {"eval", "x", "--at", "x=abc"}, 2, "bad --at value for x"},
        {"NaN --at", {"eval", "x", "--at", "x=nan"}, 2, "bad --at value for x"},
        {"inf --at", {"eval", "x", "--at", "x=inf"}, 2, "bad --at value for x"},
        {"empty --at value", {"eval", "x", "--at", "x="}, 2, "x"},
        {"--at without '='", {"eval", "x", "--at", "x"}, 2, "x"},
        {"unclosed --at list", {"eval", "z", "--at", "z=[1,2"}, 2, "bad --at value for z: parse error: expected ']'"},
        // non-finite results name the operation (exit 3)
        {"log(-1)", {"eval", "log(x)", "--at", "x=-1"}, 3, "'log'"},
        {"1/0", {"eval", "1/x", "--at", "x=0"}, 3, "'div'"},
        {"0/0", {"eval", "(x - x) / (x - x)", "--at", X1}, 3, "'div'"},
        {"sqrt(-1)", {"eval", "sqrt(x)", "--at", "x=-1"}, 3, "'sqrt'"},
        {"asin(2)", {"eval", "asin(x)", "--at", "x=2"}, 3, "'asin'"},
        {"exp overflow", {"eval", "exp(x)", "--at", "x=1000"}, 3, "'exp'"},
        {"exp overflow in a gradient", {"grad", "exp(x * x)", "--at", "x=30"}, 3, "exp"},
        {"log(0) in a gradient", {"grad", "log(x)", "--at", "x=0"}, 3, "log"},
        {"negative base to a real power", {"eval", "x ^ 0.5", "--at", "x=-1"}, 3, "pow"},
        {"sum overflows", {"eval", "sum(z)", "--at", "z=[1e308,1e308]"}, 3, "sum"},
        // hostile sizes and depths: an error, never a stack overflow or a hang
        {"10^5 nested parentheses", {"eval", "@" + deep_parens}, 2, "deep"},
        {"10^5 unary minus", {"eval", "@" + deep_minus}, 2, "deep"},
        {"10^5-long power tower", {"eval", "@" + deep_pow}, 2, "deep"},
        {"10^5 nested calls", {"eval", "@" + deep_calls}, 2, "deep"},
        {"10^5 nested brackets", {"eval", "@" + deep_brackets}, 2, "deep"},
        {"10^5-term sum", {"eval", "@" + long_sum, "--at", X1}, 2, "deep"},
        // options
        {"unknown subcommand", {"frobnicate"}, 2, "frobnicate"},
        {"unknown option", {"eval", "x", "--bogus"}, 2, "bogus"},
        {"bad --precision", {"eval", "1", "--precision", "7"}, 2, "precision"},
        {"bad --mode", {"eval", "1", "--mode", "sideways"}, 2, "mode"},
        {"bad --format", {"eval", "1", "--format", "xml"}, 2, "format"},
        // the options are words: an enumerator's number is not a spelling
        {"--precision by number", {"eval", "1", "--precision", "3"}, 2, "{double,long,50,100}"},
        {"--mode by number", {"grad", "x", "--at", "x=1", "--mode", "1"}, 2, "{auto,forward,reverse,symbolic}"},
        {"--format by number", {"eval", "1", "--format", "1"}, 2, "{text,json}"},
        {"softmax --precision by number", {"softmax", "--precision", "0"}, 2, "{double,long,50,100}"},
        {"derivatives --precision long", {"derivatives", "x^2", "--wrt", "x", "--order", "2", "--at", "x=1", "--precision", "long"}, 2, "{double,50}"},
        {"missing EXPR", {"eval"}, 2, "EXPR"},
        {"check without --claim", {"check", "softmax(z)", "--wrt", "z", "--at", Z}, 2, "claim"},
        {"non-numeric --random", {"check", "z", "--claim", "z", "--wrt", "z", "--random", "many"}, 2, "random"},
        {"negative --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=-1"}, 2, "z"},
        // one --size grammar: N, R x C, a name, n x k or scalar; anything else says why
        {"fractional --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=1.5"}, 2, "unexpected character '.'"},
        {"empty --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z="}, 2, "no dimension"},
        {"dangling x in --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=3x"}, 2, "after the last dimension"},
        {"dangling x in a symbolic --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=n x"}, 2, "after the last dimension"},
        {"two dimensions without x", {"diff", "sum(z)", "--wrt", "z", "--size", "z=n k"}, 2, "without an 'x'"},
        {"zero --size", {"eval", "sum(z)", "--size", "z=0"}, 2, "at least 1"},
        {"number glued to a name", {"diff", "sum(z)", "--wrt", "z", "--size", "z=3a"}, 2, "'3a'"},
        {"3xn without spaces", {"diff", "sum(z)", "--wrt", "z", "--size", "z=3xn"}, 2, "'3 x n'"},
        {"doubled separator", {"diff", "sum(z)", "--wrt", "z", "--size", "z=3,,2"}, 2, "two separators"},
        {"symbolic --size outside diff/check", {"grad", "sum(z)", "--size", "z=n", "--at", "z=[1,2]"}, 2, "diff and check only"},
        // with symbolic sizes, options that need numbers are refused by name, not ignored
        {"--cpp with a symbolic --size", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=n", "--cpp"}, 2, "--cpp: not with symbolic sizes"},
        {"--python --name with a symbolic --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=n", "--python", "--name", "f"}, 2, "--python, --name: not"},
        {"--precision with a symbolic --size", {"check", "softmax(z)", "--claim", "diag(softmax(z))", "--wrt", "z", "--size", "z=n", "--precision", "50"}, 2,
         "--precision: not with symbolic sizes"},
        {"--at with a symbolic --size", {"diff", "sum(z*y)", "--wrt", "z", "--size", "z=n", "--at", "y=[1,2]"}, 2, "--at: not with symbolic sizes"},
        {"--random with a symbolic --size", {"check", "sum(z)", "--claim", "z", "--wrt", "z", "--size", "z=n", "--random", "3"}, 2, "--random: not"},
        {"--mode with a symbolic --size", {"diff", "sum(z)", "--wrt", "z", "--size", "z=n", "--mode", "reverse"}, 2, "--mode: not"},
    };
}

}  // namespace

TEST_CASE("bad input to the CLI: exit codes and messages", "[bad_input][cli]") {
    const auto rows = cli_rows();
    CHECK(rows.size() >= 50);
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.what) {
            const result res = run_adiff(r.args, r.stdin_text);
            INFO("input: " << r.what << "\noutput:\n" << res.output.substr(0, 2000));
            CHECK_FALSE(res.timed_out);
            CHECK_FALSE(has_sanitizer_report(res.output));
            CHECK(res.code == r.code);
            CHECK_THAT(res.output, Catch::Contains(r.fragment, Catch::CaseSensitive::No));
        }
    }
}

TEST_CASE("a well-formed input still works after the hostile ones (control)", "[bad_input][cli]") {
    const result r = run_adiff({"grad", "sum(z * z)", "--at", "z=[1,2,3]"});
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK_THAT(r.output, Catch::Contains("[2, 4, 6]"));
}
#endif
