// Array statements (ops/array/array_statement.hpp): on Array<Var<double|float>> each element-wise
// operation and each sum records one tape statement. The functions below are written once,
// generically, and run through every mode (forward, reverse with array statements, reverse in
// checked mode element by element, Replay, the Hessian modes), against closed forms; plus the
// statement counts, the sweep's zero-adjoint rule, the kernels' edges and both instruction sets.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "array/helpers.hpp"
#include "core/modes.hpp"
#include "ops/kernels/kernels.hpp"

using ad::Array;
using ad::Shape;
using Catch::Detail::Approx;

namespace {

/// CE(softmax(z), t) from the array primitives: max, subtract, exp, sum, divide, log.
template <class X>
X softmax_ce(const Array<X>& z, std::size_t t) {
    using std::log;
    const X m = ad::max(z);
    const Array<X> e = ad::exp(z - m);
    const X s = ad::sum(e);
    const Array<X> p = e / s;
    return X(-log(p[t]));
}

/// A function touching every array statement: broadcasting both ways, array–scalar on both
/// sides, the registry's functions, sum along the last axis and of everything.
struct mixed {
    template <class V>
    auto operator()(const V& v) const {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a(Shape{2, 3}, std::vector<X>(v.begin(), v.begin() + 6));
        const Array<X> col(Shape{2, 1}, std::vector<X>{v[6], v[7]});
        const Array<X> row(Shape{3}, std::vector<X>{v[0], v[7], v[2]});  // shares inputs with a
        const Array<X> b = ad::tanh(a) * col + ad::log(2.0 + a * a) / row;  // (2,3) ⊙ (2,1), ÷ (3)
        const Array<X> c = ad::exp(b - 1.0) - v[6] * ad::sqrt(1.5 + ad::sin(b));
        const Array<X> r = ad::sum(c, -1, true);  // (2, 1)
        return X(ad::sum(r * col) + ad::sum(ad::sum(c, 0)) / 3.0);  // axis 0: element-wise sum path
    }
};

const std::vector<double> mixed_point{0.3, -0.7, 1.1, 0.45, -1.3, 0.2, 0.9, -0.6};

/// Number of external calls and operands one evaluation of f records.
template <class F>
std::pair<std::size_t, std::size_t> recorded(F f, std::vector<double> x) {
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    std::vector<ad::Var<double>> v;
    for (double d : x) v.push_back(ad::Var<double>::input(d));
    const ad::Var<double> y = f(v);
    (void)y;
    return {tape.calls().size(), tape.operands()};
}

/// ∂ = p − e_t, the closed form.
std::vector<double> ce_gradient(const std::vector<double>& z, std::size_t t) {
    double m = z[0];
    for (double v : z) m = std::max(m, v);
    double s = 0;
    std::vector<double> g(z.size());
    for (std::size_t k = 0; k < z.size(); ++k) s += g[k] = std::exp(z[k] - m);
    for (double& v : g) v /= s;
    g[t] -= 1;
    return g;
}

std::vector<double> logits(std::size_t q) {
    std::vector<double> z(q);
    for (std::size_t k = 0; k < q; ++k) z[k] = std::sin(0.37 * double(k) + 0.1) * 4.0;
    return z;
}

/// Restores the runtime kernel choice at scope exit.
struct baseline_kernels {
    explicit baseline_kernels(bool on) { ad::kernels::force_baseline(on); }
    ~baseline_kernels() { ad::kernels::force_baseline(false); }
};

}  // namespace

TEST_CASE("softmax + CE from array primitives: a handful of statements, gradient p - e_t", "[array][statement]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    for (std::size_t q : {1u, 2u, 7u, 1000u}) {
        const auto z = logits(q);
        const std::size_t t = q / 3;
        auto f = [t, q](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            return softmax_ce(Array<X>(Shape{q}, std::vector<X>(v.begin(), v.end())), t);
        };
        // max, z − m, exp, sum, ÷ s: five array statements (max keeps its maximal entry only);
        // log: one scalar statement whose operand is p_t.
        const auto [calls, operands] = recorded(f, z);
        CHECK(calls == 5);
        CHECK(operands == 1);
        const auto expected = ce_gradient(z, t);
        const auto g = ad::gradient(f, z);
        std::vector<double> checked;
        {
            ad::checked_scope scope;  // element by element, every primitive checked
            checked = ad::gradient(f, z);
        }
        const auto fwd = ad::jacobian_forward<8>(f, z);
        for (std::size_t k = 0; k < q; ++k) {
            INFO("q = " << q << ", k = " << k);
            CHECK(g[k] == Approx(expected[k]).margin(1e-15));
            CHECK(g[k] == Approx(checked[k]).margin(1e-16));
            CHECK(g[k] == Approx(fwd[k]).margin(1e-16));
        }
    }
}

TEST_CASE("array statements agree with every mode, first and second order", "[array][statement][modes]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    const mixed f;
    const auto x = mixed_point;
    const auto [calls, operands] = recorded(f, x);
    CHECK(calls >= 12);      // one per array operation
    CHECK(operands <= 12);   // only the axis-0 sum and the scalar tail record operands
    const auto reverse = ad::gradient(f, x);
    std::vector<double> checked;
    {
        ad::checked_scope scope;
        checked = ad::gradient(f, x);
    }
    for (const auto& m : modes::gradients<double>(f)) {
        const auto g = m.run(x);
        for (std::size_t k = 0; k < x.size(); ++k) {
            INFO(m.name << ", k = " << k);
            CHECK(reverse[k] == Approx(g[k]).epsilon(1e-13).margin(1e-14));
            CHECK(checked[k] == Approx(g[k]).epsilon(1e-13).margin(1e-14));
        }
    }
    // central differences, 50 digits
    using mp = ad::mp50;
    std::vector<mp> xm(x.begin(), x.end());
    for (std::size_t k = 0; k < x.size(); ++k) {
        const mp h("1e-20");
        auto up = xm, down = xm;
        up[k] += h, down[k] -= h;
        const double fd = static_cast<double>(mp(f(up) - f(down)) / (2 * h));
        CHECK(reverse[k] == Approx(fd).epsilon(1e-13).margin(1e-14));
    }
    // second order: each Hessian mode against forward-over-forward
    const auto modes2 = modes::hessians<double>(f);
    const auto H0 = modes2.front().run(x);
    for (const auto& m : modes2) {
        const auto H = m.run(x);
        for (std::size_t k = 0; k < H.size(); ++k) {
            INFO(m.name << ", entry " << k);
            CHECK(H[k] == Approx(H0[k]).epsilon(1e-12).margin(1e-13));
        }
    }
}

