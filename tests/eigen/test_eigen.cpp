// Eigen interop: adiff's forward (Dual) and reverse (Var) scalars inside Eigen matrices, and
// the drivers that take and return Eigen objects. Each function is written once, generically,
// with Eigen expressions, and differentiated in both modes; results are compared with closed
// forms (softmax: J = diag(s) − s sᵀ; least squares r = Aθ − b: J = A, ∇½‖r‖² = Aᵀr, H = AᵀA).
#include <cmath>

#include <catch2/catch.hpp>

#include "ad/eigen/eigen.hpp"
#include "support/close.hpp"

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

/// Softmax written with Eigen array expressions (stable: subtract the max value first).
auto softmax = [](const auto& x) {
    using X = typename std::decay_t<decltype(x)>::Scalar;
    const X m = x.maxCoeff();
    const auto e = (x.array() - m).exp().matrix().eval();
    return (e / e.sum()).eval();
};

VectorXd softmax_d(const VectorXd& x) {
    VectorXd e = (x.array() - x.maxCoeff()).exp();
    return e / e.sum();
}

/// Element-wise closeness of two Eigen matrices (same shape; |a−b| ≤ abs + rel·max(|a|,|b|)).
void check_close(const MatrixXd& a, const MatrixXd& b, double abs_tol = 1e-13, double rel_tol = 1e-12) {
    REQUIRE(a.rows() == b.rows());
    REQUIRE(a.cols() == b.cols());
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            INFO("(" << i << ", " << j << ")");
            ADT_CLOSE(a(i, j), b(i, j), abs_tol, rel_tol);
        }
}

struct least_squares {
    MatrixXd A;
    VectorXd b;
    least_squares() : A(4, 3), b(4) {
        A << 1, 2, 0.5, -1, 0.3, 2, 0.7, -1.5, 1, 2.5, 0.1, -0.4;
        b << 0.5, -1, 2, 0.25;
    }
    /// Residual r(θ) = Aθ − b (a constant double matrix times an AD vector).
    auto residual() const {
        return [this](const auto& th) { return (A * th - b).eval(); };
    }
    /// Loss ½‖Aθ − b‖².
    auto loss() const {
        return [this](const auto& th) { return ((A * th - b).squaredNorm() / 2.0); };
    }
};

}  // namespace

TEST_CASE("softmax written with Eigen: Jacobian in forward and reverse mode equals diag(s) - s s^T",
          "[eigen][softmax][forward][reverse]") {
    VectorXd x(5);
    x << 1, 3, 5, 7, -2;
    const VectorXd s = softmax_d(x);
    const MatrixXd closed = MatrixXd(s.asDiagonal()) - s * s.transpose();

    const MatrixXd Jf = ad::jacobian_forward(softmax, x);
    const MatrixXd Jr = ad::jacobian_reverse(softmax, x);
    const MatrixXd Ja = ad::jacobian(softmax, x);
    check_close(Jf, closed);
    check_close(Jr, closed);
    check_close(Ja, closed);
    // Rows of a softmax Jacobian sum to zero (Σ s = 1 is constant).
    for (Eigen::Index i = 0; i < 5; ++i) ADT_CLOSE(Jr.row(i).sum(), 0.0, 1e-15, 0.0);
    // The seed-001 value: J(3,3) of softmax([1,3,5,7]) = s₃(1 − s₃).
    VectorXd x4(4);
    x4 << 1, 3, 5, 7;
    const MatrixXd J4 = ad::jacobian_reverse(softmax, x4);
    const VectorXd s4 = softmax_d(x4);
    ADT_CLOSE(J4(3, 3), s4(3) * (1 - s4(3)), 1e-15, 1e-13);
    ADT_CLOSE(J4(0, 3), -s4(0) * s4(3), 1e-15, 1e-13);
}

