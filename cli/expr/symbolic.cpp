// The one translation unit that instantiates the expression evaluator for symbolic Expr.
#include "cli/expr/symbolic.hpp"

namespace adiff::cli::expr {

ad::Array<ad::sym::Expr> evaluate_symbolic(const ad::parse::Program& p, const ad::expr::Env<ad::sym::Expr>& env) {
    return ad::expr::evaluate(p, env);
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

}  // namespace adiff::cli::expr
