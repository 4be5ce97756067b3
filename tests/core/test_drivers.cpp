// Drivers: Jacobian by forward = by reverse = stacked gradients = jvp/vjp; Hessians symmetric
// and equal to analytic ones (log-sum-exp's Hessian is the softmax Jacobian); multiprecision.
#include <cmath>
#include <cstring>
#include <map>
#include <new>
#include <numeric>

#include "ad/adiff.hpp"
#include "support/close.hpp"

namespace {

// f: R^3 -> R^4, written once for every scalar type.
auto vec_f = [](const auto& x) {
    using std::exp, std::sin, std::cos, std::log;
    using X = std::decay_t<decltype(x[0])>;
    return std::vector<X>{x[0] * x[1] * x[2], exp(x[0]) * sin(x[1]), log(1.0 + x[2] * x[2]) - x[0], cos(x[0] * x[2]) / (2.0 + x[1])};
};

// log-sum-exp written from primitives; its Hessian is diag(s) − s sᵀ with s = softmax(x).
auto lse = [](const auto& x) {
    using std::exp, std::log;
    using X = std::decay_t<decltype(x[0])>;
    std::vector<X> e;
    for (const auto& xi : x) e.push_back(exp(xi));
    return log(ad::sum(e));
};

template <class T>
std::vector<T> softmax_of(const std::vector<T>& x) {
    using std::exp;
    T s(0);
    for (const T& xi : x) s += exp(xi);
    std::vector<T> r;
    for (const T& xi : x) r.push_back(exp(xi) / s);
    return r;
}

}  // namespace

TEST_CASE("Jacobian: forward = reverse = stacked gradients = jvp = vjp", "[drivers][jacobian]") {
    const std::vector<double> x{0.3, -0.7, 1.1};
    const auto Jf = ad::jacobian_forward(vec_f, x);
    const auto Jf1 = ad::jacobian_forward<1>(vec_f, x);
    const auto Jf2 = ad::jacobian_forward<2>(vec_f, x);  // lanes do not divide n: last pass is partial
    const auto Jr = ad::jacobian_reverse(vec_f, x);
    const auto Ja = ad::jacobian(vec_f, x);
    REQUIRE(Jf.shape() == ad::Shape{4, 3});
    REQUIRE(Jr.shape() == ad::Shape{4, 3});
    for (std::size_t i = 0; i < 4; ++i) {
        const auto gi = ad::gradient([&](const auto& v) { return vec_f(v)[i]; }, x);
        for (std::size_t j = 0; j < 3; ++j) {
            ADT_CLOSE(Jf(i, j), Jr(i, j), 1e-15, 1e-14);
            ADT_CLOSE(Jf1(i, j), Jr(i, j), 1e-15, 1e-14);
            ADT_CLOSE(Jf2(i, j), Jr(i, j), 1e-15, 1e-14);
            ADT_CLOSE(Ja(i, j), Jr(i, j), 1e-15, 1e-14);
            ADT_CLOSE(gi[j], Jr(i, j), 1e-15, 1e-14);
            // central differences
            auto fij = [&](double t) { auto xx = x; xx[j] = t; return vec_f(xx)[i]; };
            ADT_CLOSE(adt::central_difference(fij, x[j]), Jr(i, j), 1e-8, 1e-7);
        }
    }
    // analytic spot checks
    ADT_CLOSE(Jr(0, 0), x[1] * x[2], 1e-15, 1e-14);
    ADT_CLOSE(Jr(1, 1), std::exp(x[0]) * std::cos(x[1]), 1e-15, 1e-14);
    ADT_CLOSE(Jr(2, 2), 2 * x[2] / (1 + x[2] * x[2]), 1e-15, 1e-14);
    // jvp = J v and vjp = uᵀ J
    const std::vector<double> v{0.5, -1.0, 2.0}, u{1.0, -2.0, 0.25, 3.0};
    const auto [y1, Jv] = ad::jvp(vec_f, x, v);
    const auto [y2, uJ] = ad::vjp(vec_f, x, u);
    for (std::size_t i = 0; i < 4; ++i) {
        double want = 0;
        for (std::size_t j = 0; j < 3; ++j) want += Jr(i, j) * v[j];
        ADT_CLOSE(Jv[i], want, 1e-15, 1e-14);
        ADT_CLOSE(y1[i], y2[i], 0.0, 0.0);
    }
    for (std::size_t j = 0; j < 3; ++j) {
        double want = 0;
        for (std::size_t i = 0; i < 4; ++i) want += u[i] * Jr(i, j);
        ADT_CLOSE(uJ[j], want, 1e-15, 1e-14);
    }
}

