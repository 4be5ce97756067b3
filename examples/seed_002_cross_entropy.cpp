// Seed 002 (softmax and cross-entropy layers): stable softmax, the categorical cross-entropy of 3
// rows of 10 classes and its backward pass. The seed's own SoftmaxLayer.gradient crashed on a
// broadcasting error; the gradient of CE∘softmax wrt the logits is simply p − onehot(target).
// The seed's logits were random and not printed; its printed predictions p determine them up to a
// per-row constant (softmax is shift-invariant), so we use z = log(p).
// Run with --check to compare with the numbers the seed prints (ctest does).
#include <cmath>
#include <cstring>
#include <iostream>

#include "ad/adiff.hpp"
#include "seed_check.hpp"

int main(int argc, char** argv) {
    start(argc, argv, 2e-8, 1e-7);
    std::cout.precision(8);
    const std::vector<double> seed_p{
        0.16005908, 0.06725888, 0.10924701, 0.11384503, 0.08331395, 0.06459966, 0.1163387, 0.06519166, 0.06509037, 0.15505567,
        0.08421609, 0.07562292, 0.08035415, 0.10763828, 0.13765494, 0.09973486, 0.08157759, 0.07799766, 0.17106817, 0.08413533,
        0.14815491, 0.09326063, 0.08769906, 0.12453189, 0.05808831, 0.07857035, 0.05885886, 0.08420299, 0.13066567, 0.13596733};
    const std::vector<std::size_t> target{8, 0, 9};
    const ad::Shape shape{3, 10};
    const ad::Array<double> vals = ad::log(ad::Array<double>(shape, seed_p));

    // 1. Stable softmax (subtract the row max) = the seed's predictions.
    const ad::Array<double> predicted = ad::softmax(vals);
    std::cout << "prediction (row 0) = " << ad::Array<double>(ad::Shape{10}, std::vector<double>(predicted.begin(), predicted.begin() + 10)) << "\n";
    expect("prediction", predicted, seed_p);

    // 2. Cross-entropy per row, −log p[target], from the logits (fused log_softmax) and from p.
    const ad::Array<double> loss = ad::cross_entropy(vals, target);
    std::cout << "loss = " << loss << "\n";
    expect("loss", loss, {2.73197873, 2.47436928, 1.99534064});
    expect("loss from probabilities", ad::cross_entropy_from_probs(predicted, target), {2.73197873, 2.47436928, 1.99534064});

    // 3. Loss gradient wrt the predictions, −1/p at the target (reverse mode through −log p).
    auto loss_of_p = ad::on_shape(shape, [&target](const auto& p) { return ad::sum(ad::cross_entropy_from_probs(p, target)); });
    const ad::Array<double> l_grad(shape, ad::gradient(loss_of_p, predicted.values()));
    std::cout << "loss grad (nonzeros) = " << l_grad(0, 8) << " " << l_grad(1, 0) << " " << l_grad(2, 9) << "\n";
    std::vector<double> seed_lgrad(30, 0.0);
    seed_lgrad[8] = -15.36325671, seed_lgrad[10] = -11.87421547, seed_lgrad[29] = -7.35470788;
    expect("loss grad", l_grad, seed_lgrad, 1e-6, 1e-7);

    // 4. The softmax backward pass: gradient of the loss wrt the logits = p − onehot, by reverse
    //    mode (fused rule and plain primitives), forward mode, and the closed form.
    const std::vector<double> zv(vals.begin(), vals.end());
    auto ce_fused = ad::on_shape(shape, [&target](const auto& z) { return ad::sum(ad::cross_entropy(z, target)); });
    auto ce_prims = ad::on_shape(shape, [&target](const auto& z) { return ad::sum(ad::cross_entropy_from_probs(ad::softmax_naive(z), target)); });
    const ad::Array<double> g_rev(shape, ad::gradient(ce_fused, zv));
    const ad::Array<double> g_prims(shape, ad::gradient(ce_prims, zv));
    const ad::Array<double> g_fwd = ad::jacobian_forward(ce_fused, zv).reshaped(shape);
    const ad::Array<double> g_cf = ad::closed_form::cross_entropy_softmax_gradient(predicted, target);
    std::cout << "softmax grad =\n" << g_rev << "\n";
    std::vector<double> seed_sgrad = seed_p;
    for (std::size_t r = 0; r < 3; ++r) seed_sgrad[r * 10 + target[r]] -= 1.0;  // torch prints −0.9349, −0.9158, ...
    for (const auto* g : {&g_rev, &g_prims, &g_fwd, &g_cf}) expect("softmax grad", *g, seed_sgrad);
    double worst = 0;
    for (std::size_t k = 0; k < g_cf.size(); ++k)
        worst = std::max({worst, std::abs(g_rev[k] - g_cf[k]), std::abs(g_prims[k] - g_cf[k]), std::abs(g_fwd[k] - g_cf[k])});
    std::cout << "max |AD - (p - onehot)| " << (worst < 1e-15 ? "< 1e-15" : "TOO LARGE") << "\n";
    if (checking && worst >= 1e-15) ++failures;

    // 5. The seed's SoftmaxLayer.gradient: np.diag(outputs) − outputs.T @ outputs on a (3, 10) batch
    //    broadcasts (3,) against (10, 10). Here that is a typed shape_error naming both shapes.
    try {
        (void)(ad::diag(predicted) - ad::matmul(ad::transpose(predicted), predicted));
        std::cout << "no error?\n";
        ++failures;
    } catch (const ad::shape_error& e) {
        std::cout << "seed's layer gradient: " << e.what() << "\n";
    }

    // 6. Why stable: logits shifted by +1000 overflow exp() in the naive form; the fused one is exact.
    const ad::Array<double> big = vals + 1000.0;
    const ad::Array<double> naive_big = ad::softmax_naive(big), stable_big = ad::softmax(big);
    std::cout << "naive softmax(z + 1000)[0] = " << naive_big[0] << ", stable = " << stable_big[0] << "\n";
    expect("stable softmax of shifted logits", stable_big, seed_p);
    if (checking && !std::isnan(naive_big[0])) { std::cerr << "MISMATCH naive softmax should overflow to nan\n"; ++failures; }

    // 7. The sigmoid layer's backward: sigmoid′ = s(1 − s) (forward mode vs closed form).
    const ad::Array<double> row0(ad::Shape{10}, std::vector<double>(vals.begin(), vals.begin() + 10));
    auto sig = ad::on_shape(ad::Shape{10}, [](const auto& z) { return ad::sigmoid(z); });
    const ad::Array<double> Js = ad::jacobian_forward(sig, row0.values());
    const ad::Array<double> ds = ad::closed_form::sigmoid_derivative(ad::sigmoid(row0));
    double sworst = 0;
    for (std::size_t k = 0; k < 10; ++k) sworst = std::max(sworst, std::abs(Js(k, k) - ds[k]));
    std::cout << "max |sigmoid' forward - s(1-s)| " << (sworst < 1e-16 ? "< 1e-16" : "TOO LARGE") << "\n";
    if (checking && sworst >= 1e-16) ++failures;
    return exit_code();
}
/* Output:
prediction (row 0) = [0.16005908, 0.067258879, 0.10924701, 0.11384503, 0.083313949, 0.064599659, 0.1163387, 0.065191659, 0.065090369, 0.15505567]
loss = [2.7319787, 2.4743693, 1.9953406]
loss grad (nonzeros) = -15.363256 -11.874215 -7.3547079
softmax grad =
[[0.16005908, 0.067258879, 0.10924701, 0.11384503, 0.083313949, 0.064599659, 0.1163387, 0.065191659, -0.93490963, 0.15505567],
[-0.91578391, 0.075622921, 0.080354151, 0.10763828, 0.13765494, 0.099734861, 0.081577591, 0.077997661, 0.17106817, 0.084135331],
[0.14815491, 0.09326063, 0.08769906, 0.12453189, 0.05808831, 0.07857035, 0.05885886, 0.08420299, 0.13066567, -0.86403267]]
max |AD - (p - onehot)| < 1e-15
seed's layer gradient: subtract: incompatible shapes (3,) and (10, 10)
naive softmax(z + 1000)[0] = -nan, stable = 0.16005908
max |sigmoid' forward - s(1-s)| < 1e-16
*/
