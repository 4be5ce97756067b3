#pragma once
/// \file fuzz_ops.hpp
/// Differential fuzzing of the core engine, independent of the expression parser: bytes
/// become a small straight-line program over every primitive (unary, binary, n-ary sum/max/logsumexp,
/// integer and real powers), which is then run as plain numbers, forward duals, the reverse
/// tape, forward-over-reverse Hessians, nested drivers and checked mode. Contract checked:
///   * values are bitwise identical in every mode (every mode runs the same rule);
///   * forward and reverse derivatives agree (when both are finite; a disagreement that is
///     only rounding — it vanishes in long double — is not a failure);
///   * in checked mode a non-finite value always throws ad::domain_error naming a primitive,
///     and a run that does not throw has a finite value.
/// `adiff::fuzz::ops_one` is the body of the libFuzzer target and of the regression tests.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/core/multiprecision.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/hessian.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/errors.hpp"
#include "ops/rules/functions.hpp"
#include "ops/rules/registry.hpp"

namespace adiff::fuzz {

/// One instruction: r.push_back(op(r[a], r[b])) with an optional small constant.
struct instr {
    std::uint8_t code, a, b;
};

/// A decoded program: 1–4 inputs in [−8, 8), at most 48 instructions.
struct program {
    std::vector<double> x;
    std::vector<instr> ops;
    std::size_t n_out = 1;
};

/// The registry's unary functions by number (ops/rules/registry.hpp order).
template <class X>
X unary_function(std::size_t k, const X& x);
#define ADIFF_FUZZ_NAME(rule) ad::rules::rule::name,
inline constexpr std::string_view unary_names[] = {ADIFF_UNARY_FUNCTIONS(ADIFF_FUZZ_NAME)};
#undef ADIFF_FUZZ_NAME
inline constexpr std::size_t n_unary = std::size(unary_names);
/// The registry's binary functions by number (pow, max, min, then the further ones).
template <class X, class Y>
X binary_function(std::size_t k, const X& a, const Y& b);
#define ADIFF_FUZZ_NAME(rule) ad::rules::rule::name,
inline constexpr std::string_view binary_names[] = {ADIFF_BINARY_FUNCTIONS(ADIFF_FUZZ_NAME)};
#undef ADIFF_FUZZ_NAME
inline constexpr std::size_t n_binary = std::size(binary_names);
/// Opcodes are fixed bytes, so a saved input means the same program whatever the registry later
/// gains: 0–31 as in the switch below (4–17 and 31 are the first 15 unary functions, 20–22 pow,
/// max, min); 32 + k for the registry's unary function 15 + k; 160 + k for its binary function
/// 3 + k (the registry's lists are append-only). A byte whose slot no primitive has yet acts as
/// byte % 32, so a new primitive takes over only its own byte and is fuzzed without an edit.
inline constexpr int first_unary_code = 32, first_binary_code = 160;
static_assert(n_unary - 15 <= first_binary_code - first_unary_code && n_binary - 3 <= 256 - first_binary_code,
              "adiff fuzz: the opcode ranges are full");
/// The opcode of an instruction byte: 0–31, a further unary function's 32…, or a further binary
/// function's 160….
constexpr int opcode(std::uint8_t byte) {
    if (byte >= first_binary_code) return byte - first_binary_code + 3 < static_cast<int>(n_binary) ? byte : byte % 32;
    if (byte >= first_unary_code) return byte - first_unary_code + 15 < static_cast<int>(n_unary) ? byte : byte % 32;
    return byte;
}
/// The unary function of opcode c (4–17, 31, 32…159).
inline std::size_t unary_of_code(int c) {
    return c == 31 ? 14 : (c < 32 ? static_cast<std::size_t>(c - 4) : static_cast<std::size_t>(15 + c - first_unary_code));
}

/// Bytes → program. Never fails; every byte string is some program.
inline program decode(const std::uint8_t* data, std::size_t size) {
    program p;
    std::size_t k = 0;
    auto next = [&]() -> std::uint8_t { return k < size ? data[k++] : 0; };
    const std::uint8_t head = next();
    const std::size_t n = 1 + head % 4;
    p.n_out = 1 + (head / 4) % 3;
    for (std::size_t i = 0; i < n; ++i) p.x.push_back(double(std::int8_t(next())) / 16.0);
    while (k < size && p.ops.size() < 48) p.ops.push_back({next(), next(), next()});
    return p;
}

/// A small constant from a byte: (int8)b / 8, in [−16, 16).
inline double constant(std::uint8_t b) { return double(std::int8_t(b)) / 8.0; }

template <class X, class R>
X un(const R& r, const X& x) {
    if constexpr (ad::is_ad_type_v<X>) return apply_unary(r, x);
    else return r.value(x);
}
template <class X, class R, class Y>
X bin(const R& r, const X& a, const Y& b) {
    if constexpr (ad::is_ad_type_v<X>) return apply_binary(r, a, b);
    else return r.value(a, X(b));
}
template <class X, class R>
X nary(const R& r, std::span<const X> xs) {
    if constexpr (ad::is_ad_type_v<X>) return apply_nary(r, xs);
    else return r.value(xs);
}

/// Runs the program on x (any scalar type); returns its last n_out registers.
template <class X>
std::vector<X> run(const program& p, const std::vector<X>& x) {
    namespace R = ad::rules;
    std::vector<X> r(x.begin(), x.end());
    r.reserve(x.size() + p.ops.size());
    for (const instr& o : p.ops) {
        const X a = r[o.a % r.size()], b = r[o.b % r.size()];
        const double c = constant(o.b);
        X y;
        const int code = opcode(o.code);
        switch (code) {
            case 0: y = bin(R::add{}, a, b); break;
            case 1: y = bin(R::sub{}, a, b); break;
            case 2: y = bin(R::mul{}, a, b); break;
            case 3: y = bin(R::div{}, a, b); break;
            case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
            case 16: case 17: case 31:
                y = unary_function(unary_of_code(code), a);
                break;
            case 18: y = un(R::pow_int{int(o.b % 9) - 4}, a); break;
            case 19: y = un(R::pow_const<double>{c}, a); break;
            case 20: y = bin(R::pow{}, a, b); break;
            case 21: y = bin(R::max{}, a, b); break;
            case 22: y = bin(R::min{}, a, b); break;
            case 23: y = un(R::neg{}, a); break;
            case 24: y = bin(R::add{}, a, c); break;
            case 25: y = bin(R::mul{}, a, c); break;
            case 26:
            case 27: {  // n-ary over the last k registers
                const std::size_t k = std::min<std::size_t>(r.size(), 1 + o.b % 8);
                const std::span<const X> xs(r.data() + r.size() - k, k);
                y = code == 26 ? nary(R::sum{}, xs) : nary(R::max_reduce{}, xs);
                break;
            }
            case 28: y = ad::val(a) < ad::val(b) ? a : bin(R::mul{}, b, 0.5); break;  // a branch
            case 30: {  // log Σ exp over the last k registers
                const std::size_t k = std::min<std::size_t>(r.size(), 1 + o.b % 8);
                y = nary(R::logsumexp{}, std::span<const X>(r.data() + r.size() - k, k));
                break;
            }
            case 29: y = bin(R::div{}, X(c), a); break;  // constant / x (a recorded constant)
            default:  // 32…: further functions
                if (code < first_binary_code) y = unary_function(unary_of_code(code), a);
                else y = binary_function(static_cast<std::size_t>(3 + code - first_binary_code), a, b);
                break;
        }
        r.push_back(y);
    }
    const std::size_t m = std::min(p.n_out, r.size());
    return std::vector<X>(r.end() - static_cast<std::ptrdiff_t>(m), r.end());
}

template <class X>
X unary_function(std::size_t k, const X& x) {
    using F = X (*)(const X&);
#define ADIFF_FUZZ_ENTRY(rule) [](const X& v) { return un(ad::rules::rule{}, v); },
    static constexpr F table[] = {ADIFF_UNARY_FUNCTIONS(ADIFF_FUZZ_ENTRY)};
#undef ADIFF_FUZZ_ENTRY
    return table[k](x);
}

template <class X, class Y>
X binary_function(std::size_t k, const X& a, const Y& b) {
    using F = X (*)(const X&, const Y&);
#define ADIFF_FUZZ_ENTRY(rule) [](const X& u, const Y& v) { return bin(ad::rules::rule{}, u, v); },
    static constexpr F table[] = {ADIFF_BINARY_FUNCTIONS(ADIFF_FUZZ_ENTRY)};
#undef ADIFF_FUZZ_ENTRY
    return table[k](a, b);
}

/// The program as text, one instruction per line (for crash reports and regression tests).
inline std::string describe(const program& p) {
    auto name = [](int c) -> std::string {
        static const char* fixed[32] = {"add", "sub", "mul", "div", "", "", "", "", "", "", "", "", "", "", "", "", "",
                                        "", "powi", "powc", "pow", "max", "min", "neg", "addc", "mulc", "sum", "maxk",
                                        "branch", "cdiv", "logsumexp", ""};
        if (c >= first_binary_code) return std::string(binary_names[static_cast<std::size_t>(3 + c - first_binary_code)]);
        if ((c >= 4 && c <= 17) || c >= 31) return std::string(unary_names[unary_of_code(c)]);
        return fixed[c];
    };
    std::string s = "inputs:";
    for (double v : p.x) s += " " + std::to_string(v);
    s += "; outputs: last " + std::to_string(p.n_out) + "\n";
    std::size_t size = p.x.size();
    for (const instr& o : p.ops) {
        s += "r" + std::to_string(size) + " = " + name(opcode(o.code)) + " r" + std::to_string(o.a % size) +
             " r" + std::to_string(o.b % size) + " (c=" + std::to_string(constant(o.b)) + ", n=" +
             std::to_string(int(o.b % 9) - 4) + ", k=" + std::to_string(1 + o.b % 8) + ")\n";
        ++size;
    }
    return s;
}

/// Reports a broken contract and aborts (libFuzzer saves the input).
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "adiff fuzz: contract broken: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

inline bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
inline bool finite_all(std::span<const double> v) {
    for (double d : v) if (!std::isfinite(d)) return false;
    return true;
}
/// |a − b| ≤ tol·(1 + max(|a|, |b|)).
inline bool agree(double a, double b, double tol) {
    return std::abs(a - b) <= tol * (1.0 + std::max(std::abs(a), std::abs(b)));
}

/// The computations compared across modes, in any precision T (double, long double, mp50).
template <class T>
struct results {
    ad::Array<T> jf, jr;        // forward / reverse Jacobians
    std::vector<T> vjp;         // 1ᵀJ in one reverse sweep
    std::vector<T> colsum;      // 1ᵀJ summed from jr's rows
    ad::Array<T> h, hn;         // Hessian driver / forward Jacobian of the reverse gradient
};

template <class T>
results<T> compute(const program& p, bool hessians) {
    const std::vector<T> x(p.x.begin(), p.x.end());
    auto f = [&p](const auto& v) { return run(p, v); };
    auto f0 = [&p](const auto& v) { return run(p, v)[0]; };
    results<T> r;
    r.jf = ad::jacobian_forward<4>(f, x);
    r.jr = ad::jacobian_reverse(f, x);
    const std::size_t m = r.jr.shape()[0], n = x.size();
    r.vjp = ad::vjp(f, x, std::vector<T>(m, T(1))).second;
    r.colsum.assign(n, T(0));
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) r.colsum[j] += r.jr(i, j);
    if (hessians) {
        r.h = ad::hessian(f0, x);
        r.hn = ad::jacobian_forward<2>([&](const auto& xd) { return ad::gradient(f0, xd); }, x);
    }
    return r;
}

