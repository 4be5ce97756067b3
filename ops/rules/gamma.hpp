#pragma once
/// \file gamma.hpp
/// The rules of the gamma family: lgamma (log|Γ|), digamma ψ = (log Γ)′ and polygamma ψ⁽ⁿ⁾, each
/// the derivative of the one before (lgamma′ = ψ, ψ′ = ψ⁽¹⁾, ψ⁽ⁿ⁾′ = ψ⁽ⁿ⁺¹⁾), so every order of
/// every mode has a rule. Values for plain numbers (float to multiprecision) come from
/// Boost.Math with a policy that never throws: at the poles 0, −1, −2, … lgamma is +inf (as C's
/// lgamma), ψ is NaN (its one-sided limits are −∞ and +∞), ψ⁽ⁿ⁾ is +inf for odd n and NaN for even
/// n; non-finite arguments are answered here before Boost sees them.
#include <mutex>

#include <boost/math/constants/constants.hpp>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>

#include <boost/math/special_functions/zeta.hpp>
#include <boost/multiprecision/number.hpp>

#include "ad/core/multiprecision.hpp"
#include "ops/rules/rules.hpp"

// Boost.Math "initializers" evaluate a function once during static initialisation, for every
// type it is instantiated with, to warm its caches. That is real work at every program start:
// ζ(5) and ψ⁽³⁰⁾ at 700 digits took 2 minutes at the start of each sanitizer-built test, and the
// Bernoulli numbers, factorials and ψ⁽³⁰⁾(−2.5) at 50 and 100 digits and in long double were a
// quarter of each sanitizer-built CLI run (perf), at 50 and 100 digits mostly for allocating
// four Bernoulli caches of 100,000 entries. So they are dropped (ζ's and ψ⁽ⁿ⁾'s at every
// multiprecision type, ψ⁽ⁿ⁾'s also at the built-in types, the Bernoulli numbers' and
// factorials' at mp50 and mp100) and the first call pays instead. Their
// caches are function-local statics, which C++11 initialises on first use; ψ⁽ⁿ⁾'s table grows
// under its own mutex, and the Bernoulli cache only under adiff's (boost_gamma_call below).
// Boost.Multiprecision's numeric limits of its expression-template numbers, which the Bernoulli
// warm-up computed first, are computed at start-up by ad/core/multiprecision.hpp. (These are
// Boost.Math's internal templates, checked against Boost 1.74, Debian bookworm's; with another
// version the warm-ups stay. adiff's headers must come before a user's first use of these
// functions at these types. test_threads runs the first calls from several threads at once.)
#if BOOST_VERSION / 100 == 1074
namespace boost::math::detail {
/// One initializer without the warm-up (the members Boost's callers touch).
struct no_warm_up {
    struct init { void force_instantiate() const {} };
    static constexpr init initializer{};
    static void force_instantiate() {}
};
template <class Backend, boost::multiprecision::expression_template_option ET, class Policy, class Tag>
struct zeta_initializer<boost::multiprecision::number<Backend, ET>, Policy, Tag> : no_warm_up {};
template <class Backend, boost::multiprecision::expression_template_option ET, class Policy>
struct polygamma_initializer<boost::multiprecision::number<Backend, ET>, Policy> : no_warm_up {};
template <class Policy> struct polygamma_initializer<float, Policy> : no_warm_up {};
template <class Policy> struct polygamma_initializer<double, Policy> : no_warm_up {};
template <class Policy> struct polygamma_initializer<long double, Policy> : no_warm_up {};
// Only at adiff's own precisions, whose numeric limits multiprecision.hpp computes at start-up:
// another multiprecision type keeps the warm-up that computes them first.
template <class Policy> struct bernoulli_initializer<ad::mp50, Policy> : no_warm_up {};
template <class Policy> struct bernoulli_initializer<ad::mp100, Policy> : no_warm_up {};
}  // namespace boost::math::detail
namespace boost::math {
template <> struct unchecked_factorial_initializer<ad::mp50> : detail::no_warm_up {};
template <> struct unchecked_factorial_initializer<ad::mp100> : detail::no_warm_up {};
}  // namespace boost::math
#endif

