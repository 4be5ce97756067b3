// The symbolic mode's rows in `adiff softmax`: softmax is built from exp / sum / divide on
// symbols z[0] … z[Q−1] as a hash-consed DAG, differentiated symbolically (one backward pass
// per output, adjoint expressions shared), then evaluated at the report's logits in the
// row's precision and compared with the closed forms — the third, independent derivation.
#include <string>

#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "cli/report/softmax_report.hpp"

namespace adiff::report {
namespace {

using ad::sym::Expr;

/// Symbols z[0] … z[Q−1] (the flat index lets the evaluator bind them by position).
std::vector<Expr> symbols(std::size_t Q) {
    std::vector<Expr> z;
    for (std::size_t k = 0; k < Q; ++k) {
        std::string index = "[";  // appended, not "[" + …: g++ 12's -Wrestrict misfires on the temporary
        index += std::to_string(k);
        index += ']';
        z.push_back(ad::sym::symbol("z", index, static_cast<std::uint32_t>(k)));
    }
    return z;
}

/// Evaluates expressions `ys` at z = values (precision T) into an Array of the given shape.
template <class T>
ad::Array<T> evaluate_at(const std::vector<Expr>& ys, const std::vector<Expr>& z, const ad::Array<T>& values, ad::Shape shape) {
    std::unordered_map<std::uint32_t, T> bind;
    for (std::size_t k = 0; k < z.size(); ++k) bind.emplace(z[k].id(), values[k]);
    return ad::Array<T>(std::move(shape), ad::sym::evaluate<T>(std::span<const Expr>(ys), bind));
}

}  // namespace

template <class T>
void symbolic_rows(const options& opt, const std::string& prec, std::vector<row>& rows) {
    const problem<T> pb = make_problem<T>(opt);
    const std::size_t Q = opt.classes;
    const ad::Array<T> z = detail::row0(pb.Z);
    const ad::Array<T> s = ad::softmax(z);
    const T tol = T(256) * ad::check::epsilon<T>();
    const std::vector<Expr> zs = symbols(Q);
    const ad::Array<Expr> sz = ad::softmax_naive(ad::Array<Expr>(ad::Shape{Q}, zs));

    // the Q×Q Jacobian of softmax from primitives, symbolically
    const ad::Array<Expr> J = ad::sym::jacobian(std::span<const Expr>(sz.data(), sz.size()), zs);
    const std::size_t ops = ad::sym::operation_count(std::span<const Expr>(J.data(), J.size()));
    detail::add(rows, prec, "Jacobian (Q,Q)", "symbolic DAG (" + std::to_string(ops) + " shared ops)", "closed form",
                ad::closed_form::softmax_jacobian(s), evaluate_at(J.values(), zs, z, ad::Shape{Q, Q}), tol);

    // the cross-entropy gradient of row 0: CE = −log(softmax(z)[t]) → p − onehot(t)
    const std::size_t t = pb.targets[0];
    const Expr ce = -ad::log(sz[t]);
    const std::vector<Expr> g = ad::sym::gradient(ce, zs);
    ad::Array<T> P(ad::Shape{1, Q}, s.values());
    detail::add(rows, prec, "cross-entropy gradient (M,Q)", "symbolic, row 0", "closed form",
                ad::closed_form::cross_entropy_softmax_gradient(P, std::vector<std::size_t>{t}).reshaped(ad::Shape{Q}),
                evaluate_at(g, zs, z, ad::Shape{Q}), tol);
}

template void symbolic_rows<double>(const options&, const std::string&, std::vector<row>&);
template void symbolic_rows<long double>(const options&, const std::string&, std::vector<row>&);
template void symbolic_rows<ad::mp50>(const options&, const std::string&, std::vector<row>&);
template void symbolic_rows<ad::mp100>(const options&, const std::string&, std::vector<row>&);

}  // namespace adiff::report
