#pragma once
/// \file softmax_ce.hpp
/// Workload (1): the loss CE(softmax(z), t) = −log softmax(z)_t with the stable softmax
/// (z shifted by its max), written once per style so each contender runs the same arithmetic.
#include <cmath>
#include <cstddef>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/reverse/replay.hpp"

namespace bench {

/// adiff style: max and Σ are one n-ary primitive each (`ad::max`, `ad::sum`); X may be
/// double (the plain function), ad::Var, ad::Dual or any adiff scalar.
template <class X>
X softmax_ce(const std::vector<X>& z, std::size_t t) {
    using std::exp, std::log;
    const X m = ad::max(z);
    std::vector<X> e(z.size()), p(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) e[i] = exp(z[i] - m);
    const X s = ad::sum(e);
    for (std::size_t i = 0; i < z.size(); ++i) p[i] = e[i] / s;
    return -log(p[t]);
}

/// adiff on arrays, the same primitives as softmax_ce: on Array<Var<double>> each of z − m, exp,
/// sum and ÷ s is one array statement (ops/array/array_statement.hpp), swept by vector loops.
template <class X>
X softmax_ce_array(const std::vector<X>& z, std::size_t t) {
    using std::log;
    const ad::Array<X> a(ad::Shape{z.size()}, z);
    const X m = ad::max(a);
    const ad::Array<X> e = ad::exp(a - m);
    const X s = ad::sum(e);
    const ad::Array<X> p = e / s;
    return X(-log(p[t]));
}

/// adiff with the fused rules: the cross_entropy rule (one tape call, one output, O(Q) VJP).
template <class X>
X softmax_ce_fused(const std::vector<X>& z, std::size_t t) {
    return ad::cross_entropy(ad::Array<X>(ad::Shape{z.size()}, z), {t})[0];
}

/// Peer style (only what every AD library offers): max by comparisons, Σ by a loop of adds.
template <class X>
X softmax_ce_loop(const std::vector<X>& z, std::size_t t) {
    using std::exp, std::log;
    X m = z[0];
    for (std::size_t i = 1; i < z.size(); ++i)
        if (z[i] > m) m = z[i];
    std::vector<X> e(z.size()), p(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) e[i] = exp(z[i] - m);
    X s = e[0];
    for (std::size_t i = 1; i < z.size(); ++i) s += e[i];
    for (std::size_t i = 0; i < z.size(); ++i) p[i] = e[i] / s;
    return -log(p[t]);
}

/// The hand-written analytic gradient p − onehot(t) into `g` (one pass of exps): the limit.
inline double softmax_ce_analytic(const std::vector<double>& z, std::size_t t, std::vector<double>& g) {
    double m = z[0];
    for (double v : z) m = v > m ? v : m;
    double s = 0;
    for (std::size_t i = 0; i < z.size(); ++i) s += g[i] = std::exp(z[i] - m);
    const double inv = 1.0 / s;
    for (double& v : g) v *= inv;
    const double loss = -std::log(g[t]);
    g[t] -= 1.0;
    return loss;
}

}  // namespace bench
