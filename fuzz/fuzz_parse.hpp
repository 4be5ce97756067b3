#pragma once
/// \file fuzz_parse.hpp
/// Fuzzing the expression language end to end: arbitrary bytes go to the parser; what parses
/// is evaluated with every free name bound to a small scalar, vector or matrix (shape chosen
/// from the name), then differentiated in every mode with bounded sizes. Contract checked:
///   * the parser throws only ad::parse_error (with a 1-based line and column), never crashes,
///     overflows the stack or hangs, whatever the nesting or length;
///   * evaluation throws only ad::error subclasses (name, shape, size, domain errors, ...);
///   * when double evaluation succeeds, forward (Dual) and reverse (Var) evaluation succeed
///     with bitwise the same values, and their Jacobians agree (a disagreement must survive
///     long double and the multiprecision arbiter to count: rounding is not a bug); the
///     symbolic Jacobian agrees likewise;
///   * in checked mode a non-finite value throws ad::domain_error naming an operation.
/// `adiff::fuzz::parse_one` is the body of the libFuzzer target and of regression tests.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/core/multiprecision.hpp"
#include "ad/drivers/gradient.hpp"
#include "ad/drivers/jacobian.hpp"
#include "ad/errors.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"

namespace adiff::fuzz {

/// Reports a broken contract and aborts (libFuzzer saves the input).
[[noreturn]] inline void parse_fail(const std::string& what, const std::string& source) {
    std::fprintf(stderr, "adiff fuzz (parse): contract broken: %s\nsource: %.300s\n", what.c_str(), source.c_str());
    std::fflush(stderr);
    std::abort();
}

/// A free variable of the program: its name, shape, and offset in the flat
/// input vector.
struct free_var {
    std::string name;
    ad::Shape shape;
    std::size_t offset;
};

/// Free names (not pi/e, not functions) → variables; the shape comes from the
/// name so the fuzzer can reach every combination: scalar, {3}, {2, 3} or {1}.
inline std::vector<free_var> free_variables(const ad::lang::Program& p) {
    std::set<std::string> names;
    for (const auto& nd : p.nodes)
        if (nd.kind == ad::lang::Kind::name && nd.text != "pi" && nd.text != "e") names.insert(nd.text);
    std::vector<free_var> vars;
    std::size_t off = 0;
    for (const auto& name : names) {
        if (vars.size() == 6) break;
        std::size_t h = 0;
        for (char c : name) h = h * 31 + static_cast<unsigned char>(c);
        ad::Shape s;
        switch (h % 4) {
            case 0:
                s = {};
                break;
            case 1:
                s = {3};
                break;
            case 2:
                s = {2, 3};
                break;
            default:
                s = {1};
                break;
        }
        vars.push_back({name, s, off});
        off += ad::shape_size(s);
    }
    return vars;
}

/// Deterministic input values: distinct, both signs, away from the usual
/// singular points.
inline std::vector<double> input_values(std::size_t n) {
    std::vector<double> x(n);
    for (std::size_t k = 0; k < n; ++k) x[k] = (k % 2 ? -1.0 : 1.0) * (0.3 + 0.17 * double(k));
    return x;
}

/// Binds flat inputs to the variables as arrays of X.
template <class X>
ad::lang::Env<X> bind_vars(const std::vector<free_var>& vars, const std::vector<X>& x) {
    ad::lang::Env<X> env;
    for (const auto& v : vars) {
        const std::size_t k = ad::shape_size(v.shape);
        env.emplace(v.name, ad::Array<X>(v.shape, std::vector<X>(x.begin() + std::ptrdiff_t(v.offset),
                                                                 x.begin() + std::ptrdiff_t(v.offset + k))));
    }
    return env;
}

inline std::size_t total_size(const std::vector<free_var>& vars) {
    std::size_t n = 0;
    for (const auto& v : vars) n += ad::shape_size(v.shape);
    return n;
}

/// The arbiter's precision: 700 decimal digits resolve any sum of finite
/// doubles exactly (their exponents span about 632 decimal digits).
using arbiter = boost::multiprecision::number<boost::multiprecision::cpp_bin_float<700>, boost::multiprecision::et_off>;

/// Two modes' Jacobian entries a, b disagree beyond rounding: the same pair
/// recomputed in long double (al, bl) still disagrees by a comparable amount,
/// above 1e−6 of the largest entry.
inline bool structural(double a, double b, long double al, long double bl, long double scale) {
    if (!std::isfinite(al) || !std::isfinite(bl)) return false;
    const long double dl = std::abs(al - bl), d = std::abs(static_cast<long double>(a) - b);
    if (dl <= 1e-6L * (1.0L + scale)) return false;
    return dl > 0.1L * d;
}

inline bool close(double a, double b) { return std::abs(a - b) <= 1e-7 * (1.0 + std::max(std::abs(a), std::abs(b))); }

/// The largest finite |entry| of a long double array.
inline long double max_abs(const ad::Array<long double>& a) {
    long double m = 0;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (std::isfinite(a[k])) m = std::max(m, std::abs(a[k]));
    return m;
}

/// Whether some subexpression's value, in double, has a finite nonzero entry
/// beyond 1e15 or below 1e−15 in magnitude (each node is evaluated as the root
/// of its own program, after the statements before its own). Such a program
/// can absorb and cancel terms out of sight of its outputs: x + x^−262 −
/// x^−262 − x^−15 at x = 0.3 adds 1 to 1e140 on the way to a derivative of
/// 3.5e9, so forward and reverse (which sum in other orders) differ at every
/// precision up to 140 digits. Only called on the rare disagreement that
/// survived 50 and 100 digits.
inline bool wild_intermediates(const ad::lang::Program& prog, const ad::lang::Env<double>& env) {
    ad::lang::Program sub;
    sub.source = prog.source;
    sub.nodes = prog.nodes;
    for (std::size_t s = 0; s < prog.statements.size(); ++s) {
        std::vector<int> todo{prog.statements[s].root};
        std::vector<char> seen(prog.nodes.size(), 0);
        while (!todo.empty()) {
            const int k = todo.back();
            todo.pop_back();
            if (k < 0 || static_cast<std::size_t>(k) >= seen.size() || seen[k]) continue;
            seen[k] = 1;
            for (const int c : prog.node(k).kids) todo.push_back(c);
            sub.statements.assign(prog.statements.begin(), prog.statements.begin() + s);
            sub.statements.push_back({"", k, 1, 1});
            try {
                const auto v = ad::lang::evaluate(sub, env);
                for (std::size_t i = 0; i < v.size(); ++i) {
                    const double a = std::abs(v[i]);
                    if (std::isfinite(a) && a != 0 && (a > 1e15 || a < 1e-15)) return true;
                }
            } catch (const ad::error&) {
                // an axis or index literal, say: not a value of its own
            }
        }
    }
    return false;
}

/// Bounds: inputs and outputs at most 24 entries for the derivative modes.
inline constexpr std::size_t max_inputs = 24, max_outputs = 24;

/// One fuzz input; aborts on a broken contract. Returns 0 (libFuzzer).
inline int parse_one(const std::uint8_t* data, std::size_t size) {
    const std::string src(reinterpret_cast<const char*>(data), size);
    ad::lang::Program prog;
    try {
        prog = ad::lang::parse(src);
    } catch (const ad::parse_error& e) {
        if (e.line < 1 || e.column < 1 || std::string(e.what()).empty())
            parse_fail("parse_error without a position", src);
        return 0;
    }
    if (prog.statements.empty()) parse_fail("parse returned no statement", src);

    const auto vars = free_variables(prog);
    const std::size_t n = total_size(vars);
    const std::vector<double> x = input_values(n);

    // Plain evaluation: only typed adiff errors may come out.
    ad::Array<double> y;
    try {
        y = ad::lang::evaluate(prog, bind_vars(vars, x));
    } catch (const ad::error&) {
        return 0;
    }
    const std::size_t m = y.size();

    // Checked mode: a non-finite value throws domain_error naming an operation.
    bool finite = true;
    for (std::size_t k = 0; k < m; ++k) finite &= std::isfinite(y[k]);
    try {
        ad::checked_scope checking;
        const auto yc = ad::lang::evaluate(prog, bind_vars(vars, x));
        if (!finite) parse_fail("checked mode returned a non-finite value without throwing", src);
        for (std::size_t k = 0; k < m; ++k)
            if (!(yc[k] == y[k] || (std::isnan(yc[k]) && std::isnan(y[k])))) parse_fail("checked value differs", src);
    } catch (const ad::domain_error& e) {
        if (e.op.empty()) parse_fail("domain_error without an operation name", src);
    } catch (const ad::error& e) {
        parse_fail(std::string("checked mode threw another error: ") + e.what(), src);
    }

    if (n == 0 || n > max_inputs || m == 0 || m > max_outputs) return 0;

    // Forward and reverse Jacobians (every mode must accept what double
    // accepted).
    auto f = [&](const auto& xs) { return ad::lang::evaluate(prog, bind_vars(vars, xs)); };
    ad::Array<double> jf, jr;
    std::vector<double> vf;
    try {
        jf = ad::jacobian_forward<4>(f, x);
        jr = ad::jacobian_reverse(f, x);
        vf = ad::jvp(f, x, std::vector<double>(n, 1.0)).first;
    } catch (const ad::error& e) {
        parse_fail(std::string("an AD mode failed where double succeeded: ") + e.what(), src);
    }
    if (vf.size() != m || jf.size() != m * n || jr.size() != m * n) parse_fail("Jacobian or value size", src);
    // Bitwise: every mode computes values with the same rules in the same order
    // (x^n is the pow_int rule for plain numbers too).
    for (std::size_t k = 0; k < m; ++k)
        if (!(vf[k] == y[k] || (std::isnan(vf[k]) && std::isnan(y[k]))))
            parse_fail("forward value differs from double: " + std::to_string(vf[k]) + " vs " + std::to_string(y[k]),
                       src);

    // The arbiter: a disagreement that survived long double is recomputed at
    // higher precision. A wrong rule disagrees at every precision; rounding
    // (absorption like 6e21 + 0.3 − 6e21, or cos of 1e80) goes away or moves with
    // the precision. Stages, cheapest first: 50 digits settle ordinary rounding;
    // a disagreement that survives is recomputed at 100 digits, and if either
    // mode's answer moved between 50 and 100 digits it is precision-dependent
    // (rounding). What survives both is a bug — unless the program is small
    // enough (at most 2 powers and function calls: a pow at 700 digits costs up
    // to a second) for a last check at 700 digits, which settles even absorption
    // beyond 100 digits.
    std::size_t heavy = 0;
    for (const auto& nd : prog.nodes)
        heavy += nd.kind == ad::lang::Kind::call || (nd.kind == ad::lang::Kind::binary && nd.op == '^');
    // Values or derivatives beyond 1e15 (e.g. a literal 1/1e−307) can absorb O(1)
    // terms at any precision up to 300+ digits; without the 700-digit check such
    // a disagreement is not judged.
    double wild_scale = 0;
    for (std::size_t k = 0; k < m; ++k)
        if (std::isfinite(y[k])) wild_scale = std::max(wild_scale, std::abs(y[k]));
    for (std::size_t k = 0; k < m * n; ++k)
        if (std::isfinite(jr[k])) wild_scale = std::max(wild_scale, std::abs(jr[k]));
    // ... and so can intermediate values beyond 1e15 or below 1e−15 that cancel
    // before the outputs (wild_intermediates, computed only when needed).
    int wild_state = wild_scale > 1e15 ? 1 : -1;  // 1 wild, 0 tame, -1 not known
    auto wild = [&] {
        if (wild_state < 0) wild_state = wild_intermediates(prog, bind_vars(vars, x)) ? 1 : 0;
        return wild_state == 1;
    };
    // Multiprecision pow/exp on towers like 2^242^3^… costs up to a second per
    // call, and long double alone cannot tell ill-conditioning (cos of 1e108)
    // from a wrong rule: programs with more than 6 powers and calls get every
    // other check, but their Jacobian disagreements are not judged (a wrong rule
    // shows in small programs too).
    const bool can_arbitrate = heavy <= 6;
    ad::Array<ad::mp50> mf, mr;
    ad::Array<ad::mp100> hf, hr;
    ad::Array<arbiter> af, ar;
    int arbiter_level = 0;  // how many of mp50, mp100, mp700 are computed
    auto arbitrate = [&](int level) {
        if (level >= 1 && arbiter_level < 1) {
            const std::vector<ad::mp50> xm(x.begin(), x.end());
            mf = ad::jacobian_forward<4>(f, xm);
            mr = ad::jacobian_reverse(f, xm);
            arbiter_level = 1;
        }
        if (level >= 2 && arbiter_level < 2) {
            const std::vector<ad::mp100> xh(x.begin(), x.end());
            hf = ad::jacobian_forward<4>(f, xh);
            hr = ad::jacobian_reverse(f, xh);
            arbiter_level = 2;
        }
        if (level >= 3 && arbiter_level < 3) {
            const std::vector<arbiter> xa(x.begin(), x.end());
            af = ad::jacobian_forward<4>(f, xa);
            ar = ad::jacobian_reverse(f, xa);
            arbiter_level = 3;
        }
    };
    auto disagree = [](const auto& a, const auto& b, const auto& scale_of) {
        using std::abs;
        using U = std::decay_t<decltype(a)>;
        if (!ad::is_finite(a) || !ad::is_finite(b)) return false;
        U scale = 0;
        for (std::size_t i = 0; i < scale_of.size(); ++i)
            if (ad::is_finite(scale_of[i])) scale = std::max(scale, U(abs(scale_of[i])));
        return abs(a - b) > U(1e-6) * (1 + scale);
    };

    std::vector<long double> xl(x.begin(), x.end());
    ad::Array<long double> lf, lr;
    bool have_ld = false;
    auto long_double = [&] {
        if (have_ld) return;
        lf = ad::jacobian_forward<4>(f, xl);
        lr = ad::jacobian_reverse(f, xl);
        have_ld = true;
    };
    // Derivatives of a non-finite output are not compared (NaN is NaN in every
    // mode, but the symbolic simplifier may fold a NaN-producing subexpression
    // differently).
    for (std::size_t k = 0; k < m * n; ++k) {
        if (!std::isfinite(y[k / n])) continue;
        if (!std::isfinite(jf[k]) || !std::isfinite(jr[k]) || close(jf[k], jr[k])) continue;
        long_double();
        if (!structural(jf[k], jr[k], lf[k], lr[k], std::max(max_abs(lf), max_abs(lr)))) continue;
        if (!can_arbitrate) continue;
        arbitrate(1);
        if (!disagree(mf[k], mr[k], mr)) continue;
        arbitrate(2);
        if (!disagree(hf[k], hr[k], hr)) continue;
        if (disagree(ad::mp100(mf[k]), hf[k], hr) || disagree(ad::mp100(mr[k]), hr[k], hr))
            continue;  // precision-dependent
        if (heavy <= 2) {
            arbitrate(3);
            if (!disagree(af[k], ar[k], ar)) continue;
        } else if (wild()) {
            continue;
        }
        parse_fail("forward/reverse Jacobian entry " + std::to_string(k) + ": " + std::to_string(jf[k]) + " vs " +
                       std::to_string(jr[k]),
                   src);
    }

    // Symbolic: the program on symbols, its Jacobian by the symbolic reverse
    // pass, evaluated.
    if (n <= 8 && m <= 8 && prog.nodes.size() <= 200) {
        const ad::sym::graph_scope scope;  // frees this input's nodes: memory stays
                                           // flat over millions of inputs
        std::vector<ad::sym::Expr> syms(n);
        for (const auto& v : vars)
            for (std::size_t k = 0; k < ad::shape_size(v.shape); ++k) {
                std::string sub;
                if (!v.shape.empty()) sub = "[" + std::to_string(k) + "]";
                syms[v.offset + k] = ad::sym::symbol(v.name, sub, static_cast<std::uint32_t>(k));
            }
        ad::Array<ad::sym::Expr> ys;
        try {
            ys = ad::lang::evaluate(prog, bind_vars(vars, syms));
        } catch (const ad::error& e) {
            parse_fail(std::string("symbolic evaluation failed where double succeeded: ") + e.what(), src);
        }
        if (ys.size() != m) parse_fail("symbolic result size", src);
        const auto js = ad::sym::jacobian(std::span<const ad::sym::Expr>(ys.data(), m), syms);
        std::unordered_map<std::uint32_t, double> at;
        std::unordered_map<std::uint32_t, long double> atl;
        for (std::size_t j = 0; j < n; ++j) at[syms[j].id()] = x[j], atl[syms[j].id()] = xl[j];
        const std::span<const ad::sym::Expr> jroots(js.data(), js.size());
        std::vector<double> jv;
        try {
            jv = ad::sym::evaluate<double>(jroots, at);
        } catch (const ad::error& e) {
            parse_fail(std::string("symbolic Jacobian evaluation failed: ") + e.what(), src);
        }
        std::vector<long double> jvl;
        std::vector<ad::mp50> jvm;
        std::vector<ad::mp100> jvh;
        std::vector<arbiter> jva;
        for (std::size_t k = 0; k < m * n; ++k) {
            if (!std::isfinite(y[k / n]) || !std::isfinite(jv[k]) || !std::isfinite(jr[k]) || close(jv[k], jr[k]))
                continue;
            long_double();
            if (jvl.empty()) jvl = ad::sym::evaluate<long double>(jroots, atl);
            if (!structural(jv[k], jr[k], jvl[k], lr[k], max_abs(lr))) continue;
            if (!can_arbitrate) continue;
            arbitrate(1);
            auto sym_at = [&](auto level_value) {  // the symbolic Jacobian at the
                                                   // precision of level_value
                using U = decltype(level_value);
                std::unordered_map<std::uint32_t, U> b;
                for (std::size_t j = 0; j < n; ++j) b[syms[j].id()] = U(x[j]);
                return ad::sym::evaluate<U>(jroots, b);
            };
            if (jvm.empty()) jvm = sym_at(ad::mp50(0));
            if (!disagree(jvm[k], mr[k], mr)) continue;
            arbitrate(2);
            if (jvh.empty()) jvh = sym_at(ad::mp100(0));
            if (!disagree(jvh[k], hr[k], hr)) continue;
            if (disagree(ad::mp100(jvm[k]), jvh[k], hr) || disagree(ad::mp100(mr[k]), hr[k], hr)) continue;
            if (heavy <= 2) {
                arbitrate(3);
                if (jva.empty()) jva = sym_at(arbiter(0));
                if (!disagree(jva[k], ar[k], ar)) continue;
            } else if (wild()) {
                continue;
            }
            {
                parse_fail("symbolic/reverse Jacobian entry " + std::to_string(k) + ": " + std::to_string(jv[k]) +
                               " vs " + std::to_string(jr[k]),
                           src);
            }
        }
    }
    return 0;
}

}  // namespace adiff::fuzz
