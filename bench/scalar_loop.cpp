/// Workload (4): an Adept-style scalar loop of transcendental operations,
///   y ← sin(y)·cos(x_i) + exp(−y²)·x_i + tanh(x_i·y)      (1000 steps over n = 100 inputs),
/// 10 statements per step of which 4 transcendental. Gradient ratios against the plain
/// function, with tape bytes per statement and per operand (used, and reserved incl. adjoints).
#include <adolc/adolc.h>
#include <ceres/jet.h>
#include <unsupported/Eigen/AutoDiff>

#include <boost/math/differentiation/autodiff.hpp>

#include "common.hpp"
#include "softmax_ce.hpp"

namespace {
using namespace bench;

constexpr long n_in = 100, steps = 1000;

template <class X>
X transcendental_loop(const std::vector<X>& x) {
    using std::sin, std::cos, std::exp, std::tanh;
    X y = x[0] * 0.1;
    for (long k = 0; k < steps; ++k) {
        const X& xi = x[std::size_t(k % n_in)];
        y = sin(y) * cos(xi) + exp(-(y * y)) * xi + tanh(xi * y);
    }
    return y;
}
std::vector<double> loop_inputs() {
    auto x = logits(n_in, 3);
    for (double& v : x) v *= 0.1;  // in [−1, 1]
    return x;
}
/// The reference gradient: adiff reverse, cross-checked against central differences once.
const std::vector<double>& loop_gradient() {
    static const std::vector<double> g = [] {
        const auto x = loop_inputs();
        auto f = [](const auto& v) { return transcendental_loop(v); };
        auto g = ad::gradient(f, x);
        for (std::size_t j = 0; j < x.size(); j += 17) {
            auto xp = x, xm = x;
            const double h = 1e-6;
            xp[j] += h, xm[j] -= h;
            const double cd = (transcendental_loop(xp) - transcendental_loop(xm)) / (2 * h);
            check("adiff_reverse vs central differences", {g[j]}, {cd}, 1e-6);
        }
        return g;
    }();
    return g;
}

void tape_counters(benchmark::State& st, const ad::Tape<double>& t) {
    st.counters["statements"] = double(t.size());
    st.counters["operands"] = double(t.operands());
    st.counters["B_per_statement"] = double(t.bytes() - t.operands() * (sizeof(double) + sizeof(ad::tape_index))) / double(t.size());
    st.counters["B_per_operand"] = double(t.operands() * (sizeof(double) + sizeof(ad::tape_index))) / double(t.operands());
    st.counters["B_reserved_per_statement"] = double(t.capacity_bytes()) / double(t.size());
}

template <int N>
void loop_jet(benchmark::State& st, long) {
    using J = ceres::Jet<double, N>;
    const auto x0 = loop_inputs();
    auto run = [&] {
        std::vector<J> x(N);
        for (int i = 0; i < N; ++i) x[i] = J(x0[i], i);
        return transcendental_loop(x);
    };
    const J y = run();
    check("ceres_jet", std::vector<double>(y.v.data(), y.v.data() + N), loop_gradient());
    for (auto _ : st) benchmark::DoNotOptimize(run());
}

void adolc_trace_loop(short tag, const std::vector<double>& x0) {
    trace_on(tag);
    std::vector<adouble> x(x0.size());
    for (std::size_t i = 0; i < x0.size(); ++i) x[i] <<= x0[i];
    adouble y = transcendental_loop(x);
    double out;
    y >>= out;
    trace_off();
}

const registrar reg([] {
    add("scalar_loop", "function", n_in, [](benchmark::State& st, long) {
        const auto x = loop_inputs();
        for (auto _ : st) benchmark::DoNotOptimize(transcendental_loop(x));
    });
    add("scalar_loop", "adiff_reverse", n_in, [](benchmark::State& st, long) {
        const auto x = loop_inputs();
        auto f = [](const auto& v) { return transcendental_loop(v); };
        check("adiff_reverse", ad::gradient(f, x), loop_gradient());
        for (auto _ : st) benchmark::DoNotOptimize(ad::value_and_gradient(f, x));
        ad::Tape<double> tape;
        {
            ad::recording<double> rec(tape);
            std::vector<ad::Var<double>> xv;
            for (double v : x) xv.push_back(ad::Var<double>::input(v));
            benchmark::DoNotOptimize(transcendental_loop(xv));
        }
        tape.gradient_of(ad::tape_index(tape.size() - 1));
        tape_counters(st, tape);
    });
    add("scalar_loop", "adiff_replay", n_in, [](benchmark::State& st, long) {
        const auto x = loop_inputs();
        auto x0 = x;
        for (double& v : x0) v *= 0.5;  // recorded at another point
        ad::Replay<double> r([](const auto& v) { return transcendental_loop(v); }, x0);
        check("adiff_replay", r.gradient(x), loop_gradient());
        for (auto _ : st) benchmark::DoNotOptimize(r.value_and_gradient(x));
    });
    add("scalar_loop", "adolc_record", n_in, [](benchmark::State& st, long) {
        const auto x = loop_inputs();
        std::vector<double> g(n_in);
        auto run = [&] {
            adolc_trace_loop(5, x);
            gradient(5, int(n_in), x.data(), g.data());
        };
        run();
        check("adolc_record", g, loop_gradient());
        for (auto _ : st) {
            run();
            benchmark::ClobberMemory();
        }
    });
    add("scalar_loop", "adolc_replay", n_in, [](benchmark::State& st, long) {
        const auto x = loop_inputs();
        std::vector<double> g(n_in);
        adolc_trace_loop(6, x);
        gradient(6, int(n_in), x.data(), g.data());
        check("adolc_replay", g, loop_gradient());
        for (auto _ : st) {
            gradient(6, int(n_in), x.data(), g.data());
            benchmark::ClobberMemory();
        }
    });
    add("scalar_loop", "eigen_dynamic", n_in, [](benchmark::State& st, long) {
        using S = Eigen::AutoDiffScalar<Eigen::VectorXd>;
        const auto x0 = loop_inputs();
        auto run = [&] {
            std::vector<S> x(n_in);
            for (long i = 0; i < n_in; ++i) x[i] = S(x0[i], n_in, i);
            return transcendental_loop(x);
        };
        const S y = run();
        check("eigen_dynamic", std::vector<double>(y.derivatives().data(), y.derivatives().data() + n_in), loop_gradient());
        for (auto _ : st) benchmark::DoNotOptimize(run());
    });
    add("scalar_loop", "eigen_fixed", n_in, [](benchmark::State& st, long) {
        using S = Eigen::AutoDiffScalar<Eigen::Matrix<double, n_in, 1>>;
        const auto x0 = loop_inputs();
        auto run = [&] {
            std::vector<S> x(n_in);
            for (long i = 0; i < n_in; ++i) x[i] = S(x0[i], n_in, i);
            return transcendental_loop(x);
        };
        const S y = run();
        check("eigen_fixed", std::vector<double>(y.derivatives().data(), y.derivatives().data() + n_in), loop_gradient());
        for (auto _ : st) benchmark::DoNotOptimize(run());
    });
    add("scalar_loop", "ceres_jet", n_in, loop_jet<n_in>);
    add("scalar_loop", "boost_fvar", n_in, [](benchmark::State& st, long) {
        using boost::math::differentiation::make_fvar;
        using F = boost::math::differentiation::autodiff_v1::detail::fvar<double, 1>;
        const auto x0 = loop_inputs();
        std::vector<F> x(n_in);
        std::vector<double> g(n_in);
        auto run = [&] {
            for (long j = 0; j < n_in; ++j) {
                for (long i = 0; i < n_in; ++i) x[i] = i == j ? make_fvar<double, 1>(x0[i]) : F(x0[i]);
                g[j] = transcendental_loop(x).derivative(1);
            }
        };
        run();
        check("boost_fvar", g, loop_gradient());
        for (auto _ : st) {
            run();
            benchmark::ClobberMemory();
        }
    });
});
}  // namespace
