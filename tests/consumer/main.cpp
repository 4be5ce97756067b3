// Consumer of the installed adiff package: includes the headers from the prefix, links
// adiff::ad (and adiff::eigen when available), and checks a few derivatives against their
// closed forms. Exits non-zero on any mismatch.
#include <cmath>
#include <cstring>
#include <iostream>
#include <span>
#include <string_view>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/plot/heatmap.hpp"
#include "ad/version.hpp"
#ifdef CONSUMER_WITH_EIGEN
#include "ad/eigen/eigen.hpp"
#endif
#ifdef CONSUMER_WITH_SYM
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#endif

/// A user-defined primitive: sinc x = sin(x)/x with its derivative (cos x − y)/x.
struct sinc {
    static constexpr std::string_view name = "sinc";
    template <class T> T value(const T& x) const { using std::sin; return x == T(0) ? T(1) : T(sin(x) / x); }
    template <class T> T d(const T& x, const T& y) const { using std::cos; return x == T(0) ? T(0) : T((cos(x) - y) / x); }
};

/// A user-defined primitive whose derivative is straight-line (so symbolic mode can run it):
/// softsign x = x/(1 + |x|), ∂ = 1/(1 + |x|)².
struct softsign {
    static constexpr std::string_view name = "softsign";
    template <class T> T value(const T& x) const { using std::abs; return T(x / T(T(1) + abs(x))); }
    template <class T> T d(const T& x, const T&) const { using std::abs; const T u = T(1) + abs(x); return T(T(1) / T(u * u)); }
};

/// A user-defined vector primitive: (x₀, x₁) → x₀·x₁ and x₀ + x₁, with its JVP and VJP.
struct product_and_sum {
    static constexpr std::string_view name = "product_and_sum";
    std::size_t outputs(std::size_t) const { return 2; }
    template <class T> void value(std::span<const T> x, std::span<T> y) const { y[0] = x[0] * x[1]; y[1] = x[0] + x[1]; }
    template <class T> void jvp(std::span<const T> x, std::span<const T>, std::span<const T> dx, std::span<T> dy) const {
        dy[0] = x[1] * dx[0] + x[0] * dx[1];
        dy[1] = dx[0] + dx[1];
    }
    template <class T> void vjp(std::span<const T> x, std::span<const T>, std::span<const T> dy, std::span<T> dx) const {
        dx[0] = x[1] * dy[0] + dy[1];
        dx[1] = x[0] * dy[0] + dy[1];
    }
};

int main() {
    int failures = 0;
    auto expect = [&](const char* what, double got, double want) {
        const bool ok = std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
        std::cout << (ok ? "ok   " : "FAIL ") << what << ": " << got << " (want " << want << ")\n";
        failures += !ok;
    };

    std::cout << "adiff " << ad::version_string << "\n";
    if (std::strcmp(ad::version_string, EXPECTED_VERSION) != 0) {
        std::cout << "FAIL header version " << ad::version_string << " != package version " << EXPECTED_VERSION << "\n";
        ++failures;
    }

    // Reverse-mode gradient of f(x, y) = x·y + sin(x).
    auto f = [](const auto& v) { using std::sin; return v[0] * v[1] + sin(v[0]); };
    const auto g = ad::gradient(f, std::vector<double>{2.0, 3.0});
    expect("df/dx", g[0], 3.0 + std::cos(2.0));
    expect("df/dy", g[1], 2.0);

    // A user-defined primitive (docs/rules.md), one tape statement.
    const auto gs = ad::gradient([](const auto& v) { return ad::apply_rule(sinc{}, v[0]); }, std::vector<double>{0.5});
    expect("sinc'(0.5)", gs[0], (std::cos(0.5) - std::sin(0.5) / 0.5) / 0.5);

    // A user-defined vector primitive: one tape statement whose sweep runs its VJP; forward mode its JVP.
    auto ps = [](const auto& v) { const auto y = ad::apply_rule(product_and_sum{}, v); return y[0] * y[1]; };  // x₀x₁(x₀ + x₁)
    const auto gp = ad::gradient(ps, std::vector<double>{2.0, 3.0});
    const ad::Array<double> Jp = ad::jacobian_forward(ps, std::vector<double>{2.0, 3.0});
    expect("d(x0 x1 (x0 + x1))/dx0 reverse", gp[0], 2 * 2.0 * 3.0 + 3.0 * 3.0);
    expect("d(x0 x1 (x0 + x1))/dx1 forward", Jp(0, 1), 2.0 * 2.0 + 2 * 2.0 * 3.0);

    // Softmax Jacobian (seed 001) in forward and reverse mode: J = diag(s) − s sᵀ.
    auto softmax = [](const auto& z) {
        using X = std::decay_t<decltype(z[0])>;
        using std::exp;
        std::vector<X> e(z.size());
        for (std::size_t k = 0; k < z.size(); ++k) e[k] = exp(z[k]);
        const X s = ad::sum(e);
        for (X& v : e) v = v / s;
        return e;
    };
    const std::vector<double> z{1, 3, 5, 7};
    const ad::Array<double> Jf = ad::jacobian_forward(softmax, z), Jr = ad::jacobian_reverse(softmax, z);
    const double tot = std::exp(1.0) + std::exp(3.0) + std::exp(5.0) + std::exp(7.0);
    const double s2 = std::exp(5.0) / tot, s3 = std::exp(7.0) / tot;
    expect("J(3,3) forward", Jf(3, 3), s3 * (1 - s3));
    expect("J(2,3) reverse", Jr(2, 3), -s2 * s3);

    // The heatmap writer is part of the package.
    const std::string svg = ad::plot::heatmap_svg(Jr, {.title = "consumer"});
    if (svg.find("</svg>") == std::string::npos) { std::cout << "FAIL heatmap\n"; ++failures; }

#ifdef CONSUMER_WITH_SYM
    // The same user rule in symbolic mode: one call node, differentiated by its own d.
    const ad::sym::Expr sx = ad::sym::symbol("x");
    const ad::sym::Expr sy = ad::apply_rule(softsign{}, sx) * sx;
    const ad::sym::Expr sg = ad::sym::gradient(sy, std::vector<ad::sym::Expr>{sx})[0];
    expect("symbolic d(softsign(x) x)/dx at 0.5", ad::sym::evaluate<double>(std::vector<ad::sym::Expr>{sg}, {{sx.id(), 0.5}})[0],
           0.5 / 1.5 + 0.5 / (1.5 * 1.5));
    if (ad::sym::to_text(ad::apply_rule(softsign{}, sx)) != "softsign(x)") { std::cout << "FAIL symbolic user rule name\n"; ++failures; }
#endif

#ifdef CONSUMER_WITH_EIGEN
    Eigen::VectorXd x(2);
    x << 2.0, 3.0;
    const Eigen::VectorXd ge = ad::gradient([](const auto& v) { return v.squaredNorm(); }, x);
    expect("eigen d|x|^2/dx0", ge(0), 4.0);
    expect("eigen d|x|^2/dx1", ge(1), 6.0);
#endif
    std::cout << (failures ? "consumer: FAILED\n" : "consumer: all checks passed\n");
    return failures ? 1 : 0;
}
