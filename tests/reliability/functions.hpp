#pragma once
// Test functions with known (analytic) gradients, Jacobians and Hessians, shared by the
// reliability tests. Each is a generic lambda so every mode can call it.
#include <cmath>
#include <cstddef>
#include <vector>

#include "ad/drivers/gradient.hpp"
#include "ad/drivers/hessian.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ops/rules/functions.hpp"

namespace rel {

/// Rosenbrock: Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)²; domain ℝⁿ.
inline constexpr auto rosenbrock = [](const auto& x) {
    using X = std::decay_t<decltype(x[0])>;
    X s = X(0.0);
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const X a = x[i + 1] - x[i] * x[i];
        const X b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    return s;
};

inline std::vector<double> rosenbrock_gradient(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> g(n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double a = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * x[i] * a - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * a;
    }
    return g;
}

/// H(i, j) of Rosenbrock, row-major n×n.
inline std::vector<double> rosenbrock_hessian(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> h(n * n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        h[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[i * n + i + 1] += -400.0 * x[i];
        h[(i + 1) * n + i] += -400.0 * x[i];
        h[(i + 1) * n + i + 1] += 200.0;
    }
    return h;
}

/// Softmax built from exp / sum / divide (stable: the max is subtracted as a constant).
inline constexpr auto softmax = [](const auto& z) {
    using X = std::decay_t<decltype(z[0])>;
    double m = -INFINITY;
    for (const X& zi : z) m = std::max(m, static_cast<double>(ad::val(zi)));
    std::vector<X> e;
    e.reserve(z.size());
    for (const X& zi : z) e.push_back(exp(zi - m));
    const X s = ad::sum(e);
    for (X& ei : e) ei = ei / s;
    return e;
};

/// J(i, j) = s_i (δ_ij − s_j), row-major.
inline std::vector<double> softmax_jacobian(const std::vector<double>& z) {
    const std::size_t n = z.size();
    double m = -INFINITY;
    for (double v : z) m = std::max(m, v);
    std::vector<double> s(n);
    double t = 0;
    for (std::size_t i = 0; i < n; ++i) t += s[i] = std::exp(z[i] - m);
    for (double& v : s) v /= t;
    std::vector<double> j(n * n);
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) j[a * n + b] = s[a] * ((a == b ? 1.0 : 0.0) - s[b]);
    return j;
}

/// f(x) = Σ sin(x_i) · exp(x_{i+1}) + log(1 + x_i²): ∂f/∂x_i from both neighbours.
inline constexpr auto trig = [](const auto& x) {
    using X = std::decay_t<decltype(x[0])>;
    X s = X(0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (i + 1 < x.size()) s += sin(x[i]) * exp(x[i + 1]);
        s += log(1.0 + x[i] * x[i]);
    }
    return s;
};

inline std::vector<double> trig_gradient(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> g(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + 1 < n) {
            g[i] += std::cos(x[i]) * std::exp(x[i + 1]);
            g[i + 1] += std::sin(x[i]) * std::exp(x[i + 1]);
        }
        g[i] += 2.0 * x[i] / (1.0 + x[i] * x[i]);
    }
    return g;
}

/// |a − b| ≤ 1e-12 + 1e-10·max(|a|, |b|).
inline bool near(double a, double b, double abs_tol = 1e-12, double rel_tol = 1e-10) {
    return std::abs(a - b) <= abs_tol + rel_tol * std::max(std::abs(a), std::abs(b));
}

}  // namespace rel
