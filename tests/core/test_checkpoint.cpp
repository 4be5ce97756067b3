// ad::checkpoint (ad/reverse/checkpoint.hpp): a function recomputed on the reverse sweep instead
// of recorded. Gradients equal the plain recording's (to rounding: the checkpoint's adjoints are
// summed on their own tape first) and central differences; the recording holds one call; the
// function may capture data; checkpoints nest, take constants, run under the Hessian driver
// (Var<Dual>), and are the plain function in every other mode.
#include <cmath>
#include <vector>

#include "ad/adiff.hpp"
#include "support/close.hpp"

namespace {

/// A vector function with a long tape: n → n, `steps` rounds of mixing through sin and exp.
struct mixer {
    int steps = 200;
    double scale = 0.3;  // captured data
    template <class X>
    std::vector<X> operator()(const std::vector<X>& x) const {
        using std::sin, std::exp;
        std::vector<X> y = x;
        for (int s = 0; s < steps; ++s)
            for (std::size_t k = 0; k < y.size(); ++k) y[k] = sin(y[k]) + scale * exp(-y[(k + 1) % y.size()] * y[k]);
        return y;
    }
};

/// g(x) = Σ log(1 + y²) · xₖ with y = mixer(x): the checkpointed and the plain form.
template <bool Checkpointed>
auto objective(const mixer& f) {
    return [f](const auto& x) {
        using std::log;
        const auto y = Checkpointed ? ad::checkpoint(f, x) : f(x);
        auto r = log(1.0 + y[0] * y[0]) * x[0];
        for (std::size_t k = 1; k < y.size(); ++k) r = r + log(1.0 + y[k] * y[k]) * x[k];
        return r;
    };
}

std::vector<double> central(auto g, std::vector<double> x) {
    std::vector<double> d(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
        const double h = 1e-6, x0 = x[j];
        x[j] = x0 + h;
        const double up = g(x);
        x[j] = x0 - h;
        d[j] = (up - g(x)) / (2 * h);
        x[j] = x0;
    }
    return d;
}

}  // namespace

TEST_CASE("checkpoint: the gradient of the plain recording, from a tape that holds one call",
          "[reverse][checkpoint]") {
    const mixer f;
    const std::vector<double> x{0.4, -0.9, 1.3, 0.2};
    const auto plain = ad::value_and_gradient(objective<false>(f), x);
    const auto cp = ad::value_and_gradient(objective<true>(f), x);
    CHECK(cp.first == plain.first);  // the values are the same computation
    const auto fd = central(objective<false>(f), x);
    for (std::size_t j = 0; j < x.size(); ++j) {
        CHECK(cp.second[j] == Approx(plain.second[j]).epsilon(1e-13));
        CHECK(cp.second[j] == Approx(fd[j]).epsilon(1e-6));
    }
    // the recording: the 4 inputs, one call with 4 outputs, and the 4 log terms — not f's 800
    // statements (one per y[k] update: sin, exp, products and sums fold into it)
    ad::Tape<double> plain_tape, cp_tape;
    for (auto* t : {&plain_tape, &cp_tape}) {
        ad::recording<double> rec(*t);
        std::vector<ad::Var<double>> xv;
        for (double v : x) xv.push_back(ad::Var<double>::input(v));
        if (t == &cp_tape) objective<true>(f)(xv);
        else objective<false>(f)(xv);
    }
    CHECK(plain_tape.size() > 800);
    CHECK(cp_tape.size() < 40);
    CHECK(cp_tape.calls().size() == 1);
}

TEST_CASE("checkpoint: nested checkpoints, scalar results, constants, captured data", "[reverse][checkpoint]") {
    const std::vector<double> x{0.7, -0.3, 0.5};
    // a checkpoint inside a checkpointed function, returning one scalar
    auto inner = [](const auto& v) { return mixer{50, 0.25}(v); };
    auto outer = [&](const auto& v) {
        const auto y = ad::checkpoint(inner, v);
        auto s = y[0] * y[1];
        return s + y[2] * v[0];
    };
    auto g = [&](const auto& v) { return ad::checkpoint(outer, v) * v[1]; };
    auto plain = [&](const auto& v) {
        const auto y = inner(v);
        return (y[0] * y[1] + y[2] * v[0]) * v[1];
    };
    const auto a = ad::value_and_gradient(g, x), b = ad::value_and_gradient(plain, x);
    CHECK(a.first == b.first);
    for (std::size_t j = 0; j < x.size(); ++j) CHECK(a.second[j] == Approx(b.second[j]).epsilon(1e-13));
    // a checkpoint of constants records nothing and contributes nothing
    auto with_constants = [&](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        const std::vector<X> c{X(0.1), X(0.2)};
        const auto y = ad::checkpoint(mixer{10, 0.5}, c);
        return v[0] * y[0] + y[1];
    };
    const auto cg = ad::value_and_gradient(with_constants, x);
    const auto yc = mixer{10, 0.5}(std::vector<double>{0.1, 0.2});
    CHECK(cg.first == x[0] * yc[0] + yc[1]);
    CHECK(cg.second == std::vector<double>{yc[0], 0.0, 0.0});
}

TEST_CASE("checkpoint: Hessians (Var<Dual>) and every other mode see the plain function", "[reverse][checkpoint]") {
    const mixer f{30, 0.2};
    const std::vector<double> x{0.3, 0.8};
    const auto h_cp = ad::hessian(objective<true>(f), x), h = ad::hessian(objective<false>(f), x);
    for (std::size_t k = 0; k < h.size(); ++k) CHECK(h_cp[k] == Approx(h[k]).epsilon(1e-12));
    // forward mode, Replay and plain numbers: checkpoint(f, x) is f(x)
    const auto jf = ad::jacobian_forward(objective<true>(f), x), jp = ad::jacobian_forward(objective<false>(f), x);
    CHECK(jf.values() == jp.values());
    ad::Replay<double> r(objective<true>(f), x);
    const auto rg = r.gradient(std::vector<double>{0.35, 0.75});
    const auto pg = ad::gradient(objective<false>(f), std::vector<double>{0.35, 0.75});
    for (std::size_t j = 0; j < 2; ++j) CHECK(rg[j] == Approx(pg[j]).epsilon(1e-13));
    CHECK(objective<true>(f)(x) == objective<false>(f)(x));
}

TEST_CASE("checkpoint: checked mode names a non-finite value of the checkpointed function", "[reverse][checkpoint][errors]") {
    auto g = [](const auto& v) {
        return ad::checkpoint([](const auto& u) { using std::log; return log(u[0]) * u[1]; }, v);
    };
    ad::checked_scope checked;
    CHECK_THROWS_AS(ad::gradient(g, std::vector<double>{-1.0, 2.0}), ad::domain_error);
    CHECK(ad::gradient(g, std::vector<double>{2.0, 3.0})[0] == Approx(1.5));
}
