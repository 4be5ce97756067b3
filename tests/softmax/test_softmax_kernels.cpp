// The fused softmax rules on plain numbers take their exps from the vectorised kernel
// (ops/kernels/kernels.hpp): the values of double, Var<double> and Dual<double, N> are one
// computation, so they agree bit for bit; they are within a few ulp of the std::exp-based
// values, glibc's bit for bit under ad::kernels::force_baseline(true), and the same wherever an
// exp is not a normal number (underflow to subnormals and 0, −inf logits, NaN).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "array/helpers.hpp"
#include "support/bits.hpp"

using ad::Array;
using ad::Shape;

namespace {

/// Restores the runtime kernel choice at scope exit.
struct baseline_kernels {
    explicit baseline_kernels(bool on) { ad::kernels::force_baseline(on); }
    ~baseline_kernels() { ad::kernels::force_baseline(false); }
};

using adt::same_bits;

/// M rows of Q logits: random in [−30, 30], plus rows that reach the edges of exp.
Array<double> logits(std::size_t M, std::size_t Q, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-30.0, 30.0);
    Array<double> z(Shape{M, Q});
    for (double& v : z) v = u(rng);
    return z;
}

/// The three fused outputs of z in one mode X (values only), concatenated.
template <class X>
std::vector<double> fused_values(const Array<double>& z) {
    const Array<X> zx = ad::cast<X>(z);
    std::vector<double> out;
    for (const auto& a : {ad::softmax(zx), ad::log_softmax(zx), ad::logsumexp(zx)})
        for (const X& v : a) out.push_back(ad::val(v));
    return out;
}

/// The same, every exp by std::exp in a plain loop: the rule's formulas written out.
std::vector<double> reference(const Array<double>& z) {
    const std::size_t M = z.rows(), Q = z.cols();
    std::vector<double> s(M * Q), ls(M * Q), lse(M);
    for (std::size_t r = 0; r < M; ++r) {
        const double* zr = z.data() + r * Q;
        std::size_t k = 0;
        for (std::size_t i = 0; i < Q; ++i)
            if (std::isnan(zr[i])) { k = i; break; } else if (zr[i] > zr[k]) k = i;
        std::vector<double> e(Q);
        for (std::size_t i = 0; i < Q; ++i) e[i] = i == k ? 1.0 : std::exp(zr[i] - zr[k]);
        // Σ_{i≠k} e_i in the rule's order: four partial sums over i ≡ 0, 1, 2, 3 (mod 4) of the
        // blocks below k, then of the blocks above it, the remainders into the first
        double part[4] = {0, 0, 0, 0};
        const auto range = [&](std::size_t from, std::size_t to) {
            std::size_t j = from;
            for (; j + 4 <= to; j += 4)
                for (std::size_t u = 0; u < 4; ++u) part[u] += e[j + u];
            for (; j < to; ++j) part[0] += e[j];
        };
        range(0, k);
        range(k + 1, Q);
        const double rest = (part[0] + part[1]) + (part[2] + part[3]);
        const double lt = ad::rules::logsumexp::log1p_exact(rest);
        for (std::size_t i = 0; i < Q; ++i) s[r * Q + i] = e[i] / (1.0 + rest), ls[r * Q + i] = (zr[i] - zr[k]) - lt;
        lse[r] = zr[k] + lt;
    }
    std::vector<double> out(s);
    out.insert(out.end(), ls.begin(), ls.end());
    out.insert(out.end(), lse.begin(), lse.end());
    return out;
}

}  // namespace

