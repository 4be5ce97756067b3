// Seed 003 ("The Softmax Function Derivative, Part 2"): the softmax layer h = softmax(Wᵀx) for
// x = [0.1, 0.5, 0.4] and the seed's 3×5 W, then dS/dZ, dZ/dW and the 5×15 derivative of h with
// respect to the weights — by the chain rule (dS/dZ)(dZ/dW)ᵀ, by the shortcut S_t(δ_it − S_i)x_j,
// and by reverse and forward mode through the layer. The seed flattens the weights as w_ij =
// W[j][i] at column i·3 + j (i.e. wrt Wᵀ); AD differentiates wrt W and dW_to_seed_layout reorders.
// Run with --check to compare with the numbers the seed prints (ctest does).
#include <cmath>
#include <cstring>
#include <iostream>

#include "ad/adiff.hpp"
#include "seed_check.hpp"


int main(int argc, char** argv) {
    start(argc, argv, 0, 0);
    std::cout.precision(6);
    const ad::Array<double> x{0.1, 0.5, 0.4};
    const ad::Array<double> W{{0.1, 0.2, 0.3, 0.4, 0.5}, {0.6, 0.7, 0.8, 0.9, 0.1}, {0.11, 0.12, 0.13, 0.14, 0.15}};
    const std::size_t n = 3, Q = 5;

    // 1. The layer: Z = Wᵀx, h = softmax(Z).
    const ad::Array<double> h = ad::softmax_layer(W, x);
    std::cout.precision(8);
    std::cout << "h = " << h << "\n";
    expect("h", h, {0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743}, 1e-8);

    // 2. dS/dZ = diag(h) − h hᵀ (the seed's sm_dir) and dZ/dW (z_dir, 15×5).
    std::cout.precision(6);
    const ad::Array<double> DS = ad::closed_form::softmax_jacobian(h);
    std::cout << "dS/dZ =\n" << DS << "\n";
    expect("DS", DS, {0.154465, -0.038856, -0.041425, -0.044162, -0.030020, -0.038856, 0.162106, -0.044162, -0.047081,
                      -0.032004, -0.041425, -0.044162, 0.1699015, -0.050193, -0.034120, -0.044162, -0.047081, -0.050193,
                      0.177813, -0.036375, -0.030020, -0.032004, -0.034120, -0.036375, 0.132520}, 1.5e-6);
    const ad::Array<double> DZ = ad::closed_form::linear_dZ_dW(x, Q);
    std::cout << "dZ/dW (transposed, 5x15) =\n" << ad::transpose(DZ) << "\n";
    std::vector<double> seed_DZ(15 * 5, 0.0);
    for (std::size_t i = 0; i < Q; ++i)
        for (std::size_t j = 0; j < n; ++j) seed_DZ[(i * n + j) * Q + i] = x[j];
    expect("DZ", DZ, seed_DZ, 0);

    // 3. dh/dW: chain rule, shortcut, reverse mode, forward mode.
    const ad::Array<double> DL_chain = ad::closed_form::softmax_layer_dW_chain(h, x);
    const ad::Array<double> DL_short = ad::closed_form::softmax_layer_dW_shortcut(h, x);
    auto layer = [&x](const auto& w) {  // h as a function of W's 15 entries (row-major)
        using X = std::remove_cvref_t<decltype(w[0])>;
        return ad::softmax_layer(ad::Array<X>(ad::Shape{3, 5}, std::vector<X>(w.begin(), w.end())), ad::cast<X>(x));
    };
    const std::vector<double> Wv(W.begin(), W.end());
    const ad::Array<double> DL_rev = ad::closed_form::dW_to_seed_layout(ad::jacobian_reverse(layer, Wv), n, Q);
    const ad::Array<double> DL_fwd = ad::closed_form::dW_to_seed_layout(ad::jacobian_forward(layer, Wv), n, Q);
    std::cout.precision(4);
    std::cout << "dh/dW by reverse mode (5x15, seed layout) =\n" << DL_rev << "\n";
    const std::vector<double> seed_DL{
        0.01544, 0.07723, 0.06178, -0.00388, -0.01942, -0.01554, -0.00414, -0.02071, -0.01657, -0.00441, -0.02208, -0.01766, -0.00300, -0.01501, -0.01200,
        -0.00388, -0.01942, -0.01554, 0.01621, 0.08105, 0.06484, -0.00441, -0.02208, -0.01766, -0.00470, -0.02354, -0.01883, -0.00320, -0.01600, -0.01280,
        -0.00414, -0.02071, -0.01657, -0.00441, -0.02208, -0.01766, 0.01699, 0.08495, 0.06796, -0.00501, -0.02509, -0.02007, -0.00341, -0.01706, -0.01364,
        -0.00441, -0.02208, -0.01766, -0.00470, -0.02354, -0.01883, -0.00501, -0.02509, -0.02007, 0.01778, 0.08890, 0.07112, -0.00363, -0.01818, -0.01455,
        -0.00300, -0.01501, -0.01200, -0.00320, -0.01600, -0.01280, -0.00341, -0.01706, -0.01364, -0.00363, -0.01818, -0.01455, 0.01325, 0.06626, 0.05300};
    for (const auto* m : {&DL_chain, &DL_short, &DL_rev, &DL_fwd}) expect("dh/dW", *m, seed_DL, 1.0e-5);  // the seed truncates to 5 decimals

    // 4. All four agree to rounding (the seed could only compare printed digits).
    double worst = 0;
    for (std::size_t k = 0; k < DL_short.size(); ++k)
        worst = std::max({worst, std::abs(DL_chain[k] - DL_short[k]), std::abs(DL_rev[k] - DL_short[k]),
                          std::abs(DL_fwd[k] - DL_short[k])});
    std::cout << "max difference between chain rule, shortcut, reverse and forward: " << (worst < 1e-16 ? "< 1e-16" : "TOO LARGE") << "\n";
    if (checking && worst >= 1e-16) ++failures;

    // 5. The weight update sums each column of the seed's (15×5) matrix: Σ_t ∂h_t/∂w_ij = 0,
    //    because Σ_t h_t = 1 for every W.
    double colsum = 0;
    for (std::size_t c = 0; c < Q * n; ++c) {
        double s = 0;
        for (std::size_t t = 0; t < Q; ++t) s += DL_rev(t, c);
        colsum = std::max(colsum, std::abs(s));
    }
    std::cout << "max |sum over outputs| = " << (colsum < 1e-16 ? "< 1e-16" : "TOO LARGE") << "\n";
    if (checking && colsum >= 1e-16) ++failures;
    return exit_code();
}
/* Output:
h = [0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743]
dS/dZ =
[[0.154466, -0.0388569, -0.0414251, -0.0441629, -0.0300207],
[-0.0388569, 0.162106, -0.0441629, -0.0470818, -0.0320048],
[-0.0414251, -0.0441629, 0.169902, -0.0501935, -0.0341201],
[-0.0441629, -0.0470818, -0.0501935, 0.177813, -0.0363751],
[-0.0300207, -0.0320048, -0.0341201, -0.0363751, 0.132521]]
dZ/dW (transposed, 5x15) =
[[0.1, 0.5, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
[0, 0, 0, 0.1, 0.5, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
[0, 0, 0, 0, 0, 0, 0.1, 0.5, 0.4, 0, 0, 0, 0, 0, 0],
[0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.5, 0.4, 0, 0, 0],
[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.5, 0.4]]
dh/dW by reverse mode (5x15, seed layout) =
[[0.01545, 0.07723, 0.06179, -0.003886, -0.01943, -0.01554, -0.004143, -0.02071, -0.01657, -0.004416, -0.02208, -0.01767, -0.003002, -0.01501, -0.01201],
[-0.003886, -0.01943, -0.01554, 0.01621, 0.08105, 0.06484, -0.004416, -0.02208, -0.01767, -0.004708, -0.02354, -0.01883, -0.0032, -0.016, -0.0128],
[-0.004143, -0.02071, -0.01657, -0.004416, -0.02208, -0.01767, 0.01699, 0.08495, 0.06796, -0.005019, -0.0251, -0.02008, -0.003412, -0.01706, -0.01365],
[-0.004416, -0.02208, -0.01767, -0.004708, -0.02354, -0.01883, -0.005019, -0.0251, -0.02008, 0.01778, 0.08891, 0.07113, -0.003638, -0.01819, -0.01455],
[-0.003002, -0.01501, -0.01201, -0.0032, -0.016, -0.0128, -0.003412, -0.01706, -0.01365, -0.003638, -0.01819, -0.01455, 0.01325, 0.06626, 0.05301]]
max difference between chain rule, shortcut, reverse and forward: < 1e-16
max |sum over outputs| = < 1e-16
*/
