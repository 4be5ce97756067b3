#pragma once
/// \file eigen.hpp
/// Eigen interop (optional; needs Eigen ≥ 3.3, Debian `libeigen3-dev`).
///
/// 1. Scalar traits: `Eigen::NumTraits` and `Eigen::ScalarBinaryOpTraits` for `ad::Dual<T, N>`
///    and `ad::Var<T>`, so `Eigen::Matrix<ad::Var<double>, Eigen::Dynamic, 1>` (and Dual)
///    expressions — sums, products, norms, dot products, mixing with `Eigen::MatrixXd`
///    constants — record on the tape / carry tangents like scalar code.
/// 2. Drivers that take and return Eigen objects: `ad::gradient(f, Eigen::VectorXd)`,
///    `ad::jacobian(f, Eigen::VectorXd) -> Eigen::MatrixXd`, etc. `f` is a generic lambda
///    taking `const Eigen::Matrix<X, Eigen::Dynamic, 1>&` (or, for a matrix input such as a
///    weight matrix W, `const Eigen::Matrix<X, Eigen::Dynamic, Eigen::Dynamic>&` of W's shape)
///    and returning an X or any Eigen vector/matrix expression of X (evaluated immediately, so
///    returning an expression of a local is safe). Matrix outputs and matrix inputs are
///    flattened row-major, as everywhere in adiff: J(i·cols + j, k) = ∂f(i, j)/∂x_k; the
///    gradient of a matrix input has its shape.
/// 3. Conversions between `ad::Array<T>` (row-major) and Eigen matrices.
///
/// It includes `<Eigen/Dense>` (not only `<Eigen/Core>`), so the dense decompositions a user
/// calls on AD matrices — `partialPivLu()`, `ldlt()`, `householderQr()`, `inverse()`,
/// `determinant()` — work with this header alone.
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "ad/drivers/gradient.hpp"
#include "ad/drivers/hessian.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/forward/dual.hpp"
#include "ad/reverse/var.hpp"
#include "ops/array/array.hpp"

