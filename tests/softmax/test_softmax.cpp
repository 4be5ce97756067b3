// softmax (naive from exp/sum/divide, and fused stable), log_softmax, logsumexp, cross-entropy,
// the softmax layer: values, Jacobians in forward and reverse mode against the closed forms, in
// double and at 50 digits; extreme logits; sizes 1 and 0; checked mode.
#include <array>
#include <limits>

#include "array/helpers.hpp"
#include "softmax/styles.hpp"

using ad::Array;
using ad::Shape;
namespace cf = ad::closed_form;

namespace {
template <class T>
Array<T> logits() { return Array<T>{T(1), T(3), T(-2.5), T(7), T(0)}; }

using adt::softmax_style::naive, adt::softmax_style::fused, adt::softmax_style::composed;
}  // namespace

// ∂σ_i/∂z_j = σ_i(δ_ij − σ_j) for z ∈ R^Q: every formulation, both modes, against the closed form.
template <class T>
void softmax_jacobians(at::mode m) {
    const Array<T> z = logits<T>();
    const Array<T> s = ad::softmax(z);
    const Array<T> want = cf::softmax_jacobian(s);
    AT_CLOSE(at::jacobian(m, naive, z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(at::jacobian(m, fused, z), want, at::tight<T>(), at::tight<T>());
    AT_CLOSE(at::jacobian(m, composed, z), want, at::tight<T>(), at::tight<T>());
    // log_softmax: ∂/∂z_j = δ_ij − σ_j;  logsumexp: ∂/∂z_j = σ_j.
    Array<T> want_ls(Shape{5, 5});
    for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) want_ls(i, j) = (i == j ? T(1) : T(0)) - s[j];
    AT_CLOSE(at::jacobian(m, [](const auto& v) { return ad::log_softmax(v); }, z), want_ls, at::tight<T>(), at::tight<T>());
    const Array<T> Jl = at::jacobian(m, [](const auto& v) { return ad::logsumexp(v).reshaped(Shape{1}); }, z);
    AT_CLOSE(Jl, s.reshaped(Shape{1, 5}), at::tight<T>(), at::tight<T>());
    // One component (seed 000): σ_j(e_j − σ).
    const Array<T> Jj = at::jacobian(m, [](const auto& v) { return Array<std::remove_cvref_t<decltype(v[0])>>{ad::softmax_naive(v)[3]}; }, z);
    AT_CLOSE(Jj.reshaped(Shape{5}), cf::softmax_component_gradient(s, 3), at::tight<T>(), at::tight<T>());
}

TEST_CASE("softmax Jacobians: naive, fused, composed, log_softmax, logsumexp vs closed forms", "[softmax][forward][reverse]") {
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        softmax_jacobians<double>(m);
        softmax_jacobians<ad::mp50>(m);
    }
}

TEST_CASE("softmax values: seed 001 rows, rows sum to 1, shift invariance", "[softmax][value]") {
    const Array<double> x{{1, 3, 5, 7}, {1, -9, 4, 8}};
    const Array<double> seed{{2.14400878e-03, 1.58422012e-02, 1.17058913e-01, 8.64954877e-01},
                             {8.94679461e-04, 4.06183847e-08, 1.79701173e-02, 9.81135163e-01}};
    AT_CLOSE(ad::softmax(x), seed, 1e-12, 5e-9);
    AT_CLOSE(ad::softmax_naive(x), ad::softmax(x), 1e-16, 1e-14);
    AT_CLOSE(ad::softmax(x + 123.0), ad::softmax(x), 1e-16, 1e-13);
    const Array<double> row_sums = ad::sum(ad::softmax(x), -1);
    for (double r : row_sums) CHECK(std::abs(r - 1) < 1e-15);
    AT_CLOSE(ad::log_softmax(x), ad::log(ad::softmax(x)), 1e-14, 1e-14);
    AT_CLOSE(ad::logsumexp(x), ad::log(ad::sum(ad::exp(x), -1)), 1e-14, 1e-14);
    // 50 digits: the closed form and the fused value agree beyond 1e-45.
    const Array<ad::mp50> x50 = ad::cast<ad::mp50>(x);
    AT_CLOSE(ad::softmax_naive(x50), ad::softmax(x50), ad::mp50("1e-49"), ad::mp50("1e-47"));
}

