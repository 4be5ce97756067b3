// The reverse tape: layout and costs, accumulation on reuse, repeated sweeps on one
// recording, fused external calls, flat memory across repeated gradients, nesting.
#include <cmath>
#include <cstdint>

#include "ad/adiff.hpp"
#include "support/close.hpp"

using ad::Tape;
using ad::Var;

TEST_CASE("tape layout: 4 bytes per statement, 12 per operand for double", "[reverse][tape]") {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    Var<double> x = Var<double>::input(2.0), y = Var<double>::input(3.0);
    // one statement for the expression (pending.hpp): operands x, y, x with partials y, x, cos x
    Var<double> z = x * y + ad::sin(x);
    CHECK(tape.size() == 3);
    CHECK(tape.operands() == 3);
    CHECK(tape.bytes() == 3 * 4 + 3 * 12);
    // constants record nothing and contribute no operand
    Var<double> w = z * 2.0 + 1.0;
    CHECK(tape.size() == 4);
    CHECK(tape.operands() == 4);
    Var<double> c = Var<double>(1.0) * 3.0;
    CHECK_FALSE(c.active());
    CHECK(tape.size() == 4);
    tape.gradient_of(w.i);
    CHECK(tape.adjoints()[x.i] == Approx(2 * (3.0 + std::cos(2.0))));
    CHECK(tape.adjoints()[y.i] == Approx(2 * 2.0));
}

TEST_CASE("a variable reused 30 levels deep: linear time, derivative 2^30", "[reverse][tape]") {
    auto f = [](const auto& x) {
        auto y = x[0];
        for (int k = 0; k < 30; ++k) y = y + y;
        return y;
    };
    Tape<double> tape;
    ad::recording<double> rec(tape);
    Var<double> x = Var<double>::input(1.0);
    auto y = f(std::vector<Var<double>>{x});
    CHECK(tape.size() == 31);  // linear, not 2^30
    tape.gradient_of(y.i);
    CHECK(tape.adjoints()[x.i] == std::ldexp(1.0, 30));
    CHECK(ad::gradient(f, std::vector<double>{1.0})[0] == std::ldexp(1.0, 30));
    CHECK(f(std::vector<ad::Dual<double>>{ad::Dual<double>(1.0, 1.0)}).t[0] == std::ldexp(1.0, 30));
}

TEST_CASE("one recording, one reverse sweep per output", "[reverse][tape]") {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    Var<double> a = Var<double>::input(0.5), b = Var<double>::input(-1.5);
    Var<double> u = ad::exp(a) * b, v = a / b;
    tape.gradient_of(u.i);
    CHECK(tape.adjoints()[a.i] == Approx(std::exp(0.5) * -1.5));
    CHECK(tape.adjoints()[b.i] == Approx(std::exp(0.5)));
    tape.gradient_of(v.i);
    CHECK(tape.adjoints()[a.i] == Approx(1 / -1.5));
    CHECK(tape.adjoints()[b.i] == Approx(-0.5 / (1.5 * 1.5)));
    tape.gradient_of(u.i);  // repeating gives the same answer (adjoints are reset)
    CHECK(tape.adjoints()[a.i] == Approx(std::exp(0.5) * -1.5));
}

namespace {
// A fused primitive: y_k = c * x_k for all k, with its own VJP (adds c * ȳ_k into x̄_k).
void scale_vjp(const Tape<double>& t, const ad::external_call<double>& call, double* adj) {
    const double c = t.values_of(call)[0];
    const auto in = t.indices_of(call);
    for (std::size_t k = 0; k < in.size(); ++k) adj[in[k]] += c * adj[call.first + k];
}
}  // namespace