TEST_CASE("jacobian picks forward for n <= m and reverse otherwise, same answer", "[drivers][jacobian]") {
    auto wide = [](const auto& x) { return x[0] * x[1] + x[2] * x[3] - x[4]; };  // 5 -> 1: reverse
    const std::vector<double> x{1, 2, 3, 4, 5};
    const auto J = ad::jacobian(wide, x);
    CHECK(J.shape() == ad::Shape{1, 5});
    CHECK(J.values() == std::vector<double>{2, 1, 4, 3, -1});
}

namespace {
/// The number of forward passes f sees with each lane count, and f: R^n -> R^(n+1), mixing
/// every input into every output.
struct pass_counter {
    std::map<std::size_t, int> passes;  // lanes -> passes
    auto f() {
        return [this](const auto& x) {
            using X = std::decay_t<decltype(x[0])>;
            if constexpr (requires { X::lanes; }) ++passes[X::lanes];
            using std::sin, std::exp;
            std::vector<X> y;
            X acc(0);
            for (std::size_t k = 0; k < x.size(); ++k) acc = acc + sin(x[k]) * double(k + 1);
            for (std::size_t k = 0; k < x.size(); ++k) y.push_back(exp(x[k]) * acc);
            y.push_back(acc * acc);
            return y;
        };
    }
};
}  // namespace

namespace {
/// Builds a dual with `make` over memory full of 0xAB bytes and checks value v and every lane:
/// zero except lane `seeded` (= N: none), which holds d.
template <class D, class Make>
void check_lanes_built(Make make, double v, std::size_t seeded, double d) {
    alignas(D) unsigned char raw[sizeof(D)];
    std::memset(raw, 0xAB, sizeof raw);
    const D* x = make(static_cast<void*>(raw));
    CHECK(ad::val(x->v) == v);
    for (std::size_t l = 0; l < D::lanes; ++l) {
        INFO("lane " << l << " of " << D::lanes);
        CHECK(x->t[l] == (l == seeded ? d : 0.0));
        if constexpr (ad::is_ad_type_v<typename D::scalar_type>) CHECK(ad::is_exact_zero(x->t[l].t[0]));
    }
    x->~D();
}
template <class T, std::size_t N>
void check_dual_constructors() {
    using D = ad::Dual<T, N>;
    check_lanes_built<D>([](void* m) { return new (m) D(); }, 0.0, N, 0.0);
    check_lanes_built<D>([](void* m) { return new (m) D(2.5); }, 2.5, N, 0.0);
    check_lanes_built<D>([](void* m) { return new (m) D(T(-1.5), T(3.0), N - 1); }, -1.5, N - 1, 3.0);
    const std::vector<D> v(5);  // value-initialised elements
    for (const D& x : v) CHECK(ad::is_exact_zero(x));
}
}  // namespace

TEST_CASE("a dual's constructors zero every lane, at any lane count and over any prior memory", "[drivers][forward]") {
    // lanes of plain numbers are zeroed in blocks of 64 bytes (no `rep stos`): every block boundary
    check_dual_constructors<double, 1>();
    check_dual_constructors<double, 7>();
    check_dual_constructors<double, 8>();
    check_dual_constructors<double, 9>();
    check_dual_constructors<double, 12>();
    check_dual_constructors<double, 16>();
    check_dual_constructors<double, 17>();
    check_dual_constructors<double, 30>();
    check_dual_constructors<float, 15>();
    check_dual_constructors<float, 16>();
    check_dual_constructors<float, 33>();
    check_dual_constructors<ad::Dual<double, 3>, 12>();  // nested: lanes value-initialised
    check_dual_constructors<ad::mp50, 9>();
}