TEST_CASE("extreme logits ±1e4: finite and correct values and gradients", "[softmax][stability]") {
    const Array<double> z{1e4, -1e4, 0.0, 1e4 - 1};
    const Array<double> s = ad::softmax(z);
    const double e = std::exp(-1.0);
    CHECK(s[0] == Approx(1 / (1 + e)).epsilon(1e-15));
    CHECK(s[1] == 0.0);
    CHECK(s[3] == Approx(e / (1 + e)).epsilon(1e-15));
    CHECK(ad::logsumexp(z)[0] == Approx(1e4 + std::log1p(e)).epsilon(1e-15));
    CHECK(ad::log_softmax(z)[1] == Approx(-2e4 - std::log1p(e)).epsilon(1e-15));
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        const Array<double> J = at::jacobian(m, fused, z);
        for (double v : J) CHECK(std::isfinite(v));
        AT_CLOSE(J, cf::softmax_jacobian(s), 1e-16, 1e-14);
        const Array<double> Jl = at::jacobian(m, [](const auto& v) { return ad::log_softmax(v); }, z);
        for (double v : Jl) CHECK(std::isfinite(v));
    }
    // The naive form overflows (inf/inf = NaN): that is why the fused one exists ...
    CHECK(std::isnan(ad::softmax_naive(z)[0]));
    // ... and checked mode names the primitive that overflowed.
    ad::checked_scope checked;
    try {
        (void)at::jacobian(at::mode::reverse, naive, z);
        FAIL("no domain_error");
    } catch (const ad::domain_error& err) {
        CHECK(err.op == "exp");
    }
    CHECK_NOTHROW(at::jacobian(at::mode::reverse, fused, z));
}

TEST_CASE("sizes 1 and 0", "[softmax][edge]") {
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        const Array<double> one{42.0};
        CHECK(ad::softmax(one)[0] == 1.0);
        CHECK(ad::softmax_naive(one)[0] == 1.0);
        CHECK(ad::log_softmax(one)[0] == 0.0);
        CHECK(ad::logsumexp(one)[0] == 42.0);
        CHECK(at::jacobian(m, fused, one)[0] == 0.0);
        CHECK(at::jacobian(m, naive, one)[0] == 0.0);
    }
    const Array<double> empty(Shape{0});
    CHECK(ad::softmax(empty).size() == 0);
    CHECK(ad::log_softmax(empty).size() == 0);
    CHECK(ad::logsumexp(empty).shape() == Shape{});
    CHECK(ad::logsumexp(empty)[0] == -std::numeric_limits<double>::infinity());
    CHECK(ad::softmax(Array<double>(Shape{3, 0})).shape() == Shape{3, 0});
    CHECK(ad::logsumexp(Array<double>(Shape{3, 0})).shape() == Shape{3});
    CHECK_THROWS_AS(ad::softmax(Array<double>(Shape{}, std::vector<double>{1.0})), ad::shape_error);
}

// Fused rules as products: JVP = J v and VJP = gᵀJ without forming J (and equal to seed 004's backward).
template <class T>
void fused_products() {
    const Array<T> Z{{T(1), T(2)}, {T(2), T(5)}}, G{{T(1), T(3)}, {T(2), T(4)}};
    const std::vector<T> z(Z.begin(), Z.end()), g(G.begin(), G.end());
    auto f = ad::on_shape(Z.shape(), fused);
    const Array<T> vjp(Z.shape(), ad::vjp(f, z, g).second);
    AT_CLOSE(vjp, cf::softmax_backward(ad::softmax(Z), G), at::tight<T>(), at::tight<T>());
    const Array<T> jvp(Z.shape(), ad::jvp(f, z, g).second);
    const Array<T> J = ad::jacobian_reverse(ad::on_shape(Z.shape(), naive), z);
    Array<T> Jg(Z.shape(), T(0));
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 4; ++j) Jg[i] += J(i, j) * g[j];
    AT_CLOSE(jvp, Jg, at::tight<T>(), at::tight<T>());
    if constexpr (std::is_same_v<T, double>)
        AT_CLOSE(vjp, (Array<double>{{-0.39322387, 0.39322387}, {-0.09035332, 0.09035332}}), 1e-8, 0.0);
}

