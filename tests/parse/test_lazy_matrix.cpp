// Matrices of diag and outer terms, evaluated row by row (ad/lang/lazy_matrix.hpp): unchecked
// evaluation of numbers takes the row-wise path, checked mode evaluates node by node, and both
// must give the same entries to the last bit (signed zeros included), at double and 50 digits,
// and the same errors at the same place; AD types evaluate node by node (the tape's order), so
// gradients through the evaluator are those of the eager evaluation.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "ad/adiff.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"

namespace {

template <class X>
ad::lang::Env<X> environment() {
    ad::lang::Env<X> env;
    // t holds an exact zero: 0 − s·0 is +0 where a folded −(s·0) would be −0
    env["s"] = ad::Array<X>(ad::Shape{3}, std::vector<X>{X(0.25), X(-1.5), X(3.125)});
    env["t"] = ad::Array<X>(ad::Shape{3}, std::vector<X>{X(2), X(0), X(-0.75)});
    env["u"] = ad::Array<X>(ad::Shape{4}, std::vector<X>{X(1), X(2), X(3), X(4)});
    env["A"] = ad::Array<X>(ad::Shape{3, 3}, std::vector<X>{X(1), X(-2), X(0.5), X(7), X(0.1), X(-3), X(2.5), X(4), X(-0.125)});
    env["c"] = ad::Array<X>(ad::Shape{}, std::vector<X>{X(1.75)});
    return env;
}

/// The same program evaluated row by row (unchecked) and node by node (checked).
template <class X>
std::pair<ad::Array<X>, ad::Array<X>> both(const std::string& src, const ad::lang::Env<X>& env) {
    const ad::lang::Program p = ad::lang::parse(src);
    ad::Array<X> lazy = ad::lang::evaluate(p, env);
    ad::checked_scope checked;
    return {lazy, ad::lang::evaluate(p, env)};
}

// Element-wise + − * / between terms and with scalars on either side, negation, dense operands,
// a statement bound to a name, a matmul or transpose around the terms, and broadcasting (which
// falls back to the eager operation on materialised terms).
const std::vector<std::string> programs = {
    "diag(s) - outer(s, s)",
    "diag(s) - outer(s, t)",
    "outer(s, t) + A",
    "A - diag(t)",
    "2 * diag(s) - outer(s, t) / 3",
    "-(diag(s) * A) + c",
    "c / (diag(s) + 4)",
    "outer(s, t) * outer(t, s) - diag(s * t)",
    "-outer(s, s)",
    "diag(s) @ A - outer(s, t)",
    "transpose(diag(s) - outer(s, t)) * c",
    "J = diag(s) - outer(s, s); J @ t + sum(J)",
    "diag(s) - s",
    "outer(s, t) + [1, 2, 3]",
    "outer(u, s) - 1",
    "outer(s, u) / outer(s, u)",
};

}  // namespace

TEST_CASE("diag and outer terms evaluated row by row give the node-by-node entries, to the bit") {
    const auto env = environment<double>();
    for (const auto& src : programs) {
        INFO(src);
        const auto [lazy, eager] = both(src, env);
        REQUIRE(lazy.shape() == eager.shape());
        for (std::size_t k = 0; k < lazy.size(); ++k) {
            CHECK(lazy[k] == eager[k]);
            CHECK(std::signbit(lazy[k]) == std::signbit(eager[k]));
        }
    }
    // and the values themselves: diag(s) − s tᵀ, with the +0 of 0 − s₁·0
    const auto [J, _] = both("diag(s) - outer(s, t)", env);
    CHECK(J[0] == 0.25 - 0.25 * 2);
    CHECK(J[1] == 0.0);
    CHECK_FALSE(std::signbit(J[1]));
    CHECK(J[4] == -1.5);
    CHECK(J[8] == 3.125 - 3.125 * -0.75);
    CHECK(J[5] == 1.5 * -0.75);
}