TEST_CASE("array statements in float agree with double", "[array][statement][float]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    const mixed f;
    const auto gd = ad::gradient(f, mixed_point);
    const std::vector<float> xf(mixed_point.begin(), mixed_point.end());
    const auto gf = ad::gradient(f, xf);
    for (std::size_t k = 0; k < gd.size(); ++k) CHECK(double(gf[k]) == Approx(gd[k]).epsilon(2e-5).margin(1e-5));
}

TEST_CASE("the sweep of an array statement skips zero adjoints, as the scalar sweep does", "[array][statement][edges]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    // log(0) has partial +inf; the element is not used, so its adjoint is 0 and must not turn
    // the input's derivative into NaN (inf·0).
    auto unused = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a = ad::log(Array<X>(Shape{3}, std::vector<X>(v.begin(), v.end())));
        return X(a[1] + 2.0 * a[2]);
    };
    const auto g = ad::gradient(unused, std::vector<double>{0.0, 4.0, 0.5});
    CHECK(g == std::vector<double>{0.0, 0.25, 4.0});
    // used: +inf flows as in double arithmetic and as in scalar reverse mode
    auto used = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(ad::sum(ad::sqrt(Array<X>(Shape{2}, std::vector<X>(v.begin(), v.end())))));
    };
    const auto gu = ad::gradient(used, std::vector<double>{0.0, 4.0});
    CHECK(std::isinf(gu[0]));
    CHECK(gu[1] == 0.25);
    auto scalar = [](const auto& v) {
        using std::sqrt;
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(sqrt(v[0]) + sqrt(v[1]));
    };
    CHECK(ad::gradient(scalar, std::vector<double>{0.0, 4.0}) == gu);
    // one partial for all elements (stored once): +inf, and NaN, flow as element by element
    auto broadcast = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(ad::sum(ad::sqrt(ad::full(Shape{3}, v[0]))));
    };
    CHECK(std::isinf(ad::gradient(broadcast, std::vector<double>{0.0})[0]));
    CHECK(std::isnan(ad::gradient(broadcast, std::vector<double>{-1.0})[0]));
    CHECK(ad::gradient(broadcast, std::vector<double>{4.0})[0] == 0.75);
}

TEST_CASE("array statements store constants, repeated and scattered indices", "[array][statement][indices]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    // a mix of inputs, constants and a repeated input: the gather path
    auto f = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a(Shape{5}, std::vector<X>{v[1], X(2.0), v[0], v[1], X(-1.0)});
        return X(ad::sum(ad::exp(a) * a));  // Σ a e^a: ∂/∂a = (1 + a) e^a per entry
    };
    const std::vector<double> x{0.3, -0.4};
    const auto g = ad::gradient(f, x);
    CHECK(g[0] == Approx((1 + 0.3) * std::exp(0.3)).epsilon(1e-15));
    CHECK(g[1] == Approx(2 * (1 - 0.4) * std::exp(-0.4)).epsilon(1e-15));
    // one input broadcast everywhere: the single path
    auto h = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(ad::sum(ad::exp(ad::full(Shape{4, 3}, v[0]))));  // 12 e^x
    };
    CHECK(ad::gradient(h, std::vector<double>{0.5})[0] == Approx(12 * std::exp(0.5)).epsilon(1e-15));
    // everything constant: no statement, value still right
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const Array<ad::Var<double>> c{1.0, 2.0};
    const auto e = ad::exp(c) + 1.0;
    CHECK(tape.calls().empty());
    CHECK(e[1].v == std::exp(2.0) + 1.0);
    CHECK(!e[1].active());
}