TEST_CASE("softmax written with Eigen: vjp and jvp agree with the closed form", "[eigen][softmax]") {
    VectorXd x(4), u(4), v(4);
    x << 0.5, -1, 2, 0.25;
    u << 1, -2, 0.5, 3;
    v << 0.1, 0.2, -0.3, 0.4;
    const VectorXd s = softmax_d(x);
    // vjp: g = s ⊙ (u − ⟨s, u⟩); jvp: J v = s ⊙ (v − ⟨s, v⟩) (J is symmetric).
    const VectorXd g_closed = s.array() * (u.array() - s.dot(u));
    const VectorXd t_closed = s.array() * (v.array() - s.dot(v));
    auto [y1, g] = ad::vjp(softmax, x, u);
    auto [y2, t] = ad::jvp(softmax, x, v);
    check_close(y1, s);
    check_close(y2, s);
    check_close(g, g_closed);
    check_close(t, t_closed);
}

TEST_CASE("least-squares residual with Eigen: J = A, gradient = A^T r, Hessian = A^T A",
          "[eigen][forward][reverse][hessian]") {
    least_squares ls;
    VectorXd th(3);
    th << 0.3, -0.7, 1.1;
    const VectorXd r = ls.A * th - ls.b;

    check_close(ad::jacobian_forward(ls.residual(), th), ls.A);
    check_close(ad::jacobian_reverse(ls.residual(), th), ls.A);
    check_close(ad::jacobian_forward<2>(ls.residual(), th), ls.A);  // lanes < n: several passes

    auto [value, grad] = ad::value_and_gradient(ls.loss(), th);
    ADT_CLOSE(value, r.squaredNorm() / 2, 1e-14, 1e-13);
    check_close(grad, ls.A.transpose() * r);
    check_close(ad::gradient(ls.loss(), th), ls.A.transpose() * r);
    // Forward mode on the scalar loss: a 1×n Jacobian, equal to the gradient.
    check_close(ad::jacobian_forward(ls.loss(), th), (ls.A.transpose() * r).transpose());
    check_close(ad::hessian(ls.loss(), th), ls.A.transpose() * ls.A, 1e-13, 1e-12);
}

TEST_CASE("Var and Dual inside Eigen matrices: norms, dot, scalar*vector, matrix products",
          "[eigen][reverse][forward]") {
    using V = ad::Var<double>;
    VectorXd x0(3);
    x0 << 3, -4, 12;
    // f(x) = ‖x‖ + 2·(xᵀMx) + (c·x)·x₀ with c an AD scalar: exercises norm (sqrt), a Var·vector
    // product, mixed double/AD matrix products and dot products.
    MatrixXd M(3, 3);
    M << 2, 1, 0, 1, 3, -1, 0, -1, 4;
    auto f = [&](const auto& x) {
        using X = typename std::decay_t<decltype(x)>::Scalar;
        const X c = x(0) * x(1);
        const ad::EVector<X> cx = c * x;
        return x.norm() + 2.0 * x.dot(M * x) + cx.dot(x0.cast<X>());
    };
    auto f_d = [&](const VectorXd& x) { return x.norm() + 2.0 * x.dot(M * x) + x(0) * x(1) * x.dot(x0); };
    // ∇: x/‖x‖ + 2(M + Mᵀ)x + x₁(x·x₀) e₀ + x₀(x·x₀) e₁ + x₀x₁ x₀
    VectorXd g_closed = x0 / x0.norm() + 2.0 * (M + M.transpose()) * x0 + x0(0) * x0(1) * x0;
    g_closed(0) += x0(1) * x0.dot(x0);
    g_closed(1) += x0(0) * x0.dot(x0);

    auto [v, g] = ad::value_and_gradient(f, x0);
    ADT_CLOSE(v, f_d(x0), 1e-12, 1e-13);
    check_close(g, g_closed, 1e-11, 1e-12);
    check_close(ad::jacobian_forward(f, x0), g_closed.transpose(), 1e-11, 1e-12);

    // Directly on a tape, without the drivers.
    ad::Tape<double> tape;
    {
        ad::recording<double> rec(tape);
        ad::EVector<V> x(3);
        for (int k = 0; k < 3; ++k) x(k) = V::input(x0(k));
        const V y = f(x);
        tape.gradient_of(y.i);
    }
    for (int k = 0; k < 3; ++k) ADT_CLOSE(tape.adjoints()[std::size_t(k)], g_closed(k), 1e-11, 1e-12);

    // Dual<double, 3> matrix: all three directional derivatives in one pass.
    using D = ad::Dual<double, 3>;
    ad::EVector<D> xd(3);
    for (int k = 0; k < 3; ++k) xd(k) = D(x0(k), 1.0, std::size_t(k));
    const D yd = f(xd);
    for (int k = 0; k < 3; ++k) ADT_CLOSE(yd.t[std::size_t(k)], g_closed(k), 1e-11, 1e-12);
}