TEST_CASE("forward lanes fitted to the inputs: the same Jacobian, no unused lanes in the last pass", "[drivers][jacobian]") {
    // n -> the passes of jacobian_forward<fit_lanes> by lane count
    const std::map<std::size_t, std::map<std::size_t, int>> want{
        {1, {{1, 1}}}, {2, {{2, 1}}}, {3, {{4, 1}}}, {4, {{4, 1}}}, {5, {{6, 1}}}, {7, {{8, 1}}}, {8, {{8, 1}}},
        {9, {{10, 1}}}, {10, {{10, 1}}}, {13, {{14, 1}}}, {15, {{16, 1}}}, {16, {{16, 1}}}, {17, {{8, 2}, {1, 1}}}, {19, {{8, 2}, {4, 1}}},
        {21, {{8, 2}, {6, 1}}}, {23, {{8, 3}}}, {24, {{8, 3}}}, {100, {{8, 12}, {4, 1}}}};
    for (const auto& [n, passes] : want) {
        INFO("n = " << n);
        std::vector<double> x(n);
        for (std::size_t k = 0; k < n; ++k) x[k] = 0.3 * double(k) - 1.0;
        pass_counter fit, eight;
        const ad::Array<double> Jfit = ad::jacobian_forward<ad::fit_lanes>(fit.f(), x);
        const ad::Array<double> J8 = ad::jacobian_forward<8>(eight.f(), x);
        CHECK(fit.passes == passes);
        CHECK(eight.passes == std::map<std::size_t, int>{{8, int((n + 7) / 8)}});
        CHECK(Jfit.shape() == ad::Shape{n + 1, n});
        CHECK(Jfit.values() == J8.values());  // each lane's arithmetic does not depend on the lane count
        const ad::Array<double> Jr = ad::jacobian_reverse(fit.f(), x);
        for (std::size_t k = 0; k < Jr.size(); ++k) CHECK(Jfit[k] == Approx(Jr[k]).epsilon(1e-14).margin(1e-15));
        // jacobian (n <= m: forward) takes the fitted lanes
        pass_counter chosen;
        CHECK(ad::jacobian(chosen.f(), x).values() == J8.values());
        CHECK(chosen.passes == passes);
        // and with a lane count named (the CLI's): passes of that many lanes
        pass_counter named;
        CHECK(ad::jacobian<8>(named.f(), x).values() == J8.values());
        CHECK(named.passes == eight.passes);
    }
    // no inputs: one pass finds the number of outputs
    const auto J0 = ad::jacobian_forward<ad::fit_lanes>(
        [](const auto& x) {
            using X = std::decay_t<decltype(x[0])>;
            return std::vector<X>{X(2.0)};
        },
        std::vector<double>{});
    CHECK(J0.shape() == ad::Shape{1, 0});
}

TEST_CASE("forward drivers called inside a function being differentiated keep their own input duals",
          "[drivers][forward][nested]") {
    // The drivers keep their input duals in a per-thread buffer, one per nesting depth. Inside
    // f, a forward Jacobian and a jvp of the same size and number type use duals of f's own
    // type: if they took f's buffer they would overwrite the inputs f is still reading.
    const auto inner = [](const auto& v) { return v[0] * v[1] + v[2] * v[2]; };
    const std::vector<double> p{1.0, 2.0, 3.0};
    const std::vector<double> inner_grad{2.0, 1.0, 6.0};
    const auto f = [&](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        using std::sin;
        const ad::Array<double> Ji = ad::jacobian_forward<ad::fit_lanes>(inner, p);        // 4 lanes, as f's
        const auto [value, slope] = ad::jvp([](const auto& u) { return std::vector{u[0] * u[1]}; }, p, p);  // 1 lane
        std::vector<X> y;
        for (std::size_t k = 0; k < v.size(); ++k) y.push_back(X(v[k] * (Ji[k] + slope[0]) + sin(v[k])));
        (void)value;
        return y;
    };
    const std::vector<double> x{0.5, -1.0, 2.0};
    const double slope = 1.0 * 2.0 + 2.0 * 1.0;  // d(u0 u1) along p at p
    const ad::Array<double> J = ad::jacobian_forward<ad::fit_lanes>(f, x);
    REQUIRE(J.shape() == ad::Shape{3, 3});
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 3; ++j) CHECK(J(i, j) == Approx(i == j ? inner_grad[i] + slope + std::cos(x[i]) : 0.0).margin(1e-15));
    // and a jvp inside a jvp (one lane each)
    const auto g = [&](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        const auto [value, t] = ad::jvp([](const auto& u) { return std::vector{u[0] * u[0]}; }, p, p);  // 2 p0 p0 = 2
        return std::vector<X>{X(v[0] * v[1] * t[0] + value[0])};
    };
    const auto [gy, gt] = ad::jvp(g, x, std::vector<double>{1.0, 0.0, 0.0});
    CHECK(gy[0] == Approx(0.5 * -1.0 * 2.0 + 1.0));
    CHECK(gt[0] == Approx(-1.0 * 2.0));
}