TEST_CASE("vectorised exp and log: within 2 ulp of the standard functions, theirs at every edge", "[array][kernels]") {
    INFO("instruction set: " << ad::kernels::instruction_set());
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> u(-700.0, 700.0);
    std::vector<double> x(4099), y(x.size());
    for (double& v : x) v = u(gen);
    auto ulps = [](double a, double b) {
        std::int64_t ia, ib;
        std::memcpy(&ia, &a, 8), std::memcpy(&ib, &b, 8);
        return ia > ib ? ia - ib : ib - ia;
    };
    ad::kernels::exp(x.data(), y.data(), x.size());
    std::int64_t worst = 0;
    for (std::size_t k = 0; k < x.size(); ++k) worst = std::max(worst, ulps(y[k], std::exp(x[k])));
    CHECK(worst <= 2);
    for (double& v : x) v = std::exp(u(gen) / 1.5);
    ad::kernels::log(x.data(), y.data(), x.size());
    worst = 0;
    for (std::size_t k = 0; k < x.size(); ++k) worst = std::max(worst, ulps(y[k], std::log(x[k])));
    CHECK(worst <= 2);
    // edges, in an array with ordinary entries, through both instruction sets
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> e{1.0, 709.9, 710.0, -708.9, -745.0, -746.0, inf, -inf, nan, 0.5, 2.0, 3.0};
    const std::vector<double> l{1.0, 0.0, -1.0, 1e-310, 2.2e-308, inf, nan, 1e300, 0.5, 2.0, 3.0, 4.0};
    for (bool base : {false, true}) {
        baseline_kernels scope(base);
        std::vector<double> ye(e.size()), yl(l.size());
        ad::kernels::exp(e.data(), ye.data(), e.size());
        ad::kernels::log(l.data(), yl.data(), l.size());
        // the edges (results that are not normal numbers) exactly std's; the ordinary entries
        // beside them within 2 ulp (exactly std's with the baseline kernels)
        for (std::size_t k = 0; k < e.size(); ++k) {
            INFO("exp(" << e[k] << "), baseline " << base);
            const double want = std::exp(e[k]);
            if (base || !std::isnormal(want)) CHECK((std::isnan(e[k]) ? std::isnan(ye[k]) : ye[k] == want));
            else CHECK(ulps(ye[k], want) <= 2);
        }
        for (std::size_t k = 0; k < l.size(); ++k) {
            INFO("log(" << l[k] << "), baseline " << base);
            const double want = std::log(l[k]);
            if (base || !std::isnormal(l[k]) || l[k] < 0) CHECK((std::isnan(want) ? std::isnan(yl[k]) : yl[k] == want));
            else CHECK(ulps(yl[k], want) <= 2);
        }
    }
    // an element's value depends on that element alone: not on its position in the array (the
    // packet, the tail), the array's alignment, or an edge among its neighbours
    {
        std::vector<double> alone(e.size()), scratch(e.size() + 8), out(e.size() + 8);
        for (std::size_t k = 0; k < e.size(); ++k) ad::kernels::exp(&e[k], &alone[k], 1);
        for (std::size_t shift = 0; shift < 8; ++shift) {
            std::copy(e.begin(), e.end(), scratch.begin() + std::ptrdiff_t(shift));
            ad::kernels::exp(scratch.data() + shift, out.data() + shift, e.size());
            for (std::size_t k = 0; k < e.size(); ++k) {
                INFO("exp(" << e[k] << ") at offset " << shift);
                CHECK((std::isnan(alone[k]) ? std::isnan(out[shift + k]) : std::memcmp(&alone[k], &out[shift + k], 8) == 0));
            }
        }
        // 61 ordinary entries at every offset (alignment) against each entry alone
        std::vector<double> o(61), o_alone(61), o_in(70), o_out(70);
        for (std::size_t k = 0; k < o.size(); ++k) o[k] = -5.0 + 0.16180339887 * double(k);
        for (std::size_t k = 0; k < o.size(); ++k) ad::kernels::exp(&o[k], &o_alone[k], 1);
        std::size_t differ = 0;
        for (std::size_t shift = 0; shift < 8; ++shift) {
            std::copy(o.begin(), o.end(), o_in.begin() + std::ptrdiff_t(shift));
            ad::kernels::exp(o_in.data() + shift, o_out.data() + shift, o.size());
            for (std::size_t k = 0; k < o.size(); ++k) differ += std::memcmp(&o_alone[k], &o_out[shift + k], 8) != 0;
        }
        CHECK(differ == 0);
    }
    // float
    std::vector<float> xf{-103.0f, -88.0f, 0.1f, 1.0f, 88.5f, 89.0f, 3.0f, 5.0f, 7.0f};
    std::vector<float> yf(xf.size());
    ad::kernels::exp(xf.data(), yf.data(), xf.size());
    for (std::size_t k = 0; k < xf.size(); ++k) CHECK(yf[k] == Approx(std::exp(xf[k])).epsilon(3e-7).margin(1e-45));
    CHECK(std::isinf(yf[5]));
}

TEST_CASE("vectorised exp and log: a partial last packet reads and writes its elements only", "[array][kernels]") {
    // n = 1 … 19 elements (every tail length of 4 doubles and 8 floats), in place and not, with
    // the entries beyond n holding sentinels: those stay untouched, and each result is the
    // element's own (the packet path within 2 ulp, an edge in the tail exactly std's)
    auto run = [](auto zero) {
        using T = decltype(zero);
        const T sentinel = T(12345.0), inf = std::numeric_limits<T>::infinity();
        for (std::size_t n = 1; n <= 19; ++n)
            for (bool in_place : {false, true})
                for (bool edge : {false, true}) {
                    INFO("n = " << n << (in_place ? ", in place" : "") << (edge ? ", an edge last" : "") << ", " << sizeof(T) * 8 << " bits");
                    std::vector<T> x(n + 8, sentinel), y(n + 8, sentinel), l(n + 8, sentinel);
                    for (std::size_t k = 0; k < n; ++k) x[k] = T(-3.0 + 0.37 * double(k));
                    if (edge) x[n - 1] = T(-1e4);  // exp underflows to 0: the standard function's result
                    const std::vector<T> x0 = x;
                    T* out = in_place ? x.data() : y.data();
                    ad::kernels::exp(x.data(), out, n);
                    for (std::size_t k = 0; k < n; ++k) CHECK(out[k] == Approx(std::exp(x0[k])).epsilon(4e-7).margin(0));
                    if (edge) CHECK(out[n - 1] == T(0));
                    for (std::size_t k = n; k < n + 8; ++k) CHECK(out[k] == sentinel);
                    if (!in_place) CHECK(x == x0);
                    for (std::size_t k = 0; k < n; ++k) l[k] = x0[k] < 0 ? -x0[k] : T(1) + x0[k];
                    if (edge) l[n - 1] = inf;
                    const std::vector<T> l0 = l;
                    ad::kernels::log(l.data(), l.data(), n);
                    for (std::size_t k = 0; k < n; ++k) CHECK(l[k] == Approx(std::log(l0[k])).epsilon(4e-7).margin(0));
                    for (std::size_t k = n; k < n + 8; ++k) CHECK(l[k] == sentinel);
                }
    };
    for (bool base : {false, true}) {
        baseline_kernels scope(base);
        run(0.0);
        run(0.0f);
    }
}

