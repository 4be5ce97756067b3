#pragma once
/// \file kernels_avx2.hpp
/// Private to the kernels library: the AVX2+FMA kernels of kernels_avx2.cpp, which kernels.cpp
/// calls only on CPUs that have both (same contracts as kernels.hpp).
#include <cstddef>

namespace ad::kernels::avx2 {
void exp(const double* x, double* y, std::size_t n);
void exp(const float* x, float* y, std::size_t n);
void log(const double* x, double* y, std::size_t n);
void log(const float* x, float* y, std::size_t n);
void add_product(double* a, const double* p, const double* g, std::size_t n);
void add_product(float* a, const float* p, const float* g, std::size_t n);
void add_scaled(double* a, double c, const double* g, std::size_t n);
void add_scaled(float* a, float c, const float* g, std::size_t n);
double sum_product(const double* p, const double* g, std::size_t n);
float sum_product(const float* p, const float* g, std::size_t n);
double sum_scaled(double c, const double* g, std::size_t n);
float sum_scaled(float c, const float* g, std::size_t n);
}  // namespace ad::kernels::avx2
