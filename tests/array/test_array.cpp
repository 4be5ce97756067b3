// Arrays: NumPy broadcasting and its shape errors, element-wise math, axis reductions with
// keepdims and negative axes, linear algebra, and derivatives flowing through all of them in
// forward and reverse mode (double and 50 digits).
#include "array/helpers.hpp"

using ad::Array;
using ad::Shape;

TEST_CASE("broadcast_shapes follows NumPy and names both shapes on error", "[array][broadcast]") {
    CHECK(ad::broadcast_shapes({2, 3}, {3}) == Shape{2, 3});
    CHECK(ad::broadcast_shapes({2, 1}, {1, 4}) == Shape{2, 4});
    CHECK(ad::broadcast_shapes({}, {5}) == Shape{5});
    CHECK(ad::broadcast_shapes({4, 1, 3}, {2, 1}) == Shape{4, 2, 3});
    CHECK(ad::broadcast_shapes({0, 3}, {1, 3}) == Shape{0, 3});
    CHECK_THROWS_AS(ad::broadcast_shapes({2, 3}, {2}), ad::shape_error);
    try {
        (void)(Array<double>(Shape{2, 3}) + Array<double>(Shape{4}));
        FAIL("no shape_error");
    } catch (const ad::shape_error& e) {
        const std::string w = e.what();
        CHECK(w.find("(2, 3)") != std::string::npos);
        CHECK(w.find("(4,)") != std::string::npos);
        CHECK(w.find("add") != std::string::npos);
    }
}

TEST_CASE("a shape of up to four axes is held inside it, longer ones on the heap, both alike", "[array][shape]") {
    const auto inside = [](const Shape& s) {
        const auto* p = reinterpret_cast<const char*>(s.data());
        return p >= reinterpret_cast<const char*>(&s) && p < reinterpret_cast<const char*>(&s) + sizeof(s);
    };
    const Shape four{2, 3, 1, 2}, six{2, 1, 3, 1, 1, 2};
    CHECK(inside(four));  // no allocation: what an array operation allocates is its values
    CHECK_FALSE(inside(six));
    CHECK(ad::shape_size(four) == 12);
    CHECK(ad::shape_size(six) == 12);
    // std::vector and span in and out, printing, comparison
    const std::vector<std::size_t> v = six;
    CHECK(v == std::vector<std::size_t>{2, 1, 3, 1, 1, 2});
    CHECK(Shape(v) == six);
    const std::span<const std::size_t> sp = four;
    CHECK((sp.size() == 4 && sp[1] == 3));
    CHECK(ad::shape_string(six) == "(2, 1, 3, 1, 1, 2)");
    // arrays of either kind reshape, reduce and differentiate alike
    Array<double> a(four, 0.0);
    for (std::size_t k = 0; k < a.size(); ++k) a[k] = 0.1 * double(k) - 0.4;
    const Array<double> b = a.reshaped(six);
    CHECK(b.shape() == six);
    CHECK(ad::sum(b, 2).shape() == Shape{2, 1, 1, 1, 2});
    CHECK(ad::sum(b, 2)[3] == Approx(ad::sum(a, 1)[3]));
    auto f = [&](const auto& x) {
        using X = std::remove_cvref_t<decltype(x[0])>;
        return ad::sum(ad::exp(Array<X>(six, x)));
    };
    const std::vector<double> g = ad::gradient(f, a.values());
    for (std::size_t k = 0; k < g.size(); ++k) CHECK(g[k] == Approx(std::exp(a[k])).epsilon(1e-15));
    Shape moved = six;
    const Shape target = std::move(moved);
    CHECK(target == six);
}

TEST_CASE("element-wise arithmetic with broadcasting and scalars", "[array][elementwise]") {
    const Array<double> a{{1, 2, 3}, {4, 5, 6}}, row{10, 20, 30}, col(Shape{2, 1}, std::vector<double>{100, 200});
    CHECK((a + row).values() == std::vector<double>{11, 22, 33, 14, 25, 36});
    CHECK((a * col).values() == std::vector<double>{100, 200, 300, 800, 1000, 1200});
    CHECK((row - a).values() == std::vector<double>{9, 18, 27, 6, 15, 24});
    CHECK((a / 2.0).values() == std::vector<double>{0.5, 1, 1.5, 2, 2.5, 3});
    CHECK((1.0 - a).values() == std::vector<double>{0, -1, -2, -3, -4, -5});
    CHECK((-a)[5] == -6);
    CHECK((a + col).shape() == Shape{2, 3});
    CHECK(ad::exp(a)[0] == std::exp(1.0));
    CHECK(ad::log(a)[5] == std::log(6.0));
    CHECK(ad::pow(a, 2)[4] == 25);
    CHECK(ad::pow(a, row)[0] == 1.0);
    CHECK(ad::maximum(a, Array<double>{3, 3, 3}).values() == std::vector<double>{3, 3, 3, 4, 5, 6});
    CHECK(ad::minimum(a, Array<double>{3, 3, 3}).values() == std::vector<double>{1, 2, 3, 3, 3, 3});
    CHECK(ad::sigmoid(Array<double>{0.0})[0] == 0.5);
    CHECK(ad::sigmoid(Array<double>{-800.0})[0] == 0.0);  // no overflow: e^800 is never formed
    CHECK(ad::abs(Array<double>{-2, 2}).values() == std::vector<double>{2, 2});
}

