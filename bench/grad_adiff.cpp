/// Workload (1), adiff rows and the two references: the plain function and the analytic limit.
/// Counters of the adiff rows that record every call: the tape's memory (tape_counters.hpp).
#include "common.hpp"
#include "softmax_ce.hpp"
#include "tape_counters.hpp"

namespace {
using namespace bench;

const registrar reg([] {
    // the large sizes (10^4, 10^5) only for the rows whose cost is linear in Q
    for (long q : {10L, 100L, 1000L, 10000L, 100000L}) {
        add("grad_ce", "function", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            for (auto _ : st) benchmark::DoNotOptimize(softmax_ce(z, target(q)));
        });
        add("grad_ce", "analytic", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            std::vector<double> g(q);
            softmax_ce_analytic(z, target(q), g);
            check("analytic", g, ce_gradient(z, target(q)));
            for (auto _ : st) {
                benchmark::DoNotOptimize(softmax_ce_analytic(z, target(q), g));
                benchmark::ClobberMemory();
            }
        });
        add("grad_ce", "adiff_reverse", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            auto f = [t](const auto& x) { return softmax_ce(x, t); };
            check("adiff_reverse", ad::gradient(f, z), ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
            tape_counters(st, f, z);
        });
        add("grad_ce", "adiff_array", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            auto f = [t](const auto& x) { return softmax_ce_array(x, t); };
            check("adiff_array", ad::gradient(f, z), ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
            tape_counters(st, f, z);
        });
        add("grad_ce", "adiff_fused", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            auto f = [t](const auto& x) { return softmax_ce_fused(x, t); };
            check("adiff_fused", ad::gradient(f, z), ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
            tape_counters(st, f, z);
        });
        add("grad_ce", "adiff_replay", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            ad::Replay<double> r([t](const auto& x) { return softmax_ce(x, t); }, logits(q, 1));  // recorded elsewhere
            check("adiff_replay", r.gradient(z), ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(r.value_and_gradient(z));
        });
        if (q > 1000) continue;  // forward mode is O(Q^2)
        add("grad_ce", "adiff_forward", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            auto f = [t](const auto& x) { return softmax_ce(x, t); };
            const auto J = ad::jacobian_forward<ad::fit_lanes>(f, z);
            check("adiff_forward", J.values(), ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(ad::jacobian_forward<ad::fit_lanes>(f, z));
        });
    }
});
}  // namespace
