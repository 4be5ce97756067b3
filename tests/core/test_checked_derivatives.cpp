// Issue 12, class 2: in checked mode no mode returns a non-finite derivative. Each primitive's
// own partial may be finite while the derivative it produces is not (d/dx 1e200·sqrt(x) at
// 1e-300: 1e200 × 5e149 overflows): every tangent lane (nested ones too) and every adjoint of
// the reverse sweep (Tape and Replay) is checked, and domain_error names the operation where the
// derivative first became non-finite — in forward mode the primitive whose tangent overflowed,
// in reverse mode the primitive whose backward step did (they may differ: 1e200·sqrt(x)
// overflows in the product's tangent forward, in sqrt's backward step in reverse). The drivers
// check every entry they return. Double and 50 digits (whose range ends near 1e646456992).
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/modes.hpp"
#include "support/close.hpp"

namespace {

/// Runs `run` and requires a domain_error whose op is one of `ops`.
template <class F>
void require_domain_error(const std::string& what, F run, std::set<std::string> ops) {
    INFO(what);
    bool thrown = false;
    try {
        run();
    } catch (const ad::domain_error& e) {
        thrown = true;
        INFO("op = '" << e.op << "': " << e.what());
        CHECK(ops.count(e.op) == 1);
        CHECK(std::string(e.what()).find("'" + e.op + "'") != std::string::npos);
    }
    CHECK(thrown);
}

/// Every first-order mode of f at x must throw, naming `fwd_op` (forward) / `rev_op` (reverse).
template <class T, class F>
void first_order_throws(const std::string& name, F f, const std::vector<T>& x, const std::string& fwd_op, const std::string& rev_op) {
    ad::checked_scope checked;
    for (const auto& m : modes::gradients<T>(f))
        require_domain_error(name + " by " + m.name, [&] { m.run(x); }, {m.name.rfind("forward", 0) == 0 ? fwd_op : rev_op});
}

/// Every second-order mode of f at x must throw naming one of `ops`.
template <class T, class F>
void second_order_throws(const std::string& name, F f, const std::vector<T>& x, std::set<std::string> ops) {
    ad::checked_scope checked;
    for (const auto& m : modes::hessians<T>(f)) require_domain_error(name + " by " + m.name, [&] { m.run(x); }, ops);
}

#define FN(body) [](const auto& x) { using std::sqrt, std::log, std::sin; return body; }

}  // namespace

TEST_CASE("checked: 1e200*sqrt(x) at 1e-300, the partials finite, their product not", "[checked][class2]") {
    using V = std::vector<double>;
    first_order_throws<double>("1e200*sqrt(x)", FN(1e200 * sqrt(x[0])), V{1e-300}, "mul", "sqrt");
    // the NaN of inf - inf: the first overflow is named, not the subtraction
    first_order_throws<double>("1e200*sqrt(x) - 1e200*sqrt(x)", FN(1e200 * sqrt(x[0]) - 1e200 * sqrt(x[0])), V{1e-300}, "mul", "sqrt");
    // the value is finite (1e50) in every case: only a derivative overflows
    CHECK(1e200 * std::sqrt(1e-300) == Approx(1e50));
    // outside a checked_scope IEEE semantics are kept: inf and NaN are returned
    CHECK(std::isinf(ad::gradient(FN(1e200 * sqrt(x[0])), V{1e-300})[0]));
    CHECK(std::isnan(ad::gradient(FN(1e200 * sqrt(x[0]) - 1e200 * sqrt(x[0])), V{1e-300})[0]));
    CHECK(std::isinf(ad::jacobian_forward(FN(1e200 * sqrt(x[0])), V{1e-300})(0, 0)));
}

