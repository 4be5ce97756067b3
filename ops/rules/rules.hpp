#pragma once
/// \file rules.hpp
/// ONE rule per primitive. Forward duals, the reverse tape and the symbolic DAG all
/// instantiate these, so the three modes agree by construction.
///
/// A unary rule has `name`, `value(x)` and `d(x, y)` = ∂y/∂x given the forward result y
/// (exp, sqrt, tanh and sigmoid reuse y). A binary rule has `value(a, b)`, `da(a, b, y)`,
/// `db(a, b, y)`. An n-ary reduction has `value(xs)` and `partials(xs, y, out)`.
/// Every formula is generic in T, so T may be a number, a Dual, a Var or a symbolic Expr.
/// To add a primitive: write its rule here (with `about` and `points`) and add its name to one
/// list in registry.hpp; tests/core/test_registry.cpp then checks it in every mode.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

#include "ops/rules/scalar_traits.hpp"

namespace ad {

/// Rule r applied to x as ONE primitive of x's own mode: for an AD type the mode's primitive
/// (found by ADL: a Dual carries its tangents, a Var records one tape statement, a symbolic
/// Expr builds a node), for a number its value. Rule formulas use it to call another primitive
/// (sigmoid′ uses sigmoid(−x)), and it is how user code declares a primitive of its own
/// (JAX's custom_jvp): a struct with `name`, `template <class T> T value(const T& x) const` and
/// `template <class T> T d(const T& x, const T& y) const` (∂y/∂x given y), then
/// `ad::apply_rule(my_rule{}, x)` in forward, reverse and Replay mode, every order and precision
/// (docs/rules.md, "User-defined rules"); on a symbolic Expr it is one opaque call node
/// differentiated by the rule's own `d` (ad/symbolic/user_rule.hpp).
template <class R, class T>
T apply_rule(const R& r, const T& x) {
    static_assert(requires(double v) { std::string_view(R::name); r.value(v); r.d(v, v); },
                  "adiff: ad::apply_rule(rule, x) needs a rule with `static constexpr std::string_view name`, "
                  "`template <class T> T value(const T& x) const` and `template <class T> T d(const T& x, const T& y) const`");
    if constexpr (is_ad_type_v<T>) return apply_unary(r, x);
    else return r.value(x);
}
/// Binary rule r applied to (a, b) as one primitive (`value(a, b)`, `da(a, b, y)`,
/// `db(a, b, y)`); one operand may be a constant convertible to the other's AD type.
template <class R, class A, class B>
auto apply_rule(const R& r, const A& a, const B& b) {
    static_assert(requires(double v) { std::string_view(R::name); r.value(v, v); r.da(v, v, v); r.db(v, v, v); },
                  "adiff: ad::apply_rule(rule, a, b) needs a rule with `static constexpr std::string_view name`, "
                  "`value(a, b)`, `da(a, b, y)` and `db(a, b, y)` (templates in T)");
    if constexpr (is_ad_type_v<A> || is_ad_type_v<B>) return apply_binary(r, a, b);
    else return r.value(a, b);
}

}  // namespace ad