/// True when some addition in the program (add, sub, add-constant, n-ary sum) cancels its
/// largest operand by more than 12 orders of magnitude: 1e140 − 1e140 + 75 is 0 at every
/// precision below ~160 digits, so the modes' different accumulation orders give different
/// rounded derivatives that no precision check can arbitrate. Such programs are not judged.
inline bool catastrophic_cancellation(const program& p) {
    program all = p;
    all.n_out = p.x.size() + p.ops.size();
    const std::vector<double> r = run(all, p.x);
    std::size_t size = p.x.size();
    for (const instr& o : p.ops) {
        const int code = opcode(o.code);
        double big = 0;
        if (code == 0 || code == 1) big = std::max(std::abs(r[o.a % size]), std::abs(r[o.b % size]));
        else if (code == 24) big = std::max(std::abs(r[o.a % size]), std::abs(constant(o.b)));
        else if (code == 26) {
            const std::size_t k = std::min<std::size_t>(size, 1 + o.b % 8);
            for (std::size_t i = size - k; i < size; ++i) big = std::max(big, std::abs(r[i]));
        }
        if (std::isfinite(big) && big > 1e12 * std::max(std::abs(r[size]), 1e-300) && big > 1e6) return true;
        ++size;
    }
    return false;
}

/// Judges a disagreement a ≠ b (double) between two modes: a wrong propagation (a lost or
/// doubled term) disagrees by the same amount at every precision, while rounding error
/// shrinks with it. So it is a bug only if the two modes still disagree at 50 and 100 digits
/// (beyond 1e−6 relative, and beyond 1e−30 of the largest value or derivative of any
/// intermediate register) by
/// about as much as in long double. `get` picks the pair out of
/// a results<T>.
template <class Get>
bool structural_disagreement(const program& p, bool hessians, Get&& get) {
    using std::abs;
    if (catastrophic_cancellation(p)) return false;
    const auto rl = compute<long double>(p, hessians);
    const auto rm = compute<ad::mp50>(p, hessians);
    const auto [al, bl] = get(rl);
    const auto [am, bm] = get(rm);
    if (!ad::is_finite(am) || !ad::is_finite(bm) || !std::isfinite(al) || !std::isfinite(bl)) return false;
    const ad::mp50 dm = abs(am - bm);
    if (dm <= ad::mp50(1e-6) * (1 + std::max(abs(am), abs(bm)))) return false;  // only rounding
    // Cancellation against a much larger term (e.g. 1e217 − 1e217 + 5e3) is rounding even at
    // 50 digits: ignore disagreements below 1e−30 of the largest entry computed.
    ad::mp50 scale = 0;
    for (const auto* a : {&rm.jf, &rm.jr, &rm.h, &rm.hn})
        for (std::size_t k = 0; k < a->size(); ++k)
            if (ad::is_finite((*a)[k])) scale = std::max(scale, ad::mp50(abs((*a)[k])));
    // The same for intermediate registers: 1e164 − 1e164 absorbs a 1e29 term in one mode and
    // not in the other. Scale by every register's value and derivative (forward, 50 digits).
    program all = p;
    all.n_out = p.x.size() + p.ops.size();
    const std::vector<ad::mp50> xm(p.x.begin(), p.x.end());
    const auto jall = ad::jacobian_forward<4>([&all](const auto& v) { return run(all, v); }, xm);
    for (std::size_t k = 0; k < jall.size(); ++k)
        if (ad::is_finite(jall[k])) scale = std::max(scale, ad::mp50(abs(jall[k])));
    for (const auto& v : run(all, xm))
        if (ad::is_finite(v)) scale = std::max(scale, ad::mp50(abs(v)));
    // ... and every register's adjoint (reverse, 50 digits), which forward tangents do not
    // show: 0·sinh(298) has tangent 0 but sends adjoints of ±1e258 into both sides of r − r.
    {
        ad::Tape<ad::mp50> tape;
        const ad::recording<ad::mp50> rec(tape);
        std::vector<ad::Var<ad::mp50>> xv;
        for (const auto& x : xm) xv.push_back(ad::Var<ad::mp50>::input(x));
        for (const auto& y : run(p, xv)) {
            tape.gradient_of(y.i);
            for (const auto& a : tape.adjoints())
                if (ad::is_finite(a)) scale = std::max(scale, ad::mp50(abs(a)));
        }
    }
    if (dm <= ad::mp50(1e-30) * scale) return false;
    // Near double's overflow (some intermediate beyond 1e150, so products of partials can
    // overflow or lose their low bits in one mode only) a disagreement cannot be judged.
    if (scale > ad::mp50(1e150)) return false;
    // Absorption beyond 50 digits (1e82 − 1e82 + 75 is 0 in every precision up to ~80 digits,
    // so all of double, long double and mp50 agree on a rounded result): recompute at 100
    // digits. If the modes agree there, or either mode's answer moved with the precision, the
    // disagreement was rounding; a wrong rule gives the same wrong answer at every precision.
    {
        const auto rh = compute<ad::mp100>(p, hessians);
        const auto [ah, bh] = get(rh);
        if (!ad::is_finite(ah) || !ad::is_finite(bh)) return false;
        const ad::mp100 dh = abs(ah - bh), big = 1 + std::max(abs(ah), abs(bh));
        if (dh <= ad::mp100(1e-6) * big) return false;
        if (abs(ah - ad::mp100(am)) > ad::mp100(1e-6) * big || abs(bh - ad::mp100(bm)) > ad::mp100(1e-6) * big) return false;
    }
    const long double dl = std::abs(al - bl);
    const long double ratio = static_cast<long double>(dm) / dl;
    return ratio > 0.1L && ratio < 10.0L;
}