TEST_CASE("the baseline kernels give the element-wise values bit for bit", "[array][kernels]") {
    baseline_kernels scope(true);
    CHECK(std::string(ad::kernels::instruction_set()) == "baseline");
    const auto z = logits(257);
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    Array<ad::Var<double>> a(Shape{z.size()});
    for (std::size_t k = 0; k < z.size(); ++k) a[k] = ad::Var<double>::input(z[k]);
    const auto e = ad::exp(a), l = ad::log(e + 2.0);
    for (std::size_t k = 0; k < z.size(); ++k) {
        CHECK(e[k].v == std::exp(z[k]));
        CHECK(l[k].v == std::log(std::exp(z[k]) + 2.0));
    }
}

TEST_CASE("array statements keep the element-wise shape errors and empty arrays", "[array][statement][bad]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    Array<ad::Var<double>> a(Shape{2, 3}), b(Shape{2});
    for (auto& v : a) v = ad::Var<double>::input(1.0);
    CHECK_THROWS_AS(a + b, ad::shape_error);
    const Array<ad::Var<double>> empty(Shape{0});
    CHECK(ad::exp(empty).size() == 0);
    CHECK(ad::sum(empty).v == 0.0);
    const Array<ad::Var<double>> rows0(Shape{3, 0});
    const auto s = ad::sum(rows0, -1);
    CHECK(s.shape() == Shape{3});
    CHECK(s[2].v == 0.0);
}

TEST_CASE("array statements count towards ad::max_tape_bytes: a tape_error naming the limit", "[array][statement][memory]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    // 10^5 inputs: 0.4 MB of statements; exp's partials 0.8 MB and the product's 1.6 MB more
    auto f = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a(Shape{v.size()}, std::vector<X>(v.begin(), v.end()));
        return X(ad::sum(ad::exp(a) * a));
    };
    std::vector<double> x(100'000);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.25 + 1e-6 * double(k);  // partials vary: stored
    const std::size_t previous = ad::max_tape_bytes;
    ad::max_tape_bytes = std::size_t(1) << 21;  // 2 MiB
    CHECK_THROWS_WITH(ad::gradient(f, x), Catch::Contains("2 MiB") && Catch::Contains("ad::max_tape_bytes"));
    ad::max_tape_bytes = std::size_t(8) << 20;  // 8 MiB: fits
    std::vector<double> g;
    CHECK_NOTHROW(g = ad::gradient(f, x));
    ad::max_tape_bytes = previous;
    REQUIRE(g.size() == x.size());
    CHECK(g[7] == Approx((1 + x[7]) * std::exp(x[7])).epsilon(1e-15));
}

TEST_CASE("operations on fewer than min_elements elements take the element-wise path, the same gradient",
          "[array][statement][size]") {
    using ad::array_statement::default_min_elements;
    REQUIRE(default_min_elements >= 2);
    for (std::size_t q : {std::size_t(2), default_min_elements - 1, default_min_elements, default_min_elements + 1}) {
        const auto z = logits(q);
        const std::size_t t = q / 3;
        auto f = [t, q](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            return softmax_ce(Array<X>(Shape{q}, std::vector<X>(v.begin(), v.end())), t);
        };
        INFO("q = " << q);
        // below the size: no array statement (each element is a statement); from it on, five
        CHECK(recorded(f, z).first == (q < default_min_elements ? 0u : 5u));
        std::vector<double> every, none;
        {
            const ad::array_statement::min_elements_scope all(0);
            CHECK(recorded(f, z).first == 5);
            every = ad::gradient(f, z);
            {
                const ad::array_statement::min_elements_scope off(SIZE_MAX);  // scopes nest
                CHECK(recorded(f, z).first == 0);
                none = ad::gradient(f, z);
            }
            CHECK(recorded(f, z).first == 5);  // and restore
        }
        const auto g = ad::gradient(f, z);
        const auto expected = ce_gradient(z, t);
        for (std::size_t k = 0; k < q; ++k) {
            INFO("k = " << k);
            CHECK(g[k] == Approx(expected[k]).margin(1e-15));
            CHECK(every[k] == Approx(expected[k]).margin(1e-15));
            CHECK(none[k] == Approx(expected[k]).margin(1e-15));
        }
    }
    // the size is the larger operand's: a 0-d array or a scalar broadcast over a large array
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    Array<ad::Var<double>> big(Shape{default_min_elements});
    for (auto& v : big) v = ad::Var<double>::input(0.5);
    const ad::Var<double> s = ad::Var<double>::input(2.0);
    const auto before = tape.calls().size();
    const auto y = big * s, w = s - big;
    CHECK(tape.calls().size() == before + 2);
    CHECK(y[0].v == 1.0);
    CHECK(w[1].v == 1.5);
}

TEST_CASE("a tape's bytes() counts the partials and indices its array statements keep on the side",
          "[array][statement][memory]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    for (const std::size_t n : {std::size_t(64), std::size_t(1000)}) {
        ad::Tape<double> tape;
        {
            ad::recording<double> rec(tape);
            Array<ad::Var<double>> a(Shape{n});
            for (std::size_t k = 0; k < n; ++k) a[k] = ad::Var<double>::input(0.25 + 1e-3 * double(k));
            const ad::Var<double> y = ad::sum(ad::exp(a) * a);
            CHECK(y.v > 0.0);
        }
        const std::size_t scalar_part = tape.size() * sizeof(std::uint32_t) + tape.operands() * (sizeof(double) + sizeof(ad::tape_index));
        // exp keeps n partials and × keeps 2n (no operand's partials are all equal); the sum's
        // partial is one number, and each statement's index data a few words
        CHECK(tape.bytes() >= scalar_part + 3 * n * sizeof(double));
        CHECK(tape.bytes() <= scalar_part + 3 * n * sizeof(double) + 256);
    }
}