TEST_CASE("checked: more overflowing chain-rule products, every first-order mode", "[checked][class2]") {
    using V = std::vector<double>;
    // log: partial 1e300 at 1e-300, times 1e10
    first_order_throws<double>("1e10*log(x)", FN(1e10 * log(x[0])), V{1e-300}, "mul", "log");
    // the accumulation of two finite contributions overflows (forward: in the sum's tangent;
    // reverse: when sin's backward step adds the second 1e308 into x's adjoint)
    first_order_throws<double>("1e308*sin(x) + 1e308*sin(x)", FN(1e308 * sin(x[0]) + 1e308 * sin(x[0])), V{0.0}, "add", "sin");
    // a constant denominator: the quotient's tangent overflows (forward), sqrt's backward step (reverse)
    first_order_throws<double>("sqrt(x)/1e-200", FN(sqrt(x[0]) / 1e-200), V{1e-300}, "div", "sqrt");
    // several inputs, one lane of eight overflows
    {
        ad::checked_scope checked;
        auto f = [](const auto& x) {
            using std::sqrt;
            using X = std::decay_t<decltype(x[0])>;  // the terms are expressions of different types
            return std::vector<X>{x[0] * x[1], 1e200 * sqrt(x[2]), x[3] + x[4]};
        };
        const V x{1, 2, 1e-300, 4, 5};
        require_domain_error("jacobian_forward, lane 3 of 8", [&] { ad::jacobian_forward(f, x); }, {"mul"});
        require_domain_error("jacobian_reverse", [&] { ad::jacobian_reverse(f, x); }, {"sqrt"});
        require_domain_error("jacobian", [&] { ad::jacobian(f, x); }, {"mul", "sqrt"});
    }
}

TEST_CASE("checked: second derivatives (nested types) that overflow name the primitive", "[checked][class2]") {
    using V = std::vector<double>;
    // sqrt″ at 1e-300 is −2.5e449: the Hessian overflows while value and gradient are finite
    second_order_throws<double>("Hessian of sqrt(x) at 1e-300", FN(sqrt(x[0])), V{1e-300}, {"sqrt"});
    second_order_throws<double>("Hessian of log(x) at 1e-200", FN(log(x[0])), V{1e-200}, {"log"});
    second_order_throws<double>("Hessian of x*sqrt(y)", FN(x[0] * sqrt(x[1])), V{2.0, 1e-300}, {"sqrt", "mul"});
    ad::checked_scope checked;
    // the gradient alone is fine there
    CHECK_NOTHROW(ad::gradient(FN(sqrt(x[0])), V{1e-300}));
    CHECK_NOTHROW(ad::jacobian_forward(FN(sqrt(x[0])), V{1e-300}));
    // derivatives<K> (nested duals K deep)
    require_domain_error("derivatives<2> of sqrt at 1e-300", [] { ad::derivatives<2>([](const auto& x) { using std::sqrt; return sqrt(x); }, 1e-300); },
                         {"sqrt"});
    require_domain_error("derivatives<3> of log at 1e-110", [] { ad::derivatives<3>([](const auto& x) { using std::log; return log(x); }, 1e-110); },
                         {"log"});
    CHECK_NOTHROW(ad::derivatives<3>([](const auto& x) { using std::log; return log(x); }, 1e-90));
}

TEST_CASE("checked: seeds and cotangents that overflow (jvp, vjp)", "[checked][class2]") {
    using V = std::vector<double>;
    ad::checked_scope checked;
    auto f = [](const auto& x) { return std::vector{x[0] * 1e10, x[1] + 1.0}; };
    require_domain_error("jvp", [&] { ad::jvp(f, V{1, 2}, V{1e300, 0}); }, {"mul"});
    require_domain_error("vjp", [&] { ad::vjp(f, V{1, 2}, V{1e300, 0}); }, {"mul"});
    // a non-finite seed that reaches an output untouched: the driver names its entry
    auto id = [](const auto& x) { return std::vector{x[0], x[1]}; };
    require_domain_error("jvp of the identity", [&] { ad::jvp(id, V{1, 2}, V{INFINITY, 0}); }, {"jvp"});
    require_domain_error("vjp of the identity", [&] { ad::vjp(id, V{1, 2}, V{0, NAN}); }, {"vjp", "the seed of the reverse sweep"});
    CHECK_NOTHROW(ad::jvp(f, V{1, 2}, V{1e290, 0}));
}