TEST_CASE("fused softmax JVP and VJP equal J v and gᵀJ (seed 004)", "[softmax][vjp][jvp]") {
    fused_products<double>();
    fused_products<ad::mp50>();
}

TEST_CASE("Hessian through the fused rules (Var<Dual>) equals the one through primitives", "[softmax][hessian]") {
    const std::vector<double> z{0.3, -1.2, 2.0, 0.7};
    auto lse_fused = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return ad::logsumexp(Array<X>(Shape{v.size()}, std::vector<X>(v.begin(), v.end())))[0];
    };
    const Array<double> H = ad::hessian(lse_fused, z);
    const Array<double> want = cf::softmax_jacobian(ad::softmax(Array<double>(Shape{4}, z)));  // ∇² lse = diag(s) − ssᵀ
    AT_CLOSE(H, want, 1e-15, 1e-13);
    auto ce = [](const auto& v) {
        using X = std::remove_cvref_t<decltype(v[0])>;
        return ad::cross_entropy(Array<X>(Shape{v.size()}, std::vector<X>(v.begin(), v.end())), std::vector<std::size_t>{2})[0];
    };
    AT_CLOSE(ad::hessian(ce, z), want, 1e-15, 1e-13);  // CE = lse − z_t has the same Hessian
}

template <class T>
void cross_entropy_gradients(at::mode m) {
    const Array<T> Z{{T(0.5), T(-1), T(2)}, {T(3), T(0), T(-0.25)}};
    const std::vector<std::size_t> t{2, 1};
    const Array<T> P = ad::softmax(Z);
    // Integer targets: ∂ℓ_r/∂z_r = p_r − e_{t_r}.
    const Array<T> J = at::jacobian(m, [t](const auto& z) { return Array<std::remove_cvref_t<decltype(z[0])>>{ad::sum(ad::cross_entropy(z, t))}; }, Z);
    AT_CLOSE(J.reshaped(Z.shape()), cf::cross_entropy_softmax_gradient(P, t), at::tight<T>(), at::tight<T>());
    // Probability targets y (rows sum to 1): gradient p − y; the one-hot y gives the same loss.
    const Array<T> Y{{T(0.25), T(0), T(0.75)}, {T(0), T(1), T(0)}};
    const Array<T> Jy = at::jacobian(m, [Y](const auto& z) { return Array<std::remove_cvref_t<decltype(z[0])>>{ad::sum(ad::cross_entropy(z, Y))}; }, Z);
    AT_CLOSE(Jy.reshaped(Z.shape()), P - Y, at::tight<T>(), at::tight<T>());
    const Array<T> onehot{{T(0), T(0), T(1)}, {T(0), T(1), T(0)}};
    AT_CLOSE(ad::cross_entropy(Z, onehot), ad::cross_entropy(Z, t), at::tight<T>(), at::tight<T>());
    AT_CLOSE(ad::cross_entropy_from_probs(P, t), ad::cross_entropy(Z, t), at::tight<T>(), at::tight<T>());
}

TEST_CASE("cross-entropy gradient is p − onehot (integer) and p − y (probabilities)", "[softmax][cross_entropy][forward][reverse]") {
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        cross_entropy_gradients<double>(m);
        cross_entropy_gradients<ad::mp50>(m);
    }
    const Array<double> Z{{1, 2, 3}};
    CHECK_THROWS_AS(ad::cross_entropy(Z, std::vector<std::size_t>{3}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Z, std::vector<std::size_t>{0, 1}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Z, Array<double>{1, 0}), ad::shape_error);
}