namespace {

/// Σ_r (r + 1)·max_r(a) over the rows of a (4 × 5, from v) plus, when `everything`, 10·max(a):
/// max along the last axis and over everything, each one array statement.
struct row_max {
    bool everything = true;
    template <class V>
    auto operator()(const V& v) const {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a(Shape{4, 5}, std::vector<X>(v.begin(), v.end()));
        const Array<X> m = ad::max(a, -1);         // shape (4)
        const Array<X> mk = ad::max(a, 1, true);   // shape (4, 1): the same maxima, kept
        X y = everything ? X(10.0 * ad::max(a)) : X(0.0);
        for (std::size_t r = 0; r < 4; ++r) y = X(y + double(r + 1) * m[r] + 0.5 * mk(r, 0));
        return y;
    }
};

/// ∂ of row_max (without the global term) by hand: row r's weight r + 1.5 (r + 1 from max, ½ from
/// the kept max) split evenly among its maximal entries; a row holding NaN is NaN throughout.
std::vector<double> row_max_gradient(const std::vector<double>& v) {
    std::vector<double> g(20, 0.0);
    for (std::size_t r = 0; r < 4; ++r) {
        const double* row = v.data() + 5 * r;
        bool nan = false;
        double m = row[0];
        for (std::size_t j = 0; j < 5; ++j) nan |= std::isnan(row[j]), m = std::max(m, row[j]);
        std::size_t ties = 0;
        for (std::size_t j = 0; j < 5; ++j) ties += row[j] == m;
        for (std::size_t j = 0; j < 5; ++j)
            g[5 * r + j] = nan ? std::nan("") : row[j] == m ? (double(r) + 1.5) / double(ties) : 0.0;
    }
    return g;
}

/// The values (partials) the tape keeps for its external call k.
std::size_t kept_values(const ad::Tape<double>& tape, std::size_t k) { return tape.values_of(tape.calls()[k]).size(); }

}  // namespace

TEST_CASE("max over everything and along the last axis: one statement each, the rule's ties and NaN",
          "[array][statement][max]") {
    const ad::array_statement::min_elements_scope every_size(0);  // array statements at every size
    // row 0: one maximum; row 1: a tie of two (also the global maximum); row 2: a tie of three;
    // row 3: one maximum, negative entries
    const std::vector<double> x{0.5, 2.0, -1.0, 1.5, 0.25,  3.0, 1.0, 3.0, 0.0, -2.0,
                                1.0, 1.0, 1.0, 0.5, 0.9,   -0.3, -0.1, -0.7, -0.2, -4.0};
    const row_max f;
    const auto g = ad::gradient(f, x);
    auto expected = row_max_gradient(x);
    expected[5] += 5.0, expected[7] += 5.0;  // 10·max(a): the global maximum 3.0, tied twice
    std::vector<double> elementwise;
    {
        const ad::array_statement::min_elements_scope off(SIZE_MAX);
        elementwise = ad::gradient(f, x);
    }
    for (std::size_t k = 0; k < x.size(); ++k) {
        INFO("entry " << k);
        CHECK(g[k] == expected[k]);  // halves, thirds and integers: exact
        CHECK(elementwise[k] == expected[k]);
    }
    for (const auto& m : modes::gradients<double>(f)) {
        const auto gm = m.run(x);
        for (std::size_t k = 0; k < x.size(); ++k) {
            INFO(m.name << ", entry " << k);
            CHECK(gm[k] == Approx(expected[k]).margin(1e-15));
        }
    }
    // layout: rows with ties keep every element's partial; without ties one partial per row
    {
        ad::Tape<double> tape;
        ad::recording<double> rec(tape);
        std::vector<ad::Var<double>> v;
        for (double d : x) v.push_back(ad::Var<double>::input(d));
        (void)row_max{false}(v);
        REQUIRE(tape.calls().size() == 2);
        CHECK(kept_values(tape, 0) == 20);  // ties in rows 1 and 2: the dense layout
        std::vector<ad::Var<double>> w;
        for (std::size_t k = 0; k < 20; ++k) w.push_back(ad::Var<double>::input(std::sin(double(k))));  // distinct
        (void)row_max{false}(w);
        REQUIRE(tape.calls().size() == 4);
        CHECK(kept_values(tape, 2) == 1);  // one index per row, one partial (1) for all
    }
}

TEST_CASE("max with NaN: the rows holding NaN get NaN derivatives, the others their own", "[array][statement][max]") {
    const ad::array_statement::min_elements_scope every_size(0);
    std::vector<double> x(20);
    for (std::size_t k = 0; k < 20; ++k) x[k] = std::cos(1.3 * double(k));
    x[12] = std::nan("");  // row 2
    const row_max f{false};
    const auto expected = row_max_gradient(x);
    std::vector<double> elementwise;
    {
        const ad::array_statement::min_elements_scope off(SIZE_MAX);
        elementwise = ad::gradient(f, x);
    }
    const auto g = ad::gradient(f, x);
    for (std::size_t k = 0; k < x.size(); ++k) {
        INFO("entry " << k);
        CHECK(std::isnan(g[k]) == (k >= 10 && k < 15));
        CHECK(std::isnan(elementwise[k]) == std::isnan(g[k]));
        if (!std::isnan(g[k])) CHECK(g[k] == expected[k]);
    }
    // over everything: NaN anywhere makes every derivative NaN, as element by element
    auto all = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(ad::max(Array<X>(Shape{v.size()}, std::vector<X>(v.begin(), v.end()))));
    };
    for (double d : ad::gradient(all, x)) CHECK(std::isnan(d));
    // empty along the last axis: the element-wise path's size_error, not a statement
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const Array<ad::Var<double>> rows0(Shape{3, 0});
    CHECK_THROWS_AS(ad::max(rows0, -1), ad::size_error);
    CHECK_THROWS_AS(ad::max(Array<ad::Var<double>>(Shape{0})), ad::size_error);
}

