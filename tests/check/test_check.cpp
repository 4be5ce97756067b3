// The cross-check harness: Jacobian comparison metrics (zero-safe) and check_grads, which must
// pass for correct derivatives and FAIL for a wrong one, in double and at 50 digits.
#include "ad/check/check.hpp"
#include "array/helpers.hpp"

using ad::Array;
using ad::Shape;
namespace ck = ad::check;

TEST_CASE("compare: max abs, zero-safe max rel, mean %, ULPs, tolerance", "[check][compare]") {
    const Array<double> ref{1.0, 0.0, -2.0, 0.0}, got{1.0 + 2e-16, 0.0, -2.0, 1e-20};
    const auto c = ck::compare(ref, got, ck::tolerance<double>{1e-18, 1e-15});
    CHECK(c.shapes_match);
    CHECK(c.count == 4);
    CHECK(c.max_abs == Approx(2.220446049250313e-16));
    CHECK(c.max_rel == 1.0);  // 0 vs 1e-20: relative error 1, and never 0/0 for the 0 vs 0 entry
    CHECK(c.mean_pct == Approx((2.220446049250313e-16 + 1e-20 / 1e-100) / 4 * 100));
    CHECK(c.max_ulps == Approx(1.0));  // the 1e-20 entry is below 1e-8 of the scale: not in ULPs
    CHECK(c.ok);  // 1e-20 ≤ 1e-18 absolute
    CHECK(c.worst == 3);  // closest to its tolerance: 1e-20 vs the 1e-18 allowance
    const auto strict = ck::compare(ref, got, ck::tolerance<double>{0.0, 1e-17});
    CHECK_FALSE(strict.ok);
    const auto same = ck::compare(ref, ref, ck::tolerance<double>{0.0, 0.0});
    CHECK(same.ok);
    CHECK(same.max_abs == 0);
    CHECK(same.mean_pct == 0);
    CHECK_FALSE(ck::compare(ref, Array<double>{1.0, 2.0}, ck::tolerance<double>{1, 1}).ok);
    CHECK_FALSE(ck::compare(ref, Array<double>{1.0, std::nan(""), -2.0, 0.0}, ck::tolerance<double>{1, 1}).ok);
}

TEST_CASE("seed 000's mean percentage error, with and without its 1e-100 offset", "[check][compare]") {
    const Array<double> a{0.5, 0.0, 0.25}, ok{0.5, 0.0, 0.25 * (1 + 4e-16)}, wrong{0.5, 0.1, 0.25};
    CHECK(ck::seed_mean_percentage_error(a, ok, 1e-100) < 1e-13);
    CHECK(ck::seed_mean_percentage_error(a, wrong, 1e-100) > 1e98);  // a structural zero got wrong: ~1e+100
    CHECK(std::isnan(ck::seed_mean_percentage_error(a, ok)));       // 0/0 without the offset, as in NumPy
    CHECK(ck::compare(a, wrong, ck::tolerance<double>{0, 0}).mean_pct > 1e98);  // ours: the same verdict, zero-safe
}

namespace {
// A correct function R^3 → R^2 and a deliberately wrong one whose AD types see a different
// formula (derivative off by a factor 2) than plain numbers — check_grads must catch it.
auto good = [](const auto& x) {
    using std::exp, std::sin;
    using X = std::remove_cvref_t<decltype(x[0])>;
    return std::vector<X>{X(exp(x[0]) * sin(x[1]) + x[2] * x[2]), X(x[0] * x[1] * x[2])};
};
auto bad = [](const auto& x) {
    using X = std::remove_cvref_t<decltype(x[0])>;
    if constexpr (ad::is_ad_type_v<X>) return std::vector<X>{X(x[0] * x[0] * 2.0), X(x[1])};
    else return std::vector<X>{X(x[0] * x[0]), X(x[1])};
};
}  // namespace

template <class T>
void grad_checks() {
    const std::vector<T> x{T(0.3), T(-1.1), T(2)};
    const auto r = ck::check_grads(good, x);
    INFO(r.message);
    CHECK(r.ok);
    CHECK(r.full_compared);
    CHECK(r.max_fwd_rev < T(1000) * ck::epsilon<T>());
    const auto w = ck::check_grads(bad, x);
    CHECK_FALSE(w.ok);
    CHECK(w.message.find("central differences") != std::string::npos);
    // Softmax from primitives: projections and the full Jacobian.
    auto sm = ad::on_shape(Shape{2, 3}, [](const auto& z) { return ad::softmax_naive(z); });
    const std::vector<T> z{T(1), T(-2), T(0.5), T(3), T(3), T(-7)};
    const auto s = ck::check_grads(sm, z);
    INFO(s.message);
    CHECK(s.ok);
    // The differences are accurate to ~ε^(4/5): far beyond double's 1e-8 folklore.
    using std::pow;
    CHECK(s.max_ad_fd < T(100) * T(pow(ck::epsilon<T>(), T(0.7))));
}

TEST_CASE("check_grads: passes for correct derivatives, fails for a wrong one", "[check][grad_check]") {
    grad_checks<double>();
    grad_checks<ad::mp50>();
}

TEST_CASE("central-difference Jacobians (plain and CPR batch) match the closed form", "[check][differences]") {
    const Array<double> Z{{1, 2, 3}, {0, -4, 2}};
    auto sm = [](const auto& z) { return ad::softmax_naive(z); };
    const Array<double> B = ck::batch_jacobian_central(sm, Z);
    AT_CLOSE(B, ad::closed_form::softmax_batch_jacobian_blocks(ad::softmax(Z)), 1e-11, 0.0);
    const Array<double> z{1, 2, 3};
    AT_CLOSE(ck::jacobian_central(ad::on_shape(Shape{3}, sm), z.values()), ad::closed_form::softmax_jacobian(ad::softmax(z)), 1e-11, 0.0);
}
