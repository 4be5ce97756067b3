// The trust contract, command-line side (issue 12): for each class of hostile input that once
// printed a wrong number, a wrong verdict or invalid JSON with exit 0, a table of cases — each
// run through every mode where modes apply — with the exit code (0 ok, 1 refuted, 2 bad input,
// 3 non-finite naming the operation), text that must appear and text that must not.
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_cli.hpp"

namespace {

using adiff_test::has_sanitizer_report;
using adiff_test::result;
using adiff_test::run_adiff;

struct row {
    std::string what;
    std::vector<std::string> args;
    int code;
    std::vector<std::string> must;      ///< fragments that must appear (stdout + stderr)
    std::vector<std::string> must_not;  ///< fragments that must not appear
};

const std::vector<std::string> all_modes{"forward", "reverse", "symbolic", "auto"};

/// `base` once per mode (--mode M appended), with the mode in the row's name.
std::vector<row> in_every_mode(const row& base, const std::vector<std::string>& modes = all_modes) {
    std::vector<row> out;
    for (const auto& m : modes) {
        row r = base;
        r.what += " [" + m + "]";
        r.args.push_back("--mode");
        r.args.push_back(m);
        out.push_back(r);
    }
    return out;
}

void run_rows(const std::vector<row>& rows) {
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.what) {
            const result res = run_adiff(r.args);
            INFO("case: " << r.what << "\noutput:\n" << res.output.substr(0, 3000));
            CHECK_FALSE(res.timed_out);
            CHECK_FALSE(has_sanitizer_report(res.output));
            CHECK(res.code == r.code);
            for (const auto& f : r.must) CHECK_THAT(res.output, Catch::Contains(f));
            for (const auto& f : r.must_not) CHECK_THAT(res.output, !Catch::Contains(f));
        }
    }
}

