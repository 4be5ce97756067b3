// Fuzz regressions: every input in tests/fuzz_corpus/parse (the seeds and each crash the
// fuzzer found, named after what it found) goes through the fuzz target's body again, so a
// fixed bug stays fixed in the ordinary test run. (tests/fuzz_corpus/ops is replayed by the
// libFuzzer ops target at the start of every CI fuzz run.) The named cases state the fixed
// behaviour directly.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "ad/reverse/replay.hpp"
#include "fuzz/fuzz_ops.hpp"
#include "fuzz/fuzz_parse.hpp"

namespace {
ad::Array<double> eval_at(const std::string& src, ad::lang::Env<double> env = {}) {
    return ad::lang::evaluate(ad::lang::parse(src), env);
}
/// The saved ops-fuzzer input tests/fuzz_corpus/ops/`name` (of `bytes` bytes) through the fuzz
/// target's body, which aborts on a broken contract.
void replay_saved_ops(const std::string& name, std::size_t bytes) {
    std::ifstream in(ADIFF_FUZZ_CORPUS "/ops/" + name, std::ios::binary);
    const std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), {});
    REQUIRE(d.size() == bytes);
    CHECK(adiff::fuzz::ops_one(d.data(), d.size()) == 0);
}
}  // namespace

TEST_CASE("every fuzz corpus input passes the parser fuzz contract", "[reliability][fuzz]") {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(ADIFF_FUZZ_CORPUS "/parse")) {
        std::ifstream f(e.path(), std::ios::binary);
        const std::vector<unsigned char> d((std::istreambuf_iterator<char>(f)), {});
        INFO(e.path().filename().string());
        CHECK(adiff::fuzz::parse_one(d.data(), d.size()) == 0);  // aborts on a broken contract
        ++n;
    }
    CHECK(n >= 30);
}

TEST_CASE("the parser fuzzer's dictionary names every function of the language", "[reliability][fuzz]") {
    // generated from the registry: every language function once, as "name(", and nothing else
    const std::string d = adiff::fuzz::function_dictionary();
    std::size_t lines = 0;
    for (char c : d) lines += c == '\n';
    CHECK(lines == ad::lang::function_names().size() + 1);  // the comment line
    for (const auto& name : ad::lang::function_names()) {
        INFO(name);
        CHECK(d.find("\n\"" + name + "(\"\n") != std::string::npos);
    }
    CHECK(d.find("\"logsumexp(\"") != std::string::npos);
    CHECK(d.find("\"polygamma(\"") != std::string::npos);
    // the hand-kept file holds only syntax tokens (a function there would be a second list)
    std::ifstream f(ADIFF_FUZZ_CORPUS "/../../fuzz/parse.dict");
    REQUIRE(f.good());
    const std::string syntax((std::istreambuf_iterator<char>(f)), {});
    CHECK(syntax.find("(\"") == std::string::npos);
    CHECK(syntax.find("\"@\"") != std::string::npos);
}

TEST_CASE("the ops fuzzer's opcodes are fixed bytes: a saved input keeps its program as the registry grows",
          "[reliability][fuzz]") {
    namespace F = adiff::fuzz;
    // anchors: the first further unary and binary functions have fixed bytes (the registry's lists
    // are append-only; an insertion in the middle would silently re-encode every saved input)
    CHECK(F::unary_names[F::unary_of_code(F::opcode(32))] == "log1p");
    CHECK(F::binary_names[3 + F::opcode(160) - F::first_binary_code] == "hypot");
    CHECK(F::unary_names[F::unary_of_code(F::opcode(4))] == "exp");
    CHECK(F::unary_names[F::unary_of_code(F::opcode(31))] == "stop_gradient");
    // every registered function has its own byte; a free slot acts as byte % 32 (never out of range)
    for (int b = 0; b < 256; ++b) {
        const int c = F::opcode(static_cast<std::uint8_t>(b));
        CAPTURE(b, c);
        if (b < 32) CHECK(c == b);
        else if (b < F::first_binary_code && b - 32 + 15 < static_cast<int>(F::n_unary)) CHECK(c == b);
        else if (b >= F::first_binary_code && b - F::first_binary_code + 3 < static_cast<int>(F::n_binary)) CHECK(c == b);
        else CHECK(c == b % 32);
    }
    // the last unary and binary functions are reachable
    CHECK(F::unary_of_code(F::opcode(static_cast<std::uint8_t>(32 + F::n_unary - 16))) == F::n_unary - 1);
    CHECK(3 + F::opcode(static_cast<std::uint8_t>(F::first_binary_code + F::n_binary - 4)) - F::first_binary_code == F::n_binary - 1);
}

