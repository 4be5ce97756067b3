// 10^6 repeated gradients and Jacobians leave memory flat: the drivers' scratch tape keeps
// its capacity after warm-up (no growth, no reallocation), and the process's resident set
// stays bounded. ADIFF_MEMORY_ITERATIONS lowers the count (the valgrind/LSan CI stage uses it).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/reliability/functions.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ADIFF_REL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ADIFF_REL_SANITIZED 1
#endif
#endif
#ifndef ADIFF_REL_SANITIZED
#define ADIFF_REL_SANITIZED 0
#endif

namespace {

long iterations() {
    const char* s = std::getenv("ADIFF_MEMORY_ITERATIONS");
    return s ? std::max(1L, std::atol(s)) : 1'000'000L;
}

/// The RSS bound is checked only for long runs (≥ 10^5 iterations) of uninstrumented
/// binaries: sanitizers and valgrind (ci_leaks.sh sets ADIFF_SKIP_RSS_CHECK) inflate the RSS.
bool rss_check_applies(long n) {
    return !ADIFF_REL_SANITIZED && n >= 100000 && std::getenv("ADIFF_SKIP_RSS_CHECK") == nullptr;
}

/// Resident set size in bytes (Linux /proc/self/statm), 0 if unavailable.
std::size_t rss_bytes() {
    std::ifstream f("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    if (!(f >> pages >> resident)) return 0;
    return resident * std::size_t(sysconf(_SC_PAGESIZE));
}

/// Capacity of the depth-0 scratch tape the drivers use on this thread.
template <class T>
std::size_t driver_tape_capacity() {
    ad::detail::scratch_tape<T> t;  // outside any driver this is the drivers' depth-0 tape
    return (*t).capacity_bytes();
}

}  // namespace

TEST_CASE("10^6 gradients and Jacobians: the driver tape stays the same size after warm-up",
          "[reliability][memory][reverse]") {
    const long n = iterations();
    const std::vector<double> x0{0.3, -0.7, 1.1, 0.2, -1.5};
    // Warm up: the largest recordings first, so every later one fits.
    for (int k = 0; k < 10; ++k) {
        (void)ad::gradient(rel::rosenbrock, x0);
        (void)ad::jacobian_reverse(rel::softmax, x0);
        (void)ad::gradient(rel::trig, x0);
    }
    const std::size_t cap0 = driver_tape_capacity<double>();
    REQUIRE(cap0 > 0);
    const std::size_t rss0 = rss_bytes();
    std::size_t cap_max = cap0;
    double checksum = 0;
    long bad = 0;
    std::vector<double> x = x0;
    for (long k = 0; k < n; ++k) {
        x[k % 5] = x0[k % 5] + 1e-7 * double(k % 1000);
        if (k % 2 == 0) {
            const auto g = ad::gradient(rel::rosenbrock, x);
            checksum += g[0];
            if (k % 4096 == 0) bad += !rel::near(g[1], rel::rosenbrock_gradient(x)[1]);
        } else {
            const auto j = ad::jacobian_reverse(rel::softmax, x);
            checksum += j[0];
            if (k % 4097 == 1) bad += !rel::near(j(1, 2), rel::softmax_jacobian(x)[1 * 5 + 2]);
        }
        if (k % 65536 == 0) cap_max = std::max(cap_max, driver_tape_capacity<double>());
    }
    cap_max = std::max(cap_max, driver_tape_capacity<double>());
    const std::size_t rss1 = rss_bytes();
    INFO("iterations " << n << ", tape capacity " << cap0 << " -> " << cap_max << " bytes, RSS " << rss0 << " -> "
                       << rss1 << " bytes");
    CHECK(bad == 0);
    CHECK(std::isfinite(checksum));
    CHECK(cap_max == cap0);
    if (rss_check_applies(n) && rss0 > 0) CHECK(rss1 <= rss0 + 4u * 1024u * 1024u);  // 4 MiB slack
}

TEST_CASE("10^6 recordings on one explicit tape reuse the same memory", "[reliability][memory][reverse]") {
    const long n = iterations();
    ad::Tape<double> tape;
    auto once = [&](double a, double b) {
        ad::recording<double> rec(tape);
        const auto x = ad::Var<double>::input(a);
        const auto y = ad::Var<double>::input(b);
        const ad::Var<double> f = sin(x) * exp(y) + x / (1.0 + y * y);
        tape.gradient_of(f.i);
        return std::pair{tape.adjoints()[x.i], tape.adjoints()[y.i]};
    };
    (void)once(0.1, 0.2);
    const std::size_t cap0 = tape.capacity_bytes();
    const std::size_t size0 = tape.size();
    long bad = 0;
    for (long k = 0; k < n; ++k) {
        const double a = 0.5 + 1e-6 * double(k % 1000), b = -0.25;
        const auto [ga, gb] = once(a, b);
        if (k % 9973 == 0) {
            const double ea = std::cos(a) * std::exp(b) + 1.0 / (1.0 + b * b);
            const double eb = std::sin(a) * std::exp(b) - a * 2.0 * b / ((1.0 + b * b) * (1.0 + b * b));
            bad += !rel::near(ga, ea) || !rel::near(gb, eb);
        }
        if (tape.capacity_bytes() != cap0) {
            FAIL_CHECK("capacity changed at iteration " << k << ": " << cap0 << " -> " << tape.capacity_bytes());
            break;
        }
    }
    CHECK(bad == 0);
    CHECK(tape.size() == size0);
    CHECK(tape.capacity_bytes() == cap0);
}

TEST_CASE("10^5 Hessians leave the Var<Dual> tape pool flat", "[reliability][memory][hessian]") {
    const long n = std::max(1L, iterations() / 10);
    const std::vector<double> x{0.3, -0.7, 1.1, 0.2};
    (void)ad::hessian(rel::rosenbrock, x);
    const std::size_t cap0 = driver_tape_capacity<ad::Dual<double, 4>>();
    REQUIRE(cap0 > 0);
    const auto he = rel::rosenbrock_hessian(x);
    long bad = 0;
    for (long k = 0; k < n; ++k) {
        const auto h = ad::hessian(rel::rosenbrock, x);
        if (k % 1000 == 0)
            for (std::size_t i = 0; i < he.size(); ++i) bad += !rel::near(h[i], he[i], 1e-9);
    }
    CHECK(bad == 0);
    CHECK(driver_tape_capacity<ad::Dual<double, 4>>() == cap0);
}