TEST_CASE("fused softmax, log_softmax, logsumexp: double, Var<double> and Dual<double, N> values agree bit for bit",
          "[softmax][kernels]") {
    using V = ad::Var<double>;
    using D = ad::Dual<double, 4>;
    for (const auto& [M, Q] : {std::pair<std::size_t, std::size_t>{1, 1}, {1, 3}, {4, 7}, {3, 64}, {2, 1000}}) {
        const Array<double> z = logits(M, Q, unsigned(M * 1000 + Q));
        const auto d = fused_values<double>(z);
        ad::Tape<double> tape;
        ad::recording<double> rec(tape);
        const auto v = fused_values<V>(z);
        const auto f = fused_values<D>(z);
        REQUIRE(d.size() == v.size());
        REQUIRE(d.size() == f.size());
        std::size_t differ = 0;
        for (std::size_t k = 0; k < d.size(); ++k) {
            if (!same_bits(d[k], v[k]) || !same_bits(d[k], f[k])) UNSCOPED_INFO("entry " << k << " of " << d.size() << ": " << std::hexfloat << d[k] << " " << v[k] << " " << f[k] << " z " << z[k % (M * Q)]);
            differ += !same_bits(d[k], v[k]) || !same_bits(d[k], f[k]);
        }
        CAPTURE(M, Q);
        CHECK(differ == 0);
    }
}

TEST_CASE("fused rules' values: within a few ulp of std::exp's, and glibc's bit for bit with baseline kernels",
          "[softmax][kernels]") {
    const Array<double> z = logits(8, 333, 7);
    const auto want = reference(z);
    const auto got = fused_values<double>(z);
    REQUIRE(got.size() == want.size());
    double worst = 0;  // in ulp of the reference
    for (std::size_t k = 0; k < got.size(); ++k) {
        const double ulp = std::nextafter(std::abs(want[k]), INFINITY) - std::abs(want[k]);
        worst = std::max(worst, std::abs(got[k] - want[k]) / ulp);
    }
    CHECK(worst <= 8.0);  // each exp within 2 ulp; a sum of them and a division on top
    baseline_kernels glibc(true);
    const auto base = fused_values<double>(z);
    std::size_t differ = 0;
    for (std::size_t k = 0; k < base.size(); ++k) differ += !same_bits(base[k], want[k]);
    CHECK(differ == 0);
}

TEST_CASE("fused rules' values where an exp is not a normal number: the same with either kernel", "[softmax][kernels][edge]") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    // rows: exps underflowing to subnormals (z − m in (−745, −708)) and to 0; −inf logits; a NaN;
    // every entry −inf; +inf with finite entries
    const std::vector<std::vector<double>> rows = {
        {0.0, -709.5, -720.25, -740.0, -744.9, -746.0, -800.0, -1e300},
        {3.0, -inf, 2.0, -inf, 1.0, -inf, 0.5, 0.25},
        {1.0, 2.0, nan, 0.0, -1.0, 4.0, 5.0, 6.0},
        {-inf, -inf, -inf, -inf, -inf, -inf, -inf, -inf},
        {inf, 1.0, 2.0, 3.0, -inf, 0.0, 4.0, 5.0},
    };
    for (const auto& row : rows) {
        const Array<double> z(Shape{1, row.size()}, row);
        const auto fast = fused_values<double>(z);
        std::vector<double> base;
        {
            baseline_kernels glibc(true);
            base = fused_values<double>(z);
        }
        const auto want = reference(z);
        CAPTURE(row);
        for (std::size_t k = 0; k < fast.size(); ++k) {
            CAPTURE(k, fast[k], base[k], want[k]);
            CHECK(same_bits(base[k], want[k]));
            const bool normal = std::isnormal(want[k]) || want[k] == 0.0;
            if (!normal || std::abs(want[k]) < 1e-300) CHECK(same_bits(fast[k], want[k]));  // subnormal, 0 (both signs), inf, NaN
        }
    }
}