TEST_CASE("checked: 50 digits overflow too (beyond 1e646456992)", "[checked][class2][mp50]") {
    using M = ad::mp50;
    using V = std::vector<M>;
    const M c("1e400000000"), tiny("1e-600000000");
    auto f = [c](const auto& x) { using std::sqrt; return c * sqrt(x[0]); };
    auto g = [c](const auto& x) { using std::sqrt; return c * sqrt(x[0]) - c * sqrt(x[0]); };
    first_order_throws<M>("1e400000000*sqrt(x) at 1e-600000000", f, V{tiny}, "mul", "sqrt");
    first_order_throws<M>("the difference of two", g, V{tiny}, "mul", "sqrt");
    second_order_throws<M>("Hessian of sqrt(x) at 1e-600000000", FN(sqrt(x[0])), V{tiny}, {"sqrt"});
    ad::checked_scope checked;
    CHECK_NOTHROW(ad::gradient(f, V{M("1e-100")}));
    // the double example is fine at 50 digits
    const auto gd = ad::gradient(FN(M(1e200) * sqrt(x[0])), V{M(1e-300)});
    CHECK(boost::multiprecision::isfinite(gd[0]));
}

TEST_CASE("checked mode computes the same numbers as unchecked where everything is finite", "[checked][class2]") {
    auto f = [](const auto& x) {
        using std::exp, std::log, std::sqrt, std::sin, std::tanh;
        using X = std::decay_t<decltype(x[0])>;
        const X m = ad::max(std::vector<X>{x[0], x[1], x[2]});
        return exp(sin(x[0]) * x[1]) / (1.0 + x[2] * x[2]) + log(x[1]) * sqrt(x[2]) + tanh(m) - ad::sigmoid(x[0] / x[1]) +
               ad::pow(x[0], 3) - 2.0 / x[2];
    };
    const std::vector<double> x{0.7, 1.3, 0.4};
    const auto g0 = ad::gradient(f, x);
    const auto J0 = ad::jacobian_forward(f, x);
    const auto H0 = ad::hessian(f, x);
    ad::Replay<double> r(f, x);
    const auto r0 = r.gradient(x);
    ad::checked_scope checked;
    CHECK(ad::gradient(f, x) == g0);
    const auto J1 = ad::jacobian_forward(f, x);
    const auto H1 = ad::hessian(f, x);
    for (std::size_t j = 0; j < 3; ++j) CHECK(J1(0, j) == J0(0, j));
    // reverse-over-forward: unchecked folds an expression's primitives into one statement
    // (pending.hpp), checked records each to name it, so the products round in another order
    for (std::size_t k = 0; k < 9; ++k) CHECK(H1[k] == Approx(H0[k]).epsilon(1e-14));
    CHECK(r.gradient(x) == r0);
}

TEST_CASE("checked: Replay checks values, partials and adjoints on every replay", "[checked][class2][replay]") {
    auto f = FN(1e200 * sqrt(x[0]) + log(x[1]));
    ad::Replay<double> r(f, std::vector<double>{1.0, 1.0});  // recorded where all is finite
    ad::checked_scope checked;
    CHECK_NOTHROW(r.gradient(std::vector<double>{4.0, 2.0}));
    require_domain_error("replayed at 1e-300", [&] { r.gradient(std::vector<double>{1e-300, 1.0}); }, {"sqrt"});
    require_domain_error("replayed at a log(-1)", [&] { r.gradient(std::vector<double>{1.0, -1.0}); }, {"log"});
    require_domain_error("replayed at sqrt(0)", [&] { r.gradient(std::vector<double>{0.0, 1.0}); }, {"sqrt"});
}
