// A Jacobian row of the fused softmax and log_softmax in reverse mode: Tape::gradient_of seeds
// one output of the fused call, and the call's unit VJP adds that row of its Jacobian in one
// pass (no ⟨g, s⟩). Its numbers must be the full VJP's bit for bit (compared with ad::vjp, whose
// seed goes through the plain sweep): dominant entries, underflowed probabilities, ties, rows of
// one, several rows, scattered and partly constant inputs, NaN and ±inf logits, and Var<Dual>
// (Hessians). A row whose output adjoints are all zero adds nothing, so a NaN in one row does not
// reach the gradient of another row's output (as in forward mode).
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "ad/drivers/batch_jacobian.hpp"
#include "array/helpers.hpp"
#include "support/bits.hpp"

using ad::Array;
using ad::Shape;

namespace {

using adt::same_bits;

/// M rows of Q logits in [−lo, lo] with a few special rows.
std::vector<double> logits(std::size_t M, std::size_t Q, unsigned seed, double lo) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-lo, lo);
    std::vector<double> z(M * Q);
    for (double& v : z) v = u(rng);
    return z;
}

/// The rows of z (M × Q, row-major) through rule `log` ? log_softmax : softmax, as f of a
/// flat vector, optionally with every third input made a constant (scattered, partly inactive).
auto rows(std::size_t M, std::size_t Q, bool log, bool constants) {
    return [=](const auto& x) {
        using X = std::remove_cvref_t<decltype(x[0])>;
        std::vector<X> v(x.begin(), x.end());
        if constexpr (!std::is_arithmetic_v<X>)
            if (constants)
                for (std::size_t k = 0; k < v.size(); k += 3) v[k] = X(ad::val(v[k]));
        const Array<X> Z(Shape{M, Q}, std::move(v));
        return log ? ad::log_softmax(Z) : ad::softmax(Z);
    };
}

/// jacobian_reverse (unit VJPs) against ad::vjp seeded by each e_i (the plain sweep), bit for bit.
void rows_agree(const std::vector<double>& z, std::size_t M, std::size_t Q, bool log, bool constants) {
    const auto f = rows(M, Q, log, constants);
    const Array<double> J = ad::jacobian_reverse(f, z);
    const std::size_t n = z.size();
    REQUIRE(J.shape() == Shape{n, n});
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<double> u(n, 0.0);
        u[i] = 1.0;
        const auto [y, g] = ad::vjp(f, z, u);
        for (std::size_t j = 0; j < n; ++j) {
            INFO("output " << i << ", input " << j << ": " << J(i, j) << " vs " << g[j]);
            REQUIRE(same_bits(J(i, j), g[j]));
        }
    }
}

}  // namespace

TEST_CASE("unit VJP rows of fused softmax and log_softmax equal the full VJP bit for bit", "[softmax][reverse][jacobian]") {
    for (bool log : {false, true}) {
        for (bool constants : {false, true}) {
            INFO((log ? "log_softmax" : "softmax") << (constants ? ", every third input constant" : ""));
            rows_agree(logits(1, 1, 1, 3.0), 1, 1, log, constants);
            rows_agree(logits(1, 7, 2, 3.0), 1, 7, log, constants);
            rows_agree(logits(3, 5, 3, 3.0), 3, 5, log, constants);
            rows_agree(logits(2, 40, 4, 3.0), 2, 40, log, constants);
            // wide logits: underflowed probabilities (s_k = 0) next to a dominant entry (s_m ≈ 1)
            rows_agree(logits(2, 9, 5, 800.0), 2, 9, log, constants);
            // ties at the maximum, a dominant entry and equal rows
            std::vector<double> z{4, 4, 1, -2, 50, 0, 0, 0, 0, 0, 1, 1};
            rows_agree(z, 3, 4, log, constants);
            // NaN and ±inf logits: the rows holding them are NaN, the others finite
            const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
            rows_agree(std::vector<double>{1, nan, 2, 0, 1, 2, inf, 0, 3, -inf, 1, 2}, 4, 3, log, constants);
        }
    }
}

