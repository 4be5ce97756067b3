#pragma once
/// \file kernels_loops.hpp
/// Private to kernels.cpp and kernels_avx2.cpp: the plain loops both instruction sets compile.
/// Internal linkage (an unnamed namespace), so each translation unit keeps its own copy built
/// for its own instruction set and the linker never merges the AVX2 one into baseline code; the
/// math calls are libm's C functions (exp, expf, ...), not C++'s inline overloads, for the same
/// reason (an unoptimised build would emit those as shared weak symbols).
#include <math.h>

#include <cstddef>

namespace ad::kernels {
namespace {

inline double c_exp(double x) { return ::exp(x); }
inline float c_exp(float x) { return ::expf(x); }
inline double c_log(double x) { return ::log(x); }
inline float c_log(float x) { return ::logf(x); }

template <class T>
void exp_loop(const T* x, T* y, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) y[k] = c_exp(x[k]);
}
template <class T>
void log_loop(const T* x, T* y, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) y[k] = c_log(x[k]);
}
/// a[k] += p[k]·g[k] where g[k] ≠ 0.
template <class T>
void add_product_loop(T* __restrict a, const T* __restrict p, const T* __restrict g, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) a[k] += g[k] != T(0) ? p[k] * g[k] : T(0);
}
/// a[k] += c·g[k] where g[k] ≠ 0.
template <class T>
void add_scaled_loop(T* __restrict a, T c, const T* __restrict g, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) a[k] += g[k] != T(0) ? c * g[k] : T(0);
}

/// The end of lane_sum (below) from its L partial sums at element k: those in order, then the
/// tail.
template <std::size_t L, class T, class Term>
T lane_finish(const T* acc, const T* __restrict g, std::size_t k, std::size_t n, Term term) {
    T s = acc[0];
    for (std::size_t j = 1; j < L; ++j) s += acc[j];
    for (; k < n; ++k) s += g[k] != T(0) ? term(k) : T(0);
    return s;
}
/// Σ (g[k] ≠ 0 ? term(k) : 0) in L interleaved partial sums, then those in order, then the tail
/// (the order of kernels.hpp's sum_product, which the AVX2 kernel reproduces).
template <std::size_t L, class T, class Term>
T lane_sum(const T* __restrict g, std::size_t n, Term term) {
    T acc[L] = {};
    std::size_t k = 0;
    for (; k + L <= n; k += L)
        for (std::size_t j = 0; j < L; ++j) acc[j] += g[k + j] != T(0) ? term(k + j) : T(0);
    return lane_finish<L>(acc, g, k, n, term);
}
template <class T>
T sum_product_loop(const T* __restrict p, const T* __restrict g, std::size_t n) {
    return lane_sum<64 / sizeof(T)>(g, n, [&](std::size_t k) { return p[k] * g[k]; });
}
template <class T>
T sum_scaled_loop(T c, const T* __restrict g, std::size_t n) {
    return lane_sum<64 / sizeof(T)>(g, n, [&](std::size_t k) { return c * g[k]; });
}

}  // namespace
}  // namespace ad::kernels
