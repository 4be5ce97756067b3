// Symbolic reverse mode: adjoint expressions accumulated over the reverse topological order.
#include "ad/symbolic/derivative.hpp"

#include <algorithm>
#include <map>

#include "ad/symbolic/dispatch.hpp"

namespace ad::sym {
namespace {

bool is_zero(const Expr& e) { return e.is_constant() && constant_value(e)->num == 0; }
bool reciprocal(const Expr& e) { return e.op() == Op::div && e.arg(0).is_constant() && *constant_value(e.arg(0)) == Rational{1, 1}; }

/// The index of `x` among the arguments of the logsumexp node `l`, or −1.
long find_arg(const Expr& l, const Expr& x) {
    const auto& args = l.node().args;
    for (std::size_t k = 0; k < args.size(); ++k)
        if (args[k] == x.id()) return static_cast<long>(k);
    return -1;
}

/// k if the logsumexp node `r` has the arguments of the logsumexp node `l` but the k-th, else −1.
long rest_index(const Expr& r, const Expr& l) {
    const auto& ra = r.node().args;
    const auto& la = l.node().args;
    if (ra.size() + 1 != la.size()) return -1;
    std::size_t i = 0;
    while (i < ra.size() && ra[i] == la[i]) ++i;
    for (std::size_t j = i; j < ra.size(); ++j)
        if (ra[j] != la[j + 1]) return -1;
    return static_cast<long>(i);
}

/// 1 − exp(x_k − L) for L = logsumexp(x…), without cancellation: Σ_{j≠k} exp(x_j − L) =
/// exp(logsumexp(x_{j≠k}) − L) (exact identity; relatively accurate even when exp(x_k − L) is
/// within rounding of 1, i.e. at a dominant logit).
Expr one_minus_softmax(const Expr& l, std::size_t k) {
    std::vector<Expr> rest;
    rest.reserve(l.node().args.size() - 1);
    for (std::size_t j = 0; j < l.node().args.size(); ++j)
        if (j != k) rest.push_back(l.arg(j));
    return exp(logsumexp(std::span<const Expr>(rest)) - l);
}

}  // namespace

std::vector<Expr> gradient(const Expr& y, std::span<const Expr> wrt) {
    for (const Expr& x : wrt)
        if (x.op() != Op::symbol) throw error("sym::gradient: can only differentiate with respect to a symbol");
    std::vector<Expr> out(wrt.size(), Expr(0));
    // Conditions of every guard reachable from y (also on paths with a zero adjoint, e.g. under
    // stop_gradient) and of guards built by the adjoint arithmetic: every entry of the gradient
    // is guarded by all of them (the derivative of guard(s, c) is guard(s′, c); gathering them
    // once keeps the adjoint arithmetic guard-free, and the entries fail together wherever the
    // formula as written fails, as forward mode does).
    std::vector<Expr> conds;
    auto add_conds = [&](const Expr& g) {
        for (std::size_t k = 1; k < g.node().args.size(); ++k) {
            const Expr c = g.arg(k);
            if (std::none_of(conds.begin(), conds.end(), [&](const Expr& d) { return d.same(c); })) conds.push_back(c);
        }
    };
    auto strip = [&](const Expr& e) {
        if (e.op() != Op::guard) return e;
        add_conds(e);
        return e.arg(0);
    };
    auto finish = [&] {
        if (!conds.empty())
            for (Expr& o : out) o = guard(o, conds);
        return out;
    };
    if (!y.has_symbol()) {
        for (std::uint32_t id : reachable(std::span<const Expr>(&y, 1)))
            if (const Expr e = Expr::from_id(id); e.op() == Op::guard) add_conds(e);
        return finish();
    }
    const std::vector<std::uint32_t> order = reachable(std::span<const Expr>(&y, 1));
    for (std::uint32_t id : order)
        if (const Expr e = Expr::from_id(id); e.op() == Op::guard) add_conds(e);
    auto pos = [&](std::uint32_t id) { return static_cast<std::size_t>(std::lower_bound(order.begin(), order.end(), id) - order.begin()); };
    // Contributions to each node's adjoint (lists in one pool, in the order given), summed when
    // the node is reached: all its consumers have larger ids, so they were processed before.
    struct Part {
        Expr e;
        long next;
    };
    std::vector<Part> pool;
    std::vector<long> head(order.size(), -1), tail(order.size(), -1);
    auto push = [&](std::size_t p, const Expr& e) {
        pool.push_back(Part{e, -1});
        const long k = static_cast<long>(pool.size() - 1);
        if (tail[p] < 0) head[p] = k;
        else pool[static_cast<std::size_t>(tail[p])].next = k;
        tail[p] = k;
    };
    std::vector<Expr> adjoint(order.size());
    std::vector<char> has_adjoint(order.size(), 0);
    push(order.size() - 1, Expr(1));  // y has the largest id of its reachable set
    std::vector<Expr> ps, xs, p;
    std::map<std::pair<std::uint32_t, std::size_t>, std::vector<Expr>> call_columns;  // (a call's output 0, input i) → ∂y/∂xᵢ
    for (std::size_t at = order.size(); at-- > 0;) {
        if (head[at] < 0) continue;
        const Expr node = Expr::from_id(order[at]);
        if (!node.has_symbol()) continue;
        ps.clear();
        for (long k = head[at]; k >= 0; k = pool[static_cast<std::size_t>(k)].next) ps.push_back(pool[static_cast<std::size_t>(k)].e);
        const Expr g = strip(make(Op::sum, ps));
        if (is_zero(g)) continue;
        auto give = [&](const Expr& child, const Expr& partial) {
            if (!child.has_symbol() || is_zero(partial)) return;
            // g·(1/b) and (1/b)·p are written g/b, p/b (log, div, sqrt, atan, … partials): a formula choice
            // for the derivative, equal to the chain-rule product except where 1/b alone
            // overflows (|b| below ~5.6e-309 in double), and the same node when g = 1.
            const Expr c = strip(reciprocal(partial) ? g / partial.arg(1) : (reciprocal(g) ? partial / g.arg(1) : g * partial));
            if (is_zero(c)) return;
            push(pos(child.id()), c);
        };
        const Op op = node.op();
        switch (op) {
            case Op::symbol:
                adjoint[at] = g;
                has_adjoint[at] = 1;
                break;
            ADIFF_SYM_UNARY_RULE_CASES {
                const Expr x = node.arg(0);
                if (x.has_symbol()) with_unary_rule(op, [&](auto rule) { give(x, rule.d(x, node)); });
                break;
            }
            case Op::sub: {
                // x_k − L and L − x_k with L = logsumexp(…, x_k, …): the path through L is taken
                // here, with 1 − exp(x_k − L) in its stable form (a log_softmax entry; the
                // softmax and logsumexp derivatives are built on these nodes).
                const Expr a = node.arg(0), b = node.arg(1);
                const bool lse_b = b.op() == Op::logsumexp, lse_a = a.op() == Op::logsumexp;
                const long k = lse_b ? find_arg(b, a) : (lse_a ? find_arg(a, b) : -1);
                // R − L and L − R with R = logsumexp(x_{j≠k}) (the stable 1 − softmax_k above):
                // ∂(R − L)/∂x_j = exp(x_j − R) − exp(x_j − L) = exp(x_j − R)·exp(x_k − L) for
                // j ≠ k and −exp(x_k − L) for k, again without a difference of near-equal terms.
                if (lse_a && lse_b) {
                    long kr = rest_index(a, b);
                    const bool r_first = kr >= 0;
                    if (!r_first) kr = rest_index(b, a);
                    if (kr >= 0) {
                        const Expr r = r_first ? a : b, l = r_first ? b : a;
                        const Expr xk = l.arg(static_cast<std::size_t>(kr));
                        const Expr gy = strip((r_first ? g : -g) * exp(xk - l));
                        auto put = [&](const Expr& x, const Expr& c0) {
                            if (!x.has_symbol()) return;
                            const Expr c = strip(c0);
                            if (!is_zero(c)) push(pos(x.id()), c);
                        };
                        put(xk, -gy);
                        for (std::size_t j = 0; j < r.node().args.size(); ++j) put(r.arg(j), gy * exp(r.arg(j) - r));
                        break;
                    }
                }
                if (k >= 0) {
                    const Expr l = lse_b ? b : a, x = lse_b ? a : b;
                    const Expr ng = -g;
                    const Expr to_others = lse_b ? ng : g;  // ∂/∂x_j = ∓exp(x_j − L) for j ≠ k
                    const Expr om = one_minus_softmax(l, static_cast<std::size_t>(k));
                    if (x.has_symbol()) {
                        const Expr c = strip(lse_b ? g * om : ng * om);
                        if (!is_zero(c)) push(pos(x.id()), c);
                    }
                    for (std::size_t j = 0; j < l.node().args.size(); ++j) {
                        if (j == static_cast<std::size_t>(k)) continue;
                        const Expr xj = l.arg(j);
                        if (!xj.has_symbol()) continue;
                        const Expr c = strip(to_others * exp(xj - l));
                        if (!is_zero(c)) push(pos(xj.id()), c);
                    }
                    break;
                }
                [[fallthrough]];
            }
            case Op::add: case Op::mul: case Op::div: ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_CASE) {
                const Expr a = node.arg(0), b = node.arg(1);
                with_binary_rule(op, [&](auto rule) {
                    if (a.has_symbol()) give(a, rule.da(a, b, node));
                    if (b.has_symbol()) give(b, rule.db(a, b, node));
                });
                break;
            }
            case Op::sum: case Op::logsumexp: {
                // logsumexp: ∂ᵢ = exp(xᵢ − y), with y this node: the same nodes as the softmax built on it
                const std::size_t n = node.node().args.size();
                xs.assign(n, Expr(0));
                p.assign(n, Expr(0));
                for (std::size_t i = 0; i < n; ++i) xs[i] = node.arg(i);
                if (op == Op::sum) rules::sum{}.partials(std::span<const Expr>(xs), node, std::span<Expr>(p));
                else rules::logsumexp{}.partials(std::span<const Expr>(xs), node, std::span<Expr>(p));
                for (std::size_t i = 0; i < n; ++i) give(xs[i], p[i]);
                break;
            }
            case Op::max_n: {
                // rules::max_reduce::partials compares values, which a symbol does not have: the
                // partial ∂max/∂xᵢ is the node max_weight(xs, i), evaluated by that same rule.
                const std::size_t n = node.node().args.size();
                xs.assign(n, Expr(0));
                for (std::size_t i = 0; i < n; ++i) xs[i] = node.arg(i);
                for (std::size_t i = 0; i < n; ++i)
                    if (xs[i].has_symbol()) give(xs[i], max_weight(xs, i));
                break;
            }
            case Op::call: {
                // a user rule: its own partials, run on Expr (d, da/db, or the JVP of a vector
                // rule with a unit tangent), given the inputs and every output of the call; a
                // vector rule's column ∂y/∂xᵢ is built once and serves all of its outputs
                const Node& c = node.node();
                const UserRule r = user_rule(call_rule(c));
                const std::size_t n = c.args.size();
                xs.assign(n, Expr(0));
                for (std::size_t i = 0; i < n; ++i) xs[i] = node.arg(i);
                p.assign(1, node);
                if (r.vector) {
                    p.assign(r.outputs(n), Expr(0));
                    for (std::size_t k = 0; k < p.size(); ++k) p[k] = user_call(call_rule(c), xs, k);
                }
                for (std::size_t i = 0; i < n; ++i) {
                    if (!xs[i].has_symbol()) continue;
                    auto [column, fresh] = call_columns.try_emplace({p[0].id(), i});
                    if (fresh) {
                        column->second.assign(p.size(), Expr(0));
                        r.tangent(xs, p, i, std::span<Expr>(column->second));
                    }
                    give(xs[i], column->second[call_output(c)]);
                }
                break;
            }
            case Op::guard:  // its conditions were gathered above
                give(node.arg(0), Expr(1));
                break;
            case Op::sign: case Op::heaviside: case Op::max_weight:  // piecewise constant: derivative 0
                break;
            case Op::constant: case Op::literal: case Op::pi: case Op::e:  // no symbol: skipped above
                break;
        }
    }
    for (std::size_t j = 0; j < wrt.size(); ++j) {
        const std::size_t at = pos(wrt[j].id());
        if (at < order.size() && order[at] == wrt[j].id() && has_adjoint[at]) out[j] = adjoint[at];
    }
    return finish();
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