TEST_CASE("an array with a scalar: the scalar is one operand, read once, its partial summed over the array",
          "[array][statement][broadcast]") {
    const ad::array_statement::min_elements_scope every_size(0);
    // f = Σ_k w_k (a_k / s) + Σ_k (s − a_k)² + Σ_k (2 − a_k) · c with s active, c = 0.5 constant
    auto f = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const std::size_t n = v.size() - 1;
        const Array<X> a(Shape{n}, std::vector<X>(v.begin(), v.begin() + std::ptrdiff_t(n)));
        const X s = v[n];
        Array<X> w(Shape{n});
        for (std::size_t k = 0; k < n; ++k) w[k] = X(1.0 + 0.01 * double(k));
        const Array<X> d = s - a;
        return X(ad::sum(w * (a / s)) + ad::sum(d * d) + ad::sum((2.0 - a) * 0.5));
    };
    for (const std::size_t n : {std::size_t(1), std::size_t(17), std::size_t(100), std::size_t(1001)}) {
        std::vector<double> x(n + 1);
        for (std::size_t k = 0; k < n; ++k) x[k] = std::sin(0.7 * double(k)) + 0.1;
        const double s = x[n] = 1.75;
        std::vector<double> expected(n + 1, 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            const double w = 1.0 + 0.01 * double(k);
            expected[k] = w / s - 2.0 * (s - x[k]) - 0.5;
            expected[n] += -w * x[k] / (s * s) + 2.0 * (s - x[k]);
        }
        const auto g = ad::gradient(f, x);
        INFO("n = " << n);
        for (std::size_t k = 0; k <= n; ++k) CHECK(g[k] == Approx(expected[k]).epsilon(1e-13).margin(1e-13));
        for (const auto& m : modes::gradients<double>(f)) {
            const auto gm = m.run(x);
            for (std::size_t k = 0; k <= n; ++k) CHECK(gm[k] == Approx(expected[k]).epsilon(1e-13).margin(1e-13));
        }
    }
    // a ÷ s keeps a's partial 1/s once and s's n partials; 2 − a (a constant scalar) keeps one
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    Array<ad::Var<double>> a(Shape{50});
    for (std::size_t k = 0; k < 50; ++k) a[k] = ad::Var<double>::input(1.0 + double(k));
    const auto s = ad::Var<double>::input(4.0);
    const auto q = a / s;
    CHECK(kept_values(tape, 0) == 1 + 50);
    CHECK(q[3].v == 1.0);  // 4 / 4
    const auto c = 2.0 - a;
    CHECK(kept_values(tape, 1) == 1);
    CHECK(c[1].v == 0.0);
    const auto inactive_scalar = a * ad::Var<double>(3.0);  // a constant Var: one operand (a's partial 3)
    CHECK(kept_values(tape, 2) == 1);
    CHECK(inactive_scalar[2].v == 9.0);
}

