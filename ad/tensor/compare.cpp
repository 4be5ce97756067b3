// Symbolic and numeric comparison of a claim with a derived tensor (see compare.hpp).
#include "ad/tensor/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "ad/errors.hpp"
#include "ad/tensor/print.hpp"

namespace ad::tensor {

void randomize(const Scope& scope, Binding& b, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-2, 2);
    for (const auto& [name, t] : scope.vars) {
        std::size_t n = 1;
        for (int i : t.node->idx) n *= index_size(i, b);
        auto& v = b.values[name];
        v.resize(n);
        for (double& x : v) x = u(rng);
    }
}

namespace {
/// A double to 17 significant digits: the values a refutation shows must differ where they differ.
std::string exact(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
}  // namespace

Comparison compare(const Tensor& derived, const Tensor& claim, const Scope& scope, std::uint64_t seed, const std::vector<std::size_t>& sizes) {
    if (claim.rank() != derived.rank())
        throw ad::error("shape error: the claim has shape (" + shape_text(claim.axes) + "), the derivative (" + shape_text(derived.axes) + ")");
    for (std::size_t k = 0; k < claim.rank(); ++k)
        if (index_dim(claim.axes[k]) != index_dim(derived.axes[k]))
            throw ad::error("shape error: the claim has shape (" + shape_text(claim.axes) + "), the derivative (" + shape_text(derived.axes) + ")");
    Comparison c;
    const Tensor aligned{rename(claim.node, claim.axes, derived.axes), derived.axes};
    const Ptr diff = sub(derived.node, aligned.node);
    c.symbolic = diff->kind == Kind::constant && diff->value == 0;
    if (!c.symbolic) c.difference = to_index(Tensor{diff, derived.axes}, "derived - claim");
    std::set<std::string> symbols;
    for (const auto& [name, dims] : scope.shapes)
        for (const auto& d : dims) if (!std::isdigit(static_cast<unsigned char>(d[0]))) symbols.insert(d);
    std::uint64_t s = seed;
    for (std::size_t n : sizes) {
        Binding b;
        std::size_t k = 0;
        for (const auto& sym : symbols) b.sizes[sym] = n + (k++ % 2);  // two symbols get different sizes
        randomize(scope, b, ++s);
        const auto x = evaluate(derived, b), y = evaluate(aligned, b);
        ++c.trials;
        for (std::size_t e = 0; e < x.size(); ++e) {
            const double scale = std::max({1.0, std::abs(x[e]), std::abs(y[e])});
            if (!(std::abs(x[e] - y[e]) <= 1e-9 * scale)) {
                c.numeric = false;
                std::string where;
                for (const auto& [name, v] : b.sizes) where += (where.empty() ? "" : ", ") + name + "=" + std::to_string(v);
                c.counterexample = "at " + where + " (seed " + std::to_string(s) + "), entry " + std::to_string(e) + ": derived " +
                                   exact(x[e]) + ", claim " + exact(y[e]) + " (difference " + exact(x[e] - y[e]) + ")";
                return c;
            }
        }
    }
    return c;
}

}  // namespace ad::tensor
