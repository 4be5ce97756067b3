// Seed 000 (PyTorch/autograd notebook): softmax of one row and of M = 100 rows, the gradient of
// one softmax component, the Q×Q Jacobian, and the (M, Q, M, Q) batch Jacobian — by loops, by
// blocks and vectorised — each compared by the seed's mean percentage error. The seed's
// vectorised my_der_soft_5 is wrong (it copies each diagonal block into every off-diagonal
// block: error ~1e+100); ours (CPR blocks → dense) is right.
// The seed's logits are random integers/2 in [−10, 10]; where it printed derivatives, we
// recovered its logits from the printed values (softmax is shift-invariant); the 100-row batch
// uses our own fixed seed. Run with --check to compare with the seed (ctest does).
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>

#include "ad/adiff.hpp"
#include "seed_check.hpp"
#include "ad/check/compare.hpp"
#include "ad/drivers/batch_jacobian.hpp"

namespace {
/// The seed's error(a_true, a_pred) (+ its 1e-100 offset when `offset`), which must be below `limit`.
double seed_error(const char* what, const ad::Array<double>& a, const ad::Array<double>& b, bool offset, double limit) {
    const double e = ad::check::seed_mean_percentage_error(a, b, offset ? 1e-100 : 0.0);
    std::cout << "  error(" << what << ") " << (e < limit ? "< " : ">= ") << limit << "\n";
    if (checking && !(e < limit)) { std::cerr << "MISMATCH error " << what << " = " << e << "\n"; ++failures; }
    return e;
}
}  // namespace