namespace Eigen {

/// Eigen's numeric traits for a forward-mode dual: real, signed, costs of the value type
/// times the lanes carried (precision constants come from the value type T).
template <class T, std::size_t N>
struct NumTraits<ad::Dual<T, N>> : NumTraits<T> {
    using Real = ad::Dual<T, N>;          ///< duals are real
    using NonInteger = ad::Dual<T, N>;    ///< already non-integer
    using Literal = ad::Dual<T, N>;       ///< literals convert to constants
    using Nested = ad::Dual<T, N>;        ///< nested by value
    enum {
        IsComplex = 0,
        IsInteger = 0,
        IsSigned = 1,
        RequireInitialization = 1,
        ReadCost = int(N + 1) * int(NumTraits<T>::ReadCost),
        AddCost = int(N + 1) * int(NumTraits<T>::AddCost),
        MulCost = int(2 * N + 1) * int(NumTraits<T>::MulCost)
    };
    /// Machine epsilon of the value type (as a constant dual).
    static inline Real epsilon() { return Real(NumTraits<T>::epsilon()); }
    /// Default precision of the value type used by isApprox.
    static inline Real dummy_precision() { return Real(NumTraits<T>::dummy_precision()); }
    /// Largest finite value of the value type.
    static inline Real highest() { return Real(NumTraits<T>::highest()); }
    /// Most negative finite value of the value type.
    static inline Real lowest() { return Real(NumTraits<T>::lowest()); }
    /// Decimal digits of the value type.
    static inline int digits10() { return NumTraits<T>::digits10(); }
};

/// Eigen's numeric traits for a reverse-mode variable: real, signed; every operation
/// records a tape statement, so costs are those of the value type plus a record.
template <class T>
struct NumTraits<ad::Var<T>> : NumTraits<T> {
    using Real = ad::Var<T>;        ///< vars are real
    using NonInteger = ad::Var<T>;  ///< already non-integer
    using Literal = ad::Var<T>;     ///< literals convert to inactive constants
    using Nested = ad::Var<T>;      ///< nested by value
    enum {
        IsComplex = 0,
        IsInteger = 0,
        IsSigned = 1,
        RequireInitialization = 1,
        ReadCost = 2 * int(NumTraits<T>::ReadCost),
        AddCost = 4 * int(NumTraits<T>::AddCost),
        MulCost = 4 * int(NumTraits<T>::MulCost)
    };
    /// Machine epsilon of the value type (as an inactive constant).
    static inline Real epsilon() { return Real(NumTraits<T>::epsilon()); }
    /// Default precision of the value type used by isApprox.
    static inline Real dummy_precision() { return Real(NumTraits<T>::dummy_precision()); }
    /// Largest finite value of the value type.
    static inline Real highest() { return Real(NumTraits<T>::highest()); }
    /// Most negative finite value of the value type.
    static inline Real lowest() { return Real(NumTraits<T>::lowest()); }
    /// Decimal digits of the value type.
    static inline int digits10() { return NumTraits<T>::digits10(); }
};

/// Dual ⊙ constant matrix (and the mirror) is a Dual expression: `MatrixXd * VectorX<Dual>`.
template <class T, std::size_t N, class Op>
struct ScalarBinaryOpTraits<ad::Dual<T, N>, T, Op> {
    using ReturnType = ad::Dual<T, N>;  ///< the result of the operation is the AD type
};
/// Constant ⊙ Dual is a Dual.
template <class T, std::size_t N, class Op>
struct ScalarBinaryOpTraits<T, ad::Dual<T, N>, Op> {
    using ReturnType = ad::Dual<T, N>;  ///< the result of the operation is the AD type
};
/// Dual<T, N> ⊙ double (nested duals, multiprecision duals) is a Dual.
template <class T, std::size_t N, class Op>
struct ScalarBinaryOpTraits<ad::Dual<T, N>, double, Op> {
    using ReturnType = ad::Dual<T, N>;  ///< the result of the operation is the AD type
};
/// double ⊙ Dual<T, N> is a Dual.
template <class T, std::size_t N, class Op>
struct ScalarBinaryOpTraits<double, ad::Dual<T, N>, Op> {
    using ReturnType = ad::Dual<T, N>;  ///< the result of the operation is the AD type
};
/// Dual<double, N> ⊙ double (disambiguates the two specialisations above).
template <std::size_t N, class Op>
struct ScalarBinaryOpTraits<ad::Dual<double, N>, double, Op> {
    using ReturnType = ad::Dual<double, N>;  ///< the result of the operation is the AD type
};
/// double ⊙ Dual<double, N> (disambiguates the two specialisations above).
template <std::size_t N, class Op>
struct ScalarBinaryOpTraits<double, ad::Dual<double, N>, Op> {
    using ReturnType = ad::Dual<double, N>;  ///< the result of the operation is the AD type
};
/// Var ⊙ constant is a Var (the constant records no operand).
template <class T, class Op>
struct ScalarBinaryOpTraits<ad::Var<T>, T, Op> {
    using ReturnType = ad::Var<T>;  ///< the result of the operation is the AD type
};
/// Constant ⊙ Var is a Var.
template <class T, class Op>
struct ScalarBinaryOpTraits<T, ad::Var<T>, Op> {
    using ReturnType = ad::Var<T>;  ///< the result of the operation is the AD type
};

/// Var<T> ⊙ double (e.g. Var<Dual<double>> inside the Hessian driver) is a Var.
template <class T, class Op>
struct ScalarBinaryOpTraits<ad::Var<T>, double, Op> {
    using ReturnType = ad::Var<T>;  ///< the result of the operation is the AD type
};
/// double ⊙ Var<T> is a Var.
template <class T, class Op>
struct ScalarBinaryOpTraits<double, ad::Var<T>, Op> {
    using ReturnType = ad::Var<T>;  ///< the result of the operation is the AD type
};
/// Var<double> ⊙ double (disambiguates the two specialisations above).
template <class Op>
struct ScalarBinaryOpTraits<ad::Var<double>, double, Op> {
    using ReturnType = ad::Var<double>;  ///< the result of the operation is the AD type
};
/// double ⊙ Var<double> (disambiguates the two specialisations above).
template <class Op>
struct ScalarBinaryOpTraits<double, ad::Var<double>, Op> {
    using ReturnType = ad::Var<double>;  ///< the result of the operation is the AD type
};

namespace internal {

/// Eigen's matrix–vector kernel turns its scalar factor alpha (the result type) into the
/// right-hand side's scalar: for `Matrix<AD> * VectorXd` that is AD → double. That is exact
/// when alpha is a constant (alpha = 1, or a folded double factor); an AD factor carrying a
/// derivative would lose it, so that case throws instead of returning a wrong derivative.
template <class AD, class To>
struct ad_factor_to_plain {
    /// The plain value of a constant factor; ad::error if the factor carries a derivative.
    static To run(const AD& x) {
        if (!ad_factor_is_constant(x))
            throw ad::error("Eigen product of an AD matrix and a plain vector: an active AD scalar factor was folded "
                            "into the kernel's alpha and its derivative would be lost; cast the plain operand first "
                            "(v.cast<X>())");
        return To(ad::val(x));
    }
    /// Var: constant when not recorded.
    template <class T>
    static bool ad_factor_is_constant(const ad::Var<T>& x) { return !x.active(); }
    /// Dual: constant when every tangent (recursively) is zero.
    template <class T, std::size_t N>
    static bool ad_factor_is_constant(const ad::Dual<T, N>& x) { return is_zero_tangent(x); }
    /// True when all tangent lanes of x are exactly zero.
    template <class T, std::size_t N>
    static bool is_zero_tangent(const ad::Dual<T, N>& x) {
        for (const T& d : x.t) if (!ad::is_exact_zero(d)) return false;
        return true;
    }
};

/// AD factor → double for `Matrix<Var<T>> * VectorXd` (see ad_factor_to_plain).
template <class T>
struct get_factor<ad::Var<T>, double> : ad_factor_to_plain<ad::Var<T>, double> {};
/// AD factor → T for `Matrix<Var<T>> * Vector<T>`.
template <class T>
struct get_factor<ad::Var<T>, T> : ad_factor_to_plain<ad::Var<T>, T> {};
/// Disambiguates the two specialisations above for T = double.
template <>
struct get_factor<ad::Var<double>, double> : ad_factor_to_plain<ad::Var<double>, double> {};
/// AD factor → double for `Matrix<Dual<T, N>> * VectorXd`.
template <class T, std::size_t N>
struct get_factor<ad::Dual<T, N>, double> : ad_factor_to_plain<ad::Dual<T, N>, double> {};
/// AD factor → T for `Matrix<Dual<T, N>> * Vector<T>`.
template <class T, std::size_t N>
struct get_factor<ad::Dual<T, N>, T> : ad_factor_to_plain<ad::Dual<T, N>, T> {};
/// Disambiguates the two specialisations above for T = double.
template <std::size_t N>
struct get_factor<ad::Dual<double, N>, double> : ad_factor_to_plain<ad::Dual<double, N>, double> {};

}  // namespace internal

}  // namespace Eigen