TEST_CASE("Array <-> Eigen conversions keep the row-major Jacobian layout", "[eigen][array]") {
    ad::Array<double> a(ad::Shape{2, 3}, std::vector<double>{1, 2, 3, 4, 5, 6});
    const MatrixXd m = ad::to_eigen(a);
    REQUIRE(m.rows() == 2);
    REQUIRE(m.cols() == 3);
    CHECK(m(0, 2) == 3);
    CHECK(m(1, 0) == 4);
    const ad::Array<double> back = ad::to_array(m);
    CHECK(back.shape() == ad::Shape{2, 3});
    CHECK(back.values() == a.values());
    CHECK_THROWS_AS(ad::to_eigen(ad::Array<double>(ad::Shape{2, 2, 2})), ad::shape_error);

    // A matrix-valued f is flattened row-major: output k = i·cols + j.
    auto outer = [](const auto& x) { return (x * x.transpose()).eval(); };  // 2×2 from 2 inputs
    VectorXd x(2);
    x << 2, 5;
    const MatrixXd J = ad::jacobian_reverse(outer, x);
    REQUIRE(J.rows() == 4);
    // f(0,1) = x0·x1 → row 1: [x1, x0]; f(1,1) = x1² → row 3: [0, 2x1].
    CHECK(J(1, 0) == 5);
    CHECK(J(1, 1) == 2);
    CHECK(J(3, 0) == 0);
    CHECK(J(3, 1) == 10);
}

TEST_CASE("Eigen drivers report size errors like the core drivers", "[eigen][errors]") {
    VectorXd x(3), u(2);
    x << 1, 2, 3;
    u << 1, 1;
    CHECK_THROWS_AS(ad::vjp(softmax, x, u), ad::size_error);
    CHECK_THROWS_AS(ad::gradient(softmax, x), ad::size_error);  // 3 outputs, not a scalar
}

TEST_CASE("differentiating through an Eigen LU solve: d(A^-1 b) = A^-1 db and -A^-1 dA A^-1 b",
          "[eigen][forward][reverse][solve]") {
    MatrixXd A(3, 3);
    A << 4, 1, -1, 2, 5, 0.5, -1, 0.25, 3;
    VectorXd b(3);
    b << 1, -2, 0.5;
    const MatrixXd Ainv = A.inverse();

    // x(b) = A⁻¹ b with a constant A: J = A⁻¹ (pivoting compares values only).
    auto solve_b = [&](const auto& bb) {
        using X = typename std::decay_t<decltype(bb)>::Scalar;
        const ad::EMatrix<X> Ax = A.cast<X>();
        return Ax.partialPivLu().solve(bb).eval();
    };
    check_close(ad::jacobian_forward(solve_b, b), Ainv, 1e-14, 1e-12);
    check_close(ad::jacobian_reverse(solve_b, b), Ainv, 1e-14, 1e-12);

    // x(t) = (A + t·E)⁻¹ b at t = 0: dx/dt = −A⁻¹ E A⁻¹ b.
    MatrixXd E(3, 3);
    E << 0, 1, 0, 0, 0, 0, 2, 0, -1;
    auto solve_t = [&](const auto& t) {
        using X = typename std::decay_t<decltype(t)>::Scalar;
        const ad::EMatrix<X> M = A.cast<X>() + t(0) * E.cast<X>();
        return M.partialPivLu().solve(b.cast<X>()).eval();
    };
    VectorXd t0(1);
    t0 << 0.0;
    const VectorXd closed = -Ainv * E * Ainv * b;
    check_close(ad::jacobian_forward(solve_t, t0), closed, 1e-14, 1e-12);
    check_close(ad::jacobian_reverse(solve_t, t0), closed, 1e-14, 1e-12);
}