TEST_CASE("fused rules in reverse mode reuse their buffers: large, small, large again give the same gradients",
          "[softmax][kernels]") {
    // Σ_r log_softmax(z)_{r, t_r} over M rows of Q: gradient e_t − softmax per row
    auto gradient_at = [](std::size_t M, std::size_t Q) {
        const Array<double> z = logits(M, Q, unsigned(M + Q));
        auto f = [M, Q](const auto& v) {
            using X = std::remove_cvref_t<decltype(v[0])>;
            const Array<X> ls = ad::log_softmax(Array<X>(Shape{M, Q}, std::vector<X>(v.begin(), v.end())));
            X acc(0);
            for (std::size_t r = 0; r < M; ++r) acc = X(acc + ls[r * Q + (r * 7) % Q]);
            return acc;
        };
        const std::vector<double> g = ad::gradient(f, z.values());
        const Array<double> s = ad::softmax(z);
        double worst = 0;
        for (std::size_t r = 0; r < M; ++r)
            for (std::size_t i = 0; i < Q; ++i) {
                const double want = (i == (r * 7) % Q ? 1.0 : 0.0) - s[r * Q + i];
                worst = std::max(worst, std::abs(g[r * Q + i] - want));
            }
        CHECK(worst <= 1e-15);
        return g;
    };
    const auto big = gradient_at(50, 300);
    const auto small = gradient_at(2, 5);
    const auto one = gradient_at(1, 1);
    const auto big_again = gradient_at(50, 300);
    CHECK(small.size() == 10);
    CHECK(one == std::vector<double>{0.0});
    CHECK(std::memcmp(big.data(), big_again.data(), big.size() * sizeof(double)) == 0);
}

namespace {
/// add_product and add_scaled on T with the runtime kernels and with the baseline ones.
template <class T>
void sweep_kernels_agree() {
    std::mt19937 rng(11);
    std::uniform_real_distribution<T> u(T(-3), T(3));
    const T specials[] = {T(0), -T(0), std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                          std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::max()};
    for (std::size_t n : {0, 1, 3, 4, 7, 8, 9, 16, 31, 33, 100}) {
        for (std::size_t offset : {0, 1, 3}) {  // unaligned starts
            std::vector<T> a(n + offset), p(n + offset), g(n + offset);
            for (std::size_t k = 0; k < a.size(); ++k) {
                a[k] = u(rng), p[k] = u(rng), g[k] = u(rng);
                if (k % 5 == 1) g[k] = specials[k % 7];
                if (k % 7 == 2) p[k] = specials[(k / 7) % 7];
                if (k % 11 == 3) a[k] = specials[(k / 11) % 7];
            }
            for (T c : {T(0.75), T(-1), std::numeric_limits<T>::infinity(), std::numeric_limits<T>::quiet_NaN()}) {
                std::vector<T> a1 = a, a2 = a, b1 = a, b2 = a;
                ad::kernels::add_product(a1.data() + offset, p.data() + offset, g.data() + offset, n);
                ad::kernels::add_scaled(b1.data() + offset, c, g.data() + offset, n);
                {
                    baseline_kernels base(true);
                    ad::kernels::add_product(a2.data() + offset, p.data() + offset, g.data() + offset, n);
                    ad::kernels::add_scaled(b2.data() + offset, c, g.data() + offset, n);
                }
                // (an empty vector's data() may be null, which memcmp must not get)
                REQUIRE((a1.empty() || std::memcmp(a1.data(), a2.data(), a1.size() * sizeof(T)) == 0));
                REQUIRE((b1.empty() || std::memcmp(b1.data(), b2.data(), b1.size() * sizeof(T)) == 0));
                // and the rule itself: a[k] += p[k]·g[k] where g[k] ≠ 0 (NaN ≠ 0), a[k] unchanged where g[k] = ±0
                for (std::size_t k = 0; k < n; ++k) {
                    const T gk = g[offset + k];
                    const T want = gk != T(0) ? T(a[offset + k] + T(p[offset + k] * gk)) : T(a[offset + k] + T(0));
                    CHECK((std::isnan(want) ? std::isnan(a1[offset + k]) : std::memcmp(&want, &a1[offset + k], sizeof(T)) == 0));
                }
            }
        }
    }
}
}  // namespace

TEST_CASE("the sweep kernels (vector AVX2 and baseline) give the scalar rule's numbers bit for bit", "[kernels][reverse]") {
    INFO("instruction set: " << ad::kernels::instruction_set());
    sweep_kernels_agree<double>();
    sweep_kernels_agree<float>();
}
