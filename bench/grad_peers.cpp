/// Workload (1), peer rows: ADOL-C (re-recording every call, and replaying a recorded tape),
/// Eigen AutoDiffScalar (dynamic and fixed lanes), Ceres Jet<double, Q>, Boost.Math autodiff
/// fvar (one forward pass per input). Every peer runs `softmax_ce_loop` on the same logits.
#include <adolc/adolc.h>
#include <ceres/jet.h>
#include <unsupported/Eigen/AutoDiff>

#include <boost/math/differentiation/autodiff.hpp>

#include "common.hpp"
#include "softmax_ce.hpp"

namespace {
using namespace bench;

/// ADOL-C: trace f at z on `tag`, then gradient() (zos_forward + fos_reverse) into g.
void adolc_trace(short tag, const std::vector<double>& z, std::size_t t) {
    trace_on(tag);
    std::vector<adouble> x(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) x[i] <<= z[i];
    adouble y = softmax_ce_loop(x, t);
    double out;
    y >>= out;
    trace_off();
}

template <int Q>
void eigen_fixed(benchmark::State& st, long) {
    using S = Eigen::AutoDiffScalar<Eigen::Matrix<double, Q, 1>>;
    const auto z = logits(Q);
    const std::size_t t = target(Q);
    auto run = [&] {
        std::vector<S> x(Q);
        for (int i = 0; i < Q; ++i) x[i] = S(z[i], Q, i);
        return softmax_ce_loop(x, t);
    };
    const S y = run();
    check("eigen_fixed", std::vector<double>(y.derivatives().data(), y.derivatives().data() + Q), ce_gradient(z, t));
    for (auto _ : st) benchmark::DoNotOptimize(run());
}

template <int Q>
void ceres_jet(benchmark::State& st, long) {
    using J = ceres::Jet<double, Q>;
    const auto z = logits(Q);
    const std::size_t t = target(Q);
    auto run = [&] {
        std::vector<J> x(Q);
        for (int i = 0; i < Q; ++i) x[i] = J(z[i], i);
        return softmax_ce_loop(x, t);
    };
    const J y = run();
    check("ceres_jet", std::vector<double>(y.v.data(), y.v.data() + Q), ce_gradient(z, t));
    for (auto _ : st) benchmark::DoNotOptimize(run());
}

const registrar reg([] {
    for (long q : {10L, 100L, 1000L}) {
        add("grad_ce", "adolc_record", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            std::vector<double> g(q);
            adolc_trace(1, z, t);
            gradient(1, int(q), z.data(), g.data());
            check("adolc_record", g, ce_gradient(z, t));
            for (auto _ : st) {
                adolc_trace(1, z, t);
                gradient(1, int(q), z.data(), g.data());
                benchmark::ClobberMemory();
            }
        });
        add("grad_ce", "adolc_replay", q, [](benchmark::State& st, long q) {
            const auto z = logits(q);
            const std::size_t t = target(q);
            std::vector<double> g(q);
            adolc_trace(2, z, t);
            gradient(2, int(q), z.data(), g.data());
            check("adolc_replay", g, ce_gradient(z, t));
            for (auto _ : st) {
                gradient(2, int(q), z.data(), g.data());
                benchmark::ClobberMemory();
            }
        });
        add("grad_ce", "eigen_dynamic", q, [](benchmark::State& st, long q) {
            using S = Eigen::AutoDiffScalar<Eigen::VectorXd>;
            const auto z = logits(q);
            const std::size_t t = target(q);
            auto run = [&] {
                std::vector<S> x(q);
                for (long i = 0; i < q; ++i) x[i] = S(z[i], q, i);
                return softmax_ce_loop(x, t);
            };
            const S y = run();
            check("eigen_dynamic", std::vector<double>(y.derivatives().data(), y.derivatives().data() + q),
                  ce_gradient(z, t));
            for (auto _ : st) benchmark::DoNotOptimize(run());
        });
        add("grad_ce", "boost_fvar", q, [](benchmark::State& st, long q) {
            using boost::math::differentiation::make_fvar;
            using F = boost::math::differentiation::autodiff_v1::detail::fvar<double, 1>;
            const auto z = logits(q);
            const std::size_t t = target(q);
            std::vector<F> x(q);
            std::vector<double> g(q);
            auto run = [&] {  // one forward pass per input direction
                for (long j = 0; j < q; ++j) {
                    for (long i = 0; i < q; ++i) x[i] = i == j ? make_fvar<double, 1>(z[i]) : F(z[i]);
                    g[j] = softmax_ce_loop(x, t).derivative(1);
                }
            };
            run();
            check("boost_fvar", g, ce_gradient(z, t));
            for (auto _ : st) {
                run();
                benchmark::ClobberMemory();
            }
        });
    }
    add("grad_ce", "eigen_fixed", 10, eigen_fixed<10>);
    add("grad_ce", "eigen_fixed", 100, eigen_fixed<100>);
    add("grad_ce", "ceres_jet", 10, ceres_jet<10>);
    add("grad_ce", "ceres_jet", 100, ceres_jet<100>);
    add("grad_ce", "ceres_jet", 1000, ceres_jet<1000>);
});
}  // namespace
