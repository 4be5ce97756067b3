// Elementwise functions as scalar symbolic expressions (see scalar.hpp).
#include "ad/tensor/scalar.hpp"

#include <span>
#include <unordered_map>

#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"
#include "ops/rules/rules.hpp"

namespace ad::tensor::scalar {

namespace {
constexpr const char* placeholder_name = "U__";
}

sym::Expr placeholder() { return sym::symbol(placeholder_name); }
sym::Expr value_symbol() { return sym::symbol("Y__"); }

std::optional<sym::Expr> find_function(std::string_view name) {
#define ADIFF_TENSOR_FUNCTION(rule) sym::Op::rule,
    static constexpr sym::Op functions[] = {ADIFF_UNARY_FUNCTIONS(ADIFF_TENSOR_FUNCTION)};  // every unary rule
#undef ADIFF_TENSOR_FUNCTION
    for (const sym::Op op : functions)
        if (sym::op_name(op) == name) return sym::make(op, placeholder());
    return std::nullopt;
}

sym::Expr function(std::string_view name) {
    if (auto f = find_function(name)) return *f;
    throw ad::error("tensor expression: '" + std::string(name) + "' is not an elementwise function");
}

sym::Expr derivative(const sym::Expr& f) {
    const sym::Expr u = placeholder();
    return sym::gradient(f, std::span<const sym::Expr>(&u, 1))[0];
}

double evaluate(const sym::Expr& f, double x) {
    const std::unordered_map<std::uint32_t, double> bind{{placeholder().id(), x}};
    return sym::evaluate<double>(std::span<const sym::Expr>(&f, 1), bind)[0];
}

std::optional<std::string> text(const sym::Expr& f, const std::string& arg, bool atomic, sym::Style style) {
    const sym::Printed p = sym::print(std::span<const sym::Expr>(&f, 1), style);
    if (!p.bindings.empty()) return std::nullopt;
    std::string s = p.roots[0], out;
    const std::string ph = placeholder_name;
    const bool latex = style == sym::Style::latex;
    auto wrapped_at = [&](std::size_t k) {  // the placeholder already stands alone in a call or a group
        const std::size_t e = k + ph.size();
        const std::string_view before = std::string_view(s).substr(0, k), after = std::string_view(s).substr(e);
        if (!latex) return before.ends_with('(') && (after.starts_with(')') || after.starts_with(','));
        return (before.ends_with("\\left(") && (after.starts_with("\\right)") || after.starts_with(','))) ||
               (before.ends_with('{') && after.starts_with('}') && !after.starts_with("}^"));
    };
    for (std::size_t k = 0; k < s.size();) {
        if (s.compare(k, ph.size(), ph) != 0) { out += s[k++]; continue; }
        const bool wrapped = wrapped_at(k);
        out += atomic || wrapped ? arg : (latex ? "\\left(" + arg + "\\right)" : "(" + arg + ")");
        k += ph.size();
    }
    return out;
}

Ptr translate(const sym::Expr& e, const std::vector<std::pair<sym::Expr, Ptr>>& bind) {
    using sym::Op;  // the registry's case macros name Op
    const sym::Node& n = e.node();
    auto at = [&](std::size_t k) { return translate(e.arg(k), bind); };
    switch (n.op) {
        case sym::Op::constant: return constant(static_cast<double>(n.value.num) / static_cast<double>(n.value.den));
        case sym::Op::symbol:
            for (const auto& [s, t] : bind) if (s.same(e)) return t;
            throw ad::error("tensor expression: unbound symbol in a scalar rule");
        case sym::Op::neg: return neg(at(0));
        case sym::Op::add: return add(at(0), at(1));
        case sym::Op::sub: return sub(at(0), at(1));
        case sym::Op::mul: {
            const Ptr a = at(0), b = at(1);
            return product({a, b}, unite(a->free, b->free));
        }
        case sym::Op::div: {
            const Ptr a = at(0), b = at(1);
            return product({a, unary(sym::Expr(1) / placeholder(), b)}, unite(a->free, b->free));
        }
        ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_CASE)  // every unary function of the registry, elementwise
            return unary(sym::make(n.op, placeholder()), at(0));
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_CASE)  // x^c for a constant c is elementwise; the others are outside the algebra
            if (n.op == Op::pow && e.arg(1).is_constant()) return unary(sym::make(Op::pow, placeholder(), e.arg(1)), at(0));
            break;
        case Op::literal: case Op::pi: case Op::e: case Op::sign: case Op::heaviside: case Op::sum: case Op::max_n:
        case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard:
            break;
    }
    throw ad::error("tensor expression: the operation '" + std::string(sym::op_name(n.op)) + "' is outside the tensor algebra");
}

sym::Expr lse_partial() {
    const sym::Expr xs[1] = {placeholder()};
    sym::Expr out[1];
    rules::logsumexp{}.partials(std::span<const sym::Expr>(xs), value_symbol(), std::span<sym::Expr>(out));
    return out[0];
}

}  // namespace ad::tensor::scalar
