#pragma once
/// \file softmax_report.hpp
/// The numeric work of `adiff softmax` (the main job), as a library so tests can call it.
/// For random logits Z (M, Q) it derives, from softmax built out of exp / sum / divide (and from
/// the fused softmax), the value, one component's gradient, the Q×Q Jacobian, the batch
/// Jacobian (blocks and dense), the VJP, the cross-entropy gradient, the softmax layer's
/// derivative wrt W and sigmoid′ — by reverse mode, forward mode and central differences —
/// and compares every one with its closed form. `run_precision<T>` does one precision;
/// the symbolic mode's rows come from `symbolic_rows<T>` (cli/report/symbolic_rows.cpp).
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/check/check.hpp"
#include "ad/drivers/batch_jacobian.hpp"
#include "cli/choices.hpp"

namespace adiff::report {

/// Report options (validated by the CLI).
struct options {
    std::size_t classes = 5;          ///< Q
    std::size_t batch = 100;          ///< M
    std::uint64_t seed = 0;           ///< random logits, targets, upstream gradients, W and x
    cli::Precision precision = cli::Precision::double_;  ///< 50 digits always runs too
    cli::Format format = cli::Format::text;
};

/// One line of the table: one quantity by one method, compared with a reference.
struct row {
    std::string precision, quantity, method, reference;
    double max_abs = 0, max_rel = 0, mean_pct = 0, max_ulps = 0;  ///< see ad::check::comparison
    double tol_abs = 0, tol_rel = 0;
    bool ok = true;
    std::string note;  ///< e.g. why a row was skipped
};

/// The whole report.
struct result {
    options opt;
    std::vector<row> rows;
    bool ok = true;
    double seconds = 0;
};

/// The inputs of one report, in scalar type T (generated in double, so exact in every T).
template <class T>
struct problem {
    ad::Array<T> Z;                   ///< logits (M, Q): integers/2 in [−10, 10], as seed 000
    std::size_t j = 0;                ///< the component of seed 000's one-component gradient
    std::vector<std::size_t> targets; ///< class of each row, for cross-entropy
    ad::Array<T> G;                   ///< upstream gradient (M, Q) for the VJP
    ad::Array<T> W, x;                ///< softmax layer: W (n, Q), x (n), n = 3 as seed 003
};

/// Deterministic inputs for `opt` (same numbers in every precision).
template <class T>
problem<T> make_problem(const options& opt) {
    const std::size_t M = opt.batch, Q = opt.classes, n = 3;
    std::mt19937_64 rng(opt.seed);
    std::uniform_int_distribution<int> logit(-20, 20);
    std::uniform_int_distribution<std::size_t> cls(0, Q - 1);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    problem<T> p;
    p.Z = ad::Array<T>(ad::Shape{M, Q});
    for (auto& v : p.Z) v = T(logit(rng) / 2.0);
    p.j = std::min<std::size_t>(3, Q - 1);
    for (std::size_t r = 0; r < M; ++r) p.targets.push_back(cls(rng));
    p.G = ad::Array<T>(ad::Shape{M, Q});
    for (auto& v : p.G) v = T(u(rng));
    p.W = ad::Array<T>(ad::Shape{n, Q});
    for (auto& v : p.W) v = T(u(rng));
    p.x = ad::Array<T>(ad::Shape{n});
    for (auto& v : p.x) v = T((u(rng) + 1.0) / 2.0);
    return p;
}

/// The symbolic mode's rows (cli/report/symbolic_rows.cpp, instantiated for the four precisions):
/// softmax's Jacobian and the cross-entropy gradient as symbolic DAGs, evaluated at precision T.
template <class T>
void symbolic_rows(const options& opt, const std::string& prec, std::vector<row>& rows);
extern template void symbolic_rows<double>(const options&, const std::string&, std::vector<row>&);
extern template void symbolic_rows<long double>(const options&, const std::string&, std::vector<row>&);
extern template void symbolic_rows<ad::mp50>(const options&, const std::string&, std::vector<row>&);
extern template void symbolic_rows<ad::mp100>(const options&, const std::string&, std::vector<row>&);

/// A hook adding rows for another method at one precision label (tests add failing rows).
using method_hook = std::function<void(const options&, const std::string& precision, std::vector<row>&)>;
/// The registered hooks (none in the CLI).
inline std::vector<method_hook>& method_hooks() {
    static std::vector<method_hook> hooks;
    return hooks;
}

namespace detail {

template <class T>
ad::Array<T> row0(const ad::Array<T>& Z) {
    return ad::Array<T>(ad::Shape{Z.cols()}, std::vector<T>(Z.begin(), Z.begin() + static_cast<std::ptrdiff_t>(Z.cols())));
}

template <class T>
double to_d(const T& x) { return static_cast<double>(x); }

/// Adds a row comparing `got` with `ref`: each entry must satisfy
/// |a − b| ≤ tol·(max(1, max|ref|) + max(|a|, |b|)). The absolute part is measured against 1
/// (at least): every quantity here is built from probabilities in [0, 1], whose rounding errors
/// are ~ε on that scale (e.g. s(1 − s) for s ≈ 1 loses digits relative to itself, not to 1).
template <class T>
void add(std::vector<row>& rows, const std::string& prec, const std::string& quantity, const std::string& method,
         const std::string& reference, const ad::Array<T>& ref, const ad::Array<T>& got, T rel_tol) {
    using std::abs;
    T scale(0);
    for (const T& e : ref) scale = std::max(scale, T(abs(e)));
    scale = std::max(scale, T(1));
    const auto c = ad::check::compare(ref, got, ad::check::tolerance<T>{T(rel_tol * scale), rel_tol});
    row r;
    r.precision = prec;
    r.quantity = quantity;
    r.method = method;
    r.reference = reference;
    r.max_abs = to_d(c.max_abs);
    r.max_rel = to_d(c.max_rel);
    r.mean_pct = to_d(c.mean_pct);
    r.max_ulps = to_d(c.max_ulps);
    r.tol_abs = to_d(T(rel_tol * scale));
    r.tol_rel = to_d(rel_tol);
    r.ok = c.ok;
    if (!c.shapes_match) r.note = "shape mismatch";
    rows.push_back(std::move(r));
}

}  // namespace detail

/// Runs every quantity × method at scalar type T, appending rows labelled `prec`.
template <class T>
void run_precision(const options& opt, const std::string& prec, std::vector<row>& rows) {
    using namespace ad;
    using detail::add;
    using std::pow;
    const problem<T> pb = make_problem<T>(opt);
    const std::size_t M = opt.batch, Q = opt.classes, n = pb.x.size();
    const T eps = check::epsilon<T>();
    const T ad_tol = T(256) * eps;                       // AD and closed form: different roundings only
    const T fd_tol = T(100) * T(pow(eps, T(0.6)));       // central differences: truncation ≈ ε^(4/5)
    const Array<T> z = detail::row0(pb.Z);
    const Shape zs{Q}, Zs{M, Q};
    auto naive = [](const auto& a) { return softmax_naive(a); };
    auto fused = [](const auto& a) { return softmax(a); };
    const Array<T> S = softmax(pb.Z), s = softmax(z);
    const std::string cf = "closed form";

    // 1. value: primitives and fused, against the 100-digit value rounded to T.
    {
        const Array<T> ref = cast<T>(softmax(cast<mp100>(pb.Z)));
        add(rows, prec, "softmax value (M,Q)", "exp/sum/div primitives", "100-digit value", ref, softmax_naive(pb.Z), ad_tol);
        add(rows, prec, "softmax value (M,Q)", "fused stable", "100-digit value", ref, S, ad_tol);
    }
    // 2. one component's gradient ∂σ_j/∂z = σ_j(e_j − σ).
    {
        const std::size_t j = pb.j;
        const Array<T> ref = closed_form::softmax_component_gradient(s, j);
        auto fj = on_shape(zs, [j](const auto& a) { return softmax_naive(a)[j]; });
        const std::vector<T> zv(z.begin(), z.end());
        const std::string q = "grad of one component";
        add(rows, prec, q, "reverse (primitives)", cf, ref, Array<T>(zs, gradient(fj, zv)), ad_tol);
        add(rows, prec, q, "forward (primitives)", cf, ref, jacobian_forward(fj, zv).reshaped(zs), ad_tol);
        add(rows, prec, q, "central differences", cf, ref, check::jacobian_central(fj, zv).reshaped(zs), fd_tol);
    }
    // 3. the Q×Q Jacobian diag(s) − s sᵀ.
    {
        const Array<T> ref = closed_form::softmax_jacobian(s);
        const std::vector<T> zv(z.begin(), z.end());
        const std::string q = "Jacobian (Q,Q)";
        add(rows, prec, q, "reverse (primitives)", cf, ref, jacobian_reverse(on_shape(zs, naive), zv), ad_tol);
        add(rows, prec, q, "forward (primitives)", cf, ref, jacobian_forward(on_shape(zs, naive), zv), ad_tol);
        add(rows, prec, q, "reverse (fused rule)", cf, ref, jacobian_reverse(on_shape(zs, fused), zv), ad_tol);
        add(rows, prec, q, "forward (fused rule)", cf, ref, jacobian_forward(on_shape(zs, fused), zv), ad_tol);
        add(rows, prec, q, "central differences", cf, ref, check::jacobian_central(on_shape(zs, naive), zv), fd_tol);
    }
    // 4. batch Jacobian blocks (M,Q,Q) with Q sweeps (CPR), and 5. dense (M,Q,M,Q).
    const Array<T> blocks = closed_form::softmax_batch_jacobian_blocks(S);
    {
        const std::string q = "batch Jacobian blocks (M,Q,Q)";
        add(rows, prec, q, "reverse, Q sweeps (primitives)", cf, blocks, batch_jacobian_reverse(naive, pb.Z), ad_tol);
        add(rows, prec, q, "forward, Q sweeps (primitives)", cf, blocks, batch_jacobian_forward(naive, pb.Z), ad_tol);
        add(rows, prec, q, "reverse, Q sweeps (fused rule)", cf, blocks, batch_jacobian_reverse(fused, pb.Z), ad_tol);
        add(rows, prec, q, "central differences (CPR)", cf, blocks, check::batch_jacobian_central(naive, pb.Z), fd_tol);
    }
    {
        const std::string q = "batch Jacobian dense (M,Q,M,Q)";
        if (M * Q > 2000) {
            row r;
            r.precision = prec, r.quantity = q, r.method = "all", r.reference = cf;
            r.note = "skipped: M·Q > 2000 (dense tensor too large)";
            rows.push_back(r);
        } else {
            const Array<T> ref = closed_form::softmax_batch_jacobian_dense(S);
            add(rows, prec, q, "reverse, M·Q sweeps (primitives)", cf, ref, dense_batch_jacobian(naive, pb.Z, true), ad_tol);
            add(rows, prec, q, "forward, M·Q/8 passes (primitives)", cf, ref, dense_batch_jacobian(naive, pb.Z, false), ad_tol);
            add(rows, prec, q, "reverse blocks → dense", cf, ref, batch_jacobian_dense(batch_jacobian_reverse(naive, pb.Z)), ad_tol);
        }
    }
    // 6. the VJP (softmax backward) G ↦ s ⊙ (g − ⟨g, s⟩) row-wise.
    {
        const Array<T> ref = closed_form::softmax_backward(S, pb.G);
        const std::vector<T> Zv(pb.Z.begin(), pb.Z.end()), Gv(pb.G.begin(), pb.G.end());
        const std::string q = "VJP softmax backward (M,Q)";
        add(rows, prec, q, "reverse vjp (primitives)", cf, ref, Array<T>(Zs, vjp(on_shape(Zs, naive), Zv, Gv).second), ad_tol);
        add(rows, prec, q, "reverse vjp (fused rule)", cf, ref, Array<T>(Zs, vjp(on_shape(Zs, fused), Zv, Gv).second), ad_tol);
        add(rows, prec, q, "forward blocks, G·J", cf, ref,
            closed_form::softmax_backward_via_blocks(batch_jacobian_forward(naive, pb.Z), pb.G), ad_tol);
        add(rows, prec, q, "central differences (CPR), G·J", cf, ref,
            closed_form::softmax_backward_via_blocks(check::batch_jacobian_central(naive, pb.Z), pb.G), fd_tol);
    }
    // 7. cross-entropy gradient after softmax: P − onehot.
    {
        const Array<T> ref = closed_form::cross_entropy_softmax_gradient(S, pb.targets);
        const auto& t = pb.targets;
        auto ce_fused = [&t](const auto& a) { return sum(cross_entropy(a, t)); };
        auto ce_naive = [&t](const auto& a) {  // −Σ log(exp(z_t)/Σexp(z)), all primitives
            using X = typename std::remove_cvref_t<decltype(a)>::value_type;
            const auto p = softmax_naive(a);
            std::vector<X> terms;
            for (std::size_t r = 0; r < t.size(); ++r) { using std::log; terms.push_back(X(-log(p[r * a.cols() + t[r]]))); }
            return sum(terms);
        };
        auto ce_rows = [&t](const auto& a) { return cross_entropy(a, t).reshaped(Shape{a.rows(), 1}); };
        const std::vector<T> Zv(pb.Z.begin(), pb.Z.end());
        const std::string q = "cross-entropy gradient (M,Q)";
        add(rows, prec, q, "reverse (fused log_softmax)", cf, ref, Array<T>(Zs, gradient(on_shape(Zs, ce_fused), Zv)), ad_tol);
        add(rows, prec, q, "reverse (primitives)", cf, ref, Array<T>(Zs, gradient(on_shape(Zs, ce_naive), Zv)), ad_tol);
        add(rows, prec, q, "forward, Q sweeps (fused)", cf, ref, batch_jacobian_forward(ce_rows, pb.Z).reshaped(Zs), ad_tol);
        add(rows, prec, q, "central differences (CPR)", cf, ref, check::batch_jacobian_central(ce_rows, pb.Z).reshaped(Zs), fd_tol);
    }
    // 8. softmax layer h = softmax(Wᵀx): dh/dW (seed 003's layout, wrt Wᵀ).
    {
        const Array<T> h = softmax_layer(pb.W, pb.x);
        const Array<T> ref = closed_form::softmax_layer_dW_shortcut(h, pb.x);
        const Array<T> xv = pb.x;
        auto layer = on_shape(pb.W.shape(), [xv](const auto& Wa) {
            using X = typename std::remove_cvref_t<decltype(Wa)>::value_type;
            return softmax_layer(Wa, cast<X>(xv));
        });
        const std::vector<T> Wv(pb.W.begin(), pb.W.end());
        const std::string q = "layer dh/dW (Q,Q·n)", ref_name = "shortcut S_t(δ_it−S_i)x_j";
        add(rows, prec, q, "reverse", ref_name, ref, closed_form::dW_to_seed_layout(jacobian_reverse(layer, Wv), n, Q), ad_tol);
        add(rows, prec, q, "forward", ref_name, ref, closed_form::dW_to_seed_layout(jacobian_forward(layer, Wv), n, Q), ad_tol);
        add(rows, prec, q, "chain rule (dS/dZ)(dZ/dW)ᵀ", ref_name, ref, closed_form::softmax_layer_dW_chain(h, pb.x), ad_tol);
        add(rows, prec, q, "central differences", ref_name, ref,
            closed_form::dW_to_seed_layout(check::jacobian_central(layer, Wv), n, Q), fd_tol);
    }
    // 9. sigmoid′ = s(1 − s), element-wise on Z.
    {
        const Array<T> ref = closed_form::sigmoid_derivative(sigmoid(pb.Z));
        auto sig_rows = [](const auto& a) { return sigmoid(a); };
        const std::vector<T> Zv(pb.Z.begin(), pb.Z.end());
        const std::string q = "sigmoid' (M,Q)";
        add(rows, prec, q, "reverse (grad of Σ sigmoid)", cf, ref,
            Array<T>(Zs, gradient(on_shape(Zs, [](const auto& a) { return sum(sigmoid(a)); }), Zv)), ad_tol);
        const Array<T> Bf = batch_jacobian_forward(sig_rows, pb.Z);
        Array<T> d(Zs);
        for (std::size_t p = 0; p < M; ++p)
            for (std::size_t k = 0; k < Q; ++k) d[p * Q + k] = Bf[(p * Q + k) * Q + k];
        add(rows, prec, q, "forward (diagonal of blocks)", cf, ref, d, ad_tol);
    }
    symbolic_rows<T>(opt, prec, rows);
    for (const auto& hook : method_hooks()) hook(opt, prec, rows);
}

/// Instantiated per precision in cli/report/*.cpp (keeps multiprecision in few translation units).
void run_double(const options&, std::vector<row>&);
void run_long_double(const options&, std::vector<row>&);
void run_mp50(const options&, std::vector<row>&);
void run_mp100(const options&, std::vector<row>&);

}  // namespace adiff::report