namespace ad {

/// Column vector of X (the argument type the Eigen drivers pass to f).
template <class X>
using EVector = Eigen::Matrix<X, Eigen::Dynamic, 1>;
/// Dynamic matrix of X (column-major, Eigen's default); Jacobians and Hessians come back as this.
template <class X>
using EMatrix = Eigen::Matrix<X, Eigen::Dynamic, Eigen::Dynamic>;

/// A 2-d `Array<T>` (row-major) as an Eigen matrix; a 1-d array becomes a column; throws
/// shape_error for other ranks.
template <class T>
EMatrix<T> to_eigen(const Array<T>& a) {
    if (a.ndim() == 1) {
        EMatrix<T> m(Eigen::Index(a.size()), 1);
        for (std::size_t i = 0; i < a.size(); ++i) m(Eigen::Index(i), 0) = a[i];
        return m;
    }
    if (a.ndim() != 2) throw shape_error("to_eigen: only 1-d and 2-d arrays convert to an Eigen matrix", a.shape());
    EMatrix<T> m(Eigen::Index(a.rows()), Eigen::Index(a.cols()));
    for (std::size_t i = 0; i < a.rows(); ++i)
        for (std::size_t j = 0; j < a.cols(); ++j) m(Eigen::Index(i), Eigen::Index(j)) = a(i, j);
    return m;
}

/// An Eigen matrix or vector as a 2-d `Array<T>` of shape {rows, cols} (row-major).
template <class Derived>
Array<typename Derived::Scalar> to_array(const Eigen::MatrixBase<Derived>& m) {
    using T = typename Derived::Scalar;
    Array<T> a(Shape{std::size_t(m.rows()), std::size_t(m.cols())});
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) a(std::size_t(i), std::size_t(j)) = m(i, j);
    return a;
}

