#pragma once
/// \file common.hpp
/// Shared pieces of the benchmark suite: the deterministic inputs every contender gets, the
/// closed forms their outputs are checked against before timing (a mismatch aborts the run),
/// and the registration helper that names every benchmark "<workload>/<contender>/<size>".
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace bench {

/// Logits in [−10, 10], deterministic (golden-ratio sequence), the same for every contender.
inline std::vector<double> logits(std::size_t q, std::size_t salt = 0) {
    std::vector<double> z(q);
    for (std::size_t i = 0; i < q; ++i) {
        const double u = std::fmod(0.5 + 0.6180339887498949 * double(i + 1 + 7 * salt), 1.0);
        z[i] = -10.0 + 20.0 * u;
    }
    return z;
}
/// The fixed target class of a Q-way problem.
inline std::size_t target(std::size_t q) { return q / 3; }

/// Stable softmax p = exp(z − max z) / Σ exp(z − max z) (closed form, double).
inline std::vector<double> softmax(const std::vector<double>& z) {
    double m = z[0];
    for (double v : z) m = v > m ? v : m;
    std::vector<double> p(z.size());
    double s = 0;
    for (std::size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp(z[i] - m);
    for (double& v : p) v /= s;
    return p;
}
/// ∇ CE(softmax(z), t) = p − onehot(t) (closed form).
inline std::vector<double> ce_gradient(const std::vector<double>& z, std::size_t t) {
    auto g = softmax(z);
    g[t] -= 1.0;
    return g;
}

/// Aborts the benchmark run (exit code 3) naming the contender when `got` is not `want`
/// within |got − want| ≤ tol·(1 + |want|) elementwise.
inline void check(const std::string& who, const std::vector<double>& got, const std::vector<double>& want,
                  double tol = 1e-10) {
    bool ok = got.size() == want.size();
    std::size_t bad = 0;
    for (std::size_t i = 0; ok && i < got.size(); ++i)
        if (!(std::abs(got[i] - want[i]) <= tol * (1.0 + std::abs(want[i])))) ok = false, bad = i;
    if (!ok) {
        std::fprintf(stderr, "bench: %s gives a wrong result (size %zu vs %zu, entry %zu: %.17g vs %.17g)\n",
                     who.c_str(), got.size(), want.size(), bad, bad < got.size() ? got[bad] : 0.0,
                     bad < want.size() ? want[bad] : 0.0);
        std::exit(3);
    }
}

/// Registers `fn(state, n)` as "<workload>/<contender>/<n>" (returned for further settings).
inline benchmark::internal::Benchmark* add(const std::string& workload, const std::string& contender, long n,
                                           std::function<void(benchmark::State&, long)> fn) {
    const std::string name = workload + "/" + contender + "/" + std::to_string(n);
    return benchmark::RegisterBenchmark(name.c_str(), [fn, n](benchmark::State& s) { fn(s, n); })
        ->Unit(benchmark::kMicrosecond);
}

/// Runs `f` once at static-initialisation time (used to register a file's benchmarks).
struct registrar {
    template <class F>
    explicit registrar(F f) { f(); }
};

}  // namespace bench
