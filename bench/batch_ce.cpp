/// Workload (8): the gradient of the cross-entropy summed over a batch of M rows of Q = 100
/// logits (M × Q up to 10⁷ entries), adiff rows and the two references: the plain function and
/// the hand-written gradient. Counters: the tape's memory (bench/tape_counters.hpp).
#include "batch.hpp"
#include "common.hpp"
#include "tape_counters.hpp"

namespace {
using namespace bench;

constexpr std::size_t Q = 100;

template <class F>
void adiff_row(const char* who, long m, F loss, benchmark::State& st) {
    const std::vector<double> z = batch_logits(m, Q).values();
    auto f = [m, loss](const auto& x) { return loss(x, std::size_t(m), Q); };
    check(who, ad::gradient(f, z), batch_ce_gradient(z, m, Q));
    for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
    tape_counters(st, f, z);
}

const registrar reg([] {
    for (long m : {100L, 1000L, 10000L, 100000L}) {
        add("batch_grad_ce", "function", m, [](benchmark::State& st, long m) {
            const std::vector<double> z = batch_logits(m, Q).values();
            std::vector<double> buffer;
            for (auto _ : st) benchmark::DoNotOptimize(batch_ce_function(z.data(), m, Q, buffer));
        });
        add("batch_grad_ce", "analytic", m, [](benchmark::State& st, long m) {
            const std::vector<double> z = batch_logits(m, Q).values();
            std::vector<double> g(z.size());
            batch_ce_analytic(z.data(), m, Q, g.data());
            check("analytic", g, batch_ce_gradient(z, m, Q));
            for (auto _ : st) {
                benchmark::DoNotOptimize(batch_ce_analytic(z.data(), m, Q, g.data()));
                benchmark::ClobberMemory();
            }
        });
        add("batch_grad_ce", "adiff_array", m, [](benchmark::State& st, long m) {
            adiff_row("adiff_array", m, [](const auto& x, std::size_t m, std::size_t q) { return batch_ce_array(x, m, q); }, st);
        });
        add("batch_grad_ce", "adiff_fused", m, [](benchmark::State& st, long m) {
            adiff_row("adiff_fused", m, [](const auto& x, std::size_t m, std::size_t q) { return batch_ce_fused(x, m, q); }, st);
        });
    }
});
}  // namespace