TEST_CASE("sum kernels: one fixed order, both instruction sets bit for bit, zero adjoints skipped",
          "[array][kernels]") {
    std::mt19937_64 gen(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (const std::size_t n : {0, 1, 7, 15, 16, 17, 33, 1000, 4099}) {
        std::vector<double> p(n), g(n);
        for (std::size_t k = 0; k < n; ++k) p[k] = u(gen), g[k] = k % 5 == 3 ? 0.0 : u(gen);
        if (n > 3) p[3] = std::numeric_limits<double>::infinity();  // meets a zero adjoint: skipped
        long double exact = 0, exact_c = 0;
        for (std::size_t k = 0; k < n; ++k)
            if (g[k] != 0.0) exact += (long double)p[k] * g[k], exact_c += 0.37L * g[k];
        const double runtime = ad::kernels::sum_product(p.data(), g.data(), n);
        const double runtime_c = ad::kernels::sum_scaled(0.37, g.data(), n);
        double baseline = 0, baseline_c = 0;
        {
            baseline_kernels scope(true);
            baseline = ad::kernels::sum_product(p.data(), g.data(), n);
            baseline_c = ad::kernels::sum_scaled(0.37, g.data(), n);
        }
        INFO("n = " << n << ", " << ad::kernels::instruction_set());
        CHECK(std::memcmp(&runtime, &baseline, sizeof(double)) == 0);
        CHECK(std::memcmp(&runtime_c, &baseline_c, sizeof(double)) == 0);
        CHECK(runtime == Approx(double(exact)).margin(1e-13));
        CHECK(runtime_c == Approx(double(exact_c)).margin(1e-13));
    }
    // float: the same order (16 partial sums)
    std::vector<float> pf(100, 0.5f), gf(100, 2.0f);
    gf[7] = 0.0f;
    pf[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK(ad::kernels::sum_product(pf.data(), gf.data(), 100) == 99.0f);
    CHECK(ad::kernels::sum_scaled(0.25f, gf.data(), 100) == 49.5f);
}

namespace {

/// Every binary operation between an (M, L) array and an (M, 1) array of row values, both ways
/// round, and the softmax of each row from primitives (max, sum along the last axis, kept):
/// written once, run through every mode.
struct row_ops {
    std::size_t M = 4, L = 10;
    template <class V>
    auto operator()(const V& v) const {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const auto it = v.begin();
        const Array<X> a(Shape{M, L}, std::vector<X>(it, it + std::ptrdiff_t(M * L)));
        const Array<X> c(Shape{M, 1}, std::vector<X>(it + std::ptrdiff_t(M * L), it + std::ptrdiff_t(M * L + M)));
        const Array<X> b = (a - c) * (c / (2.0 + a * a)) + c * a - (c + a) / c;
        const Array<X> e = ad::exp(a - ad::max(a, 1, true));
        const Array<X> s = e / ad::sum(e, 1, true);
        X y = X(ad::sum(b));
        for (std::size_t r = 0; r < M; ++r) y = X(y + double(r + 1) * s(r, r % L));
        return y;
    }
};

std::size_t kept_indices(const ad::Tape<double>& tape, std::size_t k) { return tape.indices_of(tape.calls()[k]).size(); }

}  // namespace

TEST_CASE("an (M, L) array with an (M, 1) array: one statement, one index per row, every mode agrees",
          "[array][statement][broadcast]") {
    const ad::array_statement::min_elements_scope every_size(0);
    for (const auto& [M, L] : {std::pair<std::size_t, std::size_t>{4, 10}, {1, 40}, {7, 2}, {3, 33}}) {
        const row_ops f{M, L};
        std::vector<double> x(M * L + M);
        for (std::size_t k = 0; k < M * L; ++k) x[k] = std::sin(0.9 * double(k) + 0.3);
        for (std::size_t r = 0; r < M; ++r) x[M * L + r] = 1.5 + 0.25 * double(r);
        const auto g = ad::gradient(f, x);
        std::vector<double> elementwise;
        {
            const ad::array_statement::min_elements_scope off(SIZE_MAX);
            elementwise = ad::gradient(f, x);
        }
        INFO("M = " << M << ", L = " << L);
        for (std::size_t k = 0; k < x.size(); ++k) CHECK(g[k] == Approx(elementwise[k]).epsilon(1e-13).margin(1e-14));
        for (const auto& m : modes::gradients<double>(f)) {
            const auto gm = m.run(x);
            for (std::size_t k = 0; k < x.size(); ++k) {
                INFO(m.name << ", entry " << k);
                CHECK(gm[k] == Approx(g[k]).epsilon(1e-13).margin(1e-14));
            }
        }
    }
    // layout: a − c keeps one partial per side (1, −1) and one index per row for c; a ÷ c keeps
    // a's n partials (1/c varies by row) and c's n; a constant row array adds no operand
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const std::size_t M = 5, L = 8;
    Array<ad::Var<double>> a(Shape{M, L}), c(Shape{M, 1}), k(Shape{M, 1});
    for (std::size_t i = 0; i < M * L; ++i) a[i] = ad::Var<double>::input(0.5 + double(i));
    for (std::size_t r = 0; r < M; ++r) c[r] = ad::Var<double>::input(2.0 + double(r)), k[r] = ad::Var<double>(3.0);
    const auto d = a - c;
    CHECK(kept_values(tape, 0) == 2);
    CHECK(kept_indices(tape, 0) == 3 + 2 + (2 + M));  // header; a contiguous; c: L and M indices
    CHECK(d(2, 3).v == a(2, 3).v - c[2].v);
    const auto q = c / a;
    CHECK(kept_values(tape, 1) == 2 * M * L);
    CHECK(q(4, 0).v == c[4].v / a(4, 0).v);
    const auto w = a * k;
    CHECK(kept_values(tape, 2) == 1);  // a's partial 3; k constant
    CHECK(w(1, 1).v == 3.0 * a(1, 1).v);
}

TEST_CASE("softmax along the rows from primitives: each row's gradient p - e_t", "[array][statement][broadcast]") {
    for (const std::size_t Q : {std::size_t(10), std::size_t(100)}) {
        const std::size_t M = 40;
        std::vector<double> z(M * Q);
        for (std::size_t k = 0; k < z.size(); ++k) z[k] = 3.0 * std::sin(0.37 * double(k) + 0.1);
        std::vector<std::size_t> t(M);
        for (std::size_t r = 0; r < M; ++r) t[r] = (7 * r) % Q;
        auto loss = [&](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            const Array<X> a(Shape{M, Q}, std::vector<X>(v.begin(), v.end()));
            const Array<X> e = ad::exp(a - ad::max(a, -1, true));
            const Array<X> p = e / ad::sum(e, -1, true);
            X y(0.0);
            for (std::size_t r = 0; r < M; ++r) y = X(y - log(p(r, t[r])));
            return y;
        };
        const auto g = ad::gradient(loss, z);
        for (std::size_t r = 0; r < M; ++r) {
            const std::vector<double> row(z.begin() + std::ptrdiff_t(r * Q), z.begin() + std::ptrdiff_t(r * Q + Q));
            const auto expected = ce_gradient(row, t[r]);
            for (std::size_t j = 0; j < Q; ++j) {
                INFO("Q = " << Q << ", row " << r << ", column " << j);
                CHECK(g[r * Q + j] == Approx(expected[j]).margin(1e-15));
            }
        }
    }
}

TEST_CASE("negation, min and mean along the last axis: array statements, the element-wise numbers",
          "[array][statement][reduce]") {
    const ad::array_statement::min_elements_scope every_size(0);
    const std::size_t M = 3, L = 12;
    // Σ_r (r + 1)·min_r + Σ_r mean_r² − Σ a·w: min = −max(−a) and mean = sum / L
    auto f = [&](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        const Array<X> a(Shape{M, L}, std::vector<X>(v.begin(), v.end()));
        const Array<X> mn = ad::min(a, -1), mu = ad::mean(a, -1, true);
        X y = X(ad::sum(mu * mu) - ad::sum(-a * 0.5));
        for (std::size_t r = 0; r < M; ++r) y = X(y + double(r + 1) * mn[r]);
        return y;
    };
    std::vector<double> x(M * L);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = std::cos(0.83 * double(k) + 0.2);
    const auto g = ad::gradient(f, x);
    std::vector<double> elementwise;
    {
        const ad::array_statement::min_elements_scope off(SIZE_MAX);
        elementwise = ad::gradient(f, x);
    }
    for (std::size_t r = 0; r < M; ++r) {
        double mean = 0, mn = x[r * L];
        std::size_t at = r * L;
        for (std::size_t j = 0; j < L; ++j) {
            mean += x[r * L + j];
            if (x[r * L + j] < mn) mn = x[r * L + j], at = r * L + j;
        }
        mean /= double(L);
        for (std::size_t j = 0; j < L; ++j) {
            const std::size_t k = r * L + j;
            const double expected = 2.0 * mean / double(L) + 0.5 + (k == at ? double(r + 1) : 0.0);
            INFO("entry " << k);
            CHECK(g[k] == Approx(expected).epsilon(1e-14));
            CHECK(g[k] == Approx(elementwise[k]).epsilon(1e-14));
        }
    }
    // the values are the element-wise ones bit for bit, in far fewer statements
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    Array<ad::Var<double>> a(Shape{M, L});
    for (std::size_t k = 0; k < x.size(); ++k) a[k] = ad::Var<double>::input(x[k]);
    const auto before = tape.size();
    const Array<ad::Var<double>> mn = ad::min(a, -1), mu = ad::mean(a, -1), ng = -a;
    CHECK(tape.calls().size() == 6);                 // min: −, max, −; mean: sum, ÷; negation
    CHECK(tape.size() - before == 2 * M * L + 4 * M);  // one slot per output: −a twice, then M each
    for (std::size_t r = 0; r < M; ++r) {
        double s = 0, m = x[r * L];
        for (std::size_t j = 0; j < L; ++j) s = s + x[r * L + j], m = std::min(m, x[r * L + j]);
        CHECK(mu[r].v == s / double(L));
        CHECK(mn[r].v == m);
    }
    CHECK(ng[5].v == -x[5]);
    CHECK(std::signbit((-Array<ad::Var<double>>(Shape{40}, ad::Var<double>(0.0)))[3].v));  // −(+0) = −0
}

namespace {
/// The index data the tape keeps for its external call k.
std::size_t kept_indices_of(const ad::Tape<double>& tape, std::size_t k) { return tape.indices_of(tape.calls()[k]).size(); }

/// Builds the array of n elements that `arrangement` names from the inputs v (at least n + 8):
/// the operand layouts an array statement must tell apart.
template <class X>
Array<X> arranged(const std::vector<X>& v, std::size_t n, int arrangement) {
    std::vector<X> a(n);
    for (std::size_t k = 0; k < n; ++k) {
        switch (arrangement) {
        case 0: a[k] = v[k]; break;                                 // consecutive inputs
        case 1: a[k] = v[k + 5]; break;                             // consecutive, from the 6th
        case 2: a[k] = k + 1 < n ? v[k] : v[0]; break;              // consecutive but the last
        case 3: a[k] = k == 0 ? X(2.0) : v[k]; break;               // a constant, then consecutive
        case 4: a[k] = v[n - 1 - k]; break;                         // reversed
        case 5: a[k] = k % 2 ? v[k] : X(0.5 * double(k)); break;    // every other one constant
        default: a[k] = v[k / 2]; break;                            // each twice
        }
    }
    return Array<X>(Shape{n}, std::move(a));
}
}  // namespace

TEST_CASE("an operand's statements in every arrangement: the layout the recording finds, the element-wise gradient",
          "[array][statement][indices]") {
    const baseline_kernels same_exp(true);  // exp and log as std::exp, std::log: the same numbers
    const std::size_t n = 40;
    std::vector<double> x(n + 8);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.8 * std::sin(1.3 * double(k) + 0.2);
    for (int arrangement = 0; arrangement <= 6; ++arrangement) {
        // unary, binary with an array, with a scalar, linear rules, sum and max of the arrangement
        auto f = [arrangement](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            const Array<X> a = arranged(v, n, arrangement);
            const Array<X> e = ad::exp(a);
            const Array<X> b = e * a - (a - v[n + 7]) / 3.0 + (-a);
            return X(ad::sum(b) * ad::max(a) + ad::sum(ad::exp(e - a)));
        };
        INFO("arrangement " << arrangement);
        std::vector<double> statements, elementwise;
        {
            const ad::array_statement::min_elements_scope every_size(0);
            statements = ad::gradient(f, x);
        }
        {
            const ad::array_statement::min_elements_scope off(SIZE_MAX);
            elementwise = ad::gradient(f, x);
        }
        for (std::size_t k = 0; k < x.size(); ++k) {
            INFO("entry " << k);
            // the same partials; an input read twice by one array statement may sum its two
            // terms in the other order (last bit)
            CHECK(statements[k] == Approx(elementwise[k]).epsilon(1e-15).margin(1e-300));
        }
        // v[n + 7] is in no arrangement: ∂f/∂v = Σ ∂b/∂v · max(a) = (n / 3) max(a)
        const Array<double> a = arranged(x, n, arrangement);
        CHECK(statements[n + 7] == Approx(double(n) / 3.0 * *std::max_element(a.begin(), a.end())).epsilon(1e-14));
    }
    // the layouts: consecutive statements keep one base, any other arrangement every index
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    std::vector<ad::Var<double>> v;
    for (double d : x) v.push_back(ad::Var<double>::input(d));
    const ad::array_statement::min_elements_scope every_size(0);
    const std::size_t header = 3;
    for (int arrangement = 0; arrangement <= 6; ++arrangement) {
        INFO("arrangement " << arrangement);
        const Array<ad::Var<double>> a = arranged(v, n, arrangement);
        const std::size_t c = tape.calls().size();
        (void)ad::exp(a);
        const bool consecutive = arrangement <= 1;
        CHECK(kept_indices_of(tape, c) == header + 1 + (consecutive ? 1 : n));
        (void)ad::sum(a);
        CHECK(kept_indices_of(tape, c + 1) == header + 1 + (consecutive ? 1 : n));
        (void)(-a);  // a linear rule: one partial for the whole array
        CHECK(kept_values(tape, c + 2) == 1);
    }
    // the outputs of an array statement are consecutive statements too
    const Array<ad::Var<double>> e = ad::exp(arranged(v, n, 4));
    const std::size_t c = tape.calls().size();
    (void)ad::log(e);
    CHECK(kept_indices_of(tape, c) == header + 2);
    // a row operand of shape (M, 1) with scattered statements: one index per row, each its own
    Array<ad::Var<double>> m(Shape{4, 10}), r(Shape{4, 1});
    for (std::size_t k = 0; k < 40; ++k) m[k] = v[k];
    for (std::size_t k = 0; k < 4; ++k) r[k] = v[3 * k + 1];
    const auto q = m / r;
    CHECK(kept_indices_of(tape, c + 1) == header + 2 + (2 + 4));
    CHECK(q(2, 3).v == v[23].v / v[7].v);
}
