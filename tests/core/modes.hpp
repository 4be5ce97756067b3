#pragma once
// Every mode and order of the engine on one scalar function f(x) written ONCE as a generic
// lambda over `const std::vector<X>&`: first derivatives by forward mode (8 lanes and 1 lane),
// reverse mode and Replay; second derivatives forward-over-forward (Dual<Dual<T>>),
// forward-over-reverse (ad::hessian: Var<Dual<T, L>>), reverse-over-forward (Dual<Var<T>>)
// and a Replay of Dual<T> (its gradient's tangents are Hessian columns). Tests compare every
// mode against one expected table (tests/core/test_conventions.cpp, test_checked_derivatives.cpp).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ad/adiff.hpp"

namespace modes {

/// One way to compute ∇f: its name and the computation.
template <class T>
struct gradient_mode {
    std::string name;
    std::function<std::vector<T>(const std::vector<T>&)> run;
};
/// One way to compute the Hessian (row-major n×n).
template <class T>
struct hessian_mode {
    std::string name;
    std::function<std::vector<T>(const std::vector<T>&)> run;
};

/// The value of f at x by its plain evaluation.
template <class T, class F>
T value(F f, const std::vector<T>& x) { return f(x); }

/// Every first-order mode of f.
template <class T, class F>
std::vector<gradient_mode<T>> gradients(F f) {
    return {
        {"forward (8 lanes)", [f](const std::vector<T>& x) {
             const auto J = ad::jacobian_forward<8>(f, x);
             return std::vector<T>(J.begin(), J.end());
         }},
        {"forward (1 lane)", [f](const std::vector<T>& x) {
             const auto J = ad::jacobian_forward<1>(f, x);
             return std::vector<T>(J.begin(), J.end());
         }},
        {"reverse", [f](const std::vector<T>& x) { return ad::gradient(f, x); }},
        {"replay", [f](const std::vector<T>& x) {
             ad::Replay<T> r(f, x);
             return r.gradient(x);
         }},
    };
}

/// Every second-order mode of f (n = |x| inputs).
template <class T, class F>
std::vector<hessian_mode<T>> hessians(F f) {
    return {
        {"forward-over-forward", [f](const std::vector<T>& x) {
             using D = ad::Dual<T>;
             using DD = ad::Dual<D>;
             const std::size_t n = x.size();
             std::vector<T> H(n * n);
             for (std::size_t i = 0; i < n; ++i)
                 for (std::size_t j = 0; j < n; ++j) {
                     std::vector<DD> xd(n);
                     for (std::size_t k = 0; k < n; ++k)
                         xd[k] = DD(D(x[k], T(k == j ? 1 : 0)), D(T(k == i ? 1 : 0)));
                     H[i * n + j] = f(std::as_const(xd)).t[0].t[0];
                 }
             return H;
         }},
        {"forward-over-reverse", [f](const std::vector<T>& x) {
             const auto H = ad::hessian(f, x);
             return std::vector<T>(H.begin(), H.end());
         }},
        {"reverse-over-forward", [f](const std::vector<T>& x) {
             const std::size_t n = x.size();
             std::vector<T> H(n * n);
             for (std::size_t i = 0; i < n; ++i) {
                 const auto row = ad::gradient([&](const auto& v) {
                     using X = std::decay_t<decltype(v[0])>;
                     std::vector<ad::Dual<X>> d(v.size());
                     for (std::size_t k = 0; k < v.size(); ++k) d[k] = ad::Dual<X>(v[k], X(T(k == i ? 1 : 0)));
                     return f(std::as_const(d)).t[0];
                 }, x);
                 for (std::size_t j = 0; j < n; ++j) H[i * n + j] = row[j];
             }
             return H;
         }},
        {"replay of Dual", [f](const std::vector<T>& x) {
             using D = ad::Dual<T>;
             const std::size_t n = x.size();
             std::vector<D> x0(x.begin(), x.end());
             ad::Replay<D> r(f, x0);
             std::vector<T> H(n * n);
             for (std::size_t j = 0; j < n; ++j) {
                 std::vector<D> xd(n);
                 for (std::size_t k = 0; k < n; ++k) xd[k] = D(x[k], T(k == j ? 1 : 0));
                 const auto g = r.gradient(xd);
                 for (std::size_t i = 0; i < n; ++i) H[i * n + j] = g[i].t[0];
             }
             return H;
         }},
    };
}

}  // namespace modes
