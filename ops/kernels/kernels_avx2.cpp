/// \file kernels_avx2.cpp
/// The AVX2+FMA kernels (compiled with -mavx2 -mfma, called only on CPUs that have both; see
/// kernels.hpp): Eigen's packet exp/log on every element whose result is a normal number (the
/// standard functions on the others, where Eigen's kernels clamp or flush), and the sweep's loops.
///
/// Eigen is included under a private namespace name, so its inline functions compiled here for
/// AVX2 can never be merged by the linker with the same functions compiled for the baseline
/// instruction set in the user's other translation units.
#define Eigen adiff_kernels_avx2_eigen
#include <Eigen/Core>
#undef Eigen

#include <float.h>
#include <immintrin.h>

#include <cmath>

#include <cstddef>

#include "ops/kernels/kernels_avx2.hpp"
#include "ops/kernels/kernels_loops.hpp"

// Eigen's packet types are vector types: as template arguments their alignment attributes are
// dropped, which is harmless here (they are only passed by value and reference)
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace ad::kernels::avx2 {

namespace E = ::adiff_kernels_avx2_eigen;

namespace {
template <class T>
using packet = typename E::internal::packet_traits<T>::type;  // Packet4d, Packet8f under -mavx2

/// Which lanes of a comparison's mask are set (one bit per lane).
inline int lanes(const packet<double>& m) { return _mm256_movemask_pd(m); }
inline int lanes(const packet<float>& m) { return _mm256_movemask_ps(m); }

/// The first m lanes of a packet (m < its width): the mask of a masked load or store.
template <class T>
__m256i first_lanes(std::size_t m) {
    if constexpr (sizeof(T) == 8) return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(m)), _mm256_setr_epi64x(0, 1, 2, 3));
    else return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(m)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
/// The first lanes of `mask` from p (the others read as 0, nothing beyond is touched), and into p.
inline packet<double> load_first(const double* p, __m256i mask) { return _mm256_maskload_pd(p, mask); }
inline packet<float> load_first(const float* p, __m256i mask) { return _mm256_maskload_ps(p, mask); }
inline void store_first(double* p, __m256i mask, const packet<double>& v) { _mm256_maskstore_pd(p, mask, v); }
inline void store_first(float* p, __m256i mask, const packet<float>& v) { _mm256_maskstore_ps(p, mask, v); }

/// y = f(x) element by element: Eigen's packet function on every element whose input lies in
/// (lo, hi), where its result is a normal number, and the standard function on every other one
/// (overflow, subnormal or zero results, NaN, log of 0, of a negative or of a subnormal), where
/// Eigen's kernels clamp or flush. Every element, the tail included (a partial packet, read and
/// written through a lane mask, so a row of 10 costs three packets and no copies), takes the same
/// path whatever its position, the array's alignment and its neighbours, so an element's value
/// depends on that element alone. x and y may be the same array.
template <class T, class PacketFn, class ScalarFn>
void map(const T* x, T* y, std::size_t n, T lo, T hi, PacketFn pf, ScalarFn sf) {
    using P = packet<T>;
    namespace I = E::internal;
    constexpr std::size_t W = I::unpacket_traits<P>::size;
    const P plo = I::pset1<P>(lo), phi = I::pset1<P>(hi);
    // m ≤ W elements; a partial packet (m < W) reads and writes only its first m lanes
    const auto block = [&](const T* xs, T* ys, std::size_t m) {
        const __m256i mask = first_lanes<T>(m < W ? m : 0);
        const P xv = m == W ? I::ploadu<P>(xs) : load_first(xs, mask);
        const P r = pf(xv);
        const int ok = lanes(I::pand(I::pcmp_lt(plo, xv), I::pcmp_lt(xv, phi)));  // false for NaN
        const int used = (1 << m) - 1;
        if ((ok & used) == used) {
            if (m == W) I::pstoreu(ys, r);
            else store_first(ys, mask, r);
            return;
        }
        alignas(32) T out[W];
        I::pstoreu(out, r);
        for (std::size_t j = 0; j < m; ++j) ys[j] = (ok >> j) & 1 ? out[j] : sf(xs[j]);
    };
    std::size_t k = 0;
    for (; k + W <= n; k += W) block(x + k, y + k, W);
    if (k < n) block(x + k, y + k, n - k);
}

/// exp: inside a margin of the logs of the largest and the smallest normal number.
template <class T>
constexpr T exp_low = sizeof(T) == 8 ? T(-708.0) : T(-87.0);
template <class T>
constexpr T exp_high = sizeof(T) == 8 ? T(709.0) : T(88.0);

template <class T>
void exp_impl(const T* x, T* y, std::size_t n) {
    map(x, y, n, exp_low<T>, exp_high<T>, [](const packet<T>& v) { return E::internal::pexp(v); },
        [](T v) { return c_exp(v); });
}

/// log: normal positive inputs (lo is just below the smallest normal number, so it is included).
template <class T>
void log_impl(const T* x, T* y, std::size_t n) {
    constexpr T lo = sizeof(T) == 8 ? T(DBL_MIN) : T(FLT_MIN), hi = sizeof(T) == 8 ? T(DBL_MAX) : T(FLT_MAX);
    map(x, y, n, std::nextafter(lo, T(0)), hi, [](const packet<T>& v) { return E::internal::plog(v); },
        [](T v) { return c_log(v); });
}
}  // namespace