TEST_CASE("row-by-row evaluation: 50-digit values equal node by node, gradients through the tape match its values") {
    // reverse mode through the evaluator (node by node, checked or not), against the derivative
    // of the row-wise values by central differences
    const std::vector<double> x0{0.3, -0.7, 1.1};
    for (const auto& src : programs) {
        INFO(src);
        const ad::lang::Program p = ad::lang::parse(src);
        auto f = [&](const std::vector<ad::Var<double>>& x) {
            ad::lang::Env<ad::Var<double>> env = environment<ad::Var<double>>();
            env["s"] = ad::Array<ad::Var<double>>(ad::Shape{3}, x);
            return ad::sum(ad::lang::evaluate(p, env) * ad::lang::evaluate(p, env));
        };
        const auto lazy = ad::value_and_gradient(f, x0);
        ad::checked_scope checked;
        const auto eager = ad::value_and_gradient(f, x0);
        // unchecked, arrays of Vars record array statements (their partials summed in another
        // order): the same gradient up to the last bits (x / x: ±1e-17 for an exact 0)
        CHECK(lazy.first == eager.first);
        REQUIRE(lazy.second.size() == eager.second.size());
        for (std::size_t k = 0; k < eager.second.size(); ++k) CHECK(lazy.second[k] == Approx(eager.second[k]).epsilon(1e-14).margin(1e-13));
        auto g = [&](const std::vector<double>& x) {
            ad::lang::Env<double> env = environment<double>();
            env["s"] = ad::Array<double>(ad::Shape{3}, x);
            return ad::sum(ad::lang::evaluate(p, env) * ad::lang::evaluate(p, env));
        };
        CHECK(g(x0) == Approx(lazy.first).epsilon(1e-15));
        for (std::size_t j = 0; j < x0.size(); ++j) {
            const double h = 1e-6;
            std::vector<double> xp = x0, xm = x0;
            xp[j] += h, xm[j] -= h;
            CHECK((g(xp) - g(xm)) / (2 * h) == Approx(lazy.second[j]).epsilon(1e-7).margin(1e-7));
        }
    }
    const auto env = environment<ad::mp50>();
    for (const auto& src : programs) {
        INFO(src);
        const auto [lazy, eager] = both(src, env);
        REQUIRE(lazy.size() == eager.size());
        for (std::size_t k = 0; k < lazy.size(); ++k) CHECK(lazy[k] == eager[k]);
    }
}

TEST_CASE("row-by-row evaluation refuses what node by node refuses, with the same message and place") {
    const auto env = environment<double>();
    auto error_of = [&](const std::string& src, bool checked) {
        const ad::lang::Program p = ad::lang::parse(src);
        ad::lang::last_error_site = {};
        try {
            if (checked) {
                ad::checked_scope scope;
                ad::lang::evaluate(p, env);
            } else {
                ad::lang::evaluate(p, env);
            }
        } catch (const ad::error& e) {
            return std::string(e.what()) + " @" + std::to_string(ad::lang::last_error_site.line) + ":" +
                   std::to_string(ad::lang::last_error_site.column);
        }
        return std::string("no error");
    };
    const auto limit = ad::lang::max_entries;
    ad::lang::max_entries = 8;  // diag(s) has 9 entries
    for (const std::string src : {"diag(s) - outer(s, s)", "A - diag(u)", "-outer(u, s)", "A + diag(A)", "diag(s) - outer(s, u)",
                                  "outer(s, u) + diag(s)", "outer(A, s) - 1", "2 * (A - unknown)"}) {
        INFO(src);
        const std::string lazy = error_of(src, false), eager = error_of(src, true);
        CHECK(lazy != "no error");
        CHECK(lazy == eager);
    }
    ad::lang::max_entries = limit;
    for (const std::string src : {"diag(s) - outer(s, u)", "outer(s, u) + diag(s)", "outer(A, s) - 1", "diag(s) * outer(u, u)"}) {
        INFO(src);
        const std::string lazy = error_of(src, false), eager = error_of(src, true);
        CHECK(lazy.find("shape") != std::string::npos);
        CHECK(lazy == eager);
    }
}