namespace detail {

/// True when an Eigen type is a vector at compile time (one column or one row).
template <class Derived>
inline constexpr bool is_eigen_vector = Derived::ColsAtCompileTime == 1 || Derived::RowsAtCompileTime == 1;

/// What f receives for an input like Derived, with scalar X: a column vector for vectors,
/// a dynamic matrix for matrices.
template <class Derived, class X>
using eigen_argument = std::conditional_t<is_eigen_vector<Derived>, EVector<X>, EMatrix<X>>;

/// Copies an Eigen vector or matrix into a std::vector, row-major (the core drivers' input).
template <class Derived>
std::vector<typename Derived::Scalar> to_std(const Eigen::MatrixBase<Derived>& x) {
    std::vector<typename Derived::Scalar> v;
    v.reserve(std::size_t(x.size()));
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        for (Eigen::Index j = 0; j < x.cols(); ++j) v.push_back(x(i, j));
    return v;
}

/// Copies a std::vector into an Eigen column vector.
template <class T>
EVector<T> to_evector(const std::vector<T>& v) {
    EVector<T> e(Eigen::Index(v.size()));
    for (std::size_t k = 0; k < v.size(); ++k) e(Eigen::Index(k)) = v[k];
    return e;
}

/// Rebuilds an input of Derived's kind (vector, or rows×cols matrix read row-major) from v.
template <class Derived, class T>
eigen_argument<Derived, T> from_std(const std::vector<T>& v, Eigen::Index rows, Eigen::Index cols) {
    if constexpr (is_eigen_vector<Derived>) {
        return to_evector(v);
    } else {
        EMatrix<T> m(rows, cols);
        for (Eigen::Index i = 0; i < rows; ++i)
            for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = v[std::size_t(i * cols + j)];
        return m;
    }
}

/// Flattens f's result for the core drivers: an AD scalar stays a scalar; an Eigen
/// expression is evaluated and flattened row-major into a std::vector.
template <class X, class R>
auto flatten_output(R&& r) {
    using D = std::remove_cvref_t<R>;
    if constexpr (std::is_base_of_v<Eigen::EigenBase<D>, D>) {
        const EMatrix<X> m = r;  // evaluates any expression (and checks the scalar type)
        std::vector<X> out;
        out.reserve(std::size_t(m.size()));
        for (Eigen::Index i = 0; i < m.rows(); ++i)
            for (Eigen::Index j = 0; j < m.cols(); ++j) out.push_back(m(i, j));
        return out;
    } else {
        return X(std::forward<R>(r));
    }
}

/// Adapts an Eigen-style f (Eigen vector or matrix in, X or Eigen object out) to the core
/// drivers' convention (std::vector in, X or std::vector out).
template <class F, class Derived>
struct eigen_adapter {
    F& f;                      ///< the user's function
    Eigen::Index rows, cols;   ///< shape of the input
    /// Calls f on the Eigen copy of x (same shape as the input) and flattens its result.
    template <class X>
    auto operator()(const std::vector<X>& x) const { return flatten_output<X>(f(from_std<Derived>(x, rows, cols))); }
};

/// The adapter of f for an input shaped like x.
template <class F, class Derived>
eigen_adapter<F, Derived> adapt(F& f, const Eigen::MatrixBase<Derived>& x) { return {f, x.rows(), x.cols()}; }

/// The Jacobian `Array<T>` {m, n} as an Eigen matrix m×n.
template <class T>
EMatrix<T> jacobian_to_eigen(const Array<T>& J) {
    if (J.ndim() != 2) return EMatrix<T>(0, 0);
    return to_eigen(J);
}

}  // namespace detail

