// The reverse drivers on arrays: ad::gradient / ad::value_and_gradient of a function of an
// Array call it with an Array<Var> of the input's shape and return the gradient in that shape,
// equal bit for bit to the flat-vector drivers; the drivers' input variables live in a buffer
// reused from call to call (and per nesting depth, so a gradient inside f is unaffected).
#include <stdexcept>

#include "array/helpers.hpp"

using ad::Array;
using ad::Shape;

namespace {

/// Σ over rows of the cross-entropy of softmax(row) against class t_r = r mod Q, from the
/// primitives: exp, sum, log on arrays.
template <class X>
X batch_ce(const Array<X>& Z) {
    using std::log;
    const std::size_t M = Z.rows(), Q = Z.cols();
    const Array<X> m = ad::max(Z, 1, true);
    const Array<X> e = ad::exp(Z - m);
    const Array<X> s = ad::sum(e, 1, true);
    X total(0);
    for (std::size_t r = 0; r < M; ++r) {
        const std::size_t t = r % Q;
        total = total - log(e[r * Q + t] / s[r]);
    }
    return total;
}

/// softmax(row) − onehot(t_r), row by row: the closed form of batch_ce's gradient.
template <class T>
Array<T> batch_ce_gradient(const Array<T>& Z) {
    using std::exp;
    const std::size_t M = Z.rows(), Q = Z.cols();
    Array<T> g(Z.shape());
    for (std::size_t r = 0; r < M; ++r) {
        T m = Z[r * Q];
        for (std::size_t j = 1; j < Q; ++j) m = Z[r * Q + j] > m ? Z[r * Q + j] : m;
        T s(0);
        for (std::size_t j = 0; j < Q; ++j) s += exp(T(Z[r * Q + j] - m));
        for (std::size_t j = 0; j < Q; ++j) g[r * Q + j] = exp(T(Z[r * Q + j] - m)) / s;
        g[r * Q + r % Q] -= T(1);
    }
    return g;
}

template <class T>
Array<T> logits(std::size_t M, std::size_t Q) {
    Array<T> Z(Shape{M, Q});
    for (std::size_t k = 0; k < Z.size(); ++k) Z[k] = T(std::sin(0.7 * double(k) + 0.3) * 4.0);
    return Z;
}

template <class T>
void arrays_match_the_vector_driver_and_the_closed_form() {
    for (const auto& [M, Q] : {std::pair<std::size_t, std::size_t>{1, 1}, {3, 4}, {5, 40}, {2, 100}}) {
        INFO("M = " << M << ", Q = " << Q);
        const Array<T> Z = logits<T>(M, Q);
        const auto [v, g] = ad::value_and_gradient([](const auto& X) { return batch_ce(X); }, Z);
        CHECK(g.shape() == Z.shape());
        // the flat-vector driver on the same numbers, the function reshaping them
        const auto [v2, g2] = ad::value_and_gradient(ad::on_shape(Z.shape(), [](const auto& X) { return batch_ce(X); }), Z.values());
        CHECK(v == v2);
        CHECK(g.values() == g2);
        CHECK(v == batch_ce(Z));
        AT_CLOSE(g, batch_ce_gradient(Z), T(100) * std::numeric_limits<T>::epsilon(), at::tight<T>());
        CHECK(ad::gradient([](const auto& X) { return batch_ce(X); }, Z).values() == g.values());
    }
}

}  // namespace

TEST_CASE("gradient of a function of an Array: its shape, the vector driver's numbers, the closed form", "[array][reverse][driver]") {
    arrays_match_the_vector_driver_and_the_closed_form<double>();
    arrays_match_the_vector_driver_and_the_closed_form<float>();
    arrays_match_the_vector_driver_and_the_closed_form<ad::mp50>();
}

