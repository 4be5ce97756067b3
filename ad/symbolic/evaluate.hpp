#pragma once
/// \file evaluate.hpp
/// Numeric evaluation of symbolic expressions at a working precision T: every node's value is
/// its rule's `value` on numbers (the same rules forward and reverse mode use).
#include <span>
#include <unordered_map>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/expr/number.hpp"
#include "ad/symbolic/dispatch.hpp"

namespace ad::sym {

/// Values of `roots` with each symbol (by node id) bound in `symbols`. Literals are read and
/// π, e computed at precision T. In a checked_scope, the first non-finite node throws
/// ad::domain_error naming its op. An unbound symbol is an ad::name_error.
template <class T>
std::vector<T> evaluate(std::span<const Expr> roots, const std::unordered_map<std::uint32_t, T>& symbols) {
    const std::vector<std::uint32_t> order = reachable(roots);
    std::unordered_map<std::uint32_t, std::size_t> pos;
    pos.reserve(order.size() * 2);
    std::vector<T> v(order.size());
    auto at = [&](const Node& n, std::size_t k) -> const T& { return v[pos.at(n.args[k])]; };
    for (std::size_t p = 0; p < order.size(); ++p) {
        const std::uint32_t id = order[p];
        pos.emplace(id, p);
        const Node& n = Expr::from_id(id).node();
        T y;
        switch (n.op) {
            case Op::constant: y = T(n.value.num) / T(n.value.den); break;
            case Op::literal: y = number_from_text<T>(n.text); break;
            case Op::pi: y = pi_value<T>(); break;
            case Op::e: y = e_value<T>(); break;
            case Op::symbol: {
                const auto s = symbols.find(id);
                if (s == symbols.end()) throw name_error("symbolic evaluation: no value for '" + n.text + n.subscript + "'", n.text);
                y = s->second;
                break;
            }
            case Op::sign: y = ad::sign(at(n, 0)); break;
            case Op::heaviside: y = ad::heaviside(at(n, 0)); break;
            case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: {
                std::vector<T> xs(n.args.size());
                for (std::size_t k = 0; k < xs.size(); ++k) xs[k] = at(n, k);
                if (n.op == Op::sum) y = rules::sum{}.value(std::span<const T>(xs));
                else if (n.op == Op::max_n) y = rules::max_reduce{}.value(std::span<const T>(xs));
                else if (n.op == Op::logsumexp) y = rules::logsumexp{}.value(std::span<const T>(xs));
                else {
                    std::vector<T> part(xs.size());
                    const T m = rules::max_reduce{}.value(std::span<const T>(xs));
                    rules::max_reduce{}.partials(std::span<const T>(xs), m, std::span<T>(part));
                    y = part[n.index];
                }
                break;
            }
            case Op::pow:
                // an integer constant exponent: the pow_int rule, as in every other mode
                if (const Node& c = Expr::from_id(n.args[1]).node();
                    c.op == Op::constant && c.value.den == 1 && c.value.num >= -(1 << 30) && c.value.num <= (1 << 30)) {
                    y = rules::pow_int{static_cast<int>(c.value.num)}.value(at(n, 0));
                    break;
                }
                y = rules::pow{}.value(at(n, 0), at(n, 1));
                break;
            default:
                if (is_unary_rule(n.op)) y = with_unary_rule(n.op, [&](auto r) { return T(r.value(at(n, 0))); });
                else y = with_binary_rule(n.op, [&](auto r) { return T(r.value(at(n, 0), at(n, 1))); });
        }
        if (detail::checking_enabled && !is_finite(y) && !n.args.empty())
            throw domain_error(std::string(op_name(n.op)), "value " + detail::to_text(y) + " at argument " + detail::to_text(at(n, 0)));
        v[p] = y;
    }
    std::vector<T> out;
    out.reserve(roots.size());
    for (const Expr& r : roots) out.push_back(v[pos.at(r.id())]);
    return out;
}

}  // namespace ad::sym