TEST_CASE("cross-entropy takes its targets as a braced list, a vector, an array or a span", "[softmax][cross_entropy]") {
    const Array<double> Z{{0.5, -1, 2}, {1.5, 0.25, -0.75}};
    // −log softmax(z_r)[t_r] for t = (2, 0), in double from Python's math module
    const Array<double> want{0.24131129665715711, 0.3306726094072241};
    const std::vector<std::size_t> v{2, 0};
    const std::array<std::size_t, 2> a{2, 0};
    AT_CLOSE(ad::cross_entropy(Z, {2, 0}), want, 1e-16, 4e-16);
    CHECK(ad::cross_entropy(Z, v).values() == ad::cross_entropy(Z, {2, 0}).values());
    CHECK(ad::cross_entropy(Z, a).values() == ad::cross_entropy(Z, {2, 0}).values());
    CHECK(ad::cross_entropy(Z, std::span<const std::size_t>(v)).values() == ad::cross_entropy(Z, {2, 0}).values());
    const Array<double> P = ad::softmax(Z);
    CHECK(ad::cross_entropy_from_probs(P, {2, 0}).values() == ad::cross_entropy_from_probs(P, v).values());
    AT_CLOSE(ad::cross_entropy_from_probs(P, a), want, 1e-16, 1e-15);
    // the gradient with a braced list: p − e_t, as with a vector
    const auto g = ad::gradient([](const auto& z) { return ad::sum(ad::cross_entropy(z, {2, 0})); }, Z);
    AT_CLOSE(g, ad::gradient([&v](const auto& z) { return ad::sum(ad::cross_entropy(z, v)); }, Z), 0.0, 0.0);
    AT_CLOSE(g, cf::cross_entropy_softmax_gradient(P, v), 1e-16, 1e-15);
    // a wrong count or class is still a size_error, whatever holds the targets
    CHECK_THROWS_AS(ad::cross_entropy(Z, {2}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Z, std::span<const std::size_t>(a.data(), 1)), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy(Z, {2, 3}), ad::size_error);
    CHECK_THROWS_AS(ad::cross_entropy_from_probs(P, {3, 0}), ad::size_error);
}

template <class T>
void layer_derivative(at::mode m) {
    const Array<T> x{T(0.1), T(0.5), T(0.4)};
    const Array<T> W{{T(0.1), T(0.2), T(0.3), T(0.4), T(0.5)}, {T(0.6), T(0.7), T(0.8), T(0.9), T(0.1)},
                     {T(0.11), T(0.12), T(0.13), T(0.14), T(0.15)}};
    const Array<T> h = ad::softmax_layer(W, x);
    const Array<T> J = at::jacobian(m, [x](const auto& w) {
        using X = typename std::remove_cvref_t<decltype(w)>::value_type;
        return ad::softmax_layer(w, ad::cast<X>(x)); }, W);
    const Array<T> seed_layout = cf::dW_to_seed_layout(J, 3, 5);
    AT_CLOSE(seed_layout, cf::softmax_layer_dW_shortcut(h, x), at::tight<T>(), at::tight<T>());
    AT_CLOSE(cf::softmax_layer_dW_chain(h, x), cf::softmax_layer_dW_shortcut(h, x), at::tight<T>(), at::tight<T>());
}

TEST_CASE("softmax layer dh/dW: AD = chain rule = shortcut (seed 003)", "[softmax][layer][forward][reverse]") {
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        layer_derivative<double>(m);
        layer_derivative<ad::mp50>(m);
    }
    const Array<double> x{0.1, 0.5, 0.4};
    const Array<double> W{{0.1, 0.2, 0.3, 0.4, 0.5}, {0.6, 0.7, 0.8, 0.9, 0.1}, {0.11, 0.12, 0.13, 0.14, 0.15}};
    AT_CLOSE(ad::softmax_layer(W, x), (Array<double>{0.19091352, 0.20353145, 0.21698333, 0.23132428, 0.15724743}), 5e-9, 0.0);
    CHECK_THROWS_AS(ad::linear(W, Array<double>{1, 2}), ad::shape_error);
    CHECK(ad::linear(W, Array<double>{{1, 0, 0}, {0, 1, 0}}).shape() == Shape{2, 5});
}

TEST_CASE("sigmoid′ = σ(z)σ(−z) in both modes (s(1 − s) would be 0 at z = 40)", "[softmax][sigmoid]") {
    const Array<double> z{-30, -1, 0, 2.5, 40};
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        const Array<double> J = at::jacobian(m, [](const auto& v) { return ad::sigmoid(v); }, z);
        AT_CLOSE(ad::diag(J), ad::sigmoid(z) * ad::sigmoid(-z), 1e-300, 1e-15);
        CHECK(J(4, 4) == Approx(4.248354255291589e-18).epsilon(1e-14));
        CHECK(J(0, 1) == 0.0);
    }
}