TEST_CASE("external calls (fused primitives) run their VJP at the right place", "[reverse][tape]") {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    Var<double> x0 = Var<double>::input(1.0), x1 = Var<double>::input(2.0);
    Var<double> pre = x0 * x1;                                  // before the call
    const double c = 3.0;
    const ad::tape_index in[] = {pre.i, x1.i};
    const double vals[] = {c};
    const ad::tape_index first = tape.record_external(2, vals, in, scale_vjp);
    Var<double> y0(c * pre.v, first), y1(c * x1.v, first + 1);
    Var<double> out = ad::sin(y0) + y1 * y1;                    // after the call
    tape.gradient_of(out.i);
    // out = sin(3 x0 x1) + 9 x1^2
    CHECK(tape.adjoints()[x0.i] == Approx(std::cos(6.0) * 3 * 2.0));
    CHECK(tape.adjoints()[x1.i] == Approx(std::cos(6.0) * 3 * 1.0 + 18 * 2.0));
    // sweeping from an output recorded before the call ignores the call
    tape.gradient_of(pre.i);
    CHECK(tape.adjoints()[x0.i] == Approx(2.0));
}

TEST_CASE("an external call written in place: the same call as a copied one, nothing recorded when its fill throws",
          "[reverse][tape]") {
    Tape<double> tape;
    ad::recording<double> rec(tape);
    const std::vector<Var<double>> x = Var<double>::inputs(std::vector<double>{1.0, 2.0, 4.0});
    CHECK((x[0].i + 1 == x[1].i && x[1].i + 1 == x[2].i));  // consecutive statements
    CHECK(x[2].v == 4.0);
    const std::size_t size0 = tape.size(), bytes0 = tape.bytes();
    CHECK_THROWS_AS(tape.record_external_in_place(2, 1, 2, scale_vjp, "scale",
                                                  [](double* v, ad::tape_index*) { v[0] = 1; throw ad::domain_error("scale", "test"); }),
                    ad::domain_error);
    CHECK(tape.size() == size0);
    CHECK(tape.bytes() == bytes0);
    CHECK(tape.calls().empty());
    const ad::tape_index first = tape.record_external_in_place(2, 1, 2, scale_vjp, "scale", [&](double* v, ad::tape_index* in) {
        v[0] = 5.0;
        in[0] = x[0].i, in[1] = x[2].i;
    });
    CHECK(tape.bytes() == bytes0 + 2 * sizeof(std::uint32_t) + sizeof(double) + 2 * sizeof(ad::tape_index));
    const Var<double> y0(5.0 * x[0].v, first), y1(5.0 * x[2].v, first + 1);
    const Var<double> out = y0 * y1;  // 25 x0 x2
    tape.gradient_of(out.i);
    CHECK(tape.adjoints()[x[0].i] == Approx(25.0 * 4.0));
    CHECK(tape.adjoints()[x[1].i] == 0.0);
    CHECK(tape.adjoints()[x[2].i] == Approx(25.0 * 1.0));
}