TEST_CASE("fuzz regression literal_overflow_1e3082: an overflowing literal is an error, not inf",
          "[reliability][fuzz]") {
    CHECK_THROWS_WITH(eval_at("1e3082"), Catch::Contains("out of range"));
    CHECK(eval_at("1e308")[0] == 1e308);
    CHECK(eval_at("1e-400")[0] == 0.0);  // underflow to zero is IEEE and allowed
}

TEST_CASE("fuzz regression mp_literal_exponent_overflow: 20-digit exponents at every precision",
          "[reliability][fuzz][multiprecision]") {
    // Boost.Multiprecision's reader accumulated the exponent of 1e-3080000000001561702524 in a
    // long and overflowed (undefined behaviour); exponents beyond 10⁶ are now read by adiff:
    // an underflow to 0 or an overflow error, the same at every precision.
    const std::string tiny = "1e-3080000000001561702524", huge = "2.5e+0003080000000001561702524";
    CHECK(ad::number_from_text<double>(tiny) == 0.0);
    CHECK(ad::number_from_text<ad::mp50>(tiny) == 0);
    CHECK(ad::number_from_text<ad::mp100>(tiny) == 0);
    CHECK(ad::number_from_text<long double>(tiny) == 0.0L);
    CHECK_THROWS_WITH(ad::number_from_text<ad::mp50>(huge), Catch::Contains("out of range"));
    CHECK_THROWS_WITH(ad::number_from_text<double>(huge), Catch::Contains("out of range"));
    CHECK(ad::number_from_text<ad::mp50>("0.000e99999999999") == 0);
    CHECK(ad::number_from_text<ad::mp50>("1e-999999") != 0);  // six digits: still read at 50 digits
    CHECK(ad::number_from_text<ad::mp50>("1.5e2") == 150);
}

TEST_CASE("fuzz regression max_of_nan_modes_differ: a NaN value is NaN in every mode and checked mode names it",
          "[reliability][fuzz]") {
    // max(h^0.64 + 1) at h = −0.47: the value is NaN (negative base, real power).
    const std::vector<double> x{-0.47};
    auto f = [](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        ad::lang::Env<X> env;
        env.emplace("h", ad::Array<X>(ad::Shape{1}, std::vector<X>{v[0]}));
        return ad::lang::evaluate(ad::lang::parse("max(h^0.64 + 1)"), env);
    };
    CHECK(std::isnan(f(x)[0]));
    CHECK(std::isnan(ad::jvp(f, x, {1.0}).first[0]));
    CHECK(std::isnan(ad::vjp(f, x, {1.0}).first[0]));
    ad::checked_scope checking;
    CHECK_THROWS_AS(f(x), ad::domain_error);
}

TEST_CASE("fuzz regression symbolic_softmax_extreme_logits: the symbolic softmax Jacobian is right at any logits",
          "[reliability][fuzz][symbolic]") {
    // Found by the parser fuzzer: symbolic softmax was exp(z)/Σexp(z), which at logits near
    // −740 (subnormal exponentials) gave finite, wrong derivatives without an error; then
    // exp(z − logsumexp z), which at logits −1e35 rounds z − logsumexp z to 0 and returns
    // (1, 1, 1). It is now exp(d − logsumexp d), d = z − stop_gradient(max z): right everywhere.
    const ad::sym::graph_scope scope;
    std::vector<ad::sym::Expr> z;
    for (std::uint32_t i = 0; i < 3; ++i) z.push_back(ad::sym::symbol("z", "[" + std::to_string(i) + "]", i));
    ad::lang::Env<ad::sym::Expr> env{{"z", ad::Array<ad::sym::Expr>(ad::Shape{3}, z)}};
    const auto s = ad::lang::evaluate(ad::lang::parse("softmax(z)"), env);
    const auto J = ad::sym::jacobian(s.values(), z);
    for (const std::vector<double>& zv : {std::vector<double>{-740.0, -745.0, -742.0}, {1e4, 1e4 - 1, -1e4},
                                          {800.0, 799.0, 0.0}, {0.0, -37.0, -40.0}, {1.0, 1.0, 1.0},
                                          {-1e35, -1e35, -1e35}, {1e35, 1e35 - 1e20, 1e35 - 2e20}}) {
        INFO("z = (" << zv[0] << ", " << zv[1] << ", " << zv[2] << ")");
        const double m = std::max({zv[0], zv[1], zv[2]});
        const double rel = 1e-13;  // relative, at any magnitude of the logits
        double tot = 0;
        std::vector<double> sv(3);
        for (int i = 0; i < 3; ++i) tot += sv[i] = std::exp(zv[i] - m);
        for (double& v : sv) v /= tot;
        std::unordered_map<std::uint32_t, double> at;
        for (int i = 0; i < 3; ++i) at[z[i].id()] = zv[i];
        ad::checked_scope checking;  // and nothing is non-finite on the way
        const auto sval = ad::sym::evaluate<double>(s.values(), at);
        const auto jval = ad::sym::evaluate<double>(J.values(), at);
        for (int i = 0; i < 3; ++i) {
            CHECK(std::abs(sval[i] - sv[i]) <= 1e-300 + rel * sv[i]);
            for (int j = 0; j < 3; ++j) {
                // diag(s) − s sᵀ with 1 − sᵢ formed as Σ_{k≠i} s_k (no cancellation in the reference)
                const double e = i == j ? sv[i] * (sv[(i + 1) % 3] + sv[(i + 2) % 3]) : -sv[i] * sv[j];
                INFO("J(" << i << ", " << j << ") = " << jval[i * 3 + j] << ", expected " << e);
                // normwise: the symbolic sᵢ − sᵢ·sᵢ cancels to 1e−16 absolutely when sᵢ ≈ 1 (the
                // fused forward and reverse rules are relatively exact there: test_numerics)
                CHECK(std::abs(jval[i * 3 + j] - e) <= 4e-16 + 10 * rel * std::abs(e));
            }
        }
    }
}

