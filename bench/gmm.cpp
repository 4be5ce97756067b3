/// Workload (7): the gradient of the GMM objective of ADBench (bench/gmm.hpp: n = 1000 points,
/// log-sum-exp over K components with triangular precision factors, Wishart prior), written as
/// plain scalar loops templated on the number type. Workload "gmm_d<d>", size K. Rows: the
/// objective (the reference), the hand-derived gradient, adiff reverse (records and sweeps every
/// call), adiff's checkpointed sum (one data point's term on the tape at a time), and ADOL-C
/// replaying a recorded tape; at d = 2, K = 5 (30 parameters) also one forward pass with 30
/// tangent lanes: adiff Dual<double, 30>, Eigen AutoDiffScalar<Matrix<double, 30, 1>>, Ceres
/// Jet<double, 30>. Each gradient is checked against the hand-derived one first.
/// Counters: the tape's bytes (operands and statements recorded, `tape_MB`) and what it reserved
/// in total with adjoints and slack (`reserved_MB`); for the checkpointed sum, the largest term's.
#include <adolc/adolc.h>
#include <ceres/jet.h>
#include <unsupported/Eigen/AutoDiff>

#include <map>
#include <thread>

#include "common.hpp"
#include "gmm.hpp"
#include "tape_counters.hpp"
#include "ad/adiff.hpp"

namespace {
using namespace bench;

struct gmm_case {
    gmm_problem p;
    std::vector<double> w, hand;
};

/// The problem of size (d, K) with n = 1000 points, built once per size.
const gmm_case& problem(std::size_t d, std::size_t k) {
    static std::map<std::pair<std::size_t, std::size_t>, gmm_case> cases;
    auto it = cases.find({d, k});
    if (it == cases.end()) {
        gmm_case c;
        c.p = make_gmm_problem(d, k, 1000);
        c.w = gmm_parameters(c.p);
        c.hand = gmm_hand_gradient(c.p, c.w);
        it = cases.emplace(std::make_pair(d, k), std::move(c)).first;
    }
    return it->second;
}

/// One data point's term (or the prior's, i = n), for the checkpointed sum.
auto term_of(const gmm_problem& p) {
    return [&p](std::size_t i, const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        static thread_local std::vector<X> main, y;
        main.resize(p.k), y.resize(p.d);
        return gmm_term(p, i, v, main, y);
    };
}

constexpr double tol = 1e-9;  // sums over 1000 points, added in different orders

void add_size(std::size_t d, std::size_t k) {
    const std::string w = "gmm_d" + std::to_string(d);
    const long K = long(k);
    add(w, "function", K, [d, k](benchmark::State& st, long) {
        const gmm_case& c = problem(d, k);
        for (auto _ : st) benchmark::DoNotOptimize(gmm_objective(c.p, c.w));
    });
    add(w, "analytic", K, [d, k](benchmark::State& st, long) {
        const gmm_case& c = problem(d, k);
        for (auto _ : st) benchmark::DoNotOptimize(gmm_hand_gradient(c.p, c.w));
    });
    add(w, "adiff_reverse", K, [d, k](benchmark::State& st, long) {
        const gmm_case& c = problem(d, k);
        auto f = [&c](const auto& v) { return gmm_objective(c.p, v); };
        check("adiff_reverse", ad::gradient(f, c.w), c.hand, tol);
        for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, c.w));
        tape_counters(st, f, c.w);
    });
    add(w, "adiff_checkpointed", K, [d, k](benchmark::State& st, long) {
        const gmm_case& c = problem(d, k);
        const auto term = term_of(c.p);
        ad::sum_tape_stats stats;
        // checked, and its memory measured, on a thread of its own: the drivers' tapes are per
        // thread and keep their capacity, so on this thread it would show the other rows' tapes
        std::thread([&] { check("adiff_checkpointed", ad::gradient_of_sum(term, c.p.n + 1, c.w, &stats), c.hand, tol); }).join();
        for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient_of_sum(term, c.p.n + 1, c.w));
        st.counters["statements"] = double(stats.peak_statements);
        st.counters["tape_MB"] = double(stats.peak_bytes) / MB;
        st.counters["reserved_MB"] = double(stats.capacity_bytes) / MB;
    });
    add(w, "adolc_replay", K, [d, k](benchmark::State& st, long) {
        const gmm_case& c = problem(d, k);
        const short tag = 20;
        trace_on(tag);
        std::vector<adouble> x(c.w.size());
        for (std::size_t j = 0; j < c.w.size(); ++j) x[j] <<= c.w[j];
        adouble y = gmm_objective(c.p, x);
        double out;
        y >>= out;
        trace_off();
        std::vector<double> g(c.w.size());
        gradient(tag, int(c.w.size()), c.w.data(), g.data());
        check("adolc_replay", g, c.hand, tol);
        for (auto _ : st) {
            gradient(tag, int(c.w.size()), c.w.data(), g.data());
            benchmark::ClobberMemory();
        }
    });
}

/// One forward pass with all 30 parameters' tangents (d = 2, K = 5): `seed(value, j)` makes
/// parameter j's number, `tangent(y, j)` reads the result's j-th derivative.
template <class N, class Seed, class Tangent>
void forward_row(const std::string& contender, Seed seed, Tangent tangent) {
    add("gmm_d2", contender, 5, [=](benchmark::State& st, long) {
        const gmm_case& c = problem(2, 5);
        auto run = [&] {
            std::vector<N> x(c.w.size());
            for (std::size_t j = 0; j < x.size(); ++j) x[j] = seed(c.w[j], j);
            return gmm_objective(c.p, x);
        };
        const N y = run();
        std::vector<double> g(c.w.size());
        for (std::size_t j = 0; j < g.size(); ++j) g[j] = tangent(y, j);
        check(contender, g, c.hand, tol);
        for (auto _ : st) benchmark::DoNotOptimize(run());
    });
}

const registrar reg([] {
    forward_row<ad::Dual<double, 30>>(
        "adiff_forward30", [](double v, std::size_t j) { return ad::Dual<double, 30>(v, 1.0, j); },
        [](const ad::Dual<double, 30>& y, std::size_t j) { return y.t[j]; });
    using E = Eigen::AutoDiffScalar<Eigen::Matrix<double, 30, 1>>;
    forward_row<E>(
        "eigen_fixed", [](double v, std::size_t j) { return E(v, 30, Eigen::Index(j)); },
        [](const E& y, std::size_t j) { return y.derivatives()[Eigen::Index(j)]; });
    using J = ceres::Jet<double, 30>;
    forward_row<J>(
        "ceres_jet", [](double v, std::size_t j) { return J(v, int(j)); }, [](const J& y, std::size_t j) { return y.v[Eigen::Index(j)]; });
    // ADBench's sizes from the smallest to the one whose tape reached 6 GB (d = 64, K = 50)
    add_size(2, 5);
    add_size(2, 50);
    add_size(10, 5);
    add_size(10, 50);
    add_size(64, 5);
    add_size(64, 50);
});

}  // namespace
