// The verdict criterion of `adiff check` (ad/check/verdict.hpp): relative per entry, decided at
// a second precision, never passing on NaN/inf or through an absolute tolerance.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "ad/check/verdict.hpp"
#include "ad/core/multiprecision.hpp"

using ad::check::entry_verdict;
using ad::check::judge;
using ad::check::measure;

namespace {
constexpr double rtol50 = -30, rtol100 = -60;
}

TEST_CASE("measure keeps magnitudes beyond double's range as logarithms", "[check][verdict]") {
    const ad::mp50 a = ad::mp50("5.0760e-435"), b = ad::mp50(0);
    const auto e = measure(a, b);
    CHECK(e.finite);
    CHECK(e.log_err == Approx(-434.2945).margin(1e-3));
    CHECK(e.log_scale == Approx(-434.2945).margin(1e-3));
    CHECK(e.log_rel() == Approx(0).margin(1e-12));
    const auto z = measure(0.0, 0.0);
    CHECK(z.log_rel() == -std::numeric_limits<double>::infinity());
    CHECK(judge(z, std::nullopt, rtol50, rtol100) == entry_verdict::agrees);
}

TEST_CASE("NaN and inf never agree", "[check][verdict]") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& [a, b] : {std::pair{inf, 0.0}, {inf, inf}, {nan, nan}, {0.0, nan}, {-inf, -inf}}) {
        const auto e = measure(a, b);
        CHECK_FALSE(e.finite);
        CHECK(judge(e, std::nullopt, rtol50, rtol100) == entry_verdict::differs);
        CHECK(judge(measure(1.0, 1.0), e, rtol50, rtol100) == entry_verdict::differs);  // a non-finite value anywhere: never agrees
        CHECK(judge(measure(1.0, 2.0), e, rtol50, rtol100) == entry_verdict::differs);
    }
}

TEST_CASE("tiny entries are judged relative to their own magnitude", "[check][verdict]") {
    // softmax Jacobian at z = [0, 100, 0]: −s0·s1 ≈ −3.7e-44 claimed as +3.7e-44
    const ad::mp50 ref = ad::mp50("-3.7200759760208359629596958e-44"), claim = -ref;
    const ad::mp100 ref100 = ad::mp100("-3.7200759760208359629596958e-44"), claim100 = -ref100;
    CHECK(judge(measure(ref, claim), measure(ref100, claim100), rtol50, rtol100) == entry_verdict::differs);
    // an offset of 1e-45 on it is 2.7 % of the entry: wrong
    const ad::mp50 off = ref + ad::mp50("1e-45");
    const ad::mp100 off100 = ref100 + ad::mp100("1e-45");
    CHECK(judge(measure(ref, off), measure(ref100, off100), rtol50, rtol100) == entry_verdict::differs);
}

TEST_CASE("rounding that shrinks with the precision is zero to the precision", "[check][verdict]") {
    // a true 0 computed with rounding of O(1) terms: 1e-51 at 50 digits, 1e-101 at 100
    const auto lo = measure(ad::mp50(0), ad::mp50("1e-51"));
    const auto hi = measure(ad::mp100(0), ad::mp100("1e-101"));
    CHECK(judge(lo, std::nullopt, rtol50, rtol100) == entry_verdict::undecided);
    CHECK(judge(lo, hi, rtol50, rtol100) == entry_verdict::zero_to_precision);
    // a true difference of 1e-51 does not shrink: refuted
    CHECK(judge(lo, measure(ad::mp100(0), ad::mp100("1e-51")), rtol50, rtol100) == entry_verdict::differs);
    // a claim that loses 25 digits at 50 but is right at 100
    const auto lo2 = measure(ad::mp50(1), ad::mp50(1) + ad::mp50("1e-25"));
    const auto hi2 = measure(ad::mp100(1), ad::mp100(1) + ad::mp100("1e-75"));
    CHECK(judge(lo2, hi2, rtol50, rtol100) == entry_verdict::agrees_confirmed);
    CHECK(ad::check::agrees(entry_verdict::agrees_confirmed));
    CHECK_FALSE(ad::check::agrees(entry_verdict::undecided));
}

TEST_CASE("a relative error just inside and just outside the tolerance", "[check][verdict]") {
    const ad::mp50 one(1);
    CHECK(judge(measure(one, one + ad::mp50("1e-31")), std::nullopt, rtol50, rtol100) == entry_verdict::agrees);
    CHECK(judge(measure(one, one + ad::mp50("1e-29")), std::nullopt, rtol50, rtol100) == entry_verdict::undecided);
    CHECK(judge(measure(one, one + ad::mp50("1e-29")), measure(ad::mp100(1), ad::mp100(1) + ad::mp100("1e-29")), rtol50, rtol100) ==
          entry_verdict::differs);
}
