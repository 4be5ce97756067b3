// Tapes are thread-local: several threads record and sweep at once (gradients, Jacobians in
// both modes, Hessians by forward-over-reverse and by nesting drivers) and every result is
// checked against its closed form; and several threads make a process's first calls to the
// elementary functions at 50 and 100 digits, and to the gamma family there and in long double,
// at once (Boost fills its caches and numeric limits on first use). Catch2 assertions are not
// thread-safe, so workers count their failures and keep the first message; the main thread
// asserts on those.
// scripts/ci_tsan.sh runs this file under ThreadSanitizer.
#include "support/thread_failures.hpp"
#include <atomic>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include <catch2/catch.hpp>

#include "ad/core/multiprecision.hpp"
#include "ad/errors.hpp"
#include "tests/reliability/functions.hpp"

namespace {

using adiff_test::failures;
using adiff_test::iterations;

/// A point that differs per thread and per iteration, so threads cannot share results.
std::vector<double> point(int thread, int it, std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = 0.1 * thread - 0.3 + 0.05 * double(i) + 0.001 * (it % 97);
    return x;
}

/// One worker's mixed workload; every result is compared with the closed form.
void work(int thread, int n_iter, failures& f) {
    const std::string tag = "thread " + std::to_string(thread) + ": ";
    for (int it = 0; it < n_iter; ++it) {
        const std::size_t n = 3 + std::size_t((thread + it) % 5);
        const auto x = point(thread, it, n);

        // Reverse gradient.
        const auto [v, g] = ad::value_and_gradient(rel::rosenbrock, x);
        f.check(rel::near(v, rel::rosenbrock(x)), tag + "rosenbrock value");
        const auto ge = rel::rosenbrock_gradient(x);
        for (std::size_t i = 0; i < n; ++i) f.check(rel::near(g[i], ge[i]), tag + "rosenbrock gradient");
        const auto gt = ad::gradient(rel::trig, x);
        const auto gte = rel::trig_gradient(x);
        for (std::size_t i = 0; i < n; ++i) f.check(rel::near(gt[i], gte[i]), tag + "trig gradient");

        // Jacobians in both modes.
        const auto je = rel::softmax_jacobian(x);
        const auto jr = ad::jacobian_reverse(rel::softmax, x);
        const auto jf = ad::jacobian_forward<4>(rel::softmax, x);
        for (std::size_t k = 0; k < n * n; ++k) {
            f.check(rel::near(jr[k], je[k]), tag + "softmax Jacobian (reverse)");
            f.check(rel::near(jf[k], je[k]), tag + "softmax Jacobian (forward)");
        }

        // Hessian: forward-over-reverse driver, and nested drivers (forward Jacobian of a
        // reverse gradient: the inner driver records Var<Dual> on this thread's tape pool).
        const auto he = rel::rosenbrock_hessian(x);
        const auto h = ad::hessian(rel::rosenbrock, x);
        const auto hn = ad::jacobian_forward<4>([](const auto& xd) { return ad::gradient(rel::rosenbrock, xd); }, x);
        for (std::size_t k = 0; k < n * n; ++k) {
            f.check(rel::near(h[k], he[k], 1e-9), tag + "rosenbrock Hessian");
            f.check(rel::near(hn[k], he[k], 1e-9), tag + "nested Hessian (jacobian_forward of gradient)");
        }

        // A driver called from inside a function being differentiated (scratch tape depth 2).
        const auto outer = ad::gradient(
            [](const auto& xv) {
                const auto inner = ad::gradient(rel::trig, std::vector<double>{0.5, -0.25});
                return xv[0] * inner[0] + xv[1] * inner[1];
            },
            x);
        const auto ie = rel::trig_gradient({0.5, -0.25});
        f.check(rel::near(outer[0], ie[0]) && rel::near(outer[1], ie[1]), tag + "driver inside a driver");
    }
}

}  // namespace

TEST_CASE("tapes are thread-local: concurrent gradients, Jacobians and Hessians are all correct",
          "[reliability][threads][reverse][forward]") {
    const int n_threads = 4;
    const int n_iter = iterations(300);
    failures f;
    std::latch start(n_threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < n_threads; ++t)
        pool.emplace_back([&, t] {
            start.arrive_and_wait();  // all threads record at the same time
            try {
                work(t, n_iter, f);
            } catch (const std::exception& e) {
                f.check(false, std::string("exception: ") + e.what());
            }
        });
    for (auto& th : pool) th.join();
    INFO("first failure: " << f.first);
    CHECK(f.count.load() == 0);
    // Per iteration: 1 + 2n + 2n² + 2n² + 1 checks with n in 3..7; at least 45 each.
    CHECK(f.checks.load() >= long(n_threads) * n_iter * 45);
}

TEST_CASE("a thread that is not recording cannot extend another thread's tape",
          "[reliability][threads][reverse]") {
    // x lives on the main thread's tape; on a second thread there is no active tape, so
    // using x must throw tape_error instead of writing into the main thread's tape.
    ad::Tape<double> tape;
    ad::recording<double> rec(tape);
    const auto x = ad::Var<double>::input(2.0);
    const std::size_t before = tape.size();
    std::string message;
    bool threw = false;
    std::thread([&] {
        try {
            const ad::Var<double> y = exp(x);  // recorded when stored: no tape here
            (void)y;
        } catch (const ad::tape_error& e) {
            threw = true;
            message = e.what();
        }
    }).join();
    CHECK(threw);
    CHECK_THAT(message, Catch::Contains("no active tape"));
    CHECK(tape.size() == before);
    // The main thread still records normally.
    const ad::Var<double> y = exp(x);
    CHECK(y.active());
    CHECK(tape.size() == before + 1);
}

