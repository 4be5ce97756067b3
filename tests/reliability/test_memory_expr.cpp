// CLI-style evaluations leave memory flat: the expression is parsed, evaluated and
// differentiated (reverse mode and symbolically) over and over, as `adiff grad` does; the
// resident set stays bounded and the global symbolic graph does not grow once the expression
// has been seen (hash-consing finds every node again). ADIFF_MEMORY_ITERATIONS lowers the count.
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "ad/drivers/gradient.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ADIFF_REL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ADIFF_REL_SANITIZED 1
#endif
#endif
#ifndef ADIFF_REL_SANITIZED
#define ADIFF_REL_SANITIZED 0
#endif

namespace {

long iterations(long fallback) {
    const char* s = std::getenv("ADIFF_MEMORY_ITERATIONS");
    return s ? std::max(1L, std::atol(s)) : fallback;
}

/// The RSS bound is checked only for long runs (≥ 10^5 iterations) of uninstrumented
/// binaries: sanitizers and valgrind (ci_leaks.sh sets ADIFF_SKIP_RSS_CHECK) inflate the RSS.
bool rss_check_applies(long n) {
    return !ADIFF_REL_SANITIZED && n >= 100000 && std::getenv("ADIFF_SKIP_RSS_CHECK") == nullptr;
}

std::size_t rss_bytes() {
    std::ifstream f("/proc/self/statm");
    std::size_t pages = 0, resident = 0;
    if (!(f >> pages >> resident)) return 0;
    return resident * std::size_t(sysconf(_SC_PAGESIZE));
}

const char* source = "s = softmax(z); -log(s[1]) + x * sum(z * z) / (1 + x^2)";

/// One `adiff grad`-style evaluation: parse, bind, record, sweep; returns ∂/∂x.
double grad_once(double x) {
    const auto prog = ad::lang::parse(source);
    std::vector<double> in{x, 0.5, -1.0, 2.0};
    const auto g = ad::gradient(
        [&](const auto& v) {
            using X = std::decay_t<decltype(v[0])>;
            ad::lang::Env<X> env;
            env.emplace("x", ad::Array<X>(ad::Shape{}, std::vector<X>{v[0]}));
            env.emplace("z", ad::Array<X>(ad::Shape{3}, std::vector<X>{v[1], v[2], v[3]}));
            return ad::lang::evaluate(prog, env)[0];
        },
        in);
    return g[0];
}

}  // namespace

TEST_CASE("10^6 parse + evaluate + gradient runs leave memory flat", "[reliability][memory][expr]") {
    const long n = iterations(1'000'000);
    // ∂/∂x of x·S/(1 + x²) with S = Σz² = 5.25: S(1 − x²)/(1 + x²)².
    const double x0 = 0.75, expected = 5.25 * (1 - x0 * x0) / ((1 + x0 * x0) * (1 + x0 * x0));
    for (int k = 0; k < 100; ++k) (void)grad_once(x0);
    const std::size_t rss0 = rss_bytes();
    long bad = 0;
    for (long k = 0; k < n; ++k) {
        const double g = grad_once(x0);
        if (k % 1000 == 0) bad += std::abs(g - expected) > 1e-12;
    }
    const std::size_t rss1 = rss_bytes();
    INFO("iterations " << n << ", RSS " << rss0 << " -> " << rss1 << " bytes");
    CHECK(bad == 0);
    if (rss_check_applies(n) && rss0 > 0) CHECK(rss1 <= rss0 + 4u * 1024u * 1024u);
}

TEST_CASE("repeated symbolic derivatives of the same expression do not grow the graph", "[reliability][memory][symbolic]") {
    const long n = std::max(1L, iterations(1'000'000) / 100);
    auto once = [] {
        const auto prog = ad::lang::parse(source);
        ad::lang::Env<ad::sym::Expr> env;
        const ad::sym::Expr x = ad::sym::symbol("x");
        std::vector<ad::sym::Expr> z{ad::sym::symbol("z", "[0]", 0), ad::sym::symbol("z", "[1]", 1), ad::sym::symbol("z", "[2]", 2)};
        env.emplace("x", ad::Array<ad::sym::Expr>(ad::Shape{}, std::vector<ad::sym::Expr>{x}));
        env.emplace("z", ad::Array<ad::sym::Expr>(ad::Shape{3}, z));
        const auto y = ad::lang::evaluate(prog, env)[0];
        std::vector<ad::sym::Expr> wrt{x, z[0], z[1], z[2]};
        const auto g = ad::sym::gradient(y, wrt);
        std::unordered_map<std::uint32_t, double> at{{x.id(), 0.75}, {z[0].id(), 0.5}, {z[1].id(), -1.0}, {z[2].id(), 2.0}};
        return ad::sym::evaluate<double>(std::span<const ad::sym::Expr>(g.data(), 1), at)[0];
    };
    const double expected = 5.25 * (1 - 0.5625) / ((1 + 0.5625) * (1 + 0.5625));
    CHECK(std::abs(once() - expected) < 1e-12);
    const std::size_t nodes = ad::sym::graph_size();
    for (long k = 0; k < n; ++k) (void)once();
    CHECK(ad::sym::graph_size() == nodes);
    CHECK(std::abs(once() - expected) < 1e-12);
}