namespace ad::rules {

namespace detail {
/// Boost.Math reports a domain, pole or overflow by returning NaN/inf instead of throwing.
using quiet_policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::rounding_error<boost::math::policies::ignore_error>,
    boost::math::policies::indeterminate_result_error<boost::math::policies::ignore_error>>;

/// x is one of the poles 0, −1, −2, … of Γ (every double beyond 2^52 in magnitude is an integer).
template <class T>
bool gamma_pole(const T& x) { using std::floor; return x <= T(0) && floor(x) == x; }

/// Boost.Math's own reflection for x < 0 converts x to int (undefined behaviour beyond 2³¹, found
/// by fuzzing), so below this bound the reflection is done here, on the reduced argument
/// r = x − round(x) ∈ [−½, ½] (exact: x − round(x) has no rounding error), using that sin(πx),
/// cot(πx) and all derivatives of cot(πx) are periodic with period 1 (sin up to its sign, which
/// log|·| drops).
template <class T>
T far_negative() { return T(-1000000); }

template <class T>
T reduced(const T& x) { using std::round; return x - round(x); }

/// The one lock of adiff's Boost.Math gamma-family calls at type T (see boost_gamma_call).
template <class T>
std::mutex& boost_gamma_mutex() {
    static std::mutex m;
    return m;
}

/// f() = a Boost.Math gamma-family call at type T. At multiprecision types Boost 1.74 extends
/// its cache of Bernoulli numbers (lgamma, ψ and ψ⁽ⁿ⁾ share it) under a mutex while other
/// threads read the cache's length without one (an assertion's read, in builds without NDEBUG:
/// ThreadSanitizer, test_threads), so adiff makes these calls one at a time per type, every
/// function under the same lock. A call there takes 35–160 µs (lgamma and ψ at 50 and 100
/// digits, g++ -O2) and the lock tens of nanoseconds; built-in types use Boost's static tables
/// and take no lock.
template <class T, class F>
T boost_gamma_call(F&& f) {
    if constexpr (boost::multiprecision::is_number<T>::value) {
        const std::lock_guard<std::mutex> lock(boost_gamma_mutex<T>());
        return T(f());
    } else {
        return T(f());
    }
}

template <class T>
T boost_polygamma(int k, const T& x) {
    return boost_gamma_call<T>([&] { return k == 0 ? T(boost::math::digamma(x, quiet_policy())) : T(boost::math::polygamma(k, x, quiet_policy())); });
}
template <class T>
T boost_lgamma(const T& x) {
    return boost_gamma_call<T>([&] { return T(boost::math::lgamma(x, quiet_policy())); });
}

/// ψ⁽ⁿ⁾(x) of plain numbers; NaN unless n is an integer in [0, 1000] (Boost.Math's cost grows as n²:
/// n = 10⁴ takes half a second, 10⁶ hours; in double every order above 170 overflows for 0 < x < 1).
template <class T>
T polygamma_value(const T& n, const T& x) {
    using std::floor;
    const T nan = std::numeric_limits<T>::quiet_NaN();
    if (is_nan(n) || is_nan(x) || n < T(0) || n > T(1000) || floor(n) != n) return nan;
    const int k = static_cast<int>(n);
    if (!is_finite(x)) return x > T(0) ? (k == 0 ? x : T(0)) : nan;  // ψ(+∞) = +∞, ψ⁽ⁿ⁾(+∞) = 0
    if (gamma_pole(x)) return k % 2 == 1 ? std::numeric_limits<T>::infinity() : nan;
    if (x < far_negative<T>()) {
        // Reflection ψ⁽ᵏ⁾(x) = (−1)ᵏ ψ⁽ᵏ⁾(1 − x) − π dᵏ/dxᵏ cot(πx), and by the same reflection at the
        // reduced argument r (period 1): −π dᵏ/dxᵏ cot(πr) = ψ⁽ᵏ⁾(r) − (−1)ᵏ ψ⁽ᵏ⁾(1 − r).
        const T r = reduced(x);
        const T sign = k % 2 == 0 ? T(1) : T(-1);
        return sign * boost_polygamma(k, T(T(1) - x)) + (boost_polygamma(k, r) - sign * boost_polygamma(k, T(T(1) - r)));
    }
    return boost_polygamma(k, x);
}

/// log|Γ(x)| of plain numbers (C's lgamma): +inf at the poles.
template <class T>
T lgamma_value(const T& x) {
    using std::log; using std::sin; using std::abs;
    if (is_nan(x)) return x;
    if (!is_finite(x) || gamma_pole(x)) return std::numeric_limits<T>::infinity();
    if (x < far_negative<T>()) {
        // Γ(x) Γ(1 − x) = π / sin(πx), and |sin(πx)| = |sin(πr)|.
        const T pi = boost::math::constants::pi<T>();
        return T(log(pi) - log(abs(sin(T(pi * reduced(x))))) - boost_lgamma(T(T(1) - x)));
    }
    return boost_lgamma(x);
}
}  // namespace detail

/// ψ⁽ⁿ⁾(x), the n-th derivative of ψ, for an integer order n ≥ 0 (polygamma(0, x) = ψ(x));
/// ∂x = ψ⁽ⁿ⁺¹⁾(x). The order is an integer, so the derivative in it is 0 by convention (as
/// floor′ = 0); a non-integer order gives NaN.
struct polygamma { static constexpr std::string_view name = "polygamma";
    static constexpr bool integer_a = true;  // the order: no derivative in it (test_registry)
    static constexpr info about{.latex = "\\psi", .c = "adiff_polygamma", .python = "scipy.special.polygamma", .domain = "n in {0, 1, ..., 1000}, x not in {0, -1, -2, ...}", .derivative = "0 (the order is an integer); polygamma(n + 1, x)", .total = false,
        .c_helper = "static inline double adiff_polygamma(double n, double x) {  /* x > 0 (NaN elsewhere but at the poles of odd order) */\n"
        "    if (n != n || x != x || n < 0 || n > 100 || floor(n) != n) return NAN;\n"
        "    if (n == 0) return adiff_digamma(x);\n"
        "    const int k = (int)n;\n"
        "    if (x <= 0) return floor(x) == x && k % 2 == 1 ? INFINITY : NAN;\n"
        "    if (x == INFINITY) return 0;\n"
        "    double fact = 1; for (int i = 2; i <= k; ++i) fact *= i;\n"
        "    double r = 0; while (x < 20 + k) { r += pow(x, -(k + 1)); x += 1; }\n"
        "    static const double B[8] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510};\n"
        "    double c = fact / k, s = c * pow(x, -k) + fact * 0.5 * pow(x, -(k + 1));\n"
        "    for (int j = 1; j <= 8; ++j) { c *= (double)(k + 2 * j - 2) * (k + 2 * j - 1) / ((2.0 * j - 1) * (2.0 * j)); s += B[j - 1] * c * pow(x, -(2 * j + k)); }\n"
        "    return (k % 2 ? 1.0 : -1.0) * (fact * r + s);\n"
        "}\n"};
    static constexpr double points[][2] = {{1.0, 2.5}, {0.0, 0.7}, {2.0, -1.5}, {3.0, 4.0}};
    template <class T> T value(const T& n, const T& x) const {
        if constexpr (is_ad_type_v<T>) return apply_binary(*this, n, x);
        else return detail::polygamma_value(n, x);
    }
    template <class T> T da(const T&, const T&, const T&) const { return T(0); }
    template <class T> T db(const T& n, const T& x, const T&) const { return value(T(n + T(1)), x); } };

/// ψ(x) = Γ′(x)/Γ(x) = (log Γ)′(x); ∂ = ψ⁽¹⁾(x) (the trigamma function).
struct digamma { static constexpr std::string_view name = "digamma";
    static constexpr info about{.latex = "\\psi", .c = "adiff_digamma", .python = "scipy.special.digamma", .domain = "x not in {0, -1, -2, ...} (NaN there)", .derivative = "polygamma(1, x)", .total = false,
        .c_helper = "static inline double adiff_digamma(double x) {\n"
        "    if (x != x || x == -INFINITY || (x <= 0 && floor(x) == x)) return NAN;\n"
        "    if (x == INFINITY) return x;\n"
        "    if (x < 0) return adiff_digamma(1 - x) - 3.14159265358979323846 / tan(3.14159265358979323846 * x);\n"
        "    double r = 0; while (x < 10) { r -= 1 / x; x += 1; }\n"
        "    const double f = 1 / (x * x);\n"
        "    return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760 - f / 12))))));\n"
        "}\n"};
    static constexpr double points[] = {-2.5, 0.3, 1.0, 4.5, 30.0};
    template <class T> T value(const T& x) const {
        if constexpr (is_ad_type_v<T>) return apply_rule(*this, x);
        else return detail::polygamma_value(T(0), x);
    }
    template <class T> T d(const T& x, const T&) const { return polygamma{}.value(T(1), x); } };

/// log|Γ(x)| (C's lgamma); ∂ = ψ(x). +inf at the poles 0, −1, −2, … (where ψ is NaN).
struct lgamma { static constexpr std::string_view name = "lgamma";
    static constexpr info about{.latex = "\\ln\\Gamma", .c = "lgamma", .python = "scipy.special.gammaln", .domain = "R; +inf at 0, -1, -2, ... (no derivative there); overflows beyond 2.5e305", .derivative = "digamma(x)", .total = false};
    static constexpr double points[] = {-2.5, 0.3, 1.0, 4.5, 30.0};
    template <class T> T value(const T& x) const {
        if constexpr (is_ad_type_v<T>) return apply_rule(*this, x);
        else return detail::lgamma_value(x);
    }
    template <class T> T d(const T& x, const T&) const { return digamma{}.value(x); } };

}  // namespace ad::rules