/// f(x) and ∇f(x) for scalar f of an Eigen vector or matrix (reverse mode, one recording and
/// one sweep); the gradient has the shape of x.
template <class F, class Derived>
std::pair<typename Derived::Scalar, detail::eigen_argument<Derived, typename Derived::Scalar>> value_and_gradient(
    F&& f, const Eigen::MatrixBase<Derived>& x) {
    auto [v, g] = value_and_gradient(detail::adapt(f, x), detail::to_std(x));
    return {v, detail::from_std<Derived>(g, x.rows(), x.cols())};
}

/// ∇f(x) with the shape of x (Eigen vector or matrix; reverse mode); f returns one scalar.
template <class F, class Derived>
detail::eigen_argument<Derived, typename Derived::Scalar> gradient(F&& f, const Eigen::MatrixBase<Derived>& x) {
    return detail::from_std<Derived>(gradient(detail::adapt(f, x), detail::to_std(x)), x.rows(), x.cols());
}

/// Jacobian J(i, j) = ∂f_i/∂x_j as an Eigen matrix (forward mode when n ≤ m, else reverse);
/// outputs and a matrix x are flattened row-major.
template <class F, class Derived>
EMatrix<typename Derived::Scalar> jacobian(F&& f, const Eigen::MatrixBase<Derived>& x) {
    return detail::jacobian_to_eigen(jacobian(detail::adapt(f, x), detail::to_std(x)));
}

/// Jacobian by forward mode with L tangent lanes (⌈n/L⌉ passes of f), as an Eigen matrix.
template <std::size_t L = default_lanes, class F, class Derived>
EMatrix<typename Derived::Scalar> jacobian_forward(F&& f, const Eigen::MatrixBase<Derived>& x) {
    return detail::jacobian_to_eigen(jacobian_forward<L>(detail::adapt(f, x), detail::to_std(x)));
}

/// Jacobian by reverse mode (one recording, one sweep per output), as an Eigen matrix.
template <class F, class Derived>
EMatrix<typename Derived::Scalar> jacobian_reverse(F&& f, const Eigen::MatrixBase<Derived>& x) {
    return detail::jacobian_to_eigen(jacobian_reverse(detail::adapt(f, x), detail::to_std(x)));
}

/// Hessian H(i, j) = ∂²f/∂x_i∂x_j of scalar f (forward-over-reverse, L lanes), as an Eigen
/// matrix; a matrix x is flattened row-major.
template <std::size_t L = 4, class F, class Derived>
EMatrix<typename Derived::Scalar> hessian(F&& f, const Eigen::MatrixBase<Derived>& x) {
    return detail::jacobian_to_eigen(hessian<L>(detail::adapt(f, x), detail::to_std(x)));
}

/// Jacobian–vector product (f(x), J v) in one forward pass, as Eigen vectors (v has x's
/// shape, flattened row-major; outputs flattened row-major).
template <class F, class DX, class DV>
std::pair<EVector<typename DX::Scalar>, EVector<typename DX::Scalar>> jvp(
    F&& f, const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DV>& v) {
    auto [y, t] = jvp(detail::adapt(f, x), detail::to_std(x), detail::to_std(v));
    return {detail::to_evector(y), detail::to_evector(t)};
}

/// Vector–Jacobian product (f(x), uᵀJ) in one reverse sweep; uᵀJ has the shape of x.
template <class F, class DX, class DU>
std::pair<EVector<typename DX::Scalar>, detail::eigen_argument<DX, typename DX::Scalar>> vjp(
    F&& f, const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DU>& u) {
    auto [y, g] = vjp(detail::adapt(f, x), detail::to_std(x), detail::to_std(u));
    return {detail::to_evector(y), detail::from_std<DX>(g, x.rows(), x.cols())};
}

}  // namespace ad