TEST_CASE("Hessian of log-sum-exp is the softmax Jacobian diag(s) - s s^T", "[drivers][hessian]") {
    const std::vector<double> z{1, 3, 5, 7};
    const auto r = ad::hessian_full(lse, z);
    const auto s = softmax_of(z);
    for (std::size_t i = 0; i < 4; ++i) {
        ADT_CLOSE(r.gradient[i], s[i], 1e-16, 1e-14);  // ∇ lse = softmax
        for (std::size_t j = 0; j < 4; ++j) {
            const double want = (i == j ? s[i] : 0.0) - s[i] * s[j];
            ADT_CLOSE(r.hessian(i, j), want, 1e-16, 1e-13);
            ADT_CLOSE(r.hessian(i, j), r.hessian(j, i), 1e-17, 1e-15);
        }
    }
    ADT_CLOSE(r.value, 7 + std::log(1 + std::exp(-2.0) + std::exp(-4.0) + std::exp(-6.0)), 1e-15, 1e-15);
    // the seed 001 Jacobian of softmax([1,3,5,7]) (its printed values)
    CHECK(r.hessian(0, 0) == Approx(2.13941201e-03).epsilon(1e-8));
    CHECK(r.hessian(3, 3) == Approx(1.16807938e-01).epsilon(1e-8));
}

TEST_CASE("Hessians: symmetric and equal to analytic ones", "[drivers][hessian]") {
    // Rosenbrock: f = (1 - x)^2 + 100 (y - x^2)^2
    auto rosen = [](const auto& v) { auto a = 1.0 - v[0]; auto b = v[1] - v[0] * v[0]; return a * a + 100.0 * b * b; };
    const double x = 0.8, y = 1.3;
    const auto H = ad::hessian(rosen, std::vector<double>{x, y});
    ADT_CLOSE(H(0, 0), 2 - 400 * (y - x * x) + 800 * x * x, 1e-12, 1e-13);
    ADT_CLOSE(H(0, 1), -400 * x, 1e-12, 1e-13);
    ADT_CLOSE(H(1, 0), -400 * x, 1e-12, 1e-13);
    ADT_CLOSE(H(1, 1), 200.0, 1e-12, 1e-13);
    // a 9-variable function (lanes 4: three passes) — symmetric, and equal to nested duals
    auto g = [](const auto& v) {
        using std::sin, std::exp;
        auto s = v[0] * 0.0;
        for (std::size_t k = 0; k + 1 < v.size(); ++k) s = s + sin(v[k] * v[k + 1]) + exp(0.1 * v[k]) * v[k + 1];
        return s;
    };
    std::vector<double> p(9);
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = 0.1 * double(k) - 0.3;
    const auto Hg = ad::hessian(g, p);
    for (std::size_t i = 0; i < 9; ++i)
        for (std::size_t j = 0; j < 9; ++j) {
            ADT_CLOSE(Hg(i, j), Hg(j, i), 1e-15, 1e-14);
            using DD = ad::Dual<ad::Dual<double>>;
            std::vector<DD> d(9);
            for (std::size_t k = 0; k < 9; ++k) d[k] = DD(ad::Dual<double>(p[k], k == j ? 1.0 : 0.0), ad::Dual<double>(k == i ? 1.0 : 0.0));
            ADT_CLOSE(Hg(i, j), g(d).t[0].t[0], 1e-14, 1e-13);
        }
}

