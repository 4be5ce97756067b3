// Issue 12, class 3 (library part): integer powers are exact for every integer a caller can pass.
// rules::pow_int held an int and pow(x, n) narrowed with static_cast<int>: x^-4294967297 was
// x^-1, and x^INT_MIN hung (−k overflowed in the squaring loop). Now n is a long long whose
// magnitude is handled unsigned (LLONG_MIN too) and an unsigned n beyond it is split, so every
// mode gets the right value, sign and derivative: at most 64 squarings.
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/modes.hpp"
#include "support/close.hpp"

namespace {

/// An exponent of any integer type, and its properties as exact numbers.
struct exponent {
    std::string text;
    bool negative;
    unsigned long long magnitude;
    double as_double;  // n, rounded
};

/// x^e as the reference: the sign from the parity, the magnitude from std::pow on |x| (exact for
/// |x| ∈ {1/2, 1, 2}: a power of two, 0 or inf).
double ref_pow(double x, bool negative, unsigned long long k) {
    const double m = std::pow(std::abs(x), negative ? -static_cast<double>(k) : static_cast<double>(k));
    return (x < 0 && (k & 1)) ? -m : m;
}
/// d/dx x^n = n·x^(n−1), and the second derivative n(n−1)·x^(n−2), by parity and magnitude.
double ref_d1(double x, const exponent& e) {
    if (e.magnitude == 0) return 0;
    // n − 1: |n| − 1 for n > 0, −(|n| + 1) for n < 0
    const unsigned long long k = e.negative ? e.magnitude + 1 : e.magnitude - 1;
    return e.as_double * ref_pow(x, e.negative, k);
}
double ref_d2(double x, const exponent& e) {
    if (e.magnitude <= 1 && !e.negative) return 0;
    const unsigned long long k = e.negative ? e.magnitude + 2 : e.magnitude - 2;
    return e.as_double * (e.as_double - 1) * ref_pow(x, e.negative, k);
}

bool same_or_close(double got, double want) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want) || want == 0) return got == want;
    return std::abs(got - want) <= 4e-16 * std::abs(want);
}

template <class I>
exponent make(I n, const char* text) {
    exponent e;
    e.text = text;
    if constexpr (std::is_signed_v<I>) {
        e.negative = n < 0;
        e.magnitude = n < 0 ? 0ULL - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
    } else {
        e.negative = false;
        e.magnitude = n;
    }
    e.as_double = static_cast<double>(n);
    return e;
}

/// Runs x^n (n of type I) through every first-order mode, and second-order ones where the
/// reference is finite, at x ∈ {−2, −1, −½, ½, 1, 2}.
template <class I>
void check_exponent(I n, const char* text) {
    const exponent e = make(n, text);
    auto f = [n](const auto& x) { using std::pow; return pow(x[0], n); };
    for (double x : {-2.0, -1.0, -0.5, 0.5, 1.0, 2.0}) {
        INFO("x = " << x << ", n = " << text);
        const double want = ref_pow(x, e.negative, e.magnitude);
        const double want1 = ref_d1(x, e);
        // the value in every AD type (the plain number goes to std::pow)
        CHECK(same_or_close(ad::pow(ad::Dual<double>(x, 1.0), n).v, want));
        CHECK(same_or_close(ad::pow(ad::Dual<double>(x, 1.0), n).t[0], want1));
        for (const auto& m : modes::gradients<double>(f)) {
            const auto g = m.run(std::vector<double>{x});
            INFO(m.name << ": " << adt::str(g[0]) << ", want " << adt::str(want1));
            CHECK(same_or_close(g[0], want1));
        }
        const double want2 = ref_d2(x, e);
        if (!std::isfinite(want2)) continue;  // overflowing products of infinities: not a convention
        for (const auto& m : modes::hessians<double>(f)) {
            const auto H = m.run(std::vector<double>{x});
            INFO(m.name << ": " << adt::str(H[0]) << ", want " << adt::str(want2));
            CHECK(same_or_close(H[0], want2));
        }
    }
}

}  // namespace

TEST_CASE("pow(x, n) is exact for every integer n: ±2^31, ±(2^32+1), INT_MIN, LLONG_MIN/MAX", "[pow][class3]") {
    check_exponent(2147483648LL, "2^31");
    check_exponent(-2147483648LL, "-2^31");
    check_exponent(INT_MIN, "INT_MIN (int)");
    check_exponent(INT_MAX, "INT_MAX (int)");
    check_exponent(4294967297LL, "2^32+1");
    check_exponent(-4294967297LL, "-(2^32+1)");
    check_exponent(LLONG_MIN, "LLONG_MIN");
    check_exponent(LLONG_MAX, "LLONG_MAX");
    check_exponent(LLONG_MIN + 1, "LLONG_MIN+1");
    check_exponent(std::int64_t(1) << 62, "2^62");
    check_exponent(9223372036854775808ULL, "2^63 (unsigned)");
    check_exponent(ULLONG_MAX, "ULLONG_MAX (unsigned)");
    check_exponent(4294967297UL, "2^32+1 (unsigned long)");
    check_exponent(short(-3), "-3 (short)");
    check_exponent(static_cast<unsigned char>(5), "5 (unsigned char)");
    check_exponent(0LL, "0");
    check_exponent(1LL, "1");
    check_exponent(-1LL, "-1");
}