void exp(const double* x, double* y, std::size_t n) { exp_impl(x, y, n); }
void exp(const float* x, float* y, std::size_t n) { exp_impl(x, y, n); }
void log(const double* x, double* y, std::size_t n) { log_impl(x, y, n); }
void log(const float* x, float* y, std::size_t n) { log_impl(x, y, n); }
namespace {
/// The sweep kernels on whole packets: a += (g ≠ 0 ? p·g : +0), the product masked by the test
/// (NaN ≠ 0 holds, as in the scalar loop: an unordered compare), so the product and the sum are
/// rounded separately (the mask between them keeps the compiler from fusing them into an FMA)
/// and every element gets the scalar loop's number bit for bit; the tail runs the scalar loop.
inline __m256d mask_nonzero(__m256d g) { return _mm256_cmp_pd(g, _mm256_setzero_pd(), _CMP_NEQ_UQ); }
inline __m256 mask_nonzero(__m256 g) { return _mm256_cmp_ps(g, _mm256_setzero_ps(), _CMP_NEQ_UQ); }
inline __m256d load(const double* x) { return _mm256_loadu_pd(x); }
inline __m256 load(const float* x) { return _mm256_loadu_ps(x); }
inline void store(double* x, __m256d v) { _mm256_storeu_pd(x, v); }
inline void store(float* x, __m256 v) { _mm256_storeu_ps(x, v); }
inline __m256d mul(__m256d a, __m256d b) { return _mm256_mul_pd(a, b); }
inline __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
inline __m256d add(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
inline __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
inline __m256d and_(__m256d a, __m256d b) { return _mm256_and_pd(a, b); }
inline __m256 and_(__m256 a, __m256 b) { return _mm256_and_ps(a, b); }
inline __m256d splat(double c) { return _mm256_set1_pd(c); }
inline __m256 splat(float c) { return _mm256_set1_ps(c); }

template <class T>
void add_product_impl(T* a, const T* p, const T* g, std::size_t n) {
    constexpr std::size_t W = 32 / sizeof(T);
    std::size_t k = 0;
    for (; k + W <= n; k += W) {
        const auto gv = load(g + k);
        store(a + k, add(load(a + k), and_(mask_nonzero(gv), mul(load(p + k), gv))));
    }
    add_product_loop(a + k, p + k, g + k, n - k);
}
template <class T>
void add_scaled_impl(T* a, T c, const T* g, std::size_t n) {
    constexpr std::size_t W = 32 / sizeof(T);
    const auto cv = splat(c);
    std::size_t k = 0;
    for (; k + W <= n; k += W) {
        const auto gv = load(g + k);
        store(a + k, add(load(a + k), and_(mask_nonzero(gv), mul(cv, gv))));
    }
    add_scaled_loop(a + k, c, g + k, n - k);
}
/// Σ (g ≠ 0 ? term : 0) in two registers of partial sums (lanes 0..W−1 and W..2W−1 of
/// lane_sum), finished in the scalar loop's order: `packet(k, gv)` is the terms of elements
/// k..k+W−1 (their g in gv), `term(k)` one element's.
template <class T, class Packet, class Term>
T lane_sum_impl(const T* g, std::size_t n, Packet packet, Term term) {
    constexpr std::size_t W = 32 / sizeof(T);
    auto a0 = splat(T(0)), a1 = splat(T(0));
    std::size_t k = 0;
    for (; k + 2 * W <= n; k += 2 * W) {
        const auto g0 = load(g + k), g1 = load(g + k + W);
        a0 = add(a0, and_(mask_nonzero(g0), packet(k, g0)));
        a1 = add(a1, and_(mask_nonzero(g1), packet(k + W, g1)));
    }
    alignas(32) T acc[2 * W];
    store(acc, a0), store(acc + W, a1);
    return lane_finish<2 * W>(acc, g, k, n, term);
}
template <class T>
T sum_product_impl(const T* p, const T* g, std::size_t n) {
    return lane_sum_impl(g, n, [&](std::size_t k, const auto& gv) { return mul(load(p + k), gv); },
                         [&](std::size_t j) { return p[j] * g[j]; });
}
template <class T>
T sum_scaled_impl(T c, const T* g, std::size_t n) {
    const auto cv = splat(c);
    return lane_sum_impl(g, n, [&](std::size_t, const auto& gv) { return mul(cv, gv); }, [&](std::size_t j) { return c * g[j]; });
}
}  // namespace

double sum_product(const double* p, const double* g, std::size_t n) { return sum_product_impl(p, g, n); }
float sum_product(const float* p, const float* g, std::size_t n) { return sum_product_impl(p, g, n); }
double sum_scaled(double c, const double* g, std::size_t n) { return sum_scaled_impl(c, g, n); }
float sum_scaled(float c, const float* g, std::size_t n) { return sum_scaled_impl(c, g, n); }

void add_product(double* a, const double* p, const double* g, std::size_t n) { add_product_impl(a, p, g, n); }
void add_product(float* a, const float* p, const float* g, std::size_t n) { add_product_impl(a, p, g, n); }
void add_scaled(double* a, double c, const double* g, std::size_t n) { add_scaled_impl(a, c, g, n); }
void add_scaled(float* a, float c, const float* g, std::size_t n) { add_scaled_impl(a, c, g, n); }

}  // namespace ad::kernels::avx2
