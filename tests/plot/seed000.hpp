#pragma once
// The seed-000 batch: Z is M×Q (M = 100 examples, Q = 5 classes) with entries in
// {−10, −9.5, …, 10} like the notebook's torch.randint(-20, 21, (M, Q)) / 2 (drawn here from
// std::mt19937(2026), whose output sequence is fixed by the standard), and the batch Jacobian
// of the row-wise softmax composed from exp, ad::sum and division, by the core drivers.
#include <cmath>
#include <random>
#include <vector>

#include "ad/adiff.hpp"

namespace adt {

/// Z (row-major M×Q) with entries k/2, k uniform in [−20, 20].
inline std::vector<double> seed000_inputs(std::size_t M = 100, std::size_t Q = 5) {
    std::mt19937 rng(2026);
    std::vector<double> z(M * Q);
    for (double& v : z) v = double(int(rng() % 41) - 20) / 2.0;
    return z;
}

/// Row-wise softmax of a flattened M×Q batch, from exp, sum and division (any scalar type).
inline auto batch_softmax(std::size_t M, std::size_t Q) {
    return [M, Q](const auto& z) {
        using X = std::decay_t<decltype(z[0])>;
        using std::exp;
        std::vector<X> out(M * Q), e(Q);
        for (std::size_t m = 0; m < M; ++m) {
            for (std::size_t q = 0; q < Q; ++q) e[q] = exp(z[m * Q + q]);
            const X s = ad::sum(e);
            for (std::size_t q = 0; q < Q; ++q) out[m * Q + q] = e[q] / s;
        }
        return out;
    };
}

/// The (M, Q, M, Q) batch Jacobian J[m, i, n, j] = ∂softmax(Z)[m, i]/∂Z[n, j] by reverse mode.
inline ad::Array<double> seed000_batch_jacobian(std::size_t M = 100, std::size_t Q = 5) {
    return ad::jacobian_reverse(batch_softmax(M, Q), seed000_inputs(M, Q)).reshaped(ad::Shape{M, Q, M, Q});
}

}  // namespace adt
