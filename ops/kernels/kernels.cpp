/// \file kernels.cpp
/// The runtime choice between the baseline kernels (the loops of kernels_loops.hpp: the
/// standard functions element by element) and the AVX2+FMA kernels of kernels_avx2.cpp.
#include "ops/kernels/kernels.hpp"
#include "ops/kernels/kernels_avx2.hpp"
#include "ops/kernels/kernels_loops.hpp"

#include <atomic>
#include <cmath>

namespace ad::kernels {

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
        return name##_loop ARGS;                                       \
    }
#else
#define ADIFF_KERNEL(name, R, PARAMS, ARGS) \
    R name PARAMS { return name##_loop ARGS; }
#endif
ADIFF_KERNEL(exp, void, (const double* x, double* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(exp, void, (const float* x, float* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(log, void, (const double* x, double* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(log, void, (const float* x, float* y, std::size_t n), (x, y, n))
ADIFF_KERNEL(add_product, void, (double* a, const double* p, const double* g, std::size_t n), (a, p, g, n))
ADIFF_KERNEL(add_product, void, (float* a, const float* p, const float* g, std::size_t n), (a, p, g, n))
ADIFF_KERNEL(add_scaled, void, (double* a, double c, const double* g, std::size_t n), (a, c, g, n))
ADIFF_KERNEL(add_scaled, void, (float* a, float c, const float* g, std::size_t n), (a, c, g, n))
ADIFF_KERNEL(sum_product, double, (const double* p, const double* g, std::size_t n), (p, g, n))
ADIFF_KERNEL(sum_product, float, (const float* p, const float* g, std::size_t n), (p, g, n))
ADIFF_KERNEL(sum_scaled, double, (double c, const double* g, std::size_t n), (c, g, n))
ADIFF_KERNEL(sum_scaled, float, (float c, const float* g, std::size_t n), (c, g, n))
#undef ADIFF_KERNEL

const char* instruction_set() { return use_avx2() ? "avx2+fma" : "baseline"; }
void force_baseline(bool on) { forced_baseline.store(on, std::memory_order_relaxed); }

}  // namespace ad::kernels
