// Batch Jacobians of row-wise functions by Q sweeps (CPR column grouping), forward and reverse,
// against the closed-form blocks and the dense (M, Q, M, Q) tensor, in double and at 50 digits.
#include <random>

#include "ad/drivers/batch_jacobian.hpp"
#include "array/helpers.hpp"
#include "softmax/styles.hpp"

using ad::Array;
using ad::Shape;
namespace cf = ad::closed_form;

namespace {
template <class T>
Array<T> batch(std::size_t M, std::size_t Q, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> d(-20, 20);
    Array<T> Z(Shape{M, Q});
    for (auto& v : Z) v = T(d(rng) / 2.0);
    return Z;
}
using adt::softmax_style::naive, adt::softmax_style::fused;
}  // namespace

template <class T>
void batch_blocks() {
    const Array<T> Z = batch<T>(7, 4, 1);
    const Array<T> want = cf::softmax_batch_jacobian_blocks(ad::softmax(Z));
    AT_CLOSE(ad::batch_jacobian_forward(naive, Z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::batch_jacobian_reverse(naive, Z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::batch_jacobian_forward(fused, Z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::batch_jacobian_reverse(fused, Z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::batch_jacobian(naive, Z), want, at::tight<T>(), at::tight<T>());
    // Lanes fewer than Q: several forward passes.
    AT_CLOSE(ad::batch_jacobian_forward<2>(naive, Z), want, at::tight<T>(), at::tight<T>());
    // Dense: the plain drivers ("by loops") = blocks placed on the diagonal.
    const Array<T> dense = cf::softmax_batch_jacobian_dense(ad::softmax(Z));
    AT_CLOSE(ad::dense_batch_jacobian(naive, Z, true), dense, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::dense_batch_jacobian(naive, Z, false), dense, at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::batch_jacobian_dense(ad::batch_jacobian_reverse(naive, Z)), dense, at::tight<T>(), at::tight<T>());
}

TEST_CASE("batch Jacobian blocks by Q sweeps = closed form = dense", "[softmax][batch][forward][reverse]") {
    batch_blocks<double>();
    batch_blocks<ad::mp50>();
}

TEST_CASE("at 50 digits AD and closed forms agree to better than 1e-45", "[softmax][batch][mp50]") {
    const Array<ad::mp50> Z = batch<ad::mp50>(20, 5, 7);
    const Array<ad::mp50> want = cf::softmax_batch_jacobian_blocks(ad::softmax(Z));
    for (const auto& got : {ad::batch_jacobian_forward(naive, Z), ad::batch_jacobian_reverse(naive, Z)}) {
        ad::mp50 worst = 0;
        for (std::size_t k = 0; k < want.size(); ++k) worst = std::max(worst, ad::mp50(abs(got[k] - want[k])));
        CHECK(worst < ad::mp50("1e-45"));
    }
}

TEST_CASE("CPR needs a row-wise function: the rowwise test tells", "[softmax][batch]") {
    const Array<double> Z = batch<double>(3, 4, 3);
    CHECK(ad::batch_jacobian_is_rowwise(naive, Z));
    auto mixing = [](const auto& z) {  // softmax over ALL entries: rows interact
        return ad::softmax(z.reshaped(Shape{z.size()})).reshaped(z.shape());
    };
    CHECK_FALSE(ad::batch_jacobian_is_rowwise(mixing, Z));
    CHECK_THROWS_AS(ad::batch_jacobian_forward(naive, Array<double>{1, 2}), ad::shape_error);
}

TEST_CASE("batch softmax backward: einsum over blocks = O(MQ) closed form = reverse VJP", "[softmax][batch][vjp]") {
    const Array<double> Z = batch<double>(6, 5, 5), G = batch<double>(6, 5, 6);
    const Array<double> S = ad::softmax(Z);
    const Array<double> want = cf::softmax_backward(S, G);
    AT_CLOSE(cf::softmax_backward_via_blocks(cf::softmax_batch_jacobian_blocks(S), G), want, 1e-16, 1e-13);
    const std::vector<double> z(Z.begin(), Z.end()), g(G.begin(), G.end());
    AT_CLOSE(Array<double>(Z.shape(), ad::vjp(ad::on_shape(Z.shape(), naive), z, g).second), want, 1e-16, 1e-12);
    AT_CLOSE(Array<double>(Z.shape(), ad::vjp(ad::on_shape(Z.shape(), fused), z, g).second), want, 1e-16, 1e-13);
}