TEST_CASE("Jacobian rows by unit VJPs: the closed form, forward mode, and no NaN across rows", "[softmax][reverse][jacobian]") {
    const std::size_t M = 3, Q = 6;
    std::vector<double> z = logits(M, Q, 9, 4.0);
    const Array<double> Jr = ad::jacobian_reverse(rows(M, Q, false, false), z);
    const Array<double> Jf = ad::jacobian_forward(rows(M, Q, false, false), z);
    const Array<double> s = ad::softmax(Array<double>(Shape{M, Q}, z));
    for (std::size_t i = 0; i < M * Q; ++i)
        for (std::size_t j = 0; j < M * Q; ++j) {
            const std::size_t r = i / Q, c = j / Q;
            const double want = r != c ? 0.0 : s[i] * ((i == j ? 1.0 : 0.0) - s[j]);
            CHECK(Jr(i, j) == Approx(want).margin(1e-16).epsilon(1e-14));
            CHECK(Jr(i, j) == Approx(Jf(i, j)).margin(1e-16).epsilon(1e-14));
        }
    // a NaN in row 2: rows 0 and 1 of the Jacobian are unaffected (exact zeros off their block)
    z[2 * Q + 1] = std::numeric_limits<double>::quiet_NaN();
    const Array<double> Jn = ad::jacobian_reverse(rows(M, Q, false, false), z);
    const Array<double> Jfn = ad::jacobian_forward(rows(M, Q, false, false), z);
    for (std::size_t i = 0; i < 2 * Q; ++i)
        for (std::size_t j = 0; j < M * Q; ++j) {
            CHECK(same_bits(Jn(i, j), Jr(i, j)));
            CHECK(same_bits(Jn(i, j), Jfn(i, j)));
        }
    for (std::size_t i = 2 * Q; i < M * Q; ++i) CHECK(std::isnan(Jn(i, 2 * Q)));
    // the gradient of a sum that only reads row 0 ignores the NaN row in reverse mode too
    const auto g = ad::gradient(
        [&](const auto& x) {
            const auto y = rows(M, Q, true, false)(x);
            auto acc = y[0];
            for (std::size_t k = 1; k < Q; ++k) acc = acc + y[k] * double(k);
            return acc;
        },
        z);
    for (std::size_t j = 0; j < Q; ++j) CHECK(std::isfinite(g[j]));
    for (std::size_t j = Q; j < M * Q; ++j) CHECK(same_bits(g[j], 0.0));
}

TEST_CASE("unit VJP rows on Var<Dual>: the Hessian of one softmax output", "[softmax][reverse][hessian]") {
    const std::vector<double> z{0.3, -1.2, 2.0, 0.7};
    for (std::size_t k = 0; k < z.size(); ++k) {
        INFO("output " << k);
        const auto f = [k](const auto& x) {
            using X = std::remove_cvref_t<decltype(x[0])>;
            return ad::softmax(Array<X>(Shape{x.size()}, std::vector<X>(x.begin(), x.end())))[k];
        };
        const auto h = ad::hessian_full(f, z);
        const auto hf = ad::hessian_forward(f, z);
        const auto g = ad::gradient(f, z);
        // the double row's exps are the vectorised kernel's, the Dual row's std::exp (ops/kernels:
        // the last 2 ulp may differ), so the gradients agree to rounding, not bit for bit
        for (std::size_t j = 0; j < z.size(); ++j) CHECK(h.gradient[j] == Approx(g[j]).epsilon(1e-15).margin(1e-17));
        AT_CLOSE(h.hessian, hf.hessian, 1e-15, 1e-13);
    }
}

TEST_CASE("batch Jacobian columns by unit VJPs, one per row: bit for bit the plain sweep's", "[softmax][reverse][jacobian][batch]") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    for (bool log : {false, true}) {
        for (bool constants : {false, true}) {
            for (const auto& mq : {std::pair<std::size_t, std::size_t>{1, 1}, {4, 3}, {5, 9}, {3, 40}}) {
                const std::size_t M = mq.first, Q = mq.second;
                INFO((log ? "log_softmax" : "softmax") << (constants ? ", every third input constant" : "") << ", M = " << M << ", Q = " << Q);
                std::vector<double> z = logits(M, Q, unsigned(7 * M + Q), 6.0);
                if (M > 2) z[Q + 1] = nan, z[2 * Q] = inf;  // rows 1 and 2 NaN
                const auto g = [=](const auto& X) {
                    using X_t = std::remove_cvref_t<decltype(X[0])>;
                    return Array<X_t>(Shape{M, Q}, rows(M, Q, log, constants)(X.values()).values());
                };
                const Array<double> B = ad::batch_jacobian_reverse(g, Array<double>(Shape{M, Q}, z));
                REQUIRE(B.shape() == Shape{M, Q, Q});
                const auto flat = rows(M, Q, log, constants);
                for (std::size_t q = 0; q < Q; ++q) {
                    std::vector<double> u(M * Q, 0.0);
                    for (std::size_t p = 0; p < M; ++p) u[p * Q + q] = 1.0;
                    const auto [y, col] = ad::vjp(flat, z, u);  // seeds every row's output q, plain sweep
                    for (std::size_t p = 0; p < M; ++p)
                        for (std::size_t j = 0; j < Q; ++j) {
                            INFO("block " << p << ", output " << q << ", input " << j);
                            REQUIRE(same_bits(B[(p * Q + q) * Q + j], col[p * Q + j]));
                        }
                }
            }
        }
    }
}