TEST_CASE("hessian_forward (forward over forward) = hessian_full (forward over reverse) = analytic", "[drivers][hessian]") {
    // log-sum-exp: H = diag(s) - s s^T, gradient s
    const std::vector<double> z{1, 3, 5, 7};
    const auto f = ad::hessian_forward(lse, z);
    const auto r = ad::hessian_full(lse, z);
    const auto s = softmax_of(z);
    CHECK(f.value == r.value);
    for (std::size_t i = 0; i < 4; ++i) {
        ADT_CLOSE(f.gradient[i], s[i], 1e-16, 1e-14);
        ADT_CLOSE(f.gradient[i], r.gradient[i], 1e-17, 1e-15);
        for (std::size_t j = 0; j < 4; ++j) {
            ADT_CLOSE(f.hessian(i, j), (i == j ? s[i] : 0.0) - s[i] * s[j], 1e-16, 1e-13);
            ADT_CLOSE(f.hessian(i, j), r.hessian(i, j), 1e-17, 1e-14);
            CHECK(f.hessian(i, j) == f.hessian(j, i));  // one pass per pair: exactly symmetric
        }
    }
    // Rosenbrock's analytic Hessian
    auto rosen = [](const auto& v) { auto a = 1.0 - v[0]; auto b = v[1] - v[0] * v[0]; return a * a + 100.0 * b * b; };
    const auto h = ad::hessian_forward(rosen, std::vector<double>{0.8, 1.3});
    CHECK(h.hessian(0, 0) == Approx(2 - 400 * (1.3 - 0.64) + 800 * 0.64).epsilon(1e-14));
    CHECK(h.hessian(0, 1) == Approx(-400 * 0.8).epsilon(1e-14));
    CHECK(h.hessian(1, 1) == Approx(200.0).epsilon(1e-14));
    CHECK(h.gradient[1] == Approx(200 * (1.3 - 0.64)).epsilon(1e-14));
    // 50 digits
    using ad::mp50;
    using std::abs;
    const std::vector<mp50> zm{mp50(1), mp50(3), mp50(5), mp50(7)};
    const auto fm = ad::hessian_forward(lse, zm);
    const auto sm = softmax_of(zm);
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) CHECK(abs(fm.hessian(i, j) - ((i == j ? sm[i] : mp50(0)) - sm[i] * sm[j])) < mp50("1e-45"));
    // no variables: the value only; a vector output is a size_error
    const auto c = ad::hessian_forward([](const auto& v) { return std::decay_t<decltype(v[0])>(2.5) + 0.0 * v.size(); },
                                       std::vector<double>{});
    CHECK(c.value == 2.5);
    CHECK(c.hessian.size() == 0);
    CHECK_THROWS_AS(ad::hessian_forward([](const auto& v) { return v; }, std::vector<double>{1, 2}), ad::size_error);
}

TEST_CASE("50 and 100 digits: AD equals the analytic derivatives to < 1e-45 / 1e-95", "[drivers][multiprecision]") {
    using ad::mp50;
    using ad::mp100;
    using std::abs;
    const std::vector<mp50> z{mp50(1), mp50(3), mp50(5), mp50(7)};
    const auto s = softmax_of(z);
    const auto r = ad::hessian_full(lse, z);
    const auto Jf = ad::jacobian_forward([](const auto& x) { return softmax_of(x); }, z);
    const auto Jr = ad::jacobian_reverse([](const auto& x) { return softmax_of(x); }, z);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(abs(r.gradient[i] - s[i]) < mp50("1e-45"));
        for (std::size_t j = 0; j < 4; ++j) {
            const mp50 want = (i == j ? s[i] : mp50(0)) - s[i] * s[j];
            CHECK(abs(r.hessian(i, j) - want) < mp50("1e-45"));
            CHECK(abs(Jf(i, j) - want) < mp50("1e-45"));
            CHECK(abs(Jr(i, j) - want) < mp50("1e-45"));
        }
    }
    const auto g100 = ad::gradient(lse, std::vector<mp100>{mp100(1), mp100(3), mp100(5), mp100(7)});
    const auto s100 = softmax_of(std::vector<mp100>{mp100(1), mp100(3), mp100(5), mp100(7)});
    for (std::size_t i = 0; i < 4; ++i) CHECK(abs(g100[i] - s100[i]) < mp100("1e-95"));
}

TEST_CASE("higher-order derivatives by nesting duals K deep", "[drivers][forward][nested]") {
    // sin: the derivatives cycle sin, cos, −sin, −cos, ...
    const auto d = ad::derivatives<5>([](const auto& x) { using std::sin; return sin(x); }, 0.7);
    const double want[] = {std::sin(0.7), std::cos(0.7), -std::sin(0.7), -std::cos(0.7), std::sin(0.7), std::cos(0.7)};
    for (std::size_t k = 0; k <= 5; ++k) ADT_CLOSE(d[k], want[k], 1e-15, 1e-14);
    // x^6: 6!/(6−k)! x^(6−k), exact in integers at x = 2
    const auto p = ad::derivatives<7>([](const auto& x) { return ad::pow(x, 6); }, ad::Dual<double>(2.0).v);
    const double pw[] = {64, 192, 480, 960, 1440, 1440, 720, 0};
    for (std::size_t k = 0; k <= 7; ++k) CHECK(p[k] == pw[k]);
    // exp(2x) at 50 digits: 2^k e^(2x)
    using ad::mp50;
    const auto e = ad::derivatives<4>([](const auto& x) { using std::exp; return exp(2 * x); }, mp50("0.25"));
    using std::exp, std::abs;
    for (std::size_t k = 0; k <= 4; ++k) CHECK(abs(e[k] - mp50(1 << k) * exp(mp50("0.5"))) < mp50("1e-45"));
}

