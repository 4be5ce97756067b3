// The GMM objective of the benchmark suite (bench/gmm.hpp): adiff's reverse gradient, forward
// gradient and checkpointed-sum gradient against the hand-derived gradient and central
// differences; the checkpointed sum's tape holds one term at a time.
#include <cmath>

#include "ad/adiff.hpp"
#include "gmm.hpp"
#include "support/close.hpp"

namespace {

bool close_rel(const std::vector<double>& a, const std::vector<double>& b, double tol) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(std::abs(a[i] - b[i]) <= tol * (1.0 + std::abs(b[i])))) {
            INFO("entry " << i << ": " << a[i] << " vs " << b[i]);
            return false;
        }
    return true;
}

std::vector<double> central_differences(const bench::gmm_problem& p, const std::vector<double>& w) {
    std::vector<double> g(w.size());
    for (std::size_t j = 0; j < w.size(); ++j) {
        const double h = 1e-6 * (1.0 + std::abs(w[j]));
        auto wp = w, wm = w;
        wp[j] += h, wm[j] -= h;
        g[j] = (bench::gmm_objective(p, wp) - bench::gmm_objective(p, wm)) / (2 * h);
    }
    return g;
}

}  // namespace

TEST_CASE("GMM: hand gradient = central differences, reverse = hand", "[perf][gmm]") {
    for (auto [d, k] : {std::pair<std::size_t, std::size_t>{2, 3}, {3, 4}, {5, 2}}) {
        const auto p = bench::make_gmm_problem(d, k, 12);
        const auto w = bench::gmm_parameters(p);
        const auto hand = bench::gmm_hand_gradient(p, w);
        CHECK(close_rel(hand, central_differences(p, w), 1e-6));
        auto f = [&](const auto& v) { return bench::gmm_objective(p, v); };
        const auto [y, g] = ad::value_and_gradient(f, w);
        CHECK(y == bench::gmm_objective(p, w));
        CHECK(close_rel(g, hand, 1e-12));
        // forward mode: one pass per 8 inputs
        const auto J = ad::jacobian_forward(f, w);
        CHECK(close_rel(std::vector<double>(J.data(), J.data() + w.size()), hand, 1e-12));
    }
}

TEST_CASE("GMM: the checkpointed sum gives the plain gradient with one term on the tape", "[perf][gmm][checkpoint]") {
    const auto p = bench::make_gmm_problem(3, 4, 20);
    const auto w = bench::gmm_parameters(p);
    auto f = [&](const auto& v) { return bench::gmm_objective(p, v); };
    auto term = [&](std::size_t i, const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        std::vector<X> main(p.k), y(p.d);
        return bench::gmm_term(p, i, v, main, y);
    };
    const auto [y, g] = ad::value_and_gradient(f, w);
    ad::sum_tape_stats st;
    const auto [ys, gs] = ad::value_and_gradient_of_sum(term, p.n + 1, w, &st);
    CHECK(ys == y);  // the same additions in the same order
    CHECK(gs == g);  // and the same sweep, term by term (checkpointed_sum.hpp)
    CHECK(close_rel(gs, bench::gmm_hand_gradient(p, w), 1e-12));
    // the tape's peak is the largest single term's recording, far below the whole objective's
    std::size_t largest = 0, whole = 0;
    for (std::size_t i = 0; i <= p.n; ++i) {
        ad::Tape<double> t;
        ad::recording<double> rec(t);
        std::vector<ad::Var<double>> xv;
        for (double v : w) xv.push_back(ad::Var<double>::input(v));
        (void)term(i, std::as_const(xv));
        largest = std::max(largest, t.size());
    }
    {
        ad::Tape<double> t;
        ad::recording<double> rec(t);
        std::vector<ad::Var<double>> xv;
        for (double v : w) xv.push_back(ad::Var<double>::input(v));
        (void)f(std::as_const(xv));
        whole = t.size();
    }
    CHECK(st.peak_statements == largest);
    CHECK(st.peak_statements * 5 < whole);
    CHECK(ad::gradient_of_sum(term, p.n + 1, w) == gs);
}

TEST_CASE("GMM: checked mode accepts the objective and the checkpointed sum", "[perf][gmm][checked]") {
    const auto p = bench::make_gmm_problem(2, 3, 5);
    const auto w = bench::gmm_parameters(p);
    auto term = [&](std::size_t i, const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        std::vector<X> main(p.k), y(p.d);
        return bench::gmm_term(p, i, v, main, y);
    };
    ad::checked_scope checked;
    const auto g = ad::gradient_of_sum(term, p.n + 1, w);
    CHECK(close_rel(g, bench::gmm_hand_gradient(p, w), 1e-12));
}
