#pragma once
/// \file evaluate.hpp
/// Numeric evaluation of symbolic expressions at a working precision T: every node's value is
/// its rule's `value` on numbers (the same rules forward and reverse mode use).
#include <algorithm>
#include <span>
#include <unordered_map>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/core/number.hpp"
#include "ad/symbolic/dispatch.hpp"

namespace ad::sym {

/// Values of `roots` with each symbol (by node id) bound in `symbols`. Literals are read and
/// π, e computed at precision T; a user rule's call runs its value at T. In a checked_scope, the first non-finite node throws
/// ad::domain_error naming its op, so a guard throws where the unsimplified formula it keeps
/// fails (its conditions are evaluated like any node); a non-finite binding throws too (the
/// simplifier assumes symbols are finite). Outside a checked_scope a guard whose condition is
/// not finite gives that condition's value (or its own value's, if that is not finite either).
/// An unbound symbol is an ad::name_error.
template <class T>
std::vector<T> evaluate(std::span<const Expr> roots, const std::unordered_map<std::uint32_t, T>& symbols) {
    const std::vector<std::uint32_t> order = reachable(roots);
    std::vector<T> v(order.size());
    auto pos = [&](std::uint32_t id) { return static_cast<std::size_t>(std::lower_bound(order.begin(), order.end(), id) - order.begin()); };
    auto at = [&](const Node& n, std::size_t k) -> const T& { return v[pos(n.args[k])]; };
    std::unordered_map<std::uint32_t, std::vector<T>> call_values;  // a user rule's outputs, by its output 0's node
    auto call_args = [](const Node& n) {
        std::vector<Expr> a;
        for (std::uint32_t c : n.args) a.push_back(Expr::from_id(c));
        return a;
    };
    for (std::size_t p = 0; p < order.size(); ++p) {
        const std::uint32_t id = order[p];
        const Node& n = Expr::from_id(id).node();
        T y(0);
        switch (n.op) {
            case Op::constant: y = T(n.value.num) / T(n.value.den); break;
            case Op::literal: y = number_from_text<T>(n.text()); break;
            case Op::pi: y = pi_value<T>(); break;
            case Op::e: y = e_value<T>(); break;
            case Op::symbol: {
                const auto s = symbols.find(id);
                const std::string name = std::string(n.text()) + std::string(n.subscript());
                if (s == symbols.end()) throw name_error("symbolic evaluation: no value for '" + name + "'", std::string(n.text()));
                y = s->second;
                if (detail::checking_enabled && !is_finite(y))
                    throw domain_error("symbol", "value " + detail::to_text(y) + " bound to '" + name + "' (symbols must be finite)");
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
            case Op::call: {  // a user rule: its value at this precision, all outputs once per call
                const Expr first = call_output(n) == 0 ? Expr::from_id(id) : user_call(call_rule(n), call_args(n), 0);
                auto [ys, fresh] = call_values.try_emplace(first.id());
                if (fresh) {
                    const UserRule r = user_rule(call_rule(n));
                    std::vector<T> xs(n.args.size());
                    for (std::size_t k = 0; k < xs.size(); ++k) xs[k] = at(n, k);
                    ys->second.resize(r.outputs(xs.size()));
                    user_value<T>(r, std::span<const T>(xs), std::span<T>(ys->second));
                }
                y = ys->second.at(call_output(n));
                break;
            }
            case Op::guard:
                y = at(n, 0);
                for (std::size_t k = 1; k < n.args.size(); ++k)
                    if (!is_finite(at(n, k))) {
                        if (is_finite(y)) y = at(n, k);
                        break;
                    }
                break;
            ADIFF_SYM_UNARY_RULE_CASES
                y = with_unary_rule(n.op, [&](auto r) { return T(r.value(at(n, 0))); });
                break;
            ADIFF_SYM_BINARY_RULE_CASES
                // an integer constant exponent: the pow_int rule, as in every other mode
                if (const Node& c = Expr::from_id(n.args[1]).node(); n.op == Op::pow && c.op == Op::constant && c.value.den == 1) {
                    y = rules::pow_int{static_cast<long long>(c.value.num)}.value(at(n, 0));
                    break;
                }
                y = with_binary_rule(n.op, [&](auto r) { return T(r.value(at(n, 0), at(n, 1))); });
                break;
        }
        if (detail::checking_enabled && !is_finite(y) && !n.args.empty())
            throw domain_error(std::string(node_name(n)), "value " + detail::to_text(y) + " at argument " + detail::to_text(at(n, n.op == Op::div ? 1 : 0)));
        v[p] = y;
    }
    std::vector<T> out;
    out.reserve(roots.size());
    for (const Expr& r : roots) out.push_back(v[pos(r.id())]);
    return out;
}

}  // namespace ad::sym