TEST_CASE("the array driver's inputs are consecutive statements in x's shape, and a fused rule sees them so", "[array][reverse][driver]") {
    const Array<double> Z = logits<double>(4, 7);
    const auto [v, g] = ad::value_and_gradient(
        [&](const auto& X) {
            CHECK(X.shape() == Z.shape());
            for (std::size_t k = 0; k < X.size(); ++k) {
                CHECK(X[k].i == ad::tape_index(k));
                CHECK(X[k].v == Z[k]);
            }
            std::vector<std::size_t> t(4);
            for (std::size_t r = 0; r < 4; ++r) t[r] = r % 7;
            return ad::sum(ad::cross_entropy(X, t));
        },
        Z);
    CHECK(v == Approx(batch_ce(Z)).epsilon(1e-14));
    AT_CLOSE(g, batch_ce_gradient(Z), 1e-15, 1e-14);
}

TEST_CASE("the drivers reuse their input buffer across calls, per nesting depth", "[array][reverse][driver]") {
    const Array<double> Z = logits<double>(3, 5);
    const void* first = nullptr;
    const void* second = nullptr;
    auto where = [](const void*& p) {
        return [&p](const auto& X) {
            p = X.values().data();
            return batch_ce(X);
        };
    };
    const auto g1 = ad::gradient(where(first), Z);
    const auto g2 = ad::gradient(where(second), Z);
    CHECK(first == second);
    CHECK(g1.values() == g2.values());
    // after a call on 1000 inputs, a call on 15 gets the same (larger) buffer
    std::size_t capacity = 0;
    (void)ad::gradient([](const auto& X) { return ad::sum(X); }, Array<double>(Shape{1000}, 1.0));
    (void)ad::gradient(
        [&](const auto& X) {
            capacity = X.values().capacity();
            return batch_ce(X);
        },
        Z);
    CHECK(capacity >= 1000);

    // a gradient inside f runs one level deeper: its own tape and buffer, the outer inputs intact
    Array<double> inner_g;
    const auto g3 = ad::gradient(
        [&](const auto& X) {
            using X_t = std::remove_cvref_t<decltype(X[0])>;
            if constexpr (std::is_same_v<X_t, ad::Var<double>>) inner_g = ad::gradient([](const auto& Y) { return batch_ce(Y); }, Z);
            for (std::size_t k = 0; k < X.size(); ++k) CHECK(X[k].i == ad::tape_index(k));
            return batch_ce(X);
        },
        Z);
    CHECK(g3.values() == g1.values());
    CHECK(inner_g.values() == g1.values());

    // a copy of the inputs kept by f stays valid; f throwing leaves the next call correct
    Array<ad::Var<double>> kept;
    (void)ad::gradient(
        [&](const auto& X) {
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(X[0])>, ad::Var<double>>) kept = X;
            return batch_ce(X);
        },
        Z);
    const auto g4 = ad::gradient(where(second), Z);
    REQUIRE(kept.size() == Z.size());
    for (std::size_t k = 0; k < Z.size(); ++k) CHECK(kept[k].v == Z[k]);
    CHECK_THROWS_AS(ad::gradient([](const auto& X) -> ad::Var<double> { throw std::runtime_error(std::to_string(X.size())); }, Z),
                    std::runtime_error);
    CHECK(ad::gradient(where(second), Z).values() == g1.values());
    CHECK(g4.values() == g1.values());
    // the vector driver shares the buffer mechanism: same numbers before and after the array calls
    const auto flat = ad::gradient(ad::on_shape(Z.shape(), [](const auto& X) { return batch_ce(X); }), Z.values());
    CHECK(flat == g1.values());
}

TEST_CASE("the array drivers' errors: not one output, non-finite entries in checked mode, empty arrays", "[array][reverse][driver][bad_input]") {
    const Array<double> Z = logits<double>(2, 3);
    CHECK_THROWS_AS(ad::gradient([](const auto& X) { return ad::exp(X); }, Z), ad::size_error);
    {
        ad::checked_scope checked;
        try {
            (void)ad::gradient([](const auto& X) { return ad::sum(ad::sqrt(X - X[0])); }, Z);  // sqrt'(0) = inf
            FAIL("no domain_error");
        } catch (const ad::domain_error& e) {
            CHECK(std::string(e.what()).find("sqrt") != std::string::npos);
        }
    }
    const Array<double> empty(Shape{0, 3});
    const auto [v, g] = ad::value_and_gradient([](const auto& X) { return ad::sum(X); }, empty);
    CHECK(v == 0.0);
    CHECK(g.shape() == Shape{0, 3});
}