/// One fuzz input through every mode; aborts on a broken contract. Returns 0 (libFuzzer).
inline int ops_one(const std::uint8_t* data, std::size_t size) {
    const program p = decode(data, size);
    const std::size_t n = p.x.size();
    const bool hessians = p.ops.size() <= 24;
    auto f = [&p](const auto& x) { return run(p, x); };
    auto f0 = [&p](const auto& x) { return run(p, x)[0]; };
    auto fin = [](double a, double b) { return std::isfinite(a) && std::isfinite(b); };

    const std::vector<double> y = run(p, p.x);
    const std::size_t m = y.size();
    const results<double> r = compute<double>(p, hessians);
    if (r.jf.size() != m * n || r.jr.size() != m * n) fail("Jacobian size");

    // Forward and reverse Jacobians agree.
    for (std::size_t k = 0; k < m * n; ++k)
        if (fin(r.jf[k], r.jr[k]) && !agree(r.jf[k], r.jr[k], 1e-6) &&
            structural_disagreement(p, hessians, [k](const auto& q) { return std::pair{q.jf[k], q.jr[k]}; }))
            fail("forward/reverse Jacobian entry " + std::to_string(k) + ": " + std::to_string(r.jf[k]) + " vs " +
                 std::to_string(r.jr[k]));
    // One reverse sweep seeded with all outputs = the sum of the per-output sweeps.
    for (std::size_t j = 0; j < n; ++j)
        if (fin(r.vjp[j], r.colsum[j]) && !agree(r.vjp[j], r.colsum[j], 1e-6) &&
            structural_disagreement(p, hessians, [j](const auto& q) { return std::pair{q.vjp[j], q.colsum[j]}; }))
            fail("vjp differs from the Jacobian's column sum " + std::to_string(j));
    // Hessian driver vs nested drivers (same rules; lanes and recordings differ).
    if (hessians)
        for (std::size_t k = 0; k < n * n; ++k)
            if (fin(r.h[k], r.hn[k]) && !agree(r.h[k], r.hn[k], 1e-6) &&
                structural_disagreement(p, hessians, [k](const auto& q) { return std::pair{q.h[k], q.hn[k]}; }))
                fail("Hessian driver vs forward Jacobian of the gradient, entry " + std::to_string(k));

    // Values are bitwise the plain value in every mode; gradient = reverse Jacobian row 0.
    const auto [v, g] = ad::value_and_gradient(f0, p.x);
    if (!same_value(v, y[0])) fail("reverse value differs from plain value");
    const auto [vj, tj] = ad::jvp(f, p.x, std::vector<double>(n, 1.0));
    for (std::size_t i = 0; i < m; ++i)
        if (!same_value(vj[i], y[i])) fail("forward value differs from plain value");
    for (std::size_t j = 0; j < n; ++j)
        if (!same_value(g[j], r.jr(0, j))) fail("gradient differs from reverse Jacobian row 0");
    if (hessians) {
        const auto h = ad::hessian_full(f0, p.x);
        if (!same_value(h.value, y[0])) fail("Hessian driver value differs from plain value");
        for (std::size_t j = 0; j < n; ++j)
            if (fin(g[j], h.gradient[j]) && !same_value(h.gradient[j], g[j]))
                fail("Hessian driver gradient differs from gradient (same sweep, must be bitwise)");
    }

    // Checked mode: a non-finite value must throw domain_error; no throw means finite values.
    for (int mode = 0; mode < 2; ++mode) {
        ad::checked_scope checking;
        try {
            const std::vector<double> yc = mode == 0 ? ad::vjp(f, p.x, std::vector<double>(m, 1.0)).first
                                                     : ad::jvp(f, p.x, std::vector<double>(n, 1.0)).first;
            if (!finite_all(yc))
                fail(std::string(mode == 0 ? "reverse" : "forward") +
                     " checked mode returned a non-finite value without throwing");
        } catch (const ad::domain_error& e) {
            if (e.op.empty()) fail("domain_error without an operation name");
        }
    }
    return 0;
}

}  // namespace adiff::fuzz