namespace ad::rules {

#define ADIFF_MATH using std::exp, std::log, std::sqrt, std::sin, std::cos, std::tan, std::sinh, \
    std::cosh, std::tanh, std::asin, std::acos, std::atan, std::abs, std::pow, std::log1p, std::expm1, \
    std::log2, std::log10, std::exp2, std::cbrt, std::asinh, std::acosh, std::atanh, std::erf, std::erfc, \
    std::floor, std::ceil, std::trunc, std::round, std::hypot, std::atan2, std::fmod, std::fmax, std::fmin

/// Sets the innermost value of `r` (the number under every `.v`) to that of `a`, bit for bit,
/// leaving every derivative component of r as it is. A symbolic expression (an AD type without
/// a value) is left unchanged.
template <class T>
void set_innermost(T& r, const T& a) {
    if constexpr (!is_ad_type_v<T>) r = a;
    else if constexpr (requires { r.v; a.v; }) set_innermost(r.v, a.v);
}

/// The mean of AD values tied with `a` (the same innermost value): a + Σ(bᵢ − a)/k, whose
/// derivatives are the mean of theirs (what a max or min at a tie must carry, see rules::max).
/// bᵢ − a has innermost value 0, so nothing overflows; the innermost value is then set to a's,
/// because arithmetic cannot keep a's sign of zero (−0 + 0 = +0, so max(−0, +0) would be +0 in
/// the modes and −0 in plain numbers, and 1/max(…) would flip from −∞ to +∞).
template <class T>
T tie_mean(const T& a, const T& sum_of_differences, long long k) {
    T r = T(a + T(sum_of_differences / T(k)));
    set_innermost(r, a);
    return r;
}
/// The same for two tied values: the value is a's, the derivatives the mean of a's and b's.
template <class T>
T tie_mean(const T& a, const T& b) { return tie_mean(a, T(b - a), 2); }

/// The value of max/min of AD values when one is NaN: NaN, with every derivative component NaN
/// in the directions either operand depends on (a·w + b·w with w the constant NaN weight), as the
/// NaN partials say; returning the NaN operand itself would carry its own derivatives instead.
template <class T>
T nan_value(const T& a, const T& b) {
    const T w = heaviside(is_nan(a) ? a : b);  // a NaN constant of type T
    return T(T(a * w) + T(b * w));
}

/// What a primitive declares besides its formulas (registry.hpp lists the primitives; every
/// generated table reads these): its spellings in LaTeX, C and Python (NumPy) with their
/// definitions where the target language lacks the function, its domain in words, whether it is total (finite for every finite argument, so a symbolic rewrite may drop
/// it without a guard), and whether its derivative is the derivative of its value (false for
/// stop_gradient, whose derivative is 0 by definition). Each rule also has `points`: where the
/// registry test checks it against central differences and 50 digits.
struct info {
    /// Spellings (LaTeX, C, Python); the domain and conventions; the derivative as text (for a
    /// binary rule "d/da; d/db"), in the expression language's words. docs/functions.md and
    /// `adiff functions` print these.
    std::string_view latex, c, python, domain, derivative;
    bool total = false;
    bool smooth = true;
    /// Its partials are constants whatever the values (add, sub, neg): a chain of linear rules
    /// from one operand has a partial that is the same number at every point, so reverse mode
    /// may store `x + c` as x itself when that number is 1 and the tape's shape still does not
    /// depend on the values (see ad/reverse/pending.hpp).
    bool linear = false;
    /// The C (resp. Python) definition of the `c` (`python`) spelling when C's math.h (NumPy,
    /// SciPy) has no such function; `diff --c`/`--cpp` (`--python`) print these before the code.
    std::string_view c_helper = {}, python_helper = {};
};

/// True for a rule that declares `about.linear` (constant partials); false for a rule without
/// `about` (a user's rule).
template <class R>
inline constexpr bool linear_rule = [] {
    if constexpr (requires { R::about.linear; }) return bool(R::about.linear);
    else return false;
}();

// ---------------------------------------------------------------- unary rules
/// −x; ∂ = −1.
struct neg { static constexpr std::string_view name = "neg";
    static constexpr info about{.latex = "-", .c = "-", .python = "-", .domain = "R", .derivative = "-1", .total = true, .linear = true};
    static constexpr double points[] = {-2.5, 0.0, 3.0};
    template <class T> T value(const T& x) const { return -x; }
    template <class T> T d(const T&, const T&) const { return T(-1); } };
/// exp(x); ∂ = exp(x) = y. Overflows to inf for x > ~709 (double).
struct exp { static constexpr std::string_view name = "exp";
    static constexpr info about{.latex = "e^{#}", .c = "exp", .python = "np.exp", .domain = "R; overflows to inf beyond 709.78 (double)", .derivative = "y", .total = false};
    static constexpr double points[] = {-3.0, 0.0, 0.7, 5.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return exp(x); }
    template <class T> T d(const T&, const T& y) const { return y; } };
/// log(x); ∂ = 1/x. Domain x > 0: log(0) = −inf, log(x<0) = NaN (IEEE).
struct log { static constexpr std::string_view name = "log";
    static constexpr info about{.latex = "\\log", .c = "log", .python = "np.log", .domain = "x > 0; log(0) = -inf, NaN below 0", .derivative = "1/x", .total = false};
    static constexpr double points[] = {0.01, 0.5, 1.0, 7.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return log(x); }
    template <class T> T d(const T& x, const T&) const { return T(1) / x; } };
/// sqrt(x); ∂ = 1/(2y). Domain x ≥ 0; ∂ at 0 is +inf.
struct sqrt { static constexpr std::string_view name = "sqrt";
    static constexpr info about{.latex = "\\sqrt{#}", .c = "sqrt", .python = "np.sqrt", .domain = "x >= 0; derivative +inf at 0", .derivative = "1/(2y); +inf at 0", .total = false};
    static constexpr double points[] = {0.04, 1.0, 9.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return sqrt(x); }
    template <class T> T d(const T&, const T& y) const { return T(1) / (T(2) * y); } };
/// sin(x); ∂ = cos(x).
struct sin { static constexpr std::string_view name = "sin";
    static constexpr info about{.latex = "\\sin", .c = "sin", .python = "np.sin", .domain = "R", .derivative = "cos x", .total = true};
    static constexpr double points[] = {-2.0, 0.0, 0.5, 4.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return sin(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return cos(x); } };
/// cos(x); ∂ = −sin(x).
struct cos { static constexpr std::string_view name = "cos";
    static constexpr info about{.latex = "\\cos", .c = "cos", .python = "np.cos", .domain = "R", .derivative = "-sin x", .total = true};
    static constexpr double points[] = {-2.0, 0.0, 0.5, 4.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return cos(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return -sin(x); } };
/// tan(x); ∂ = 1 + y². Domain R \ {(1/2+k)π}.
struct tan { static constexpr std::string_view name = "tan";
    static constexpr info about{.latex = "\\tan", .c = "tan", .python = "np.tan", .domain = "R without (k + 1/2)pi", .derivative = "1 + y^2", .total = false};
    static constexpr double points[] = {-1.2, 0.0, 0.5, 1.3};
    template <class T> T value(const T& x) const { ADIFF_MATH; return tan(x); }
    template <class T> T d(const T&, const T& y) const { return T(1) + y * y; } };
/// sinh(x); ∂ = cosh(x).
struct sinh { static constexpr std::string_view name = "sinh";
    static constexpr info about{.latex = "\\sinh", .c = "sinh", .python = "np.sinh", .domain = "R; overflows beyond 710.5", .derivative = "cosh x", .total = false};
    static constexpr double points[] = {-3.0, 0.0, 0.5, 2.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return sinh(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return cosh(x); } };
/// cosh(x); ∂ = sinh(x).
struct cosh { static constexpr std::string_view name = "cosh";
    static constexpr info about{.latex = "\\cosh", .c = "cosh", .python = "np.cosh", .domain = "R; overflows beyond 710.5", .derivative = "sinh x", .total = false};
    static constexpr double points[] = {-3.0, 0.0, 0.5, 2.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return cosh(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return sinh(x); } };
struct sigmoid;
/// tanh(x); ∂ = sech²x = 1 − y², which cancels to 0 where y rounds to ±1 (tanh′(20) = 1.7e−17),
/// so it is formed without cancellation: 1 − y² only while y² < ½, else 4e/(1 + e)² with
/// e = exp(−2|x|) (one exp, no overflow: 1/cosh² would overflow cosh beyond |x| ≈ 710). Numeric
/// AD types take the same branch on the value (each branch is analytic where it is taken, so
/// higher orders stay exact and a nested mode's value part is bitwise the plain derivative);
/// symbolic graphs, with no value to branch on, get 4·sigmoid(2x)·sigmoid(−2x).
struct tanh { static constexpr std::string_view name = "tanh";
    static constexpr info about{.latex = "\\tanh", .c = "tanh", .python = "np.tanh", .domain = "R", .derivative = "sech^2 x: 1 - y^2 while y^2 < 1/2, else 4e/(1 + e)^2 with e = exp(-2|x|) (AD types: 4 sigmoid(2x) sigmoid(-2x)); relatively exact in both tails, never overflows", .total = true};
    static constexpr double points[] = {-4.0, 0.0, 0.5, 0.7, 3.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return tanh(x); }
    template <class T> T d(const T& x, const T& y) const;
};
/// asin(x); ∂ = 1/sqrt(1 − x²). Domain [−1, 1]; ∂ is +inf at ±1.
struct asin { static constexpr std::string_view name = "asin";
    static constexpr info about{.latex = "\\arcsin", .c = "asin", .python = "np.arcsin", .domain = "[-1, 1]; derivative +inf at +-1", .derivative = "1/sqrt(1 - x^2)", .total = false};
    static constexpr double points[] = {-0.9, 0.0, 0.3, 0.95};
    template <class T> T value(const T& x) const { ADIFF_MATH; return asin(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(1) / sqrt(T(1) - x * x); } };
/// acos(x); ∂ = −1/sqrt(1 − x²). Domain [−1, 1]; ∂ is −inf at ±1.
struct acos { static constexpr std::string_view name = "acos";
    static constexpr info about{.latex = "\\arccos", .c = "acos", .python = "np.arccos", .domain = "[-1, 1]; derivative -inf at +-1", .derivative = "-1/sqrt(1 - x^2)", .total = false};
    static constexpr double points[] = {-0.9, 0.0, 0.3, 0.95};
    template <class T> T value(const T& x) const { ADIFF_MATH; return acos(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(-1) / sqrt(T(1) - x * x); } };
/// atan(x); ∂ = 1/(1 + x²).
struct atan { static constexpr std::string_view name = "atan";
    static constexpr info about{.latex = "\\arctan", .c = "atan", .python = "np.arctan", .domain = "R", .derivative = "1/(1 + x^2)", .total = true};
    static constexpr double points[] = {-5.0, 0.0, 0.5, 10.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return atan(x); }
    template <class T> T d(const T& x, const T&) const { return T(1) / (T(1) + x * x); } };
/// |x|; ∂ = sign(x), with abs'(0) := 0 (midpoint of the subdifferential [−1, 1]).
struct abs { static constexpr std::string_view name = "abs";
    static constexpr info about{.latex = "\\left|#\\right|", .c = "fabs", .python = "np.abs", .domain = "R; derivative sign(x), 0 at 0", .derivative = "sign(x); 0 at 0 (the midpoint of the subdifferential [-1, 1])", .total = true};
    static constexpr double points[] = {-2.0, 0.5, 3.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return abs(x); }
    template <class T> T d(const T& x, const T&) const { return sign(x); } };
/// sigmoid(x) = 1/(1 + e^−x), evaluated without overflow for either sign; ∂ = σ(x)·σ(−x), which
/// keeps its relative accuracy in both tails (y(1 − y) cancels to 0 where y rounds to 1:
/// σ′(40) = 4.2e−18). Numbers: y(1 − y) for x ≤ 0 (y ≤ ½, no cancellation), e^−x·y² for x > 0.
/// Numbers and numeric AD types (duals, tape variables) take the same branch on the value, so
/// a nested mode's derivative is bitwise the plain one in its value part; symbolic graphs, which
/// have no value to branch on, get y·sigmoid(−x) through their own primitive.
struct sigmoid { static constexpr std::string_view name = "sigmoid";
    static constexpr info about{.latex = "\\sigma", .c = "adiff_sigmoid", .python = "scipy.special.expit", .domain = "R", .derivative = "sigmoid(x) sigmoid(-x): y(1 - y) for x <= 0, exp(-x) y^2 for x > 0 (AD types: y sigmoid(-x)); relatively exact in both tails", .total = true,
        .c_helper = "static inline double adiff_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }\n"};
    static constexpr double points[] = {-30.0, -1.0, 0.0, 0.8, 3.0};
    template <class T> T value(const T& x) const {
        ADIFF_MATH;
        if (val(x) >= 0) return T(1) / (T(1) + exp(-x));
        T e = exp(x);
        return e / (T(1) + e);
    }
    template <class T> T d(const T& x, const T& y) const {
        if constexpr (is_symbolic_type_v<T>) {
            return y * apply_rule(sigmoid{}, T(-x));
        } else {
            ADIFF_MATH;
            if (val(x) > 0) return T(T(exp(T(-x)) * y) * y);
            return T(y * T(T(1) - y));
        }
    } };
template <class T> T tanh::d(const T& x, const T& y) const {
    if constexpr (is_symbolic_type_v<T>) {  // no value to branch on: 4σ(2x)σ(−2x)
        return T(4) * (apply_rule(sigmoid{}, T(T(2) * x)) * apply_rule(sigmoid{}, T(T(-2) * x)));
    } else {  // numbers and numeric AD types alike (bitwise the same value part)
        ADIFF_MATH;
        const T y2 = T(y * y);
        if (val(y2) < 0.5) return T(T(1) - y2);
        const T e = exp(T(T(-2) * abs(x)));
        const T u = T(T(1) + e);
        return T(T(4) * e) / T(u * u);
    }
}
/// stop_gradient(x) = x with derivative 0 (JAX's stop_gradient): a value that enters a formula
/// as a constant, e.g. the max shift of a stable softmax, which the result does not depend on.
struct stop_gradient { static constexpr std::string_view name = "stop_gradient";
    static constexpr info about{.latex = "\\operatorname{stop\\_gradient}", .c = "adiff_stop_gradient", .python = "", .domain = "R; derivative 0 by definition", .derivative = "0 (by definition: the value enters as a constant)", .total = true, .smooth = false,
        .c_helper = "static inline double adiff_stop_gradient(double x) { return x; }\n"};
    static constexpr double points[] = {-1.0, 2.0};
    template <class T> T value(const T& x) const { return x; }
    template <class T> T d(const T&, const T&) const { return T(0); } };
/// log(1 + x), exact near 0; ∂ = 1/(1 + x). Domain x > −1.
struct log1p { static constexpr std::string_view name = "log1p";
    static constexpr info about{.latex = "\\log\\left(1 + #\\right)", .c = "log1p", .python = "np.log1p", .domain = "x > -1; log1p(-1) = -inf", .derivative = "1/(1 + x)", .total = false};
    static constexpr double points[] = {-0.9, -1e-8, 0.0, 0.5, 30.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return log1p(x); }
    template <class T> T d(const T& x, const T&) const { return T(1) / T(T(1) + x); } };
/// e^x − 1, exact near 0; ∂ = e^x (not y + 1, which cancels to 0 where y rounds to −1).
struct expm1 { static constexpr std::string_view name = "expm1";
    static constexpr info about{.latex = "\\left(e^{#} - 1\\right)", .c = "expm1", .python = "np.expm1", .domain = "R; overflows beyond 709.8", .derivative = "exp(x) (not y + 1, which is 0 where y rounds to -1)", .total = false};
    static constexpr double points[] = {-40.0, -1e-8, 0.0, 0.5, 3.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return expm1(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return exp(x); } };
/// log₂ x; ∂ = 1/(x·log 2). Domain x > 0.
struct log2 { static constexpr std::string_view name = "log2";
    static constexpr info about{.latex = "\\log_2", .c = "log2", .python = "np.log2", .domain = "x > 0; log2(0) = -inf, NaN below 0", .derivative = "1/(x ln 2)", .total = false};
    static constexpr double points[] = {0.01, 0.5, 1.0, 7.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return log2(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(1) / T(x * log(T(2))); } };
/// log₁₀ x; ∂ = 1/(x·log 10). Domain x > 0.
struct log10 { static constexpr std::string_view name = "log10";
    static constexpr info about{.latex = "\\log_{10}", .c = "log10", .python = "np.log10", .domain = "x > 0; log10(0) = -inf, NaN below 0", .derivative = "1/(x ln 10)", .total = false};
    static constexpr double points[] = {0.01, 0.5, 1.0, 7.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return log10(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(1) / T(x * log(T(10))); } };
/// 2^x; ∂ = y·log 2.
struct exp2 { static constexpr std::string_view name = "exp2";
    static constexpr info about{.latex = "2^{#}", .c = "exp2", .python = "np.exp2", .domain = "R; overflows beyond 1024", .derivative = "y ln 2", .total = false};
    static constexpr double points[] = {-3.0, 0.0, 0.5, 4.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return exp2(x); }
    template <class T> T d(const T&, const T& y) const { ADIFF_MATH; return y * log(T(2)); } };
/// ∛x, real for negative x; ∂ = 1/(3y²), +inf at 0.
struct cbrt { static constexpr std::string_view name = "cbrt";
    static constexpr info about{.latex = "\\sqrt[3]{#}", .c = "cbrt", .python = "np.cbrt", .domain = "R; derivative +inf at 0", .derivative = "1/(3y^2); +inf at 0", .total = true};
    static constexpr double points[] = {-8.0, -0.3, 0.04, 27.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return cbrt(x); }
    template <class T> T d(const T&, const T& y) const { return T(1) / T(T(3) * T(y * y)); } };
/// asinh x; ∂ = 1/hypot(1, x) (1/sqrt(1 + x²) would overflow x² beyond 1e154 and give 0).
struct asinh { static constexpr std::string_view name = "asinh";
    static constexpr info about{.latex = "\\operatorname{arsinh}", .c = "asinh", .python = "np.arcsinh", .domain = "R", .derivative = "1/hypot(1, x) (1/sqrt(1 + x^2) would be 0 at 1e200)", .total = true};
    static constexpr double points[] = {-5.0, 0.0, 0.5, 1e200};
    template <class T> T value(const T& x) const { ADIFF_MATH; return asinh(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(1) / T(hypot(T(1), x)); } };
/// acosh x; ∂ = 1/(sqrt(x − 1)·sqrt(x + 1)) (no cancellation of x² − 1 near 1). Domain x ≥ 1;
/// ∂ is +inf at 1.
struct acosh { static constexpr std::string_view name = "acosh";
    static constexpr info about{.latex = "\\operatorname{arcosh}", .c = "acosh", .python = "np.arccosh", .domain = "x >= 1; derivative +inf at 1", .derivative = "1/(sqrt(x - 1) sqrt(x + 1)) (no cancellation of x^2 - 1 near 1)", .total = false};
    static constexpr double points[] = {1.25, 1.5, 10.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return acosh(x); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(1) / T(sqrt(T(x - T(1))) * sqrt(T(x + T(1)))); } };
/// atanh x; ∂ = 1/((1 − x)(1 + x)) (no cancellation of 1 − x² near ±1). Domain (−1, 1).
struct atanh { static constexpr std::string_view name = "atanh";
    static constexpr info about{.latex = "\\operatorname{artanh}", .c = "atanh", .python = "np.arctanh", .domain = "(-1, 1); +-inf at +-1", .derivative = "1/((1 - x)(1 + x)) (no cancellation of 1 - x^2 near +-1)", .total = false};
    static constexpr double points[] = {-0.9, 0.0, 0.3, 0.75};
    template <class T> T value(const T& x) const { ADIFF_MATH; return atanh(x); }
    template <class T> T d(const T& x, const T&) const { return T(1) / T(T(T(1) - x) * T(T(1) + x)); } };
/// erf x; ∂ = (2/√π)·e^(−x²).
struct erf { static constexpr std::string_view name = "erf";
    static constexpr info about{.latex = "\\operatorname{erf}", .c = "erf", .python = "scipy.special.erf", .domain = "R", .derivative = "(2/sqrt(pi)) exp(-x^2), pi at the working precision", .total = true};
    static constexpr double points[] = {-2.0, 0.0, 0.5, 3.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return erf(x); }
    template <class T> T d(const T& x, const T&) const {
        ADIFF_MATH;
        return T(T(2) / sqrt(pi_like(x))) * exp(T(-T(x * x)));
    } };
/// erfc x = 1 − erf x, exact in the right tail; ∂ = −(2/√π)·e^(−x²).
struct erfc { static constexpr std::string_view name = "erfc";
    static constexpr info about{.latex = "\\operatorname{erfc}", .c = "erfc", .python = "scipy.special.erfc", .domain = "R", .derivative = "-(2/sqrt(pi)) exp(-x^2) (through erf's rule)", .total = true};
    static constexpr double points[] = {-2.0, 0.0, 0.5, 8.0};
    template <class T> T value(const T& x) const { ADIFF_MATH; return erfc(x); }
    template <class T> T d(const T& x, const T&) const { return -erf{}.d(x, x); } };
/// softplus x = log(1 + e^x), evaluated without overflow (x + log1p(e^−x) for x > 0); ∂ = σ(x).
struct softplus { static constexpr std::string_view name = "softplus";
    static constexpr info about{.latex = "\\operatorname{softplus}", .c = "adiff_softplus", .python = "np.logaddexp(0, #)", .domain = "R", .derivative = "sigmoid(x)", .total = true,
        .c_helper = "static inline double adiff_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }\n"};
    static constexpr double points[] = {-30.0, -1.0, 0.0, 0.8, 40.0};
    template <class T> T value(const T& x) const {
        ADIFF_MATH;
        if (val(x) > 0) return T(x + log1p(exp(T(-x))));
        return log1p(exp(x));
    }
    template <class T> T d(const T& x, const T&) const;
};
/// The piecewise-constant roundings floor, ceil, trunc, round: derivative 0 everywhere (also at
/// the jumps, where none exists: the convention of JAX and PyTorch; docs/rules.md).
#define ADIFF_ROUNDING_RULE(r, tex, py, py_helper)                                                    \
    struct r { static constexpr std::string_view name = #r;                                            \
        static constexpr info about{.latex = tex, .c = #r, .python = py, .domain = "R", .derivative = "0, also at the jumps (as JAX and PyTorch)", \
                                    .total = true, .smooth = false, .python_helper = py_helper};        \
        static constexpr double points[] = {-1.7, 0.3, 2.5};                                            \
        template <class T> T value(const T& x) const { ADIFF_MATH; return r(x); }                      \
        template <class T> T d(const T&, const T&) const { return T(0); } };
/// ⌊x⌋.
ADIFF_ROUNDING_RULE(floor, "\\left\\lfloor #\\right\\rfloor", "np.floor", "")
/// ⌈x⌉.
ADIFF_ROUNDING_RULE(ceil, "\\left\\lceil #\\right\\rceil", "np.ceil", "")
/// x rounded toward 0.
ADIFF_ROUNDING_RULE(trunc, "\\operatorname{trunc}", "np.trunc", "")
/// x rounded to the nearest integer, halves away from 0.
ADIFF_ROUNDING_RULE(round, "\\operatorname{round}", "adiff_round",
                    "def adiff_round(x):  # C's round: halves away from zero (NumPy's rounds them to even)\n"
                    "    t = np.trunc(x)\n"
                    "    return np.where(np.abs(x - t) >= 0.5, t + np.copysign(1.0, x), t)\n")
#undef ADIFF_ROUNDING_RULE
template <class T> T softplus::d(const T& x, const T&) const { return apply_rule(sigmoid{}, x); }
/// logit x = log(x/(1 − x)), the inverse of σ: as log1p((2x − 1)/(1 − x)) on [¼, ¾] (2x − 1 is
/// exact there and 1 − x within half an ulp, so the result keeps its relative accuracy near its
/// zero at ½, where log(x/(1 − x)) would cancel) and log(x/(1 − x)) outside; ∂ = 1/(x(1 − x)).
struct logit { static constexpr std::string_view name = "logit";
    static constexpr info about{.latex = "\\operatorname{logit}", .c = "adiff_logit", .python = "scipy.special.logit",
        .domain = "(0, 1); -inf at 0, +inf at 1, NaN outside", .derivative = "1/(x(1 - x))", .total = false,
        .c_helper = "static inline double adiff_logit(double x) { return x >= 0.25 && x <= 0.75 ? log1p((2 * x - 1) / (1 - x)) : log(x / (1 - x)); }\n"};
    static constexpr double points[] = {0.001, 0.3, 0.5, 0.75, 0.999};
    template <class T> T value(const T& x) const {
        ADIFF_MATH;
        if (val(x) >= 0.25 && val(x) <= 0.75) return log1p(T(T(T(2) * x) - T(1)) / T(T(1) - x));
        return log(T(x / T(T(1) - x)));
    }
    template <class T> T d(const T& x, const T&) const { return T(1) / T(x * T(T(1) - x)); } };
/// x^c for a constant real c; ∂ = c·x^(c−1). Negative x: NaN unless c is integral (IEEE pow).
template <class C>
struct pow_const { static constexpr std::string_view name = "pow";
    C c;
    template <class T> T value(const T& x) const { ADIFF_MATH; return pow(x, T(c)); }
    template <class T> T d(const T& x, const T&) const { ADIFF_MATH; return T(c) * pow(x, T(c - C(1))); } };
/// x^n for an integer n (any long long, LLONG_MIN included); ∂ = n·x^(n−1); exact sign for
/// negative x; 0^0 = 1 with ∂ 0. By repeated squaring on the magnitude |n| held unsigned (no
/// overflow of −n or n − 1): at most 64 squarings, none beyond the highest bit of |n|.
/// x^−k = 1/x^k, or (1/x)^k where x^k overflows (2^−1074 is then a subnormal, not 1/inf = 0,
/// and a nested type's derivatives of it are 0, not inf/inf).
struct pow_int { static constexpr std::string_view name = "powi";
    long long n;
    /// |k| as unsigned, LLONG_MIN included.
    static constexpr unsigned long long magnitude(long long k) noexcept {
        return k < 0 ? 0ULL - static_cast<unsigned long long>(k) : static_cast<unsigned long long>(k);
    }
    /// x^k for k ≥ 0.
    template <class T> static T upow(const T& x, unsigned long long k) {
        T r(1);
        if (k == 0) return r;
        T b = x;
        for (;;) {
            if (k & 1) r = r * b;
            k >>= 1;
            if (k == 0) return r;
            b = b * b;
        }
    }
    /// x^−k for k ≥ 0.
    template <class T> static T inverse_upow(const T& x, unsigned long long k) {
        if constexpr (is_ad_type_v<T>) {
            if (!is_finite(upow(val(x), k))) return upow(T(T(1) / x), k);  // decided on the numbers
            return T(T(1) / upow(x, k));
        } else {
            const T u = upow(x, k);
            if (!is_finite(u) && is_finite(x)) return upow(T(T(1) / x), k);
            return T(T(1) / u);
        }
    }
    /// x^k for any k.
    template <class T> static T ipow(const T& x, long long k) {
        return k < 0 ? inverse_upow(x, magnitude(k)) : upow(x, magnitude(k));
    }
    template <class T> T value(const T& x) const { return ipow(x, n); }
    template <class T> T d(const T& x, const T&) const {
        if (n == 0) return T(0);
        // x^(n−1): n − 1 ≥ 0 for n > 0; x^−(|n|+1) for n < 0 (|LLONG_MIN| + 1 fits unsigned)
        const T p = n > 0 ? upow(x, magnitude(n) - 1) : inverse_upow(x, magnitude(n) + 1);
        return T(n) * p;
    } };

// ---------------------------------------------------------------- binary rules
/// a + b; ∂a = ∂b = 1.
struct add { static constexpr std::string_view name = "add";
    static constexpr info about{.latex = "+", .c = "+", .python = "+", .domain = "R x R", .derivative = "1; 1", .total = false, .linear = true};
    static constexpr double points[][2] = {{1.5, -2.0}, {0.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const { return a + b; }
    template <class T> T da(const T&, const T&, const T&) const { return T(1); }
    template <class T> T db(const T&, const T&, const T&) const { return T(1); } };
/// a − b; ∂a = 1, ∂b = −1.
struct sub { static constexpr std::string_view name = "sub";
    static constexpr info about{.latex = "-", .c = "-", .python = "-", .domain = "R x R", .derivative = "1; -1", .total = false, .linear = true};
    static constexpr double points[][2] = {{1.5, -2.0}, {0.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const { return a - b; }
    template <class T> T da(const T&, const T&, const T&) const { return T(1); }
    template <class T> T db(const T&, const T&, const T&) const { return T(-1); } };
/// a · b; ∂a = b, ∂b = a.
struct mul { static constexpr std::string_view name = "mul";
    static constexpr info about{.latex = "\\cdot", .c = "*", .python = "*", .domain = "R x R", .derivative = "b; a", .total = false};
    static constexpr double points[][2] = {{1.5, -2.0}, {0.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const { return a * b; }
    template <class T> T da(const T&, const T& b, const T&) const { return b; }
    template <class T> T db(const T& a, const T&, const T&) const { return a; } };
/// a / b; ∂a = 1/b, ∂b = −y/b. b = 0 gives ±inf or NaN (IEEE).
struct div { static constexpr std::string_view name = "div";
    static constexpr info about{.latex = "/", .c = "/", .python = "/", .domain = "b != 0", .derivative = "1/b; -y/b", .total = false};
    static constexpr double points[][2] = {{1.5, -2.0}, {3.0, 0.25}};
    template <class T> T value(const T& a, const T& b) const { return a / b; }
    template <class T> T da(const T&, const T& b, const T&) const { return T(1) / b; }
    template <class T> T db(const T&, const T& b, const T& y) const { return -y / b; } };
/// a^b for variable a, b; ∂a = b·a^(b−1), ∂b = y·log(a). Domain a > 0 (∂b is NaN at a ≤ 0).
struct pow { static constexpr std::string_view name = "pow";
    static constexpr bool constant_b_is_unary = true;  // x^n, x^c: rules pow_int, pow_const
    static constexpr info about{.latex = "^", .c = "pow", .python = "np.power", .domain = "a > 0 (derivative in b is NaN at a <= 0)", .derivative = "b a^(b-1); y ln a (NaN for a <= 0)", .total = false};
    static constexpr double points[][2] = {{1.5, 2.5}, {0.3, -1.2}};
    template <class T> T value(const T& a, const T& b) const { ADIFF_MATH; return pow(a, b); }
    template <class T> T da(const T& a, const T& b, const T&) const { ADIFF_MATH; return b * pow(a, b - T(1)); }
    template <class T> T db(const T& a, const T&, const T& y) const { ADIFF_MATH; return y * log(a); } };
/// max(a, b); ∂a = H(a − b), ∂b = H(b − a): at a tie each gets ½ (so max(x, x)′ = 1), and the
/// weights H are piecewise constant (their own derivative is 0). For that to hold at every order,
/// the value at a finite tie of AD-typed operands is their mean (tie_mean: bitwise a's value as
/// for numbers, even a −0 tied with +0; derivatives the mean of theirs), so a nested type's inner
/// derivatives split ½/½ too;
/// for plain numbers the value is one operand, bitwise. NaN propagates (as numpy.maximum): a NaN
/// operand gives a NaN value and NaN partials for both operands (and, for AD types, a value whose
/// own derivatives are NaN too: nan_value).
struct max { static constexpr std::string_view name = "max";
    static constexpr std::string_view language = "maximum";  // max/min in the language reduce
    static constexpr info about{.latex = "\\max", .c = "adiff_max", .python = "np.maximum", .domain = "R x R; ties split 1/2, 1/2", .derivative = "step(a - b); step(b - a): 1/2 each at a tie, so max(x, x)' = 1; NaN with a NaN operand", .total = true,
        .c_helper = "static inline double adiff_max(double a, double b) { return a != a ? a : (b != b ? b : (a >= b ? a : b)); }\n"};
    static constexpr double points[][2] = {{1.5, -2.0}, {-1.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const {
        if constexpr (is_ad_type_v<T>) {
            if (is_nan(a) || is_nan(b)) return nan_value(a, b);
            if (val(a) == val(b) && is_finite(val(a))) return tie_mean(a, b);
        }
        if (is_nan(a)) return a;
        if (is_nan(b)) return b;
        return val(a) >= val(b) ? a : b;
    }
    template <class T> T da(const T& a, const T& b, const T&) const { return heaviside(a - b); }
    template <class T> T db(const T& a, const T& b, const T&) const { return heaviside(b - a); } };
/// min(a, b); ∂a = H(b − a), ∂b = H(a − b): at a tie each gets ½ and the value of AD-typed
/// operands is their mean, as for max. NaN propagates like max.
struct min { static constexpr std::string_view name = "min";
    static constexpr std::string_view language = "minimum";  // max/min in the language reduce
    static constexpr info about{.latex = "\\min", .c = "adiff_min", .python = "np.minimum", .domain = "R x R; ties split 1/2, 1/2", .derivative = "step(b - a); step(a - b): 1/2 each at a tie; NaN with a NaN operand", .total = true,
        .c_helper = "static inline double adiff_min(double a, double b) { return a != a ? a : (b != b ? b : (a <= b ? a : b)); }\n"};
    static constexpr double points[][2] = {{1.5, -2.0}, {-1.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const {
        if constexpr (is_ad_type_v<T>) {
            if (is_nan(a) || is_nan(b)) return nan_value(a, b);
            if (val(a) == val(b) && is_finite(val(a))) return tie_mean(a, b);
        }
        if (is_nan(a)) return a;
        if (is_nan(b)) return b;
        return val(a) <= val(b) ? a : b;
    }
    template <class T> T da(const T& a, const T& b, const T&) const { return heaviside(b - a); }
    template <class T> T db(const T& a, const T& b, const T&) const { return heaviside(a - b); } };

/// hypot(a, b) = √(a² + b²) without overflow; ∂a = a/y, ∂b = b/y (0/0 = NaN at the origin, where
/// no derivative exists).
struct hypot { static constexpr std::string_view name = "hypot";
    static constexpr info about{.latex = "\\operatorname{hypot}", .c = "hypot", .python = "np.hypot", .domain = "R x R; overflows beyond 1.3e308; no derivative at (0, 0)", .derivative = "a/y; b/y (NaN at (0, 0))", .total = false};
    static constexpr double points[][2] = {{3.0, -4.0}, {-1e-3, 2e-3}, {0.5, 2.0}};
    template <class T> T value(const T& a, const T& b) const { ADIFF_MATH; return hypot(a, b); }
    template <class T> T da(const T& a, const T&, const T& y) const { return a / y; }
    template <class T> T db(const T&, const T& b, const T& y) const { return b / y; } };
/// atan2(a, b), the angle of the point (b, a) in (−π, π]; ∂a = b/h², ∂b = −a/h² with h = hypot(a, b)
/// written as (b/h)/h so it neither overflows nor underflows where h does not.
struct atan2 { static constexpr std::string_view name = "atan2";
    static constexpr info about{.latex = "\\operatorname{atan2}", .c = "atan2", .python = "np.arctan2", .domain = "R x R; no derivative at (0, 0), a jump on b < 0, a = 0", .derivative = "(b/h)/h; -(a/h)/h with h = hypot(a, b)", .total = true};
    static constexpr double points[][2] = {{1.0, 2.0}, {-0.5, -3.0}, {2.0, -0.1}};
    template <class T> T value(const T& a, const T& b) const { ADIFF_MATH; return atan2(a, b); }
    template <class T> T da(const T& a, const T& b, const T&) const { ADIFF_MATH; const T h = hypot(a, b); return T(b / h) / h; }
    template <class T> T db(const T& a, const T& b, const T&) const { ADIFF_MATH; const T h = hypot(a, b); return -(T(a / h) / h); } };
/// fmod(a, b) = a − trunc(a/b)·b with the sign of a (C's fmod, exact); ∂a = 1, ∂b = −trunc(a/b).
/// At the jumps (a/b an integer ≠ 0) the one-sided derivatives differ; the rule takes this formula.
struct fmod { static constexpr std::string_view name = "fmod";
    static constexpr info about{.latex = "\\operatorname{fmod}", .c = "fmod", .python = "np.fmod", .domain = "b != 0; jumps where a/b is an integer", .derivative = "1; -q with q = (a - y)/b, the integer it is (fmod(0.3, 0.1) has q = 2)", .total = false};
    static constexpr double points[][2] = {{5.3, 2.0}, {-7.5, 2.25}, {0.7, -0.3}};
    template <class T> T value(const T& a, const T& b) const { ADIFF_MATH; return fmod(a, b); }
    template <class T> T da(const T&, const T&, const T&) const { return T(1); }
    /// −q with q = (a − y)/b rounded to the integer it is (a − y = q·b up to rounding; a/b itself
    /// may round across an integer where fmod does not).
    template <class T> T db(const T& a, const T& b, const T& y) const { ADIFF_MATH; return -round(T(T(a - y) / b)); } };

/// fmax(a, b), C's maximum that ignores a NaN operand: fmax(NaN, b) = b (and its derivatives),
/// fmax(a, NaN) = a; otherwise as max (ties split ½/½, the value of AD-typed operands at a tie is
/// their mean). So the partials are H(a − b), H(b − a) with a NaN operand getting 0 and the other
/// 1 (code such as ADBench's GMM objective uses fmax to guard a log against NaN).
struct fmax { static constexpr std::string_view name = "fmax";
    static constexpr info about{.latex = "\\max", .c = "fmax", .python = "np.fmax", .domain = "R x R; a NaN operand is ignored; ties split 1/2, 1/2", .derivative = "as max, but a NaN operand gets 0 and the other 1", .total = true};
    static constexpr double points[][2] = {{1.5, -2.0}, {-1.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const {
        if constexpr (!is_symbolic_type_v<T>) {
            if (is_nan(a)) return b;
            if (is_nan(b)) return a;
        }
        return max{}.value(a, b);
    }
    template <class T> T da(const T& a, const T& b, const T&) const { return ignoring_nan(a, b, heaviside(T(a - b))); }
    template <class T> T db(const T& a, const T& b, const T&) const { return ignoring_nan(b, a, heaviside(T(b - a))); }
    /// The partial in u of fmax/fmin(u, w) whose formula gives h: 0 when u is NaN, 1 when only w is.
    template <class T> static T ignoring_nan(const T& u, const T& w, T h) {
        if constexpr (!is_symbolic_type_v<T>) {
            if (is_nan(u)) return T(0);
            if (is_nan(w)) return T(1);
        }
        return h;
    } };
/// fmin(a, b), C's minimum that ignores a NaN operand (as fmax); ∂a = H(b − a), ∂b = H(a − b).
struct fmin { static constexpr std::string_view name = "fmin";
    static constexpr info about{.latex = "\\min", .c = "fmin", .python = "np.fmin", .domain = "R x R; a NaN operand is ignored; ties split 1/2, 1/2", .derivative = "as min, but a NaN operand gets 0 and the other 1", .total = true};
    static constexpr double points[][2] = {{1.5, -2.0}, {-1.0, 3.0}};
    template <class T> T value(const T& a, const T& b) const {
        if constexpr (!is_symbolic_type_v<T>) {
            if (is_nan(a)) return b;
            if (is_nan(b)) return a;
        }
        return min{}.value(a, b);
    }
    template <class T> T da(const T& a, const T& b, const T&) const { return fmax::ignoring_nan(a, b, heaviside(T(b - a))); }
    template <class T> T db(const T& a, const T& b, const T&) const { return fmax::ignoring_nan(b, a, heaviside(T(a - b))); } };

// ---------------------------------------------------------------- n-ary reductions
/// Σ xᵢ; ∂ᵢ = 1. The empty sum is 0.
struct sum { static constexpr std::string_view name = "sum";
    template <class T> T value(std::span<const T> xs) const {
        T s(0);
        for (const T& x : xs) s = s + x;
        return s;
    }
    template <class T> void partials(std::span<const T>, const T&, std::span<T> out) const {
        for (T& p : out) p = T(1);
    }
    /// Every partial is 1: emit(i, 1) for each entry (the reverse modes then write operands
    /// without a pass that fills and tests partials).
    template <class T, class Emit> std::size_t nonzero_partials(std::span<const T> xs, const T&, Emit&& emit) const {
        for (std::size_t i = 0; i < xs.size(); ++i) emit(i, T(1));
        return xs.size();
    } };
/// max over xᵢ; ∂ᵢ = 1/k for each of the k entries equal to the max (ties split evenly), else 0,
/// piecewise constant. At a finite tie of AD-typed entries the value is the mean of the k tied
/// entries (tie_mean: bitwise the first maximal entry's value, as for numbers, derivatives the
/// mean of theirs), as for binary max, so every order agrees with the partials; for plain
/// numbers it is the first maximal entry. A NaN entry makes the max NaN and every partial NaN.
/// The max of an empty range is a size_error (raised by the caller).
struct max_reduce { static constexpr std::string_view name = "max";
    /// The index of the first maximal entry, or of the first NaN entry if there is one
    /// (compared on the innermost value for AD types). xs nonempty.
    template <class T> static std::size_t argmax(std::span<const T> xs) {
        std::size_t k = 0;
        if constexpr (std::is_floating_point_v<T>) {
            // the largest value in four independent running maxima (one chain of dependent
            // compares took a cycle count per entry), NaN noted on the way; then the first entry
            // equal to it (±0 compare equal, so it is the first maximal entry either way)
            const std::size_t n = xs.size();
            const T* x = xs.data();
            T b[4] = {x[0], x[0], x[0], x[0]};
            bool nan = false;
            std::size_t i = 0;
            for (; i + 4 <= n; i += 4)
                for (std::size_t l = 0; l < 4; ++l) {
                    nan |= x[i + l] != x[i + l];
                    b[l] = x[i + l] > b[l] ? x[i + l] : b[l];
                }
            for (; i < n; ++i) {
                nan |= x[i] != x[i];
                b[0] = x[i] > b[0] ? x[i] : b[0];
            }
            if (nan) return std::size_t(std::find_if(x, x + n, [](const T& v) { return v != v; }) - x);
            const T best = std::max(std::max(b[0], b[1]), std::max(b[2], b[3]));
            return std::size_t(std::find(x, x + n, best) - x);
        } else if constexpr (std::is_arithmetic_v<T>) {  // the best value kept in a register, not reloaded
            T best = xs[0];
            for (std::size_t i = 0; i < xs.size(); ++i)
                if (xs[i] > best) k = i, best = xs[i];
            return k;
        }
        for (std::size_t i = 0; i < xs.size(); ++i) {
            if (is_nan(xs[i])) return i;
            if (val(xs[i]) > val(xs[k])) k = i;
        }
        return k;
    }
    template <class T> T value(std::span<const T> xs) const {
        const std::size_t k = argmax(xs);
        if constexpr (is_ad_type_v<T>) {
            if (is_nan(xs[k])) {  // NaN with NaN derivatives in every direction an entry depends on
                const T w = heaviside(xs[k]);
                T acc = T(xs[0] * w);
                for (std::size_t i = 1; i < xs.size(); ++i) acc = T(acc + T(xs[i] * w));
                return acc;
            }
            if (is_finite(val(xs[k]))) {
                std::size_t ties = 1;
                T acc(0);
                for (std::size_t i = 0; i < xs.size(); ++i)
                    if (i != k && val(xs[i]) == val(xs[k])) {
                        acc = ties == 1 ? T(xs[i] - xs[k]) : T(acc + T(xs[i] - xs[k]));
                        ++ties;
                    }
                if (ties > 1) return tie_mean(xs[k], acc, static_cast<long long>(ties));
            }
        }
        return xs[k];
    }
    /// Calls visit(i) for each maximal entry (equal to y), in order; returns how many there are.
    template <class T, class Visit> static std::size_t for_each_tie(std::span<const T> xs, const T& y, Visit&& visit) {
        std::size_t ties = 0;
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (val(xs[i]) == val(y)) visit(i), ++ties;
        return ties;
    }
    template <class T> void partials(std::span<const T> xs, const T& y, std::span<T> out) const {
        for (T& p : out) p = T(0);
        nonzero_partials(xs, y, [&](std::size_t i, const T& p) { out[i] = p; });
    }
    /// The partials that are not zero, in order, as emit(i, ∂ᵢ); returns how many: the maximal
    /// entries, 1/ties each, or every entry with a NaN weight when y is NaN (heaviside(y): y's
    /// value, no derivative). `partials` is these with zeros elsewhere; the reverse modes keep
    /// only these (one operand for a maximum without ties).
    template <class T, class Emit> std::size_t nonzero_partials(std::span<const T> xs, const T& y, Emit&& emit) const {
        if (is_nan(y)) {
            const T w = heaviside(y);
            for (std::size_t i = 0; i < xs.size(); ++i) emit(i, w);
            return xs.size();
        }
        // one pass counts the maximal entries and notes the first: a maximum without ties (the
        // usual case) is emitted without a second pass
        std::size_t ties = 0, first = 0;
        for_each_tie(xs, y, [&](std::size_t i) { first = ties == 0 ? i : first, ++ties; });
        if (ties == 1) {
            emit(first, T(1));
            return 1;
        }
        const T w = T(1) / T(static_cast<long long>(ties));  // one division, not one per entry
        for_each_tie(xs, y, [&](std::size_t i) { emit(i, w); });
        return ties;
    } };
/// log Σ exp(xᵢ), computed stably as m + log(1 + Σ_{i≠k} exp(xᵢ − m)) with m = x_k the first
/// maximum (no overflow for any finite x; the log(1 + r) is relatively exact for plain numbers
/// even when r is below the rounding of 1); ∂ᵢ = exp(xᵢ − y) = softmax(x)ᵢ. A NaN entry gives
/// NaN; all entries −∞ give −∞. The empty range is a size_error (raised by the caller).
struct logsumexp { static constexpr std::string_view name = "logsumexp";
    template <class T> T value(std::span<const T> xs) const {
        ADIFF_MATH;
        const std::size_t k = max_reduce::argmax(xs);
        const T m = xs[k];
        if (!finite_max(m))
            return m;  // NaN, +inf or all −inf
        T r(0);
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (i != k) r = r + exp(T(xs[i] - m));
        return m + log1p_exact(r);
    }
    template <class T> void partials(std::span<const T> xs, const T& y, std::span<T> out) const {
        ADIFF_MATH;
        if constexpr (is_symbolic_type_v<T>) {
            // as a formula: exp(xᵢ − y), the very nodes of a softmax built on this logsumexp
            for (std::size_t i = 0; i < xs.size(); ++i) out[i] = exp(T(xs[i] - y));
        } else {
            // numbers: exp(xᵢ − m)/(1 + r) with m the max; exp(xᵢ − y) would carry the rounding
            // of y, |y|·ε, into every partial (1e−12 at y = 1e4)
            const T m = max_reduce{}.value(xs);
            if (!finite_max(m)) {
                for (std::size_t i = 0; i < xs.size(); ++i) out[i] = exp(T(xs[i] - y));
                return;
            }
            T tot(0);
            for (std::size_t i = 0; i < xs.size(); ++i) tot = tot + (out[i] = exp(T(xs[i] - m)));
            for (T& p : out) p = p / tot;
        }
    }
    /// False for a NaN or infinite maximum (the value is then the maximum itself).
    template <class T> static bool finite_max(const T& m) {
        return val(m) > -std::numeric_limits<double>::infinity() && val(m) < std::numeric_limits<double>::infinity();
    }
    /// log(1 + r) by the classic correction log(u)·r/(u − 1), u = 1 + r: accurate to a few ulps
    /// for every type that has log, and the same operations on the value for AD types (so a
    /// Dual or nested Var computes bitwise the value plain numbers do; the derivative of the
    /// formula is 1/(1 + r) to rounding).
    template <class T> static T log1p_exact(const T& r) {
        ADIFF_MATH;
        const T u = T(1) + r;
        if (val(u) == 1) return r;
        return T(log(u) * r / T(u - T(1)));
    } };

#undef ADIFF_MATH
}  // namespace ad::rules