std::vector<row> operator+(std::vector<row> a, const std::vector<row>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("class 1: check verdicts cannot be fooled by overflow, NaN or an absolute tolerance", "[trust][check]") {
    std::vector<row> rows = {
        {"overflowing comparison is refuted, not agreed", {"check", "1e200*sqrt(x)", "--claim", "0", "--wrt", "x", "--at", "x=1e-300"}, 1,
         {"refuted", "5e+349"}, {"agrees", "inf,"}},
        {"the true derivative there agrees (double cannot compute it)",
         {"check", "1e200*sqrt(x)", "--claim", "0.5e200/sqrt(x)", "--wrt", "x", "--at", "x=1e-300"}, 0, {"agrees", "not computable in double"}, {}},
        {"wrong signs on tiny softmax entries",
         {"check", "softmax(z)", "--claim", "s = softmax(z); abs(diag(s) - outer(s, s))", "--wrt", "z", "--at", "z=[0,100,0]"}, 1, {"refuted"}, {}},
        {"the right softmax Jacobian at a dominant logit",
         {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s)", "--wrt", "z", "--at", "z=[0,100,0]"}, 0, {"agrees"}, {}},
        {"the right softmax Jacobian at a very dominant logit",
         {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s)", "--wrt", "z", "--at", "z=[0,50,-20]"}, 0, {"agrees", "decided at 100 digits"}, {}},
        {"a small absolute offset on tiny entries is a wrong claim",
         {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s) + 1e-45", "--wrt", "z", "--at", "z=[0,100,0]"}, 1, {"refuted"}, {}},
        {"a relative offset above the tolerance is a wrong claim",
         {"check", "softmax(z)", "--claim", "s = softmax(z); (diag(s) - outer(s, s)) * (1 + 1e-25)", "--wrt", "z", "--at", "z=[1,2,3]"}, 1, {"refuted"}, {}},
        {"a tiny relative error is a wrong claim (with a hint)", {"check", "x^2", "--claim", "2*x + 1e-20", "--wrt", "x", "--at", "x=1"}, 1,
         {"refuted", "--rtol"}, {}},
        {"--rtol loosens the criterion", {"check", "x^2", "--claim", "2.0000000001*x", "--wrt", "x", "--at", "x=1", "--rtol", "1e-8"}, 0,
         {"agrees", "1e-8"}, {}},
        {"a difference that is rounding agrees (zero to the precision)",
         {"check", "sin(x)^2 + cos(x)^2", "--claim", "0", "--wrt", "x", "--at", "x=0.7"}, 0, {"agrees"}, {}},
        {"a claim that is zero where the derivative is tiny but not zero",
         {"check", "exp(-x^2)", "--claim", "0", "--wrt", "x", "--at", "x=20"}, 1, {"refuted"}, {}},
        {"a non-finite claim is never judged", {"check", "x^2", "--claim", "1/(x - 1)", "--wrt", "x", "--at", "x=1"}, 3, {"the claim"}, {"agrees"}},
        {"a non-finite derivative is never judged", {"check", "sqrt(x)", "--claim", "0", "--wrt", "x", "--at", "x=0"}, 3,
         {"cannot be judged"}, {"agrees"}},
        {"random points, right claim", {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s)", "--wrt", "z", "--random", "4"}, 0,
         {"agrees", "criterion"}, {}},
        {"random points, transposed claim", {"check", "A @ x", "--claim", "transpose(A)", "--wrt", "x", "--random", "3", "--size", "A=2x3", "--size", "x=3"},
         1, {"refuted", "counterexample"}, {}},
        {"check --help documents the criterion", {"check", "--help"}, 0, {"relative", "100 digits"}, {}},
    };
    run_rows(rows);
}

TEST_CASE("class 2: a non-finite derivative is exit 3 naming the entry, in every mode", "[trust][nonfinite]") {
    std::vector<row> rows;
    rows = rows + in_every_mode({"gradient overflows", {"grad", "1e200*sqrt(x)", "--at", "x=1e-300"}, 3, {"non-finite result"}, {"x: inf"}});
    // forward and reverse meet inf - inf; the symbolic graph derives the exact 0 (x - x is 0 for every finite x)
    rows = rows + in_every_mode({"gradient is inf - inf", {"grad", "1e200*sqrt(x) - 1e200*sqrt(x)", "--at", "x=1e-300"}, 3, {"non-finite"}, {"nan\n"}},
                                {"forward", "reverse", "auto"});
    rows.push_back({"the symbolic derivative of x - x is exactly 0", {"grad", "1e200*sqrt(x) - 1e200*sqrt(x)", "--at", "x=1e-300", "--mode", "symbolic"}, 0,
                    {"x: 0"}, {"nan"}});
    rows = rows + in_every_mode({"Hessian overflows", {"hessian", "sqrt(x)", "--at", "x=1e-300", "--format", "json"}, 3, {"hessian"}, {"-inf]"}});
    rows = rows + in_every_mode({"Jacobian entry overflows", {"jacobian", "[1e200*sqrt(x), x]", "--at", "x=1e-300"}, 3, {"jacobian"}, {"inf]"}});
    rows.push_back({"50 digits has the range", {"grad", "1e200*sqrt(x)", "--at", "x=1e-300", "--precision", "50"}, 0, {"5e+349"}, {}});
    rows.push_back({"long double has the range", {"grad", "1e200*sqrt(x)", "--at", "x=1e-300", "--precision", "long"}, 0, {"e+349"}, {}});
    run_rows(rows);
}

TEST_CASE("class 3: integers from user text are range-checked before narrowing", "[trust][integers]") {
    std::vector<row> rows;
    rows = rows + in_every_mode({"2^32 exponent is not 0", {"grad", "x^4294967296", "--at", "x=1.0000001"}, 0, {"e+186"}, {"value: 1\n"}});
    rows = rows + in_every_mode({"INT_MIN exponent does not hang", {"grad", "x^-2147483648", "--at", "x=1"}, 0, {"value: 1"}, {}});
    rows = rows + in_every_mode({"odd 2^32+1 exponent keeps the sign", {"eval", "x^-4294967297", "--at", "x=-1"}, 0, {"-1"}, {}});
    rows.push_back({"axis 2^32", {"eval", "sum(A, 4294967296)", "--at", "A=[[1,2],[3,4]]"}, 2, {"out of range"}, {"[4, 6]"}});
    rows.push_back({"subscript 10^20", {"eval", "z[100000000000000000000]", "--at", "z=[1,2,3]"}, 2, {"out of range"}, {}});
    rows.push_back({"--seed -1", {"check", "z", "--claim", "1", "--wrt", "z", "--random", "2", "--seed", "-1"}, 2, {"--seed"}, {"(seed 18446744073709551615)"}});
    rows.push_back({"--seed 2^64", {"check", "z", "--claim", "1", "--wrt", "z", "--random", "2", "--seed", "18446744073709551616"}, 2, {"out of range"}, {}});
    rows.push_back({"--random 2^64", {"check", "z", "--claim", "1", "--wrt", "z", "--random", "18446744073709551616"}, 2, {"--random"}, {"internal"}});
    rows.push_back({"softmax --seed -1", {"softmax", "--seed", "-1"}, 2, {"--seed '-1': expected a whole number"}, {"179769"}});
    rows.push_back({"softmax --seed 2^64", {"softmax", "-Q", "2", "-M", "1", "--seed", "18446744073709551616"}, 2, {"--seed 18446744073709551616 is out of range"}, {"adiff softmax —"}});
    rows.push_back({"softmax --seed 1.5", {"softmax", "--seed", "1.5"}, 2, {"--seed '1.5'"}, {}});
    rows.push_back({"softmax --max-work -1", {"softmax", "-Q", "2", "-M", "1", "--max-work", "-1"}, 2, {"--max-work '-1'"}, {"adiff softmax —"}});
    rows.push_back({"softmax --max-work 10^23", {"softmax", "-Q", "2", "-M", "1", "--max-work", "99999999999999999999999"}, 2, {"out of range"}, {"adiff softmax —"}});
    rows.push_back({"softmax --seed 2^64-1 is the largest", {"softmax", "-Q", "2", "-M", "1", "--seed", "18446744073709551615"}, 0, {"seed = 18446744073709551615"}, {}});
    rows.push_back({"--max-entries not a number", {"eval", "1", "--max-entries", "lots"}, 2, {"--max-entries"}, {}});
    run_rows(rows);
}

TEST_CASE("class 4: a repeated --wrt name is bad input everywhere", "[trust][wrt]") {
    std::vector<row> rows;
    for (const std::string cmd : {"grad", "jacobian", "hessian"})
        rows = rows + in_every_mode({cmd + " --wrt x,y,x", {cmd, "x*y", "--at", "x=3", "--at", "y=4", "--wrt", "x,y,x"}, 2, {"twice"}, {"[[0, 3, 4]]"}});
    rows.push_back({"check --wrt z,z", {"check", "x*y", "--claim", "[y, x]", "--at", "x=3", "--at", "y=4", "--wrt", "x,x"}, 2, {"twice"}, {}});
    rows.push_back({"diff --wrt x,x", {"diff", "x*y", "--wrt", "x,x"}, 2, {"twice"}, {}});
    run_rows(rows);
}

TEST_CASE("class 5: symbolic mode fails exactly where forward and reverse fail", "[trust][domain]") {
    struct domain_case {
        std::string expr, at;
        int code;
        std::string op;
    };
    const std::vector<domain_case> cases = {
        {"exp(log(x))", "x=-2", 3, "log"},      {"(x - x)/(x - x)", "x=1", 3, "div"}, {"sqrt(x)/sqrt(x)", "x=-2", 3, "sqrt"},
        {"(1/x)*x", "x=0", 3, "div"},           {"1e400*0 + x", "x=1", 2, "out of range"}, {"log(exp(x))", "x=800", 3, "exp"},
        {"x^0.5 * x^0.5", "x=-2", 3, "pow"},    {"exp(x)*0 + x", "x=1000", 3, "exp"},
    };
    std::vector<row> rows;
    for (const auto& c : cases)
        for (const std::string cmd : {"eval", "grad"})
            rows = rows + in_every_mode({cmd + " " + c.expr + " at " + c.at, {cmd, c.expr, "--at", c.at}, c.code, {c.op}, {}});
    run_rows(rows);
}

TEST_CASE("class 6: no accuracy lost in the tails, in every mode", "[trust][tails]") {
    std::vector<row> rows;
    rows = rows + in_every_mode({"log_softmax at a dominant logit", {"grad", "log_softmax(z)[0]", "--at", "z=[40,0,0]"}, 0, {"8.4967"}, {"[0, "}});
    rows = rows + in_every_mode({"sigmoid'(40)", {"grad", "sigmoid(x)", "--at", "x=40"}, 0, {"4.248"}, {"x: 0\n"}});
    rows = rows + in_every_mode({"sigmoid'(-40)", {"grad", "sigmoid(x)", "--at", "x=-40"}, 0, {"4.248"}, {"x: 0\n"}});
    rows = rows + in_every_mode({"tanh'(20)", {"grad", "tanh(x)", "--at", "x=20"}, 0, {"1.699"}, {"x: 0\n"}});
    rows = rows + in_every_mode({"softmax Jacobian at 50 digits, z = [1000, 0, -1000]",
                                 {"jacobian", "softmax(z)", "--at", "z=[1000,0,-1000]", "--precision", "50"}, 0, {"[[5.07595889", "e-435"}, {"[[0,"}});
    run_rows(rows);
}

TEST_CASE("class 7: one convention at kinks for every mode and order", "[trust][kinks]") {
    std::vector<row> rows;
    rows = rows + in_every_mode({"Hessian of max([x,y])*x at a tie", {"hessian", "max([x, y])*x", "--at", "x=0", "--at", "y=0"}, 0, {"[[1, 0.5],\n [0.5, 0]]"}, {}});
    rows = rows + in_every_mode({"x^3.0 at x = -2", {"grad", "x^3.0", "--at", "x=-2"}, 0, {"x: 12"}, {}});
    rows = rows + in_every_mode({"x^y with y constant, x < 0", {"grad", "x^y", "--at", "x=-2", "--at", "y=3", "--wrt", "x"}, 0, {"x: 12"}, {}});
    run_rows(rows);
}

TEST_CASE("class 8: sizes are estimated and refused before anything is built", "[trust][limits]") {
    std::string big = "z=[";
    for (int k = 0; k < 5000; ++k) big += (k ? ",1" : "1");
    big += "]";
    std::vector<row> rows = {
        {"--size 999999x999999", {"diff", "sum(z)", "--wrt", "z", "--size", "z=999999x999999"}, 2, {"--max-entries"}, {"internal"}},
        {"a guessed size of 10^8", {"check", "z[100000000]", "--claim", "0", "--wrt", "z", "--random", "1"}, 2, {"--max-entries", "guessed"}, {"internal"}},
        {"an outer product of 25 M entries", {"eval", "sum(outer(z, z))", "--at", big}, 2, {"--max-entries"}, {"internal"}},
        {"a Jacobian of 25 M entries", {"jacobian", "z * 2", "--at", big}, 2, {"--max-entries"}, {"internal"}},
        {"symbolic diff at 2000", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=2000"}, 2, {"--max-entries"}, {}},
        {"softmax report Q = 1000", {"softmax", "--classes", "1000", "--batch", "1"}, 2, {"--max-work"}, {}},
        {"--max-entries raises the limit", {"eval", "sum(outer(z, z))", "--at", "z=[1,2,3]", "--max-entries", "9"}, 0, {"36"}, {}},
        {"--max-entries lowers it", {"eval", "sum(outer(z, z))", "--at", "z=[1,2,3]", "--max-entries", "8"}, 2, {"--max-entries"}, {}},
    };
    run_rows(rows);
}

TEST_CASE("class 10: expressions that begin with '-', @DIR, notes only at real kinks", "[trust][parsing]") {
    std::vector<row> rows = {
        {"-x^2", {"eval", "-x^2", "--at", "x=3"}, 0, {"-9"}, {}},
        {"-x^2 after --", {"eval", "--at", "x=3", "--", "-x^2"}, 0, {"-9"}, {}},
        {"a claim that begins with '-'", {"check", "-x^2", "--claim", "-2*x", "--wrt", "x", "--at", "x=3"}, 0, {"agrees"}, {}},
        {"-1 as the expression", {"eval", "-1"}, 0, {"-1"}, {}},
        {"@DIR", {"eval", "@/tmp"}, 2, {"directory"}, {"parse error"}},
        {"logsumexp at equal logits is smooth", {"grad", "logsumexp(z)", "--at", "z=[1,1]"}, 0, {"[0.5, 0.5]"}, {"tie"}},
        {"softmax at equal logits is smooth", {"jacobian", "softmax(z)", "--at", "z=[2,2,2]"}, 0, {}, {"tie"}},
        {"max at a tie still gets its note", {"grad", "max(z)", "--at", "z=[1,1]"}, 0, {"tie"}, {}},
        {"an unknown option is still an error", {"eval", "x", "--bogus"}, 2, {"bogus"}, {}},
    };
    run_rows(rows);
}

TEST_CASE("class 11: the 50-digit guard warns of accuracy lost in double", "[trust][guard]") {
    std::vector<row> rows;
    // symbolic mode simplifies (1 + x) - 1 to x exactly: nothing to warn of there
    const std::vector<std::string> numeric{"forward", "reverse", "auto"};
    rows = rows + in_every_mode({"cancellation in the value", {"eval", "(1 + x) - 1", "--at", "x=1e-15"}, 0, {"warning", "50 digits"}, {}}, numeric);
    rows = rows + in_every_mode({"cancellation in the gradient", {"grad", "((1 + x) - 1) * y", "--at", "x=1e-15", "--at", "y=2"}, 0, {"warning: gradient y"}, {}},
                                numeric);
    rows.push_back({"symbolic mode is exact here", {"eval", "(1 + x) - 1", "--at", "x=1e-15", "--mode", "symbolic"}, 0, {"1e-15"}, {"warning"}});
    rows.push_back({"--no-guard silences it", {"eval", "(1 + x) - 1", "--at", "x=1e-15", "--no-guard"}, 0, {}, {"warning"}});
    rows.push_back({"no warning when double is right", {"grad", "exp(x)*sin(x)", "--at", "x=0.3"}, 0, {}, {"warning"}});
    rows.push_back({"no guard at 50 digits", {"eval", "(1 + x) - 1", "--at", "x=1e-15", "--precision", "50"}, 0, {}, {"warning"}});
    run_rows(rows);
}

TEST_CASE("JSON output is always valid JSON with finite numbers, and errors leave stdout empty", "[trust][json]") {
    const std::vector<std::vector<std::string>> ok = {
        {"eval", "softmax(z)", "--at", "z=[1,2,3]"},
        {"eval", "(1 + x) - 1", "--at", "x=1e-15"},
        {"grad", "sum(z*z)", "--at", "z=[1,2,3]"},
        {"jacobian", "softmax(z)", "--at", "z=[1,2,3]"},
        {"hessian", "x*y^2", "--at", "x=1", "--at", "y=2"},
        {"check", "1e200*sqrt(x)", "--claim", "0", "--wrt", "x", "--at", "x=1e-300"},
        {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s)", "--wrt", "z", "--at", "z=[1000,0,-1000]"},
        {"diff", "softmax(z)", "--wrt", "z", "--size", "z=3"},
    };
    for (auto args : ok) {
        args.push_back("--format");
        args.push_back("json");
        DYNAMIC_SECTION(args[0] << " " << args[1]) {
            const result res = run_adiff(args, "", 120, false);
            INFO(res.output);
            CHECK((res.code == 0 || res.code == 1));
            nlohmann::json j;
            REQUIRE_NOTHROW(j = nlohmann::json::parse(res.output));
            // parsing already refuses bare inf/nan tokens; every number must also be finite as a double
            std::vector<const nlohmann::json*> stack{&j};
            while (!stack.empty()) {
                const nlohmann::json* x = stack.back();
                stack.pop_back();
                if (x->is_number()) CHECK(std::isfinite(x->get<double>()));
                if (x->is_structured())
                    for (const auto& c : *x) stack.push_back(&c);
            }
            if (args[0] == "check") CHECK(j.contains("verdict"));
            if (args[0] == "eval" || args[0] == "grad") CHECK(j.contains("warnings"));
        }
    }
    const std::vector<std::vector<std::string>> failing = {
        {"grad", "1e200*sqrt(x)", "--at", "x=1e-300"},
        {"hessian", "sqrt(x)", "--at", "x=1e-300"},
        {"check", "sqrt(x)", "--claim", "0", "--wrt", "x", "--at", "x=0"},
    };
    for (auto args : failing) {
        args.push_back("--format");
        args.push_back("json");
        DYNAMIC_SECTION("failing: " << args[0] << " " << args[1]) {
            const result res = run_adiff(args, "", 120, false);
            CHECK(res.code == 3);
            CHECK(res.output.empty());
        }
    }
}

TEST_CASE("with --format json every error is one JSON object on stderr, whoever detects it", "[trust][json]") {
    // the command line's own errors (CLI11's, the unknown command), the commands' and the report's
    struct failing { std::vector<std::string> args; int code; std::string kind; std::string command; };
    const std::vector<failing> rows = {
        {{"eval", "x", "--bogus"}, 2, "usage", "eval"},
        {{"eval", "x", "--mode", "sideways"}, 2, "usage", "eval"},
        {{"check", "x^2", "--wrt", "x", "--at", "x=1"}, 2, "usage", "check"},  // no --claim
        {{"frobnicate"}, 2, "usage", "frobnicate"},
        {{"softmax", "--classes", "1000", "--batch", "10000"}, 2, "bad input", "softmax"},  // over --max-work
        {{"eval", "x +", "--at", "x=1"}, 2, "parse", "eval"},
        {{"grad", "log(x)", "--at", "x=-1"}, 3, "non-finite", "grad"},
    };
    for (const auto& r : rows) {
        for (const bool equals : {false, true}) {
            std::vector<std::string> args = r.args;
            if (equals) args.push_back("--format=json");
            else args.push_back("--format"), args.push_back("json");
            DYNAMIC_SECTION(args[0] << " " << (args.size() > 1 ? args[1] : "") << (equals ? " --format=json" : " --format json")) {
                const result out = run_adiff(args, "", 120, false);
                CHECK(out.code == r.code);
                CHECK(out.output.empty());  // stdout
                const result all = run_adiff(args, "", 120, true);
                INFO(all.output);
                nlohmann::json j;
                REQUIRE_NOTHROW(j = nlohmann::json::parse(all.output));
                CHECK(j["schema_version"] == 1);
                CHECK(j["command"] == r.command);
                CHECK(j["error"]["exit_code"] == r.code);
                CHECK(j["error"]["kind"] == r.kind);
                CHECK(!j["error"]["message"].get<std::string>().empty());
            }
        }
    }
    // without --format json the same errors are one line of text
    const result text = run_adiff({"eval", "x", "--bogus"});
    CHECK(text.code == 2);
    CHECK(text.output.rfind("adiff: ", 0) == 0);
    CHECK(text.output.find('{') == std::string::npos);
}

TEST_CASE("issue 14: --digits, --at with --random, guessed sizes, derivatives", "[trust][conventions]") {
    std::vector<row> rows;
    // --digits rounds every printed number, in every mode; the default prints all digits
    rows = rows + in_every_mode({"--digits 6 in text", {"grad", "exp(x)", "--at", "x=1", "--digits", "6"}, 0, {"value: 2.71828\n", "x: 2.71828\n"}, {"2.718281"}});
    rows.push_back({"default digits: shortest round-trip", {"eval", "exp(x)", "--at", "x=1"}, 0, {"2.718281828459045\n"}, {}});
    rows.push_back({"--digits in JSON", {"eval", "exp(x)", "--at", "x=1", "--digits", "3", "--format", "json"}, 0, {"\"value\": 2.72,"}, {"2.718"}});
    rows.push_back({"--digits 40 at 50 digits", {"eval", "exp(x)", "--at", "x=1", "--digits", "40", "--precision", "50"}, 0,
                    {"2.718281828459045235360287471352662497757\n"}, {"2.7182818284590452353602874713526624977572"}});
    rows.push_back({"--digits 17 is what double carries", {"eval", "x/3", "--at", "x=1", "--digits", "17"}, 0, {"0.33333333333333331\n"}, {}});
    rows.push_back({"--digits 18 in double is refused", {"eval", "x", "--at", "x=1", "--digits", "18"}, 2, {"double carries at most 17", "--precision 50"}, {}});
    rows.push_back({"--digits 51 at 50 digits is refused", {"eval", "x", "--at", "x=1", "--digits", "51", "--precision", "50"}, 2, {"at most 50"}, {}});
    rows.push_back({"--digits 0 is refused", {"eval", "x", "--at", "x=1", "--digits", "0"}, 2, {"1 to 100"}, {}});
    rows.push_back({"--digits 101 is refused", {"eval", "x", "--at", "x=1", "--digits", "101", "--precision", "100"}, 2, {"at most 100"}, {}});
    rows.push_back({"--digits -3 is refused", {"eval", "x", "--at", "x=1", "--digits", "-3"}, 2, {"--digits"}, {}});
    rows.push_back({"check's worst entry at --digits 8", {"check", "x^2", "--claim", "2.000001*x", "--wrt", "x", "--at", "x=1.5", "--digits", "8"}, 1,
                    {"AD 3, claim 3.0000015\n"}, {}});
    // the guard still compares all digits: no warning because the printed value is rounded
    rows.push_back({"--digits does not fool the guard", {"eval", "x/3", "--at", "x=1", "--digits", "2"}, 0, {"0.33\n"}, {"warning"}});
    // --at for a --wrt variable together with --random would be ignored: an error
    rows.push_back({"--at z with --random", {"check", "sum(z*z)", "--claim", "2*z", "--wrt", "z", "--at", "z=[1,2]", "--random", "5"}, 2,
                    {"--at z=… and --random 5 conflict", "drop --at z"}, {"agrees"}});
    rows.push_back({"--at for a constant with --random is used", {"check", "a*x", "--claim", "a", "--wrt", "x", "--at", "a=2", "--random", "5"}, 0, {"agrees"}, {}});
    rows.push_back({"--at for a constant with --random, wrong claim", {"check", "a*x", "--claim", "2", "--wrt", "x", "--at", "a=3", "--random", "5"}, 1, {"refuted"}, {}});
    // guessed sizes are said on stderr
    rows.push_back({"diff: guessed length", {"diff", "softmax(z)", "--wrt", "z"}, 0, {"note: z has no --size; assumed length 3"}, {}});
    rows.push_back({"diff: guessed scalar", {"diff", "sum(exp(z))", "--wrt", "z"}, 0, {"note: z has no --size; assumed a scalar"}, {}});
    rows.push_back({"diff: no note with --size", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=4"}, 0, {}, {"note:"}});
    rows.push_back({"check: guessed length", {"check", "softmax(z)", "--claim", "s = softmax(z); diag(s) - outer(s, s)", "--wrt", "z", "--random", "3"}, 0,
                    {"note: z has no --size; assumed length 3", "agrees"}, {}});
    // derivatives: exact values of sin at 0.7 (cos 0.7 = 0.7648421872844885, sin 0.7 = 0.644217687237691)
    rows.push_back({"derivatives of sin", {"derivatives", "sin(x)", "--wrt", "x", "--order", "4", "--at", "x=0.7"}, 0,
                    {"  f     0.644217687237691\n", "  f'    0.7648421872844885\n", "  f''   -0.644217687237691\n", "  f'''  -0.7648421872844885\n",
                     "  f(4)  0.644217687237691\n"},
                    {"f(5)"}});
    rows.push_back({"derivatives: Taylor coefficients of exp at 0", {"derivatives", "exp(x)", "--order", "3", "--at", "x=0"}, 0,
                    {"taylor coefficients f(k)/k!: [1, 1, 0.5, 0.16666666666666666]"}, {}});
    rows.push_back({"derivatives with a constant", {"derivatives", "a*x^3", "--wrt", "x", "--order", "3", "--at", "x=2", "--at", "a=5"}, 0,
                    {"  f     40\n", "  f'    60\n", "  f''   60\n", "  f'''  30\n"}, {}});
    rows.push_back({"derivatives at 50 digits", {"derivatives", "exp(x)", "--order", "1", "--at", "x=1", "--precision", "50"}, 0,
                    {"2.7182818284590452353602874713526624977572470937"}, {}});
    rows.push_back({"derivatives: order 7 refused", {"derivatives", "sin(x)", "--order", "7", "--at", "x=1"}, 2, {"--order 7 is out of range (at most 6)"}, {}});
    rows.push_back({"derivatives: order 0 refused", {"derivatives", "sin(x)", "--order", "0", "--at", "x=1"}, 2, {"--order 0"}, {}});
    rows.push_back({"derivatives: an array variable refused", {"derivatives", "sum(z)", "--order", "1", "--at", "z=[1,2]"}, 2, {"must be a scalar"}, {}});
    rows.push_back({"derivatives: an array expression refused", {"derivatives", "[x, x]", "--order", "1", "--at", "x=1"}, 2, {"scalar expression"}, {}});
    rows.push_back({"derivatives: two variables need --wrt", {"derivatives", "x*y", "--order", "1", "--at", "x=1", "--at", "y=2"}, 2, {"--wrt"}, {}});
    rows.push_back({"derivatives: a missing value", {"derivatives", "x*y", "--wrt", "x", "--order", "1", "--at", "x=1"}, 2, {"no value for variable 'y'"}, {}});
    rows.push_back({"derivatives: non-finite is exit 3", {"derivatives", "sqrt(x)", "--order", "2", "--at", "x=0"}, 3, {}, {}});
    run_rows(rows);
    // derivatives in JSON
    const result res = run_adiff({"derivatives", "x^3", "--order", "3", "--at", "x=2", "--format", "json"}, "", 120, false);
    REQUIRE(res.code == 0);
    const nlohmann::json j = nlohmann::json::parse(res.output);
    CHECK(j["schema_version"] == 1);
    CHECK(j["command"] == "derivatives");
    CHECK(j["wrt"] == "x");
    CHECK(j["order"] == 3);
    CHECK(j["derivatives"] == nlohmann::json::parse("[8, 12, 12, 6]"));
    CHECK(j["taylor"] == nlohmann::json::parse("[8, 12, 6, 1]"));
}

TEST_CASE("issue 14: diff --cpp is C++ (no compound literals) and --name names the function", "[trust][printers]") {
    std::vector<row> rows;
    rows.push_back({"--cpp", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=3", "--cpp", "--name", "softmax_jac"}, 0,
                    {"#include <initializer_list>", "inline void softmax_jac(const double z[3], double out[9]) {",
                     "adiff_max_n(3, std::initializer_list<double>{z[0], z[1], z[2]}.begin())"},
                    {"(const double[])", "adiff_derivative("}});
    rows.push_back({"--c keeps C99 compound literals", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=3", "--c", "--name", "jac"}, 0,
                    {"void jac(const double z[3], double out[9]) {", "(const double[]){z[0], z[1], z[2]}"}, {"initializer_list", "inline void"}});
    rows.push_back({"--c default name", {"diff", "x*x", "--c"}, 0, {"void adiff_derivative(double x, double out[1])", "out[0] = 2.0 * x;"}, {}});
    rows.push_back({"--name must be an identifier", {"diff", "x", "--c", "--name", "9a"}, 2, {"expected a C identifier"}, {}});
    rows.push_back({"--name needs --c, --cpp or --python", {"diff", "x", "--name", "f"}, 2, {"--c, --cpp or --python"}, {}});
    rows.push_back({"--cpp excludes --c", {"diff", "x", "--c", "--cpp"}, 2, {"excludes"}, {}});
    rows.push_back({"--python excludes --cpp", {"diff", "x", "--python", "--cpp"}, 2, {"excludes"}, {}});
    rows.push_back({"--python with --name", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=3", "--python", "--name", "softmax_jac"}, 0,
                    {"import numpy as np\n", "def softmax_jac(z):\n", "    z = np.asarray(z, dtype=float).reshape(-1)  # shape (3,), read row-major\n",
                     "np.max([z[0], z[1], z[2]], axis=0)", "scipy.special.logsumexp(", "    return np.array([["},
                    {"(const double[])", "adiff_derivative(", ";\n"}});
    rows.push_back({"--c --with-value: value[] before out[], temporaries shared", {"diff", "exp(x)*y", "--c", "--with-value"}, 0,
                    {"value[i] = f_i, out[i*2 + j]", "void adiff_derivative(double x, double y, double value[1], double out[2]) {",
                     "const double t0 = exp(x);", "const double t1 = y * t0;", "value[0] = t1;", "out[0] = t1;", "out[1] = t0;"}, {}});
    rows.push_back({"--python --with-value returns (value, derivative)", {"diff", "softmax(z)", "--wrt", "z", "--size", "z=2", "--python", "--with-value"}, 0,
                    {"    return np.array([", "]), np.array([["}, {}});
    rows.push_back({"--with-value needs a code printer", {"diff", "x*x", "--with-value"}, 2, {"--with-value", "--c, --cpp or --python"}, {}});
    rows.push_back({"--with-value with --latex", {"diff", "x*x", "--latex", "--with-value"}, 2, {"--c, --cpp or --python"}, {}});
    rows.push_back({"--python: C's round, not NumPy's", {"diff", "round(x)*x", "--python"}, 0, {"adiff_round(x)", "def adiff_round(x):"}, {"np.round"}});
    run_rows(rows);
}
