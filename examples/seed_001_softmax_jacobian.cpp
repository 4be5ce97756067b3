// Seed 001 ("Softmax and its Gradient"): softmax of the rows [1, 3, 5, 7] and [1, −9, 4, 8], and
// the 4×4 Jacobian of softmax([1, 3, 5, 7]) — by reverse mode and forward mode on softmax built
// from exp / sum / divide, and by the closed form D_j σ_i = σ_i(δ_ij − σ_j).
// Run with --check to compare with the numbers the seed prints (ctest does).
#include <cmath>
#include <cstring>
#include <iostream>

#include "ad/adiff.hpp"
#include "seed_check.hpp"


int main(int argc, char** argv) {
    start(argc, argv, 1e-9, 1e-7);
    std::cout.precision(9);

    // 1. Softmax row by row (the seed's loop over rows) = softmax over the last axis.
    const ad::Array<double> x{{1, 3, 5, 7}, {1, -9, 4, 8}};
    const ad::Array<double> sm = ad::softmax_naive(x);  // exp(x) / sum(exp(x), -1, keepdims)
    std::cout << "softmax:\n" << sm << "\n";
    expect("softmax", sm, {2.14400878e-03, 1.58422012e-02, 1.17058913e-01, 8.64954877e-01,
                           8.94679461e-04, 4.06183847e-08, 1.79701173e-02, 9.81135163e-01});
    expect("stable softmax", ad::softmax(x), {2.14400878e-03, 1.58422012e-02, 1.17058913e-01, 8.64954877e-01,
                                              8.94679461e-04, 4.06183847e-08, 1.79701173e-02, 9.81135163e-01});

    // 2. The Jacobian of softmax([1, 3, 5, 7]): J(i, j) = ∂σ_i/∂a_j.
    const std::vector<double> a{1, 3, 5, 7};
    auto f = [](const auto& v) {  // a generic lambda: every mode instantiates it
        using X = std::remove_cvref_t<decltype(v[0])>;
        return ad::softmax_naive(ad::Array<X>(ad::Shape{v.size()}, std::vector<X>(v.begin(), v.end())));
    };
    const ad::Array<double> J_rev = ad::jacobian_reverse(f, a);   // one recording, 4 reverse sweeps
    const ad::Array<double> J_fwd = ad::jacobian_forward(f, a);   // one pass with 8 tangent lanes
    const ad::Array<double> s = ad::softmax(ad::Array<double>{1, 3, 5, 7});
    const ad::Array<double> J_cf = ad::closed_form::softmax_jacobian(s);  // diag(s) − s sᵀ
    std::cout << "jacobian (reverse mode):\n" << J_rev << "\n";
    const std::vector<double> seed_J{2.13941201e-03, -3.39658185e-05, -2.50975338e-04, -1.85447085e-03,
                                     -3.39658185e-05, 1.55912258e-02, -1.85447085e-03, -1.37027892e-02,
                                     -2.50975338e-04, -1.85447085e-03, 1.03356124e-01, -1.01250678e-01,
                                     -1.85447085e-03, -1.37027892e-02, -1.01250678e-01, 1.16807938e-01};
    expect("J reverse", J_rev, seed_J);
    expect("J forward", J_fwd, seed_J);
    expect("J closed form", J_cf, seed_J);

    // 3. The seed's intermediate prints: σ_i and 1 − σ_i on the diagonal.
    ad::Array<double> one_minus = 1.0 - s;
    std::cout << "sigma:     " << s << "\n1 - sigma: " << one_minus << "\n";
    expect("1 - sigma", one_minus, {0.9978559912164153, 0.9841577988214931, 0.8829410867614671, 0.13504512320062456}, 1e-15, 1e-14);

    // 4. The three ways agree to rounding.
    double worst = 0;
    for (std::size_t k = 0; k < J_cf.size(); ++k)
        worst = std::max({worst, std::abs(J_rev[k] - J_cf[k]), std::abs(J_fwd[k] - J_cf[k])});
    std::cout << "max |AD - closed form| = " << (worst < 1e-16 ? "< 1e-16" : "too large") << "\n";
    if (checking && worst >= 1e-16) ++failures;
    return exit_code();
}
/* Output:
softmax:
[[0.00214400878, 0.0158422012, 0.117058913, 0.864954877],
[0.000894679461, 4.06183847e-08, 0.0179701173, 0.981135163]]
jacobian (reverse mode):
[[0.00213941201, -3.39658185e-05, -0.000250975338, -0.00185447085],
[-3.39658185e-05, 0.0155912258, -0.00185447085, -0.0137027892],
[-0.000250975338, -0.00185447085, 0.103356124, -0.101250678],
[-0.00185447085, -0.0137027892, -0.101250678, 0.116807938]]
sigma:     [0.00214400878, 0.0158422012, 0.117058913, 0.864954877]
1 - sigma: [0.997855991, 0.984157799, 0.882941087, 0.135045123]
max |AD - closed form| = < 1e-16
*/
