// Symbolic reverse mode: adjoint expressions accumulated over the reverse topological order.
#include "ad/symbolic/derivative.hpp"

#include <algorithm>
#include <unordered_map>

#include "ad/symbolic/dispatch.hpp"

namespace ad::sym {

std::vector<Expr> gradient(const Expr& y, std::span<const Expr> wrt) {
    for (const Expr& x : wrt)
        if (x.op() != Op::symbol) throw error("sym::gradient: can only differentiate with respect to a symbol");
    std::vector<Expr> out(wrt.size(), Expr(0));
    if (!y.has_symbol()) return out;
    const std::vector<std::uint32_t> order = reachable(std::span<const Expr>(&y, 1));
    // Contributions to each node's adjoint, summed when the node is reached (all its
    // consumers have larger ids, so they were processed before).
    std::unordered_map<std::uint32_t, std::vector<Expr>> parts;
    parts[y.id()].push_back(Expr(1));
    std::unordered_map<std::uint32_t, Expr> adjoint;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const auto pit = parts.find(*it);
        if (pit == parts.end()) continue;
        const Expr node = Expr::from_id(*it);
        if (!node.has_symbol()) continue;
        const std::vector<Expr>& ps = pit->second;
        const Expr g = make(Op::sum, ps);
        parts.erase(pit);
        if (g.is_constant() && constant_value(g)->num == 0) continue;
        const Op op = node.op();
        auto give = [&](const Expr& child, const Expr& partial) {
            if (!child.has_symbol()) return;
            const Expr c = g * partial;
            if (c.is_constant() && constant_value(c)->num == 0) return;
            parts[child.id()].push_back(c);
        };
        if (op == Op::symbol) {
            adjoint[*it] = g;
        } else if (is_unary_rule(op)) {
            const Expr x = node.arg(0);
            if (x.has_symbol()) with_unary_rule(op, [&](auto rule) { give(x, rule.d(x, node)); });
        } else if (is_binary_rule(op)) {
            const Expr a = node.arg(0), b = node.arg(1);
            with_binary_rule(op, [&](auto rule) {
                if (a.has_symbol()) give(a, rule.da(a, b, node));
                if (b.has_symbol()) give(b, rule.db(a, b, node));
            });
        } else if (op == Op::sum) {
            std::vector<Expr> xs, p(node.node().args.size());
            for (std::size_t k = 0; k < p.size(); ++k) xs.push_back(node.arg(k));
            rules::sum{}.partials(std::span<const Expr>(xs), node, std::span<Expr>(p));
            for (std::size_t k = 0; k < p.size(); ++k) give(xs[k], p[k]);
        } else if (op == Op::logsumexp) {
            // ∂ᵢ = exp(xᵢ − y): with y this node, the same nodes as the softmax built on it
            std::vector<Expr> xs, p(node.node().args.size());
            for (std::size_t k = 0; k < p.size(); ++k) xs.push_back(node.arg(k));
            rules::logsumexp{}.partials(std::span<const Expr>(xs), node, std::span<Expr>(p));
            for (std::size_t k = 0; k < p.size(); ++k) give(xs[k], p[k]);
        } else if (op == Op::max_n) {
            // rules::max_reduce::partials compares values, which a symbol does not have: the
            // partial ∂max/∂xᵢ is the node max_weight(xs, i), evaluated by that same rule.
            std::vector<Expr> xs;
            for (std::size_t k = 0; k < node.node().args.size(); ++k) xs.push_back(node.arg(k));
            for (std::size_t k = 0; k < xs.size(); ++k)
                if (xs[k].has_symbol()) give(xs[k], max_weight(xs, k));
        }
        // sign, heaviside, max_weight: piecewise constant, derivative 0.
    }
    for (std::size_t j = 0; j < wrt.size(); ++j) {
        const auto a = adjoint.find(wrt[j].id());
        if (a != adjoint.end()) out[j] = a->second;
    }
    return out;
}

Array<Expr> jacobian(std::span<const Expr> ys, std::span<const Expr> wrt) {
    Array<Expr> J(Shape{ys.size(), wrt.size()});
    for (std::size_t i = 0; i < ys.size(); ++i) {
        const std::vector<Expr> g = gradient(ys[i], wrt);
        for (std::size_t j = 0; j < wrt.size(); ++j) J(i, j) = g[j];
    }
    return J;
}

Array<Expr> hessian(const Expr& y, std::span<const Expr> wrt) {
    const std::vector<Expr> g = gradient(y, wrt);
    return jacobian(std::span<const Expr>(g), wrt);
}

}  // namespace ad::sym
