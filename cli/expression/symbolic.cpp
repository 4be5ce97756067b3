// The one translation unit that instantiates the expression evaluator for symbolic Expr.
#include "cli/expression/symbolic.hpp"

namespace adiff::cli::expression {

ad::Array<ad::sym::Expr> evaluate_symbolic(const ad::lang::Program& p, const ad::lang::Env<ad::sym::Expr>& env) {
    return ad::lang::evaluate(p, env);
}

ad::Array<ad::sym::Expr> symbols_of(const Variable& v) {
    std::vector<ad::sym::Expr> s;
    const std::size_t n = ad::shape_size(v.shape);
    for (std::size_t k = 0; k < n; ++k) {
        if (v.shape.empty()) { s.push_back(ad::sym::symbol(v.name)); continue; }
        std::string sub = "[";
        std::size_t rem = k, stride = n;
        for (std::size_t d = 0; d < v.shape.size(); ++d) {
            stride /= v.shape[d];
            sub += (d ? ", " : "") + std::to_string(rem / stride);
            rem %= stride;
        }
        s.push_back(ad::sym::symbol(v.name, sub + "]", static_cast<std::uint32_t>(k)));
    }
    return ad::Array<ad::sym::Expr>(v.shape, std::move(s));
}

ad::Array<ad::sym::Expr> constants_of(const Variable& v) {
    std::vector<ad::sym::Expr> s;
    for (const auto& t : v.values) s.push_back(ad::sym::literal(t));
    return ad::Array<ad::sym::Expr>(v.shape, std::move(s));
}

}  // namespace adiff::cli::expression

#include <algorithm>
#include <unordered_map>

#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"

namespace adiff::cli::expression {

std::vector<std::string> kinks(const Request& req) {
    using ad::sym::Expr;
    using ad::sym::Op;
    std::vector<std::string> notes;
    try {
        ad::lang::Env<Expr> env;
        std::unordered_map<std::uint32_t, double> b;
        for (const Variable& v : req.vars) {
            if (v.values.empty()) return notes;
            const bool w = req.wrt.empty() || std::find(req.wrt.begin(), req.wrt.end(), v.name) != req.wrt.end();
            env[v.name] = w ? symbols_of(v) : constants_of(v);
            if (w)
                for (std::size_t k = 0; k < v.values.size(); ++k) b[env[v.name][k].id()] = ad::number_from_text<double>(v.values[k]);
        }
        const ad::Array<Expr> y = evaluate_symbolic(req.program, env);
        // Nodes the derivative passes through: everything reachable from the result except
        // below a stop_gradient (the max shift of a stable softmax/logsumexp is one: a tie
        // there changes nothing, the function is smooth).
        std::vector<Expr> nodes;
        std::vector<std::uint32_t> stack;
        std::unordered_map<std::uint32_t, bool> seen;
        for (const Expr& r : y.values()) stack.push_back(r.id());
        while (!stack.empty()) {
            const Expr e = Expr::from_id(stack.back());
            stack.pop_back();
            if (seen[e.id()] || !e.has_symbol()) continue;
            seen[e.id()] = true;
            const Op op = e.op();
            if (op == Op::stop_gradient) continue;
            if (op == Op::abs || op == Op::max || op == Op::min || op == Op::max_n) nodes.push_back(e);
            for (std::uint32_t c : e.node().args) stack.push_back(c);
        }
        std::sort(nodes.begin(), nodes.end(), [](const Expr& a, const Expr& b) { return a.id() < b.id(); });
        for (const Expr& e : nodes) {
            std::vector<Expr> args;
            for (std::size_t k = 0; k < e.node().args.size(); ++k) args.push_back(e.arg(k));
            const std::vector<double> v = ad::sym::evaluate<double>(args, b);
            std::string text = ad::sym::to_text(e);
            if (text.size() > 80) text = text.substr(0, 77) + "...";
            if (e.op() == Op::abs && v[0] == 0)
                notes.push_back("abs is not differentiable where its argument is 0: " + text + "; the derivative uses abs'(0) = 0");
            else if (e.op() != Op::abs) {
                const double m = *std::max_element(v.begin(), v.end()), lo = *std::min_element(v.begin(), v.end());
                const double target = e.op() == Op::min ? lo : m;
                const auto ties = std::count(v.begin(), v.end(), target);
                if (ties > 1)
                    notes.push_back(std::string(e.op() == Op::min ? "min" : "max") + " has a tie of " + std::to_string(ties) +
                                    " entries here, where it is not differentiable: " + text + "; the derivative splits evenly (1/" +
                                    std::to_string(ties) + " each)");
            }
        }
    } catch (const std::exception&) {
        // The analysis is advisory: errors are reported by the command itself.
    }
    return notes;
}

}  // namespace adiff::cli::expression
