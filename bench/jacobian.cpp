/// Workloads (2) and (3): the Q×Q softmax Jacobian and the batch Jacobian as (M, Q, Q) blocks.
/// Ratios are taken against the closed form diag(s) − s sᵀ (softmax included, fresh array
/// returned, like every contender). Peers: ADOL-C (jacobian driver, re-recorded and replayed),
/// Eigen AutoDiffScalar (dynamic lanes), Ceres Jet<double, Q>, Boost fvar (Q passes).
#include <adolc/adolc.h>
#include <ceres/jet.h>
#include <unsupported/Eigen/AutoDiff>

#include <boost/math/differentiation/autodiff.hpp>

#include <map>

#include "batch.hpp"
#include "common.hpp"
#include "softmax_ce.hpp"
#include "ad/drivers/batch_jacobian.hpp"

namespace {
using namespace bench;

/// Stable softmax from primitives (adiff n-ary max and sum).
template <class X>
std::vector<X> softmax_prims(const std::vector<X>& z) {
    using std::exp;
    const X m = ad::max(z);
    std::vector<X> e(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) e[i] = exp(z[i] - m);
    const X s = ad::sum(e);
    for (X& v : e) v = v / s;
    return e;
}
/// Stable softmax in peer style (comparisons and a loop of adds).
template <class X>
std::vector<X> softmax_loop(const std::vector<X>& z) {
    using std::exp;
    X m = z[0];
    for (std::size_t i = 1; i < z.size(); ++i)
        if (z[i] > m) m = z[i];
    std::vector<X> e(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) e[i] = exp(z[i] - m);
    X s = e[0];
    for (std::size_t i = 1; i < z.size(); ++i) s += e[i];
    for (X& v : e) v = v / s;
    return e;
}
/// The fused softmax on a vector (ad::softmax on a 1-D Array).
template <class X>
ad::Array<X> softmax_fused(const std::vector<X>& z) { return ad::softmax(ad::Array<X>(ad::Shape{z.size()}, z)); }

/// Closed form: s = softmax(z), J = diag(s) − s sᵀ.
ad::Array<double> jacobian_analytic(const std::vector<double>& z) {
    const std::vector<double> s = softmax(z);
    const std::size_t q = s.size();
    ad::Array<double> J(ad::Shape{q, q});
    double* out = J.data();
    for (std::size_t i = 0; i < q; ++i) {
        const double si = s[i];
        for (std::size_t j = 0; j < q; ++j) out[i * q + j] = -si * s[j];
        out[i * q + i] += si;
    }
    return J;
}

const std::vector<double>& expected(long q) {
    static std::map<long, std::vector<double>> cache;
    auto& e = cache[q];
    if (e.empty()) e = jacobian_analytic(logits(q)).values();
    return e;
}

template <int Q>
void jac_ceres(benchmark::State& st, long) {
    using J = ceres::Jet<double, Q>;
    const auto z = logits(Q);
    auto run = [&] {
        std::vector<J> x(Q);
        for (int i = 0; i < Q; ++i) x[i] = J(z[i], i);
        const auto y = softmax_loop(x);
        ad::Array<double> out(ad::Shape{std::size_t(Q), std::size_t(Q)});
        for (int i = 0; i < Q; ++i)
            for (int j = 0; j < Q; ++j) out[i * Q + j] = y[i].v[j];
        return out;
    };
    check("ceres_jet", run().values(), expected(Q));
    for (auto _ : st) benchmark::DoNotOptimize(run());
}

void adolc_trace_softmax(short tag, const std::vector<double>& z) {
    trace_on(tag);
    std::vector<adouble> x(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) x[i] <<= z[i];
    auto y = softmax_loop(x);
    std::vector<double> out(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) y[i] >>= out[i];
    trace_off();
}

template <class F>
void adiff_jac(const char* who, long q, F jac, benchmark::State& st) {
    const auto z = logits(q);
    check(who, jac(z).values(), expected(q));
    for (auto _ : st) benchmark::DoNotOptimize(jac(z));
}

// ---- workload (3): batch blocks
template <class F>
void batch(const char* who, long m, long q, F blocks, benchmark::State& st) {
    const auto Z = batch_logits(m, q);
    check(who, blocks(Z).values(), batch_blocks_analytic(Z).values());
    for (auto _ : st) benchmark::DoNotOptimize(blocks(Z));
    st.counters["blocks"] = double(m);
    st.counters["us_per_block"] = benchmark::Counter(double(m), benchmark::Counter::kIsIterationInvariantRate |
                                                                    benchmark::Counter::kInvert);
}

const registrar reg([] {
    for (long q : {10L, 100L, 1000L}) {
        add("jac_softmax", "analytic", q, [](benchmark::State& st, long q) {
            adiff_jac("analytic", q, jacobian_analytic, st);
        });
        add("jac_softmax", "adiff_fused_reverse", q, [](benchmark::State& st, long q) {
            adiff_jac("adiff_fused_reverse", q, [](const auto& z) {
                return ad::jacobian_reverse([](const auto& x) { return softmax_fused(x); }, z);
            }, st);
        });
        add("jac_softmax", "adiff_fused_forward", q, [](benchmark::State& st, long q) {
            adiff_jac("adiff_fused_forward", q, [](const auto& z) {
                return ad::jacobian_forward<ad::fit_lanes>([](const auto& x) { return softmax_fused(x); }, z);
            }, st);
        });
        add("jac_softmax", "adiff_reverse", q, [](benchmark::State& st, long q) {
            adiff_jac("adiff_reverse", q, [](const auto& z) {
                return ad::jacobian_reverse([](const auto& x) { return softmax_prims(x); }, z);
            }, st);
        });
        add("jac_softmax", "adiff_forward", q, [](benchmark::State& st, long q) {
            adiff_jac("adiff_forward", q, [](const auto& z) {
                return ad::jacobian_forward<ad::fit_lanes>([](const auto& x) { return softmax_prims(x); }, z);
            }, st);
        });
        add("jac_softmax", "adolc_record", q, [](benchmark::State& st, long q) {
            double** J = myalloc2(int(q), int(q));
            auto run = [&](const std::vector<double>& z) {
                adolc_trace_softmax(3, z);
                jacobian(3, int(q), int(q), z.data(), J);
                ad::Array<double> out(ad::Shape{std::size_t(q), std::size_t(q)});
                for (long i = 0; i < q; ++i) std::copy(J[i], J[i] + q, out.data() + i * q);
                return out;
            };
            adiff_jac("adolc_record", q, run, st);
            myfree2(J);
        });
        add("jac_softmax", "adolc_replay", q, [](benchmark::State& st, long q) {
            double** J = myalloc2(int(q), int(q));
            adolc_trace_softmax(4, logits(q));
            auto run = [&](const std::vector<double>& z) {
                jacobian(4, int(q), int(q), z.data(), J);
                ad::Array<double> out(ad::Shape{std::size_t(q), std::size_t(q)});
                for (long i = 0; i < q; ++i) std::copy(J[i], J[i] + q, out.data() + i * q);
                return out;
            };
            adiff_jac("adolc_replay", q, run, st);
            myfree2(J);
        });
        add("jac_softmax", "eigen_dynamic", q, [](benchmark::State& st, long q) {
            using S = Eigen::AutoDiffScalar<Eigen::VectorXd>;
            adiff_jac("eigen_dynamic", q, [q](const std::vector<double>& z) {
                std::vector<S> x(q);
                for (long i = 0; i < q; ++i) x[i] = S(z[i], q, i);
                const auto y = softmax_loop(x);
                ad::Array<double> out(ad::Shape{std::size_t(q), std::size_t(q)});
                for (long i = 0; i < q; ++i)
                    for (long j = 0; j < q; ++j) out[i * q + j] = y[i].derivatives()[j];
                return out;
            }, st);
        });
        if (q <= 100)
            add("jac_softmax", "boost_fvar", q, [](benchmark::State& st, long q) {
                using boost::math::differentiation::make_fvar;
                using F = boost::math::differentiation::autodiff_v1::detail::fvar<double, 1>;
                adiff_jac("boost_fvar", q, [q](const std::vector<double>& z) {
                    ad::Array<double> out(ad::Shape{std::size_t(q), std::size_t(q)});
                    std::vector<F> x(q);
                    for (long j = 0; j < q; ++j) {
                        for (long i = 0; i < q; ++i) x[i] = i == j ? make_fvar<double, 1>(z[i]) : F(z[i]);
                        const auto y = softmax_loop(x);
                        for (long i = 0; i < q; ++i) out[i * q + j] = y[i].derivative(1);
                    }
                    return out;
                }, st);
            });
    }
    add("jac_softmax", "ceres_jet", 10, jac_ceres<10>);
    add("jac_softmax", "ceres_jet", 100, jac_ceres<100>);
    add("jac_softmax", "ceres_jet", 1000, jac_ceres<1000>);

    for (long q : {10L, 100L})
        for (long m : {100L, 1000L}) {
            const std::string w = "batch_jac_q" + std::to_string(q);
            add(w, "analytic", m, [q](benchmark::State& st, long m) { batch("analytic", m, q, batch_blocks_analytic, st); });
            add(w, "adiff_fused_forward8", m, [q](benchmark::State& st, long m) {
                batch("adiff_fused_forward8", m, q, [](const auto& Z) {
                    return ad::batch_jacobian_forward<8>([](const auto& X) { return ad::softmax(X); }, Z);
                }, st);
            });
            add(w, "adiff_fused_reverse", m, [q](benchmark::State& st, long m) {
                batch("adiff_fused_reverse", m, q, [](const auto& Z) {
                    return ad::batch_jacobian_reverse([](const auto& X) { return ad::softmax(X); }, Z);
                }, st);
            });
        }
});
}  // namespace
