/// \file kernels_avx2.cpp
/// The AVX2+FMA kernels (compiled with -mavx2 -mfma, called only on CPUs that have both; see
/// kernels.hpp): Eigen's packet exp/log on arrays whose results are all normal numbers (the
/// standard functions otherwise, where Eigen's kernels clamp or flush), and the sweep's loops.
///
/// Eigen is included under a private namespace name, so its inline functions compiled here for
/// AVX2 can never be merged by the linker with the same functions compiled for the baseline
/// instruction set in the user's other translation units.
#define Eigen adiff_kernels_avx2_eigen
#include <Eigen/Core>
#undef Eigen

#include <float.h>

#include <cstddef>

#include "ops/array/kernels_avx2.hpp"
#include "ops/array/kernels_loops.hpp"

namespace ad::kernels::avx2 {

namespace E = ::adiff_kernels_avx2_eigen;

namespace {
template <class T>
using array_map = E::Map<E::Array<T, E::Dynamic, 1>>;
template <class T>
using const_array_map = E::Map<const E::Array<T, E::Dynamic, 1>>;

/// Inputs whose result is a normal number (exp: inside a margin of the logs of the largest and
/// the smallest normal number; log: normal positive inputs). An array with any other element
/// (overflow, a subnormal or zero result, NaN, log of 0, of a negative or of a subnormal) is
/// computed element by element by the standard function: rare, and exactly std's values.
template <class T>
constexpr T exp_low = sizeof(T) == 8 ? T(-708.0) : T(-87.0);
template <class T>
constexpr T exp_high = sizeof(T) == 8 ? T(709.0) : T(88.0);

template <class T>
void exp_impl(const T* x, T* y, std::size_t n) {
    bool normal = true;  // one vectorised pass
    for (std::size_t k = 0; k < n; ++k) normal &= x[k] > exp_low<T> && x[k] < exp_high<T>;
    if (normal) array_map<T>(y, E::Index(n)) = const_array_map<T>(x, E::Index(n)).exp();
    else exp_loop(x, y, n);
}

template <class T>
void log_impl(const T* x, T* y, std::size_t n) {
    constexpr T lo = sizeof(T) == 8 ? T(DBL_MIN) : T(FLT_MIN), hi = sizeof(T) == 8 ? T(DBL_MAX) : T(FLT_MAX);
    bool normal = true;
    for (std::size_t k = 0; k < n; ++k) normal &= x[k] >= lo && x[k] <= hi;
    if (normal) array_map<T>(y, E::Index(n)) = const_array_map<T>(x, E::Index(n)).log();
    else log_loop(x, y, n);
}
}  // namespace

void exp(const double* x, double* y, std::size_t n) { exp_impl(x, y, n); }
void exp(const float* x, float* y, std::size_t n) { exp_impl(x, y, n); }
void log(const double* x, double* y, std::size_t n) { log_impl(x, y, n); }
void log(const float* x, float* y, std::size_t n) { log_impl(x, y, n); }
void add_product(double* a, const double* p, const double* g, std::size_t n) { add_product_loop(a, p, g, n); }
void add_product(float* a, const float* p, const float* g, std::size_t n) { add_product_loop(a, p, g, n); }
void add_scaled(double* a, double c, const double* g, std::size_t n) { add_scaled_loop(a, c, g, n); }
void add_scaled(float* a, float c, const float* g, std::size_t n) { add_scaled_loop(a, c, g, n); }

}  // namespace ad::kernels::avx2