TEST_CASE("fuzz regression pow_int_modes_differ: x^n is the same repeated-squaring rule in every mode",
          "[reliability][fuzz]") {
    // Found by the parser fuzzer: cos(5·x·π·x^22·x^22·π) — plain-double evaluation used std::pow
    // for x^22 while Dual/Var used the integer rule; the last-bit difference was amplified by
    // cos of a huge argument. Every mode (and the symbolic evaluator) now calls rules::pow_int.
    const std::string src = "cos(5 * x * pi * a^22 * x^22 * pi)";
    const std::vector<double> x{1.37, -0.83};
    auto f = [&](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        ad::lang::Env<X> env{{"x", ad::Array<X>(ad::Shape{}, std::vector<X>{v[0]})},
                             {"a", ad::Array<X>(ad::Shape{}, std::vector<X>{v[1]})}};
        return ad::lang::evaluate(ad::lang::parse(src), env);
    };
    const double plain = f(x)[0];
    CHECK(ad::jvp(f, x, {1.0, 0.0}).first[0] == plain);  // bit-identical values
    CHECK(ad::vjp(f, x, {1.0}).first[0] == plain);
    const ad::sym::graph_scope scope;
    std::vector<ad::sym::Expr> sx{ad::sym::symbol("x"), ad::sym::symbol("a")};
    const std::vector<ad::sym::Expr> a22{pow(sx[1], 22)};  // the symbolic evaluator: the same rule
    CHECK(ad::sym::evaluate<double>(a22, {{sx[1].id(), x[1]}})[0] == ad::rules::pow_int{22}.value(x[1]));
    CHECK(ad::pow(ad::Dual<double, 1>(1.37), 22).v == ad::rules::pow_int{22}.value(1.37));
}

namespace {
/// u = F(x) feeding several paths (a tie of min, sin, cos, a product, a square, exp), so the
/// adjoint of u is a sum whose rounding depends on how the tape is shaped.
template <class F>
auto paths(F inner) {
    return [inner](const auto& x) {
        using X = std::decay_t<decltype(x[0])>;
        const X u = inner(x[0]), m = min(u, X(abs(u)));
        return X(x[0] * 0.3 + m + cos(m) + sin(m) + u * 0.1 + u * u + exp(u) * 0.7);
    };
}
}  // namespace

