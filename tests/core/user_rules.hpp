#pragma once
// User-defined rules declared as a user would, outside adiff's headers (issue 15): shared by the
// numeric-mode tests (tests/core/test_user_rules.cpp) and the symbolic ones
// (tests/symbolic/test_user_rules_symbolic.cpp). Their derivative formulas are straight-line
// arithmetic, so symbolic mode can run them on Expr.
#include <cmath>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/adiff.hpp"

namespace user_rules {

/// logaddexp(a, b) = log(eᵃ + eᵇ) without overflow; ∂a = e^(a−y), ∂b = e^(b−y).
struct logaddexp {
    static constexpr std::string_view name = "logaddexp";
    template <class T> T value(const T& a, const T& b) const {
        using std::exp; using std::log1p; using std::abs;
        const T m = a > b ? a : b;
        return T(m + log1p(exp(T(-abs(T(a - b))))));
    }
    template <class T> T da(const T& a, const T&, const T& y) const { using std::exp; return exp(T(a - y)); }
    template <class T> T db(const T&, const T& b, const T& y) const { using std::exp; return exp(T(b - y)); }
};
/// A rule whose value is NaN for x < 0 (as log): checked mode must name it.
struct half_log {
    static constexpr std::string_view name = "half_log";
    template <class T> T value(const T& x) const { using std::log; return T(log(x) / T(2)); }
    template <class T> T d(const T& x, const T&) const { return T(T(1) / T(T(2) * x)); }
};

/// y = x/‖x‖; J = (I − y yᵀ)/‖x‖ (symmetric, so the JVP and the VJP are the same formula).
struct normalize {
    static constexpr std::string_view name = "normalize";
    std::size_t outputs(std::size_t n) const { return n; }
    template <class T> static T norm(std::span<const T> x) {
        using std::sqrt;
        T s(0);
        for (const T& v : x) s = T(s + v * v);
        return sqrt(s);
    }
    template <class T> void value(std::span<const T> x, std::span<T> y) const {
        const T r = norm(x);
        for (std::size_t i = 0; i < x.size(); ++i) y[i] = T(x[i] / r);
    }
    template <class T> static void apply_j(std::span<const T> x, std::span<const T> y, std::span<const T> u, std::span<T> out) {
        const T r = norm(x);
        T dot(0);
        for (std::size_t i = 0; i < y.size(); ++i) dot = T(dot + y[i] * u[i]);
        for (std::size_t i = 0; i < y.size(); ++i) out[i] = T(T(u[i] - y[i] * dot) / r);
    }
    template <class T> void jvp(std::span<const T> x, std::span<const T> y, std::span<const T> dx, std::span<T> dy) const { apply_j(x, y, dx, dy); }
    template <class T> void vjp(std::span<const T> x, std::span<const T> y, std::span<const T> dy, std::span<T> dx) const { apply_j(x, y, dy, dx); }
};
/// (x₀, x₁) → (r, θ) = (hypot(x₀, x₁), atan2(x₁, x₀)): a non-symmetric Jacobian.
struct polar {
    static constexpr std::string_view name = "polar";
    std::size_t outputs(std::size_t) const { return 2; }
    template <class T> void value(std::span<const T> x, std::span<T> y) const {
        using std::hypot; using std::atan2;
        y[0] = hypot(x[0], x[1]);
        y[1] = atan2(x[1], x[0]);
    }
    template <class T> void jvp(std::span<const T> x, std::span<const T> y, std::span<const T> dx, std::span<T> dy) const {
        dy[0] = T(T(x[0] * dx[0] + x[1] * dx[1]) / y[0]);
        dy[1] = T(T(x[0] * dx[1] - x[1] * dx[0]) / T(y[0] * y[0]));
    }
    template <class T> void vjp(std::span<const T> x, std::span<const T> y, std::span<const T> dy, std::span<T> dx) const {
        const T r2 = y[0] * y[0];
        dx[0] = T(T(x[0] * dy[0]) / y[0] - T(x[1] * dy[1]) / r2);
        dx[1] = T(T(x[1] * dy[0]) / y[0] + T(x[0] * dy[1]) / r2);
    }
};

/// f through the rules, and the same f composed from primitives (independently differentiated).
inline auto f_rules = [](const auto& v) {
    using X = std::decay_t<decltype(v[0])>;
    const std::vector<X> u = ad::apply_rule(normalize{}, v);
    const std::vector<X> p = ad::apply_rule(polar{}, std::vector<X>{v[0], v[2]});
    return X(u[0] * X(2.0) - u[1] * u[2] + p[0] * p[1]);
};
inline auto f_primitives = [](const auto& v) {
    using X = std::decay_t<decltype(v[0])>;
    using std::sqrt; using std::hypot; using std::atan2;
    const X r = sqrt(X(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
    return X(X(v[0] / r) * X(2.0) - X(v[1] / r) * X(v[2] / r) + hypot(v[0], v[2]) * atan2(v[2], v[0]));
};


}  // namespace user_rules