int main(int argc, char** argv) {
    start(argc, argv, 1e-16, 1e-8);
    std::cout.precision(9);
    const std::size_t Q = 5, M = 100, N_FEATURE = 3;
    auto softmax_2 = [](const auto& z) { return ad::softmax_naive(z); };  // exp(z) / exp(z).sum(-1, keepdims)

    // 1. One example: Z = [[−8, −10, −3, 10, 4]]; ours vs the stable reference (tf's Softmax).
    const ad::Array<double> Z1{{-8, -10, -3, 10, 4}};
    const ad::Array<double> my_soft_1 = ad::softmax_naive(Z1), ref_soft_1 = ad::softmax(Z1);
    std::cout << "softmax_1(Z) = " << my_soft_1 << "\n";
    expect("softmax_1", my_soft_1, {1.51922872e-08, 2.05605249e-09, 2.25473534e-06, 9.97525110e-01, 2.47261754e-03});
    seed_error("tf_soft_1, my_soft_1", ref_soft_1, my_soft_1, false, 1e-13);

    // 2. M = 100 examples (row-wise softmax).
    std::mt19937_64 rng(2024);
    std::uniform_int_distribution<int> randint(-20, 20);
    ad::Array<double> Z(ad::Shape{M, Q});
    for (double& v : Z) v = randint(rng) / 2.0;
    std::cout << "softmax_2(Z) for Z of shape (100, 5):\n";
    seed_error("tf_soft_2, my_soft_2", ad::softmax(Z), ad::softmax_naive(Z), false, 1e-13);

    // 3. Gradient of component j = 3 of softmax: autograd-style (reverse and forward mode on
    //    exp[0, j] / sum(exp)) and the closed form σ_j(e_j − σ) (the seed's my_der_soft_1).
    const ad::Array<double> Zg{10, 0, -10, 7.5, 6};
    auto der_soft_1 = ad::on_shape(ad::Shape{Q}, [](const auto& z) { return ad::softmax_naive(z)[3]; });
    const ad::Array<double> grad(ad::Shape{Q}, ad::gradient(der_soft_1, Zg.values()));
    const ad::Array<double> grad_fwd = ad::jacobian_forward(der_soft_1, Zg.values()).reshaped({Q});
    const ad::Array<double> my_grad = ad::closed_form::softmax_component_gradient(ad::softmax(Zg), N_FEATURE);
    std::cout << "grad (reverse mode) = " << grad << "\n";
    const std::vector<double> seed_grad{-6.77838593e-02, -3.07738245e-06, -1.39712947e-10, 6.90284415e-02, -1.24150469e-03};
    expect("grad reverse", grad, seed_grad);
    expect("grad forward", grad_fwd, seed_grad);
    expect("my_der_soft_1", my_grad, seed_grad);
    seed_error("grad, my_grad", grad, my_grad, false, 1e-13);

    // 4. The Q×Q Jacobian (seed's (1, 5, 1, 5) squeezed) vs diag(σ) − σσᵀ (my_der_soft_2).
    const ad::Array<double> Zj{7, 0, 6.5, 7.5, 1};
    const ad::Array<double> J = ad::jacobian_reverse(ad::on_shape(ad::Shape{Q}, softmax_2), Zj.values());
    const ad::Array<double> J_fwd = ad::jacobian_forward(ad::on_shape(ad::Shape{Q}, softmax_2), Zj.values());
    const ad::Array<double> my_J = ad::closed_form::softmax_jacobian(ad::softmax(Zj));
    std::cout << "jacobian(der_soft_2) =\n" << J << "\n";
    const std::vector<double> seed_J{
        2.12703216e-01, -8.58746885e-05, -5.71188305e-02, -1.55265079e-01, -2.33431605e-04,
        -8.58746885e-05, 2.79756608e-04, -5.20856315e-05, -1.41583426e-04, -2.12862071e-07,
        -5.71188305e-02, -5.20856315e-05, 1.51485530e-01, -9.41730309e-02, -1.41583426e-04,
        -1.55265079e-01, -1.41583426e-04, -9.41730309e-02, 2.49964557e-01, -3.84863653e-04,
        -2.33431605e-04, -2.12862071e-07, -1.41583426e-04, -3.84863653e-04, 7.60091546e-04};
    expect("J reverse", J, seed_J);
    expect("J forward", J_fwd, seed_J);
    expect("my_der_soft_2", my_J, seed_J);
    seed_error("grad, my_grad (QxQ)", J, my_J, false, 1e-13);

    // 5. The (M, Q, M, Q) batch Jacobian of softmax_2 at the 100-row Z.
    //    autograd's jacobian(der_soft_3) = dense Jacobian by reverse mode, one sweep per output.
    const ad::Array<double> dense = ad::dense_batch_jacobian(softmax_2, Z, /*reverse=*/true);
    std::cout << "jacobian(der_soft_3) shape = (" << dense.shape()[0] << ", " << dense.shape()[1] << ", "
              << dense.shape()[2] << ", " << dense.shape()[3] << ")\n";
    const ad::Array<double> S = ad::softmax(Z);
    //    my_der_soft_3: the seed's four loops, literally.
    ad::Array<double> der3(ad::Shape{M, Q, M, Q}, 0.0);
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t q = 0; q < Q; ++q)
            for (std::size_t i = 0; i < M; ++i)
                for (std::size_t j = 0; j < Q; ++j) {
                    if (p != i) continue;
                    der3(p, q, i, j) = q == j ? S(p, q) * (1 - S(p, q)) : -S(p, q) * S(i, j);
                }
    //    my_der_soft_4: diagonal blocks diag(σ_p) − σ_p σ_pᵀ.
    const ad::Array<double> der4 = ad::closed_form::softmax_batch_jacobian_dense(S);
    //    Ours, vectorised correctly: Q forward / reverse sweeps seeded across all rows (CPR), then dense.
    const ad::Array<double> cpr_fwd = ad::batch_jacobian_dense(ad::batch_jacobian_forward(softmax_2, Z));
    const ad::Array<double> cpr_rev = ad::batch_jacobian_dense(ad::batch_jacobian_reverse(softmax_2, Z));
    const ad::Array<double> dense_fwd = ad::dense_batch_jacobian(softmax_2, Z, /*reverse=*/false);
    //    my_der_soft_5 (wrong): (diag_soft − outer_soft).unsqueeze(2).expand(−1, −1, m, −1).
    const ad::Array<double> blocks = ad::closed_form::softmax_batch_jacobian_blocks(S);
    ad::Array<double> der5(ad::Shape{M, Q, M, Q});
    for (std::size_t p = 0; p < M; ++p)
        for (std::size_t q = 0; q < Q; ++q)
            for (std::size_t i = 0; i < M; ++i)
                for (std::size_t j = 0; j < Q; ++j) der5(p, q, i, j) = blocks(p, q, j);
    std::cout << "seed's error(grad + 1e-100, my_grad + 1e-100) against jacobian(der_soft_3):\n";
    seed_error("my_der_soft_3 (loops)", dense, der3, true, 1e-12);
    seed_error("my_der_soft_4 (blocks)", dense, der4, true, 1e-12);
    seed_error("forward mode, dense", dense, dense_fwd, true, 1e-12);
    seed_error("ours vectorised, CPR forward", dense, cpr_fwd, true, 1e-12);
    seed_error("ours vectorised, CPR reverse", dense, cpr_rev, true, 1e-12);
    const double e5 = ad::check::seed_mean_percentage_error(dense, der5, 1e-100);
    std::cout << "  error(my_der_soft_5, the seed's broken vectorised form) " << (e5 > 1e90 ? "> 1e+90" : "<= 1e+90 ?") << "\n";
    if (checking && !(e5 > 1e90)) { std::cerr << "MISMATCH my_der_soft_5 should be wrong, error " << e5 << "\n"; ++failures; }

    // 6. The harness's zero-safe comparison says the same without the 1e-100 trick.
    const auto ok = ad::check::compare(dense, cpr_rev, ad::check::tolerance<double>{1e-15, 1e-12});
    const auto bad = ad::check::compare(dense, der5, ad::check::tolerance<double>{1e-15, 1e-12});
    std::cout << "compare(ours): max abs " << (ok.max_abs < 1e-15 ? "< 1e-15" : "large") << ", within tolerance: " << (ok.ok ? "yes" : "no")
              << "\ncompare(my_der_soft_5): max abs " << (bad.max_abs > 0.01 ? "> 0.01" : "small") << ", within tolerance: " << (bad.ok ? "yes" : "no") << "\n";
    if (checking && (!ok.ok || bad.ok)) ++failures;
    return exit_code();
}
/* Output:
softmax_1(Z) = [[1.51922872e-08, 2.05605249e-09, 2.25473534e-06, 0.99752511, 0.00247261754]]
  error(tf_soft_1, my_soft_1) < 1e-13
softmax_2(Z) for Z of shape (100, 5):
  error(tf_soft_2, my_soft_2) < 1e-13
grad (reverse mode) = [-0.0677838593, -3.07738245e-06, -1.39712947e-10, 0.0690284415, -0.00124150469]
  error(grad, my_grad) < 1e-13
jacobian(der_soft_2) =
[[0.212703216, -8.58746885e-05, -0.0571188305, -0.155265079, -0.000233431605],
[-8.58746885e-05, 0.000279756608, -5.20856315e-05, -0.000141583426, -2.12862071e-07],
[-0.0571188305, -5.20856315e-05, 0.15148553, -0.0941730309, -0.000141583426],
[-0.155265079, -0.000141583426, -0.0941730309, 0.249964557, -0.000384863653],
[-0.000233431605, -2.12862071e-07, -0.000141583426, -0.000384863653, 0.000760091546]]
  error(grad, my_grad (QxQ)) < 1e-13
jacobian(der_soft_3) shape = (100, 5, 100, 5)
seed's error(grad + 1e-100, my_grad + 1e-100) against jacobian(der_soft_3):
  error(my_der_soft_3 (loops)) < 1e-12
  error(my_der_soft_4 (blocks)) < 1e-12
  error(forward mode, dense) < 1e-12
  error(ours vectorised, CPR forward) < 1e-12
  error(ours vectorised, CPR reverse) < 1e-12
  error(my_der_soft_5, the seed's broken vectorised form) > 1e+90
compare(ours): max abs < 1e-15, within tolerance: yes
compare(my_der_soft_5): max abs > 0.01, within tolerance: no
*/
