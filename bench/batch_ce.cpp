/// Workload (8): the gradient of the cross-entropy summed over a batch of M rows of Q = 100
/// logits (M × Q up to 10⁷ entries), adiff rows and the two references: the plain function and
/// the hand-written gradient. Counters: the tape's memory (bench/tape_counters.hpp).
#include "batch.hpp"
#include "common.hpp"
#include "tape_counters.hpp"

namespace {
using namespace bench;

constexpr std::size_t Q = 100;

/// An adiff row: f(Z) = loss(Z, targets) on the (M, Q) array of logits, through the drivers on
/// arrays (f gets an Array<Var> of Z's shape, the gradient comes back in it).
template <class F>
void adiff_row(const char* who, long m, F loss, benchmark::State& st) {
    const ad::Array<double> z = batch_logits(m, Q);
    const std::vector<std::size_t> targets = batch_targets(std::size_t(m), Q);
    auto f = [&targets, loss](const auto& x) { return loss(x, targets); };
    check(who, ad::gradient(f, z).values(), batch_ce_gradient(z.values(), m, Q));
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
            adiff_row("adiff_array", m, [](const auto& x, const auto& t) { return batch_ce_array(x, t); }, st);
        });
        add("batch_grad_ce", "adiff_fused", m, [](benchmark::State& st, long m) {
            adiff_row("adiff_fused", m, [](const auto& x, const auto& t) { return batch_ce_fused(x, t); }, st);
        });
    }
});
}  // namespace