TEST_CASE("matrix inputs: gradient has the input's shape, Jacobian columns are row-major", "[eigen][matrix]") {
    // f(W) = ½‖W x − y‖² for W (2×3): ∇_W f = (W x − y) xᵀ; J of W ↦ W x is J(i, i·3 + j) = x_j.
    MatrixXd W(2, 3);
    W << 0.5, -1, 2, 1.5, 0.25, -0.75;
    VectorXd x(3), y(2);
    x << 1, -2, 3;
    y << 0.5, 1;
    auto loss = [&](const auto& w) { return (w * x - y).squaredNorm() / 2.0; };
    auto lin = [&](const auto& w) { return (w * x).eval(); };
    const MatrixXd g_closed = (W * x - y) * x.transpose();

    const MatrixXd g = ad::gradient(loss, W);
    REQUIRE(g.rows() == 2);
    REQUIRE(g.cols() == 3);
    check_close(g, g_closed);
    auto [v, g2] = ad::value_and_gradient(loss, W);
    ADT_CLOSE(v, (W * x - y).squaredNorm() / 2, 1e-14, 1e-13);
    check_close(g2, g_closed);

    MatrixXd J_closed = MatrixXd::Zero(2, 6);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) J_closed(i, i * 3 + j) = x(j);
    check_close(ad::jacobian_forward(lin, W), J_closed);
    check_close(ad::jacobian_reverse(lin, W), J_closed);
    // Hessian of the loss wrt vec_row(W): (I₂ ⊗ x xᵀ) in row-major flattening.
    MatrixXd H_closed = MatrixXd::Zero(6, 6);
    H_closed.block(0, 0, 3, 3) = x * x.transpose();
    H_closed.block(3, 3, 3, 3) = x * x.transpose();
    check_close(ad::hessian(loss, W), H_closed, 1e-13, 1e-12);
    // vjp: uᵀJ has W's shape: u xᵀ.
    VectorXd u(2);
    u << 2, -1;
    auto [yv, gu] = ad::vjp(lin, W, u);
    check_close(yv, W * x);
    check_close(gu, u * x.transpose());
}

TEST_CASE("AD matrix times plain vector: an active scalar factor is never silently dropped", "[eigen][matrix][errors]") {
    // f(W) = Σ ((w00 · W) x): Eigen may fold the AD factor w00 into its kernel's alpha, which it
    // then converts to double. adiff either keeps the derivative (result equals the closed form)
    // or throws ad::error; it must never return a gradient without the w00 term.
    MatrixXd W(2, 2);
    W << 1.5, -0.5, 2, 0.25;
    VectorXd x(2);
    x << 3, -1;
    auto f = [&](const auto& w) { return ((w(0, 0) * w) * x).sum(); };
    MatrixXd closed = W(0, 0) * (MatrixXd::Ones(2, 1) * x.transpose());
    closed(0, 0) += (W * x).sum();
    bool threw = false;
    MatrixXd g;
    try {
        g = ad::gradient(f, W);
    } catch (const ad::error& e) {
        threw = true;
        CHECK(std::string(e.what()).find("cast the plain operand") != std::string::npos);
    }
    if (!threw) check_close(g, closed);
    // Casting the plain operand always works.
    auto f_cast = [&](const auto& w) {
        using X = typename std::decay_t<decltype(w)>::Scalar;
        return ((w(0, 0) * w) * x.cast<X>()).sum();
    };
    check_close(ad::gradient(f_cast, W), closed);
    check_close(ad::jacobian_forward(f_cast, W), Eigen::Map<const Eigen::Matrix<double, 1, 4>>(MatrixXd(closed.transpose()).data()));
}
