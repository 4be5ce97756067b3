/// \file gmm_profile.cpp
/// A small driver for profiling the GMM objective (bench/gmm.hpp) under callgrind, whose
/// instruction counts are stable on a shared machine (timings are not):
///   valgrind --tool=callgrind --toggle-collect='*steady_call*' adiff_gmm_profile MODE d K n
/// MODE: function | reverse | forward (Dual<double, 30>, needs K(1 + d + d(d+1)/2) ≤ 30) | sum
/// (checkpointed). `first_call` runs the first gradient of the process, `steady_call` the
/// next one, so --toggle-collect on either measures the first-call penalty; both are timed and
/// printed (wall clock: a rough figure on a shared machine).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ad/adiff.hpp"
#include "gmm.hpp"

namespace {
bench::gmm_problem problem;
std::vector<double> w;
std::string mode;
volatile double sink;

[[gnu::noinline]] void run() {
    if (mode == "function") {
        sink = bench::gmm_objective(problem, w);
    } else if (mode == "reverse") {
        auto f = [](const auto& v) { return bench::gmm_objective(problem, v); };
        sink = ad::value_and_gradient(f, w).second[0];
    } else if (mode == "sum") {
        auto term = [](std::size_t i, const auto& v) {
            using X = std::decay_t<decltype(v[0])>;
            static thread_local std::vector<X> main, y;
            main.resize(problem.k), y.resize(problem.d);
            return bench::gmm_term(problem, i, v, main, y);
        };
        sink = ad::value_and_gradient_of_sum(term, problem.n + 1, w).second[0];
    } else if (mode == "forward") {
        constexpr std::size_t L = 30;
        std::vector<ad::Dual<double, L>> x(w.size());
        for (std::size_t j = 0; j < w.size(); ++j) x[j] = ad::Dual<double, L>(w[j], 1.0, j);
        sink = bench::gmm_objective(problem, x).t[0];
    }
}
[[gnu::noinline]] void first_call() { run(); }
[[gnu::noinline]] void steady_call() { run(); }
}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s function|reverse|forward|sum d K n\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    problem = bench::make_gmm_problem(std::stoul(argv[2]), std::stoul(argv[3]), std::stoul(argv[4]));
    w = bench::gmm_parameters(problem);
    if (mode == "forward" && w.size() > 30) {
        std::fprintf(stderr, "forward: %zu parameters > 30 lanes\n", w.size());
        return 2;
    }
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    first_call();
    const auto t1 = clock::now();
    steady_call();
    const auto t2 = clock::now();
    std::printf("%s d=%s K=%s n=%s: first call %.1f ms, next call %.1f ms\n", argv[1], argv[2], argv[3], argv[4],
                std::chrono::duration<double, std::milli>(t1 - t0).count(), std::chrono::duration<double, std::milli>(t2 - t1).count());
    return 0;
}
