#pragma once
/// \file kernels.hpp
/// Vectorised loops on contiguous arrays of double and float, the lowest layer of the engine:
/// y = exp(x) and y = log(x) over n elements, for the fused softmax rules (ops/rules/fused.hpp)
/// and the array statements of reverse mode (ops/array/array_statement.hpp), and the array
/// statements' sweep a += p·g.
///
/// Compiled once (kernels.cpp, linked by adiff::ad) with a runtime choice of instruction set:
/// on a CPU with AVX2 and FMA, Eigen's packet math 4 doubles / 8 floats at a time (2.5x glibc's
/// scalar exp on this project's bench machine); elsewhere the scalar loop of std::exp/std::log.
/// Either way each element's result depends on that element alone (not on its position, the
/// array's alignment or its neighbours), and the results are std::exp/std::log's within 2 ulp (the sweep's sums may differ in
/// the last bit where AVX2 fuses a multiply and an add), and exactly theirs wherever a result is
/// not a normal number: overflow to inf, underflow to subnormals and 0, log of 0,
/// of a subnormal, of a negative number, of inf and of NaN (Eigen's own kernels flush or clamp
/// some of those; the edges are recomputed by the standard functions).
#include <cstddef>

namespace ad::kernels {

/// y[k] = e^{x[k]} for k < n (x and y may be the same array).
void exp(const double* x, double* y, std::size_t n);
void exp(const float* x, float* y, std::size_t n);
/// y[k] = log(x[k]) for k < n (x and y may be the same array).
void log(const double* x, double* y, std::size_t n);
void log(const float* x, float* y, std::size_t n);

/// The sweep of an array statement (array_statement.hpp), over the elements whose adjoint
/// g[k] is nonzero (a zero adjoint adds nothing, as in the scalar sweep, even to an infinite
/// partial): a[k] += p[k]·g[k], and a[k] += c·g[k] for one partial c. a does not overlap p or g.
void add_product(double* a, const double* p, const double* g, std::size_t n);
void add_product(float* a, const float* p, const float* g, std::size_t n);
void add_scaled(double* a, double c, const double* g, std::size_t n);
void add_scaled(float* a, float c, const float* g, std::size_t n);
/// The sweep of an array statement into one adjoint (a broadcast scalar operand): the sum over
/// the elements whose g[k] is nonzero of p[k]·g[k] (sum_product) or of c·g[k] (sum_scaled). The
/// products are summed in L = 64 / sizeof(T) interleaved partial sums (element k < n − n mod L
/// into sum k mod L; two AVX2 registers), then those in order, then the tail in order: one fixed
/// order, so both instruction sets give the same number bit for bit, and the sum is not one
/// dependent chain of additions.
double sum_product(const double* p, const double* g, std::size_t n);
float sum_product(const float* p, const float* g, std::size_t n);
double sum_scaled(double c, const double* g, std::size_t n);
float sum_scaled(float c, const float* g, std::size_t n);

/// The instruction set the kernels run on in this process: "avx2+fma" or "baseline".
const char* instruction_set();
/// Forces the baseline kernels (true) or restores the runtime choice (false): for tests that
/// compare both paths and for users who need glibc's last bit. Not thread-safe against
/// concurrent kernel calls; set it before starting threads.
void force_baseline(bool on);

}  // namespace ad::kernels