TEST_CASE("reductions over axes, keepdims, negative axes, empty arrays", "[array][reduce]") {
    const Array<double> a{{1, 5, 3}, {4, 2, 6}};
    CHECK(ad::sum(a) == 21);
    CHECK(ad::sum(a, 0).values() == std::vector<double>{5, 7, 9});
    CHECK(ad::sum(a, -1).values() == std::vector<double>{9, 12});
    CHECK(ad::sum(a, -1, true).shape() == Shape{2, 1});
    CHECK(ad::sum(a, 0, true).shape() == Shape{1, 3});
    CHECK(ad::max(a) == 6);
    CHECK(ad::max(a, 1).values() == std::vector<double>{5, 6});
    CHECK(ad::max(a, 0).values() == std::vector<double>{4, 5, 6});
    CHECK(ad::mean(a) == 3.5);
    CHECK(ad::mean(a, 0).values() == std::vector<double>{2.5, 3.5, 4.5});
    const Array<double> t(Shape{2, 3, 2}, std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    CHECK(ad::sum(t, 1).values() == std::vector<double>{6, 9, 24, 27});
    CHECK(ad::sum(t, 1).shape() == Shape{2, 2});
    CHECK_THROWS_AS(ad::sum(a, 2), ad::shape_error);
    CHECK_THROWS_AS(ad::sum(a, -3), ad::shape_error);
    CHECK(ad::sum(Array<double>(Shape{0})) == 0);
    CHECK_THROWS_AS(ad::max(Array<double>(Shape{0})), ad::size_error);
    CHECK_THROWS_AS(ad::mean(Array<double>(Shape{2, 0}), 1), ad::size_error);
}

TEST_CASE("transpose, matmul, dot, outer, diag", "[array][linalg]") {
    const Array<double> A{{1, 2, 3}, {4, 5, 6}}, x{1, 0, -1};
    CHECK(ad::transpose(A).shape() == Shape{3, 2});
    CHECK(ad::transpose(A).values() == std::vector<double>{1, 4, 2, 5, 3, 6});
    CHECK(ad::transpose(x).shape() == Shape{3});
    CHECK(ad::matmul(A, x).values() == std::vector<double>{-2, -2});
    CHECK(ad::matmul(A, ad::transpose(A)).values() == std::vector<double>{14, 32, 32, 77});
    CHECK(ad::matmul(Array<double>{1, 1}, A).values() == std::vector<double>{5, 7, 9});
    CHECK(ad::matmul(x, x).shape() == Shape{});
    CHECK(ad::matmul(x, x)[0] == 2);
    CHECK(ad::dot(x, x) == 2);
    CHECK(ad::outer(Array<double>{1, 2}, x).values() == std::vector<double>{1, 0, -1, 2, 0, -2});
    CHECK(ad::diag(Array<double>{1, 2}).values() == std::vector<double>{1, 0, 0, 2});
    CHECK(ad::diag(A).values() == std::vector<double>{1, 5});
    CHECK_THROWS_AS(ad::matmul(A, A), ad::shape_error);
    CHECK_THROWS_AS(ad::dot(x, Array<double>{1, 2}), ad::shape_error);
}

// Derivatives through array code, written once over T and run through both modes:
//   f(x) = sum(exp(x) ⊙ x) / 2  →  ∂f/∂x_i = e^{x_i}(1 + x_i)/2   (all of R)
//   g(A) = A x for a constant x  → ∂(Ax)_i/∂A_kl = δ_ik x_l
//   h(x) = max(x) with a tie      → the tied entries get ½ each
template <class T>
void array_derivatives(at::mode m) {
    using std::exp;
    const Array<T> x{T(0.5), T(-1.25), T(2)};
    const Array<T> J = at::jacobian(m, [](const auto& v) { return Array<std::remove_cvref_t<decltype(v[0])>>{ad::sum(ad::exp(v) * v) / 2.0}; }, x);
    Array<T> want(Shape{1, 3});
    for (std::size_t i = 0; i < 3; ++i) want[i] = exp(x[i]) * (T(1) + x[i]) / T(2);
    AT_CLOSE(J, want, at::tight<T>(), at::tight<T>());

    const Array<T> A{{T(1), T(2), T(3)}, {T(4), T(5), T(6)}};
    const Array<T> c{T(7), T(-1), T(0.5)};
    const Array<T> JA = at::jacobian(m, [c](const auto& a) {
        using X = typename std::remove_cvref_t<decltype(a)>::value_type;
        return ad::matmul(a, ad::cast<X>(c)); }, A);
    Array<T> wantA(Shape{2, 6}, T(0));
    for (std::size_t i = 0; i < 2; ++i)
        for (std::size_t l = 0; l < 3; ++l) wantA(i, i * 3 + l) = c[l];
    AT_CLOSE(JA, wantA, T(0), T(0));

    const Array<T> tie{T(3), T(1), T(3)};
    const Array<T> Jm = at::jacobian(m, [](const auto& v) { return ad::max(v, -1, true); }, tie);
    AT_CLOSE(Jm, (Array<T>(Shape{1, 3}, std::vector<T>{T(0.5), T(0), T(0.5)})), T(0), T(0));

    // Broadcasting in reverse mode accumulates: d/db Σ (a + b) with b broadcast over 2 rows = 2.
    const Array<T> Jb = at::jacobian(m, [](const auto& b) {
        using X = typename std::remove_cvref_t<decltype(b)>::value_type;
        const Array<X> a(Shape{2, 2}, X(1));
        return Array<X>{ad::sum(a + b)}; }, Array<T>{T(1), T(2)});
    AT_CLOSE(Jb, (Array<T>(Shape{1, 2}, std::vector<T>{T(2), T(2)})), T(0), T(0));
}

TEST_CASE("derivatives through array code, forward and reverse", "[array][forward][reverse]") {
    for (at::mode m : {at::mode::forward, at::mode::reverse}) {
        array_derivatives<double>(m);
        array_derivatives<ad::mp50>(m);
    }
}
