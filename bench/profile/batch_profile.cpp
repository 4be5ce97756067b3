/// \file batch_profile.cpp
/// The batch cross-entropy gradient of workload (8) (bench/batch.hpp) as a user's process runs
/// it: glibc's default malloc settings (the suite raises the trim and mmap thresholds for every
/// contender, bench/environment.cpp), the first call of the process, then the next ones:
///   adiff_batch_profile MODE M [Q]
/// MODE: function (the plain function, its scratch reused) | array (ad::value_and_gradient on
/// an Array: the fused cross_entropy rule) | vector (the flat-vector driver, f copying its
/// argument into an Array, as the suite's rows did before the Array drivers). Prints the first
/// call's wall time and the median of the next five (a rough figure on a shared machine);
/// under callgrind, --toggle-collect='*steady_call*' counts one steady call.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ad/adiff.hpp"
#include "batch.hpp"

namespace {
std::size_t M = 1000, Q = 100;
std::string mode;
std::vector<double> z, buffer;
ad::Array<double> za;
std::vector<std::size_t> targets;
volatile double sink;

[[gnu::noinline]] void run() {
    if (mode == "function") {
        sink = bench::batch_ce_function(z.data(), M, Q, buffer);
    } else if (mode == "array") {
        const auto f = [](const auto& X) { return bench::batch_ce_fused(X, targets); };
        sink = ad::value_and_gradient(f, za).second[0];
    } else if (mode == "vector") {
        const auto f = [](const auto& x) {
            using X = std::decay_t<decltype(x[0])>;
            return bench::batch_ce_fused(ad::Array<X>(ad::Shape{M, Q}, x), targets);
        };
        sink = ad::value_and_gradient(f, z).second[0];
    }
}
[[gnu::noinline]] void first_call() { run(); }
[[gnu::noinline]] void steady_call() { run(); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || (std::string(argv[1]) != "function" && std::string(argv[1]) != "array" && std::string(argv[1]) != "vector")) {
        std::fprintf(stderr, "usage: %s function|array|vector M [Q]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    M = std::stoul(argv[2]);
    if (argc > 3) Q = std::stoul(argv[3]);
    z = bench::batch_logits(long(M), long(Q)).values();
    za = ad::Array<double>(ad::Shape{M, Q}, z);
    targets = bench::batch_targets(M, Q);
    using clock = std::chrono::steady_clock;
    const auto ms = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
    const auto t0 = clock::now();
    first_call();
    const auto t1 = clock::now();
    std::vector<double> next;
    for (int k = 0; k < 5; ++k) {
        const auto a = clock::now();
        steady_call();
        next.push_back(ms(a, clock::now()));
    }
    std::sort(next.begin(), next.end());
    std::printf("%s M=%zu Q=%zu: first call %.2f ms, next calls %.2f ms (median of 5)\n", argv[1], M, Q, ms(t0, t1), next[2]);
    return 0;
}
