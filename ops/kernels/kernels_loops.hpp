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

}  // namespace
}  // namespace ad::kernels
