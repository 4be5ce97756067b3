/// Workload (5): the gradient of (1) in 50 decimal digits (Boost cpp_bin_float_50, et_off).
/// Checked against the closed form p − onehot(t) in 50 digits (to 1e-45) before timing.
#include "common.hpp"
#include "softmax_ce.hpp"

namespace {
using namespace bench;
using mp = ad::mp50;

std::vector<mp> logits_mp(long q) {
    const auto z = logits(q);
    return std::vector<mp>(z.begin(), z.end());
}
std::vector<mp> ce_gradient_mp(const std::vector<mp>& z, std::size_t t) {
    mp m = z[0];
    for (const mp& v : z) m = v > m ? v : m;
    std::vector<mp> p(z.size());
    mp s = 0;
    for (std::size_t i = 0; i < z.size(); ++i) s += p[i] = exp(z[i] - m);
    for (mp& v : p) v /= s;
    p[t] -= 1;
    return p;
}
void check_mp(const char* who, const std::vector<mp>& got, const std::vector<mp>& want) {
    std::vector<double> err(got.size()), zero(got.size(), 0.0);
    for (std::size_t i = 0; i < got.size(); ++i) err[i] = static_cast<double>(abs(got[i] - want[i]) * mp("1e45"));
    check(who, err, zero, 1.0);  // |error| ≤ 1e−45
}

const registrar reg([] {
    for (long q : {10L, 100L, 1000L}) {
        add("grad_ce_mp50", "function", q, [](benchmark::State& st, long q) {
            const auto z = logits_mp(q);
            for (auto _ : st) benchmark::DoNotOptimize(softmax_ce(z, target(q)));
        });
        add("grad_ce_mp50", "analytic", q, [](benchmark::State& st, long q) {
            const auto z = logits_mp(q);
            for (auto _ : st) benchmark::DoNotOptimize(ce_gradient_mp(z, target(q)));
        });
        add("grad_ce_mp50", "adiff_reverse", q, [](benchmark::State& st, long q) {
            const auto z = logits_mp(q);
            auto f = [t = target(q)](const auto& x) { return softmax_ce(x, t); };
            check_mp("adiff_reverse mp50", ad::gradient(f, z), ce_gradient_mp(z, target(q)));
            for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
        });
        add("grad_ce_mp50", "adiff_fused", q, [](benchmark::State& st, long q) {
            const auto z = logits_mp(q);
            auto f = [t = target(q)](const auto& x) { return softmax_ce_fused(x, t); };
            check_mp("adiff_fused mp50", ad::gradient(f, z), ce_gradient_mp(z, target(q)));
            for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, z));
        });
    }
});
}  // namespace