namespace {
/// Terms of a sum exercising every kind of statement: expressions left unsettled (returned
/// as Pendings), a constant term, a term that is an input itself, a fused rule, array
/// statements (40 elements), and terms of different sizes.
struct sum_terms {
    template <class V>
    auto operator()(std::size_t i, const V& v) const {
        using std::exp, std::log, std::sin;
        using X = std::remove_cvref_t<decltype(v[0])>;
        const std::size_t n = v.size();
        switch (i % 6) {
        case 0: {  // a scalar loop, its last operation unsettled
            X s = v[i % n];
            for (std::size_t k = 0; k < 3 + i % 5; ++k) s += v[(i + k) % n] * sin(s);
            return X(exp(s * 0.1) * v[(i + 1) % n]);
        }
        case 1: return i == 7 ? X(2.5) : X(log(1.0 + v[0] * v[0] * double(i)));  // term 7: a constant
        case 2: return i == 8 ? v[1] : X(v[2] / (1.5 + v[i % n] * v[i % n]));    // term 8: an input
        case 3: {  // the fused cross-entropy of a row of 5 logits
            std::vector<X> z;
            for (std::size_t k = 0; k < 5; ++k) z.push_back(v[(i + k) % n] * double(k + 1));
            return X(ad::cross_entropy(ad::Array<X>(ad::Shape{5}, z), {i % 5})[0]);
        }
        case 4: {  // array statements over 40 elements
            std::vector<X> z;
            for (std::size_t k = 0; k < 40; ++k) z.push_back(v[k % n]);
            const ad::Array<X> a(ad::Shape{40}, z);
            return X(ad::sum(ad::exp(a * (0.01 * double(i)))) / double(i));
        }
        default: return X(v[i % n] * v[(i + 2) % n] - v[(i + 3) % n]);
        }
    }
};
}  // namespace

TEST_CASE("a checkpointed sum gives the whole sum's value and reverse-mode gradient bit for bit",
          "[drivers][checkpointed]") {
    const sum_terms term;
    auto whole = [&](std::size_t count) {
        return [&term, count](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            X s = term(0, v);
            for (std::size_t i = 1; i < count; ++i) s = s + term(i, v);
            return s;
        };
    };
    const std::vector<double> x{0.3, -0.7, 1.1, 0.45, -1.3};
    for (const std::size_t count : {std::size_t(1), std::size_t(9), std::size_t(40)}) {
        INFO(count << " terms");
        const auto reference = ad::value_and_gradient(whole(count), x);
        const auto by_term = ad::value_and_gradient_of_sum(term, count, x);
        const auto forward = ad::jacobian_forward(whole(count), x);
        CHECK(by_term.first == reference.first);
        for (std::size_t j = 0; j < x.size(); ++j) {
            INFO("entry " << j);
            CHECK(by_term.second[j] == reference.second[j]);
            CHECK(by_term.second[j] == Approx(forward[j]).epsilon(1e-13));
        }
        // checked mode records every operation on its own, in both: the same again
        const ad::checked_scope checked;
        const auto ref_checked = ad::value_and_gradient(whole(count), x);
        const auto by_term_checked = ad::value_and_gradient_of_sum(term, count, x);
        CHECK(by_term_checked.first == ref_checked.first);
        CHECK(by_term_checked.second == ref_checked.second);
    }
    // 50 digits, and a sum whose terms are all constants (no sweep at all)
    const std::vector<ad::mp50> x50(x.begin(), x.end());
    const auto reference50 = ad::value_and_gradient(whole(12), x50);
    const auto by_term50 = ad::value_and_gradient_of_sum(term, 12, x50);
    CHECK(by_term50.first == reference50.first);
    CHECK(by_term50.second == reference50.second);
    auto constants = [](std::size_t i, const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return X(double(i) + 0.5);
    };
    const auto none = ad::value_and_gradient_of_sum(constants, 4, x);
    CHECK(none.first == 0.5 + 1.5 + 2.5 + 3.5);
    CHECK(none.second == std::vector<double>(x.size(), 0.0));
    // a gradient taken between two sums on the same thread starts from zero adjoints
    const auto again = ad::value_and_gradient_of_sum(term, 9, x);
    CHECK(again.second == ad::value_and_gradient_of_sum(term, 9, x).second);
    CHECK(ad::gradient(whole(9), x) == again.second);
}
