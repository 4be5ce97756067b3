// The bad-input contract, library side: each row is a hostile call, the exception type it must
// throw and a fragment its message must contain ("where and why"). Nothing may crash, hang,
// overflow the stack or return a silently wrong number.
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ad/core/checked.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/hessian.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/errors.hpp"
#include "ops/ops.hpp"
#ifdef ADIFF_HAVE_SYM
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#endif

namespace {

enum class kind { size, shape, domain, tape, parse, name, any };

const char* kind_name(kind k) {
    switch (k) {
        case kind::size: return "size_error";
        case kind::shape: return "shape_error";
        case kind::domain: return "domain_error";
        case kind::tape: return "tape_error";
        case kind::parse: return "parse_error";
        case kind::name: return "name_error";
        default: return "ad::error";
    }
}

struct row {
    const char* what;
    kind expected;
    const char* fragment;
    std::function<void()> call;
};

using V = std::vector<double>;
const auto identity = [](const auto& x) { return std::vector<std::decay_t<decltype(x[0])>>(x.begin(), x.end()); };

std::vector<row> library_rows() {
    std::vector<row> rows = {
        {"gradient of a vector-valued f", kind::size, "one scalar output", [] { (void)ad::gradient(identity, V{1, 2}); }},
        {"hessian of a vector-valued f", kind::size, "one scalar output", [] { (void)ad::hessian(identity, V{1, 2}); }},
        {"vjp with a cotangent of the wrong size", kind::size, "vjp",
         [] { (void)ad::vjp(identity, V{1, 2}, V{1, 2, 3}); }},
        {"jvp with a tangent of the wrong size", kind::size, "jvp", [] { (void)ad::jvp(identity, V{1, 2}, V{1}); }},
        {"max of an empty vector (Var)", kind::size, "max of an empty range",
         [] { (void)ad::gradient([](const auto& x) { std::vector<std::decay_t<decltype(x[0])>> e; return x[0] + ad::max(e); }, V{1}); }},
        {"max of an empty vector (double)", kind::size, "empty", [] { (void)ad::max(std::vector<double>{}); }},
        {"Array with data of the wrong size", kind::size, "expected size 6, got 5",
         [] { (void)ad::Array<double>(ad::Shape{2, 3}, V(5, 0.0)); }},
        {"Array index out of range", kind::shape, "out of range", [] { ad::Array<double> a(ad::Shape{2, 2}); (void)a(2, 0); }},
        {"broadcast (3,) + (2, 2)", kind::shape, "(3,) and (2, 2)",
         [] { (void)(ad::Array<double>(ad::Shape{3}) + ad::Array<double>(ad::Shape{2, 2})); }},
        {"matmul (2, 3) @ (2, 3)", kind::shape, "(2, 3) and (2, 3)",
         [] { (void)ad::matmul(ad::Array<double>(ad::Shape{2, 3}), ad::Array<double>(ad::Shape{2, 3})); }},
        {"dot of different lengths", kind::shape, "dot", [] { (void)ad::dot(ad::Array<double>(ad::Shape{3}), ad::Array<double>(ad::Shape{2})); }},
        {"sum over axis 5 of a matrix", kind::shape, "axis 5 out of range", [] { (void)ad::sum(ad::Array<double>(ad::Shape{2, 2}), 5); }},
        {"softmax of a scalar", kind::shape, "softmax", [] { (void)ad::softmax(ad::Array<double>(ad::Shape{}, V{1.0})); }},
        {"checked log(-1), reverse", kind::domain, "'log'",
         [] { ad::checked_scope c; (void)ad::gradient([](const auto& x) { return log(x[0]); }, V{-1}); }},
        {"checked sqrt(-1), forward", kind::domain, "'sqrt'",
         [] { ad::checked_scope c; (void)ad::jvp([](const auto& x) { return sqrt(x[0]); }, V{-1}, V{1}); }},
        {"checked 1/0, reverse", kind::domain, "'div'",
         [] { ad::checked_scope c; (void)ad::gradient([](const auto& x) { return 1.0 / x[0]; }, V{0}); }},
        {"checked sqrt at 0 (infinite derivative)", kind::domain, "derivative",
         [] { ad::checked_scope c; (void)ad::gradient([](const auto& x) { return sqrt(x[0]); }, V{0}); }},
        {"checked exp overflow in a Hessian", kind::domain, "'exp'",
         [] { ad::checked_scope c; (void)ad::hessian([](const auto& x) { return exp(x[0] * x[0]); }, V{40}); }},
        {"checked asin outside [-1, 1]", kind::domain, "'asin'",
         [] { ad::checked_scope c; (void)ad::gradient([](const auto& x) { return asin(x[0]); }, V{2}); }},
        {"checked n-ary sum overflow, reverse (fuzz regression)", kind::domain, "'sum'",
         [] { ad::checked_scope c; (void)ad::gradient([](const auto& x) { return ad::sum(x); }, V{1e308, 1e308}); }},
        {"checked n-ary sum overflow, forward (fuzz regression)", kind::domain, "'sum'",
         [] { ad::checked_scope c; (void)ad::jvp([](const auto& x) { return ad::sum(x); }, V{1e308, 1e308}, V{1, 1}); }},
        {"an active Var used with no tape recording", kind::tape, "no active tape",
         [] {
             ad::Var<double> x;
             {
                 ad::Tape<double> t;
                 ad::recording<double> r(t);
                 x = ad::Var<double>::input(1.0);
             }
             const ad::Var<double> y = exp(x);  // recorded (and refused) when stored
             (void)y;
         }},
    };
#ifdef ADIFF_HAVE_SYM
    auto eval = [](std::string src) {
        return [src] {
            ad::lang::Env<double> env;
            env.emplace("x", ad::Array<double>(ad::Shape{}, V{0.5}));
            env.emplace("z", ad::Array<double>(ad::Shape{3}, V{1, 2, 3}));
            env.emplace("A", ad::Array<double>(ad::Shape{2, 2}, V{1, 2, 3, 4}));
            (void)ad::lang::evaluate(ad::lang::parse(src), env);
        };
    };
    auto checked_eval = [eval](std::string src) {
        return [f = eval(src)] { ad::checked_scope c; f(); };
    };
    const std::vector<row> expr_rows = {
        {"parse: unbalanced '('", kind::parse, "expected ')'", eval("(x + 1")},
        {"parse: unbalanced ')'", kind::parse, "line 1, column", eval("x + 1)")},
        {"parse: empty input", kind::parse, "expected", eval("")},
        {"parse: dangling operator", kind::parse, "expected", eval("x *")},
        {"parse: 10^5 nested parentheses", kind::parse, "deep", eval(std::string(100000, '(') + "x" + std::string(100000, ')'))},
        {"parse: 10^5 unary minus", kind::parse, "deep", eval(std::string(100000, '-') + "x")},
        {"parse: 10^5-long x^x^...^x", kind::parse, "deep", [eval] {
             std::string s;
             for (int i = 0; i < 100000; ++i) s += "x^";
             eval(s + "x")();
         }},
        {"unknown function", kind::name, "did you mean", eval("sine(x)")},
        {"unknown variable", kind::name, "unknown variable 'y'", eval("y + 1")},
        {"wrong arity", kind::size, "wrong number of arguments to 'sin'", eval("sin(x, x)")},
        {"shape mismatch in an expression", kind::shape, "(3,) and (2, 2)", eval("z + A")},
        {"ragged array literal", kind::shape, "different shapes", eval("[[1, 2], [3]]")},
        {"index out of range", kind::shape, "out of range", eval("z[7]")},
        {"huge exponent literal", kind::any, "out of range", eval("1e999 * x")},
        {"checked log(-x) names log", kind::domain, "'log'", checked_eval("log(-x)")},
        {"checked 0/0 names div", kind::domain, "'div'", checked_eval("(x - x) / (x - x)")},
    };
    rows.insert(rows.end(), expr_rows.begin(), expr_rows.end());
#endif
    return rows;
}

/// Runs one row: it must throw the expected type with the fragment in its message.
void check_row(const row& r) {
    INFO("input: " << r.what << " — expected " << kind_name(r.expected) << " containing \"" << r.fragment << "\"");
    std::string message;
    bool right_type = false, threw = false;
    try {
        r.call();
    } catch (const ad::size_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::size || r.expected == kind::any;
    } catch (const ad::shape_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::shape || r.expected == kind::any;
    } catch (const ad::domain_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::domain || r.expected == kind::any;
        CHECK_FALSE(e.op.empty());
    } catch (const ad::tape_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::tape || r.expected == kind::any;
    } catch (const ad::parse_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::parse || r.expected == kind::any;
        CHECK(e.line >= 1);
        CHECK(e.column >= 1);
    } catch (const ad::name_error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::name || r.expected == kind::any;
    } catch (const ad::error& e) {
        threw = true, message = e.what(), right_type = r.expected == kind::any;
    } catch (const std::exception& e) {
        threw = true, message = std::string("untyped exception: ") + e.what();
    }
    INFO("message: " << message);
    CHECK(threw);
    CHECK(right_type);
    CHECK_THAT(message, Catch::Contains(r.fragment, Catch::CaseSensitive::No));
}

}  // namespace

TEST_CASE("bad input to the library: typed errors that say where and why", "[bad_input][library]") {
    const auto rows = library_rows();
    CHECK(rows.size() >= 20);
    for (const auto& r : rows) {
        DYNAMIC_SECTION(r.what) { check_row(r); }
    }
}