TEST_CASE("each thread has its own tape even when all record at once", "[reliability][threads][reverse]") {
    // Threads record on explicit tapes of different lengths at the same time; each tape
    // holds exactly its own statements and gives its own gradient.
    const int n_threads = 4;
    std::vector<std::size_t> sizes(n_threads);
    std::vector<double> grads(n_threads);
    std::latch start(n_threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < n_threads; ++t)
        pool.emplace_back([&, t] {
            ad::Tape<double> tape;
            start.arrive_and_wait();
            ad::recording<double> rec(tape);
            auto x = ad::Var<double>::input(1.0);
            auto y = x;
            for (int k = 0; k < 1000 * (t + 1); ++k) y = y * 1.0001;  // (t+1)·1000 statements
            tape.gradient_of(y.i);
            sizes[t] = tape.size();
            grads[t] = tape.adjoints()[x.i];
        });
    for (auto& th : pool) th.join();
    for (int t = 0; t < n_threads; ++t) {
        INFO("thread " << t);
        CHECK(sizes[t] == std::size_t(1 + 1000 * (t + 1)));
        CHECK(rel::near(grads[t], std::pow(1.0001, 1000 * (t + 1))));
    }
}

namespace {
/// ψ⁽ⁿ⁾, lgamma and ψ at a few points (thread t starts with function t, so different functions
/// make their first calls at once), and ψ's reverse-mode derivative (which is ψ⁽¹⁾).
template <class T>
std::vector<T> gamma_family(const T& x0, int t) {
    std::vector<T> r(13);
    for (int k = 0; k < 3; ++k) {
        const T x = x0 + T(k) / T(4);
        for (int f = 0; f < 4; ++f) {
            const int which = (f + t) % 4;
            r[std::size_t(4 * k + which)] = which == 0   ? ad::lgamma(x)
                                            : which == 1 ? ad::digamma(x)
                                            : which == 2 ? ad::polygamma(T(3), x)
                                                         : ad::lgamma(T(-x));  // reflection
        }
    }
    r[12] = ad::gradient([](const auto& v) { using ad::digamma; return digamma(v[0]); }, std::vector<T>{x0})[0];
    return r;
}

/// The elementary functions at a few points, and a reverse-mode gradient through them.
template <class T>
std::vector<T> elementary(const T& x0) {
    using std::exp, std::log, std::sqrt, std::sin, std::cos, std::tan, std::atan, std::tanh, std::pow;
    std::vector<T> r;
    for (int k = 0; k < 3; ++k) {
        const T x = x0 + T(k) / T(4);
        for (const T& v : {exp(x), log(x), sqrt(x), sin(x), cos(x), tan(x), atan(x), tanh(x), pow(x, T(1) / T(3)),
                           ad::log1p(x), ad::expm1(x), ad::erf(x), ad::asinh(x)})
            r.push_back(v);
    }
    const auto g = ad::gradient([](const auto& v) {
        using std::exp, std::log, std::sin, std::atan;
        return exp(v[0]) * log(v[1]) + sin(v[0] * v[1]) + atan(v[1]);
    }, std::vector<T>{x0, T(x0 + T(1))});
    r.insert(r.end(), g.begin(), g.end());
    return r;
}

/// Several threads make the first calls of this process to `family` at type T at once (Boost
/// fills caches and constants lazily: ops/rules/gamma.hpp drops Boost's start-up warm-ups for
/// multiprecision types), and each gets the values the main thread computes afterwards, bit for
/// bit; entry `at` is checked against `want_at` (50 digits, from mpmath).
template <class T, class Family>
void first_use_from_threads(const char* type, Family family, std::size_t at, const char* want_at) {
    const int n_threads = 4;
    std::vector<std::vector<T>> got(n_threads);
    std::latch start(n_threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < n_threads; ++t)
        pool.emplace_back([&, t] {
            start.arrive_and_wait();
            got[t] = family(T(2.5), t);
        });
    for (auto& th : pool) th.join();
    const std::vector<T> want = family(T(2.5), 0);
    INFO(type);
    REQUIRE(want.size() > at);
    using std::abs;
    const T ref = static_cast<T>(ad::mp50(want_at));
    const T tol = std::is_same_v<T, long double> ? T(1e-17L) : static_cast<T>(ad::mp50("1e-40"));
    CHECK(abs(want[at] - ref) < tol);
    for (int t = 0; t < n_threads; ++t) CHECK(got[t] == want);
}
}  // namespace

TEST_CASE("the elementary functions' first use at 50 and 100 digits is safe from several threads",
          "[reliability][threads][functions]") {
    // entry 1: log(2.5)
    const char* log25 = "0.91629073187415506518352721176801107145010121990826";
    first_use_from_threads<ad::mp100>("mp100", [](const auto& x, int) { return elementary(x); }, 1, log25);
    first_use_from_threads<ad::mp50>("mp50", [](const auto& x, int) { return elementary(x); }, 1, log25);
}

TEST_CASE("the gamma family's first use at 50 and 100 digits and in long double is safe from several threads",
          "[reliability][threads][functions]") {
    // entry 2: ψ⁽³⁾(2.5)
    const char* psi3 = "0.22390584881725205125514750351992606454240048750024";
    first_use_from_threads<ad::mp100>("mp100", [](const auto& x, int t) { return gamma_family(x, t); }, 2, psi3);
    first_use_from_threads<ad::mp50>("mp50", [](const auto& x, int t) { return gamma_family(x, t); }, 2, psi3);
    first_use_from_threads<long double>("long double", [](const auto& x, int t) { return gamma_family(x, t); }, 2, psi3);
}