TEST_CASE("fuzz regression hessian_gradient_unit_partial_by_chance: the Hessian driver's gradient is the "
          "gradient bit for bit",
          "[reliability][fuzz]") {
    // Found by the ops fuzzer: exp at 0 has partial exactly 1, so Var<double> stored exp(x) as x
    // itself while Var<Dual> (whose partial carries the tangent exp(x)·ẋ ≠ 0) recorded it; the
    // two tapes summed x's adjoint in different orders and the gradients differed in the last
    // bit. Only linear rules' unit partials (x + c, −(−x)) now store as the operand, so the
    // tape's shape never depends on the values. The saved input, then the class: partials that
    // are 1 only at the point (exp, expm1, sin, tanh at 0, log at 1, sqrt at 1/4, x^1 at 0).
    replay_saved_ops("hessian_gradient_unit_partial_by_chance", 42);
    auto check = [](const char* what, auto f, double x0) {
        INFO(what << " at " << x0);
        const std::vector<double> x{x0};
        const auto [v, g] = ad::value_and_gradient(f, x);
        const auto h = ad::hessian_full(f, x);
        CHECK(h.value == v);
        CHECK(h.gradient[0] == g[0]);
        // and both are right: forward mode at 50 digits
        const std::vector<ad::mp50> xm{ad::mp50(x0)};
        const double want = static_cast<double>(ad::jacobian_forward(f, xm)(0, 0));
        CHECK(std::abs(g[0] - want) <= 4e-16 * std::abs(want));
    };
    check("exp", paths([](const auto& v) { return exp(v); }), 0.0);
    check("expm1", paths([](const auto& v) { return expm1(v); }), 0.0);
    check("sin", paths([](const auto& v) { return sin(v); }), 0.0);
    check("tanh", paths([](const auto& v) { return tanh(v); }), 0.0);
    check("log", paths([](const auto& v) { return log(v); }), 1.0);
    check("sqrt", paths([](const auto& v) { return sqrt(v); }), 0.25);
    check("x^1", paths([](const auto& v) { return pow(v, 1); }), 0.0);
    check("x*1", paths([](const auto& v) { return v * 1.0; }), 0.3);
}

namespace {
/// Equal as the numbers a user reads: the same bits up to NaN payloads (−0 ≠ +0, ∞ = ∞).
bool same_number(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}
}  // namespace

TEST_CASE("fuzz regression signed_zero_tie_in_nested_modes: at a tie of -0 and +0 every mode keeps the plain "
          "value's sign",
          "[reliability][fuzz]") {
    // Found by the ops fuzzer: at a tie of AD values, max/min return the mean a + (b − a)/2 so
    // that the derivatives split ½/½ at every order. For a = −0, b = +0 that is +0 while the
    // plain max is a = −0, so 1/max(…) was −∞ in double and +∞ in the Hessian driver (whose
    // values are Dual numbers). No arithmetic keeps −0 there (x − x = +0), so the mean's innermost
    // value is now set to a's bit for bit. The saved input, then the class: binary and n-ary
    // max/min and fmax/fmin, every order of signed zeros, in every nested mode, at 53 bits and 50
    // digits.
    replay_saved_ops("signed_zero_tie_in_nested_modes", 34);
    auto check = [](const char* what, auto op) {
        // 1/op(…) is ±∞ by the sign of the zero; the product keeps a finite part in the gradient
        auto f = [op](const auto& x) {
            using X = std::decay_t<decltype(x[0])>;
            return X(X(X(1) / op(x[0], x[1])) + X(x[0] * x[1]));
        };
        for (const auto& x : {std::vector<double>{-0.0, 0.0}, {0.0, -0.0}, {-0.0, -0.0}, {0.0, 0.0}}) {
            INFO(what << " at (" << x[0] << ", " << x[1] << ")");
            const double plain = f(x);
            REQUIRE(std::isinf(plain));
            const auto [v, g] = ad::value_and_gradient(f, x);
            CHECK(same_number(v, plain));
            const auto h = ad::hessian_full(f, x);
            CHECK(same_number(h.value, plain));
            for (std::size_t i = 0; i < 2; ++i) CHECK(same_number(h.gradient[i], g[i]));
            using DD = ad::Dual<ad::Dual<double>>;  // forward over forward
            const std::vector<DD> xd{DD(ad::Dual<double>(x[0], 1.0), ad::Dual<double>(1.0)), DD(x[1])};
            CHECK(same_number(ad::val(f(xd)), plain));
            const std::vector<ad::Dual<double>> xr(x.begin(), x.end());
            ad::Replay<ad::Dual<double>> r(f, xr);
            CHECK(same_number(ad::val(r.values(xr)[0]), plain));
            const std::vector<ad::mp50> xm(x.begin(), x.end());
            CHECK(same_number(static_cast<double>(ad::hessian_full(f, xm).value), static_cast<double>(f(xm))));
        }
    };
    check("max", [](const auto& a, const auto& b) { return ad::max(a, b); });
    check("min", [](const auto& a, const auto& b) { return ad::min(a, b); });
    check("fmax", [](const auto& a, const auto& b) { return ad::fmax(a, b); });
    check("fmin", [](const auto& a, const auto& b) { return ad::fmin(a, b); });
    check("n-ary max", [](const auto& a, const auto& b) { return ad::max(std::vector{a, b, a}); });
    check("n-ary max, a tie of three", [](const auto& a, const auto& b) { return ad::max(std::vector{b, a, b}); });
}
