// Seed 004 (batched softmax_gradient and softmax_backward): for x = [[1, 2], [2, 5]] the B×D×D
// batch of Jacobians diag(f) − f fᵀ and the vector–Jacobian product df·J per row — by the
// closed form, by Q sweeps of forward/reverse mode seeded across the whole batch, and by one
// reverse sweep through the fused softmax rule (g ↦ s ⊙ (g − ⟨g, s⟩), no D×D matrix).
// Run with --check to compare with the numbers the seed prints (ctest does).
#include <cmath>
#include <cstring>
#include <iostream>

#include "ad/adiff.hpp"
#include "seed_check.hpp"
#include "ad/drivers/batch_jacobian.hpp"


int main(int argc, char** argv) {
    start(argc, argv, 1e-9, 1e-7);
    std::cout.precision(8);

    // 1. One row: x = [[1, 2]], df = [1, 3].
    const ad::Array<double> x1{{1, 2}}, df1{{1, 3}};
    const ad::Array<double> J1 = ad::closed_form::softmax_batch_jacobian_blocks(ad::softmax(x1)).reshaped({2, 2});
    std::cout << "softmax_gradient([[1, 2]]):\n" << J1 << "\n";
    expect("gradient of one row", J1, {0.19661193, -0.19661193, -0.19661193, 0.19661193});
    const ad::Array<double> b1 = ad::closed_form::softmax_backward(ad::softmax(x1), df1);
    std::cout << "softmax_backward: " << b1 << "\n";
    expect("backward of one row", b1, {-0.39322387, 0.39322387});

    // 2. A batch: x = [[1, 2], [2, 5]], df = [[1, 3], [2, 4]].
    const ad::Array<double> x{{1, 2}, {2, 5}}, df{{1, 3}, {2, 4}};
    const ad::Array<double> f = ad::softmax(x);
    std::cout << "softmax:\n" << f << "\n";
    expect("softmax", f, {0.26894142, 0.73105858, 0.04742587, 0.95257413});

    auto naive = [](const auto& z) { return ad::softmax_naive(z); };  // exp / sum / divide
    auto fused = [](const auto& z) { return ad::softmax(z); };        // fused O(Q) rule
    const ad::Array<double> B_cf = ad::closed_form::softmax_batch_jacobian_blocks(f);  // diag(f) − einsum('ij,ik->ijk')
    const ad::Array<double> B_fwd = ad::batch_jacobian_forward(naive, x);  // D sweeps for the whole batch
    const ad::Array<double> B_rev = ad::batch_jacobian_reverse(naive, x);
    std::cout << "softmax_gradient (B x D x D), reverse mode:\n" << B_rev.reshaped({4, 2}) << "\n";
    const std::vector<double> seed_B{0.19661193, -0.19661193, -0.19661193, 0.19661193,
                                     0.04517666, -0.04517666, -0.04517666, 0.04517666};
    expect("batch gradient closed form", B_cf, seed_B);
    expect("batch gradient forward", B_fwd, seed_B);
    expect("batch gradient reverse", B_rev, seed_B);

    // softmax_backward = einsum("bj, bjk -> bk", df, grads), and the same as ONE reverse sweep.
    const std::vector<double> seed_back{-0.39322387, 0.39322387, -0.09035332, 0.09035332};
    const ad::Array<double> back_einsum = ad::closed_form::softmax_backward_via_blocks(B_cf, df);
    const ad::Array<double> back_cf = ad::closed_form::softmax_backward(f, df);
    const std::vector<double> xv(x.begin(), x.end()), dfv(df.begin(), df.end());
    auto as_batch = [](auto g) {
        return [g](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            return g(ad::Array<X>(ad::Shape{2, 2}, std::vector<X>(v.begin(), v.end())));
        };
    };
    const ad::Array<double> back_vjp_naive(ad::Shape{2, 2}, ad::vjp(as_batch(naive), xv, dfv).second);
    const ad::Array<double> back_vjp_fused(ad::Shape{2, 2}, ad::vjp(as_batch(fused), xv, dfv).second);
    std::cout << "softmax_backward:\n" << back_vjp_fused << "\n";
    expect("backward einsum", back_einsum, seed_back);
    expect("backward closed form", back_cf, seed_back);
    expect("backward vjp (primitives)", back_vjp_naive, seed_back);
    expect("backward vjp (fused rule)", back_vjp_fused, seed_back);

    // 3. The same at 50 digits: AD and the closed form agree far below 1e-45.
    const ad::Array<ad::mp50> x50 = ad::cast<ad::mp50>(x), df50 = ad::cast<ad::mp50>(df);
    const ad::Array<ad::mp50> d50 = ad::batch_jacobian_reverse(naive, x50) -
                                    ad::closed_form::softmax_batch_jacobian_blocks(ad::softmax(x50));
    ad::mp50 worst = 0;
    for (const auto& e : d50) worst = std::max(worst, ad::mp50(abs(e)));
    std::cout << "50 digits: max |reverse - closed form| " << (worst < ad::mp50("1e-45") ? "< 1e-45" : "TOO LARGE") << "\n";
    if (checking && !(worst < ad::mp50("1e-45"))) ++failures;
    return exit_code();
}
/* Output:
softmax_gradient([[1, 2]]):
[[0.19661193, -0.19661193],
[-0.19661193, 0.19661193]]
softmax_backward: [[-0.39322387, 0.39322387]]
softmax:
[[0.26894142, 0.73105858],
[0.047425873, 0.95257413]]
softmax_gradient (B x D x D), reverse mode:
[[0.19661193, -0.19661193],
[-0.19661193, 0.19661193],
[0.04517666, -0.04517666],
[-0.04517666, 0.04517666]]
softmax_backward:
[[-0.39322387, 0.39322387],
[-0.090353319, 0.090353319]]
50 digits: max |reverse - closed form| < 1e-45
*/
