/// Issue 13's two figures for derivatives in matrix notation:
/// (1) deriving, simplifying and printing the softmax Jacobian for every n (`derive_matrix_form`:
///     parse, build with z = n, differentiate, print `s = softmax(z); diag(s) - outer(s, s)`);
///     it has no size, so n is 1 in the table;
/// (2) the derived formula evaluated at Q = 10, 100, 1000 through the expression evaluator
///     (`matrix_form/adiff_derived_formula`) beside the library's closed form diag(s) − s sᵀ
///     (`matrix_form/analytic`, softmax included in both).
#include <set>

#include "common.hpp"
#include "softmax_ce.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "ad/symbolic/expr.hpp"
#include "ad/tensor/build.hpp"
#include "ad/tensor/derivative.hpp"
#include "ad/tensor/print.hpp"
#include "ops/closed_form/softmax.hpp"

namespace {
using namespace bench;

/// The matrix form of d softmax(z)/dz for every n (the graph of each run is freed after it).
std::string derive_softmax_jacobian() {
    const ad::sym::graph_scope scope_of_run;
    ad::tensor::Scope scope;
    scope.shapes["z"] = {"n"};
    const ad::tensor::Tensor y = ad::tensor::build(ad::lang::parse("softmax(z)"), scope);
    const ad::tensor::Tensor z = ad::tensor::variable("z", scope.shapes["z"]);
    const ad::tensor::Tensor d = ad::tensor::derivative(y, z);
    return ad::tensor::to_matrix(d, {"z"}).value_or("");
}

const registrar reg([] {
    add("derive_matrix_form", "adiff_softmax_jacobian", 1, [](benchmark::State& st, long) {
        if (derive_softmax_jacobian() != "s = softmax(z); diag(s) - outer(s, s)") st.SkipWithError("unexpected matrix form");
        for (auto _ : st) benchmark::DoNotOptimize(derive_softmax_jacobian());
    });
    for (long q : {10L, 100L, 1000L}) {
        add("matrix_form", "analytic", q, [](benchmark::State& st, long q) {
            const std::vector<double> z = logits(q);
            const ad::Array<double> za(ad::Shape{z.size()}, z);
            for (auto _ : st) benchmark::DoNotOptimize(ad::closed_form::softmax_jacobian(ad::softmax(za)));
        });
        add("matrix_form", "adiff_derived_formula", q, [](benchmark::State& st, long q) {
            const ad::lang::Program p = ad::lang::parse(derive_softmax_jacobian());
            const std::vector<double> z = logits(q);
            ad::lang::Env<double> env;
            env["z"] = ad::Array<double>(ad::Shape{z.size()}, z);
            const ad::Array<double> s = ad::softmax(env["z"]);
            check("adiff_derived_formula", ad::lang::evaluate(p, env).values(), ad::closed_form::softmax_jacobian(s).values());
            for (auto _ : st) benchmark::DoNotOptimize(ad::lang::evaluate(p, env));
        });
    }
});

}  // namespace
