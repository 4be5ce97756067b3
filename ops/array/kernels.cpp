/// \file kernels.cpp
/// The baseline kernels (the standard functions, element by element) and the runtime choice
/// between them and the AVX2+FMA kernels of kernels_avx2.cpp (see kernels.hpp).
#include "ops/array/kernels.hpp"

#include <atomic>
#include <cmath>

namespace ad::kernels {

#if defined(ADIFF_KERNELS_AVX2)
namespace avx2 {
void exp(const double* x, double* y, std::size_t n);
void exp(const float* x, float* y, std::size_t n);
void log(const double* x, double* y, std::size_t n);
void log(const float* x, float* y, std::size_t n);
void add_product(double* a, const double* p, const double* g, std::size_t n);
void add_product(float* a, const float* p, const float* g, std::size_t n);
void add_scaled(double* a, double c, const double* g, std::size_t n);
void add_scaled(float* a, float c, const float* g, std::size_t n);
}  // namespace avx2
#endif

namespace baseline {
template <class T>
void exp(const T* x, T* y, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) y[k] = std::exp(x[k]);
}
template <class T>
void log(const T* x, T* y, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) y[k] = std::log(x[k]);
}
template <class T>
void add_product(T* __restrict a, const T* __restrict p, const T* __restrict g, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) a[k] += g[k] != T(0) ? p[k] * g[k] : T(0);
}
template <class T>
void add_scaled(T* __restrict a, T c, const T* __restrict g, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k) a[k] += g[k] != T(0) ? c * g[k] : T(0);
}
}  // namespace baseline

namespace {
std::atomic<bool> forced_baseline{false};

bool cpu_has_avx2() {
#if defined(ADIFF_KERNELS_AVX2) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return has;
#else
    return false;
#endif
}

bool use_avx2() { return cpu_has_avx2() && !forced_baseline.load(std::memory_order_relaxed); }
}  // namespace

#if defined(ADIFF_KERNELS_AVX2)
#define ADIFF_KERNEL(name, R, PARAMS, ARGS)                            \
    R name PARAMS {                                                    \
        if (use_avx2()) return avx2::name ARGS;                        \
        return baseline::name ARGS;                                    \
    }
#else
#define ADIFF_KERNEL(name, R, PARAMS, ARGS) \
    R name PARAMS { return baseline::name ARGS; }
#endif
ADIFF_KERNEL(exp, void, (const double* x, double* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(exp, void, (const float* x, float* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(log, void, (const double* x, double* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(log, void, (const float* x, float* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(add_product, void, (double* a, const double* p, const double* g, std::size_t n), (a, p, g, n))
ADIFF_KERNEL(add_product, void, (float* a, const float* p, const float* g, std::size_t n), (a, p, g, n))
ADIFF_KERNEL(add_scaled, void, (double* a, double c, const double* g, std::size_t n), (a, c, g, n))
ADIFF_KERNEL(add_scaled, void, (float* a, float c, const float* g, std::size_t n), (a, c, g, n))
#undef ADIFF_KERNEL

const char* instruction_set() { return use_avx2() ? "avx2+fma" : "baseline"; }
void force_baseline(bool on) { forced_baseline.store(on, std::memory_order_relaxed); }

}  // namespace ad::kernels