TEST_CASE("pow(x, n): the examples of the issue, and 0^n", "[pow][class3]") {
    using D = ad::Dual<double>;
    // x^-4294967297 at x = 2 is 2^-4294967297 (0), not 2^-1
    CHECK(ad::pow(D(2.0, 1.0), -4294967297LL).v == 0.0);
    CHECK(ad::pow(D(-1.0, 1.0), -4294967297LL).v == -1.0);
    CHECK(ad::pow(D(-1.0, 1.0), -4294967296LL).v == 1.0);
    // x^INT_MIN terminates, with the right sign and derivative
    CHECK(ad::pow(D(-1.0, 1.0), INT_MIN).v == 1.0);
    CHECK(ad::pow(D(-1.0, 1.0), INT_MIN).t[0] == 2147483648.0);  // INT_MIN·(−1)^(INT_MIN−1)
    CHECK(ad::gradient([](const auto& x) { return ad::pow(x[0], INT_MIN); }, std::vector<double>{-1.0})[0] == 2147483648.0);
    // 0^n: 0 for n > 0 with derivative 0 (n ≥ 2), 0^0 = 1, 0^−n = inf
    CHECK(ad::pow(D(0.0, 1.0), 4294967297LL).v == 0.0);
    CHECK(ad::pow(D(0.0, 1.0), 4294967297LL).t[0] == 0.0);
    CHECK(ad::pow(D(0.0, 1.0), 0).v == 1.0);
    CHECK(ad::pow(D(0.0, 1.0), 0).t[0] == 0.0);
    CHECK(std::isinf(ad::pow(D(0.0, 1.0), LLONG_MIN).v));
    // x^−k where x^k overflows: (1/x)^k, so a subnormal result is not flushed to 0
    CHECK(ad::pow(D(2.0, 1.0), -1074).v == std::ldexp(1.0, -1074));
    CHECK(ad::pow(D(2.0, 1.0), -1060).t[0] == -1060 * std::ldexp(1.0, -1061));
    // checked mode: an overflowing power is named
    ad::checked_scope checked;
    CHECK_THROWS_WITH(ad::pow(D(2.0, 1.0), 2147483648LL), Catch::Contains("'powi'"));
    CHECK_THROWS_WITH(ad::gradient([](const auto& x) { return ad::pow(x[0], LLONG_MAX); }, std::vector<double>{2.0}),
                      Catch::Contains("'powi'"));
    CHECK_NOTHROW(ad::hessian([](const auto& x) { return ad::pow(x[0], LLONG_MIN); }, std::vector<double>{2.0}));
    CHECK_NOTHROW(ad::hessian([](const auto& x) { return ad::pow(x[0], LLONG_MAX); }, std::vector<double>{-1.0}));
}

// x^n has condition number |n|: repeated squaring at 50 digits (ε ≈ 1.7e−51) loses up to
// |n|·ε ≈ 7e−42 relative, so the reference is the SAME binary x at 100 digits, and 1e−39.
TEST_CASE("pow(x, n) at 50 digits: (1 + 1e-10)^±(2^32+1) in every mode", "[pow][class3][mp50]") {
    using M = ad::mp50;
    using R = ad::mp100;
    for (long long n : {4294967297LL, -4294967297LL, 2147483648LL, -2147483648LL}) {
        INFO("n = " << n);
        const M x("1.0000000001");
        const R xr(x);
        using std::pow, std::abs;
        const R want = pow(xr, R(n));
        const R want1 = R(n) * pow(xr, R(n) - 1);
        auto f = [n](const auto& v) { using std::pow; return pow(v[0], n); };
        CHECK(abs(R(ad::pow(ad::Dual<M>(x, M(1)), n).v) - want) < R("1e-39") * abs(want));
        for (const auto& m : modes::gradients<M>(f)) {
            INFO(m.name);
            const auto g = m.run(std::vector<M>{x});
            CHECK(abs(R(g[0]) - want1) < R("1e-39") * abs(want1));
        }
        const R want2 = R(n) * (R(n) - 1) * pow(xr, R(n) - 2);
        for (const auto& m : modes::hessians<M>(f)) {
            INFO(m.name);
            const auto H = m.run(std::vector<M>{x});
            CHECK(abs(R(H[0]) - want2) < R("1e-38") * abs(want2));
        }
    }
}