TEST_CASE("10^5 repeated gradients leave the tape's memory flat", "[reverse][tape][memory]") {
    auto f = [](const auto& x) {
        using std::exp, std::log;
        auto s = x[0] * 0.0;
        for (std::size_t k = 0; k < x.size(); ++k) s = s + exp(x[k]) * log(1.0 + x[k] * x[k]);
        return s;
    };
    std::vector<double> x{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
    Tape<double> tape;
    auto run = [&] {
        ad::recording<double> rec(tape);
        std::vector<Var<double>> xv;
        for (double xi : x) xv.push_back(Var<double>::input(xi));
        const Var<double> y = f(xv);
        tape.gradient_of(y.i);
        return tape.adjoints()[0];
    };
    const double g0 = run();
    const std::size_t warmed = tape.capacity_bytes();
    double g = 0;
    for (int k = 0; k < 100000; ++k) g = run();
    CHECK(tape.capacity_bytes() == warmed);
    CHECK(g == g0);
    ADT_CLOSE(g0, std::exp(0.1) * std::log(1.01) + std::exp(0.1) * 0.2 / 1.01, 1e-15, 1e-14);
}

TEST_CASE("recordings nest: a gradient taken inside a function being differentiated", "[reverse][tape]") {
    // outer(x) = x0 * g(x), where g's gradient is computed by an inner, independent recording.
    auto inner_grad = [](double a) {
        return ad::gradient([](const auto& v) { return v[0] * v[0] * v[0]; }, std::vector<double>{a})[0];
    };
    auto outer = [&](const auto& x) { return x[0] * inner_grad(ad::val(x[1])); };
    const auto g = ad::gradient(outer, std::vector<double>{2.0, 3.0});
    CHECK(g[0] == 27.0);  // 3 * 3^2, the inner result is a constant to the outer tape
    CHECK(g[1] == 0.0);
}

TEST_CASE("using an active Var with no recording is a tape_error", "[reverse][tape][errors]") {
    Var<double> x;
    {
        Tape<double> tape;
        ad::recording<double> rec(tape);
        x = Var<double>::input(1.0);
    }
    // an expression is recorded when it is stored (docs/reverse.md): that is where it throws
    CHECK_THROWS_AS(Var<double>(ad::exp(x)), ad::tape_error);
    CHECK_THROWS_WITH(Var<double>(ad::exp(x) * x), Catch::Contains("no active tape"));
}

namespace {
/// A chain of n statements on x (sin(y) + 0.5 is one expression: one statement, one operand):
/// Σ-free, so its derivative is known in closed form.
template <class X>
X chain(const X& x, int n) {
    X y = x;
    for (int k = 0; k < n; ++k) y = ad::sin(y) + 0.5;
    return y;
}
double chain_derivative(double x, int n) {
    double y = x, d = 1.0;
    for (int k = 0; k < n; ++k) d *= std::cos(y), y = std::sin(y) + 0.5;
    return d;
}
/// Sets ad::max_tape_bytes for a scope.
struct tape_limit {
    std::size_t previous = ad::max_tape_bytes;
    explicit tape_limit(std::size_t bytes) { ad::max_tape_bytes = bytes; }
    ~tape_limit() { ad::max_tape_bytes = previous; }
};
}  // namespace

TEST_CASE("a recording beyond ad::max_tape_bytes is a tape_error naming the limit, growth near it is clamped",
          "[reverse][tape][memory][errors]") {
    {
        // 50,000 steps (one statement each: sin(y) + 0.5 is one expression): 50,001 statements
        // and 50,000 operands = 800,004 bytes; doubling alone would reserve 65,536 of each
        // (1 MiB), over the limit of 900,000
        const tape_limit limit(900'000);
        Tape<double> tape;
        double g = 0;
        {
            ad::recording<double> rec(tape);
            const Var<double> x = Var<double>::input(0.3);
            const Var<double> y = chain(x, 50'000);
            tape.gradient_of(y.i);
            g = tape.adjoints()[x.i];
        }
        CHECK(tape.bytes() == 50'001 * 4 + 50'000 * 12);
        CHECK(tape.capacity_bytes() - tape.size() * sizeof(double) <= 900'000);  // the adjoints are outside the limit
        CHECK(g == Approx(chain_derivative(0.3, 50'000)).epsilon(1e-12));
        // twice as many steps do not fit: an error before allocating, naming the limit and the way out
        Tape<double> big;
        ad::recording<double> rec(big);
        const Var<double> x = Var<double>::input(0.3);
        CHECK_THROWS_AS(chain(x, 100'000), ad::tape_error);
        CHECK_THROWS_WITH(chain(x, 100'000), Catch::Contains("ad::max_tape_bytes") && Catch::Contains("gradient_of_sum") &&
                                                Catch::Contains("900000 bytes"));
        CHECK(big.capacity_bytes() <= 900'000);
    }
    // the drivers say the same, and the thread's tape works again once the limit allows it
    auto f = [](const auto& v) { return chain(v[0], 200'000); };
    {
        const tape_limit limit(1 << 20);
        CHECK_THROWS_WITH(ad::gradient(f, std::vector<double>{0.3}), Catch::Contains("1 MiB"));
    }
    CHECK(ad::gradient(f, std::vector<double>{0.3})[0] == Approx(chain_derivative(0.3, 200'000)).epsilon(1e-12));
}

TEST_CASE("a large tape holds at most half again the statements it records", "[reverse][tape][memory]") {
    // up to 2^24 entries an array doubles, past them it grows by half: 2^24 + 2^20 statements
    // recorded one by one are held in 1.5 · 2^24 entries (doubling held 2^25, 1.88 times as many)
    Tape<double> tape;
    ad::recording<double> rec(tape);
    const std::size_t n = (std::size_t(1) << 24) + (std::size_t(1) << 20);
    Var<double> last;
    for (std::size_t k = 0; k < n; ++k) last = Var<double>::input(double(k % 7));
    REQUIRE(tape.size() == n);
    REQUIRE(tape.operands() == 0);
    const std::size_t held = tape.capacity_bytes() / sizeof(std::uint32_t);  // no operands, no adjoints yet
    CHECK(held >= n);
    CHECK(held <= (std::size_t(3) << 23) + 64);
    tape.gradient_of(last.i);
    CHECK(tape.adjoints()[last.i] == 1.0);
    CHECK(tape.adjoints()[0] == 0.0);
}

TEST_CASE("a sum recorded term by term fits under a limit that the whole recording exceeds",
          "[reverse][tape][memory]") {
    // Σᵢ chain(xᵢ mod 3, 2000) over 100 terms: 400k statements at once, 4k per term
    const std::vector<double> x{0.1, -0.4, 0.7};
    auto term = [](std::size_t i, const auto& v) { return chain(v[i % 3], 2000); };
    auto whole = [&](const auto& v) {
        auto s = term(0, v);
        for (std::size_t i = 1; i < 100; ++i) s = s + term(i, v);
        return s;
    };
    const auto reference = ad::value_and_gradient(whole, x);
    const tape_limit limit(256 << 10);
    CHECK_THROWS_AS(ad::gradient(whole, x), ad::tape_error);
    const auto by_term = ad::value_and_gradient_of_sum(term, 100, x);
    CHECK(by_term.first == reference.first);
    for (std::size_t j = 0; j < x.size(); ++j) {
        CHECK(by_term.second[j] == reference.second[j]);  // the whole sum's sweep, term by term
        CHECK(by_term.second[j] == Approx((j == 0 ? 34 : 33) * chain_derivative(x[j], 2000)).epsilon(1e-12));  // i mod 3: 34, 33, 33 terms
    }
}

TEST_CASE("clear_to_inputs keeps the leading inputs, or makes them", "[reverse][tape]") {
    ad::Tape<double> tape;
    const auto check_inputs = [&](std::size_t n) {
        CHECK(tape.size() == n);
        CHECK(tape.operands() == 0);
        CHECK(tape.calls().empty());
        // they work as inputs: record y = x0 · x1 on top and differentiate
        ad::recording<double> rec(tape, n);
        const ad::Var<double> y = ad::Var<double>(2.0, 0) * ad::Var<double>(-3.0, 1);
        tape.gradient_of(y.i);
        CHECK(tape.adjoints()[0] == -3.0);
        CHECK(tape.adjoints()[1] == 2.0);
    };
    {  // a recording of 5 inputs and some statements: the inputs stay, nothing else
        ad::recording<double> rec(tape);
        const auto x = ad::Var<double>::inputs(std::vector<double>{1, 2, 3, 4, 5});
        const ad::Var<double> y = x[0] * x[1] + ad::exp(x[2]);
        (void)y;
        (void)ad::cross_entropy(ad::Array<ad::Var<double>>(ad::Shape{3}, {x[2], x[3], x[4]}), {1});
        REQUIRE(tape.calls().size() == 1);
    }
    tape.clear_to_inputs(5);
    check_inputs(5);
    tape.clear_to_inputs(3);  // fewer than there are
    check_inputs(3);
    tape.clear_to_inputs(8);  // more than there are: made
    check_inputs(8);
    {  // statement 1 has operands: everything cleared and 4 inputs made
        ad::recording<double> rec(tape);
        const ad::Var<double> a = ad::Var<double>::input(1.0);
        const ad::Var<double> b = ad::Var<double>(a * 3.0);
        (void)ad::Var<double>::input(2.0);
        (void)b;
    }
    tape.clear_to_inputs(4);
    check_inputs(4);
    {  // the limit lowered below what the tape holds: its capacity is given up, inputs made
        const tape_limit limit(100);  // the tape holds room for 64 statements and operands
        tape.clear_to_inputs(2);
        CHECK(tape.size() == 2);
        CHECK(tape.operands() == 0);
    }
}
