// Symbolic graphs are per thread: several threads build equal and different expressions at
// once (the same source text, the same symbol names, thread-specific constants), differentiate
// them (gradient, Jacobian, Hessian), evaluate them and compare every number with plain double
// arithmetic or its closed form; graph_scope frees each iteration's nodes; a thread's graph is
// freed when the thread exits; an Expr used on the wrong thread is a graph_error.
// scripts/ci_tsan.sh runs this file under ThreadSanitizer.
#include "support/thread_failures.hpp"
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include <catch2/catch.hpp>

#include "ad/core/checked.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "ad/symbolic/print.hpp"

using ad::sym::Expr;

namespace {

using adiff_test::failures;
using adiff_test::iterations;

bool near(double a, double b, double rel = 1e-12) { return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)}) || std::abs(a - b) < 1e-300; }

std::vector<Expr> symbols(const std::string& name, std::size_t n) {
    std::vector<Expr> z;
    for (std::size_t i = 0; i < n; ++i) z.push_back(ad::sym::symbol(name, "[" + std::to_string(i) + "]", static_cast<std::uint32_t>(i)));
    return z;
}

std::vector<double> softmax(const std::vector<double>& z) {
    double m = z[0];
    for (double v : z) m = std::max(m, v);
    std::vector<double> s(z.size());
    double t = 0;
    for (std::size_t i = 0; i < z.size(); ++i) t += (s[i] = std::exp(z[i] - m));
    for (double& v : s) v /= t;
    return s;
}

/// One worker: every iteration in its own graph_scope, every result checked.
void work(int thread, int n_iter, failures& f) {
    const std::string tag = "thread " + std::to_string(thread) + ": ";
    // the same program text on every thread (equal expressions, equal symbol names)
    const auto program = ad::lang::parse("s = softmax(z); sum(s * log(s)) + logsumexp(z) * x");
    for (int it = 0; it < n_iter; ++it) {
        const std::size_t before = ad::sym::graph_size();
        {
            const ad::sym::graph_scope scope;
            const std::size_t Q = 3 + static_cast<std::size_t>((thread + it) % 4);
            const auto z = symbols("z", Q);
            const Expr x = ad::sym::symbol("x");
            std::vector<double> zv(Q);
            for (std::size_t i = 0; i < Q; ++i) zv[i] = 0.3 * double(i) - 0.1 * thread + 0.01 * (it % 13);
            const double xv = 0.5 + 0.1 * thread;
            std::unordered_map<std::uint32_t, double> at{{x.id(), xv}};
            for (std::size_t i = 0; i < Q; ++i) at[z[i].id()] = zv[i];

            // equal expression: value against plain double evaluation of the same program
            ad::lang::Env<Expr> env{{"z", ad::Array<Expr>(ad::Shape{Q}, z)}, {"x", ad::Array<Expr>(ad::Shape{}, std::vector<Expr>{x})}};
            const Expr y = ad::lang::evaluate(program, env)[0];
            const ad::lang::Env<double> envd{{"z", ad::Array<double>(ad::Shape{Q}, zv)}, {"x", ad::Array<double>(ad::Shape{}, std::vector<double>{xv})}};
            const double yd = ad::lang::evaluate(program, envd)[0];
            f.check(near(ad::sym::evaluate<double>(std::vector<Expr>{y}, at)[0], yd), tag + "program value");

            // softmax Jacobian against diag(s) − s sᵀ
            const auto sz = ad::lang::evaluate(ad::lang::parse("softmax(z)"), env);
            const auto J = ad::sym::jacobian(sz.values(), z);
            const auto Jv = ad::sym::evaluate<double>(J.values(), at);
            const auto s = softmax(zv);
            for (std::size_t i = 0; i < Q; ++i)
                for (std::size_t j = 0; j < Q; ++j)
                    f.check(near(Jv[i * Q + j], (i == j ? s[i] : 0.0) - s[i] * s[j]), tag + "softmax Jacobian");

            // a different expression on every thread: constants a, b of its own
            const double a = 1.0 + thread, b = 2.0 + (it % 5);
            const Expr g = sin(Expr(a) * x) * exp(x / Expr(b));
            const auto dg = ad::sym::gradient(g, std::vector<Expr>{x});
            const double want = a * std::cos(a * xv) * std::exp(xv / b) + std::sin(a * xv) * std::exp(xv / b) / b;
            f.check(near(ad::sym::evaluate<double>(dg, at)[0], want), tag + "thread-specific gradient");

            // Hessian of log_softmax(z)[0] = −(diag(s) − s sᵀ)
            const auto ls = ad::lang::evaluate(ad::lang::parse("log_softmax(z)[0]"), env);
            const auto H = ad::sym::hessian(ls[0], z);
            const auto Hv = ad::sym::evaluate<double>(H.values(), at);
            for (std::size_t i = 0; i < Q; ++i)
                for (std::size_t j = 0; j < Q; ++j)
                    f.check(near(Hv[i * Q + j], -((i == j ? s[i] : 0.0) - s[i] * s[j])), tag + "log_softmax Hessian");

            // the domain is kept (a guard): exp(log(x)) fails at x < 0 in checked mode
            const Expr el = exp(log(x));
            f.check(ad::sym::evaluate<double>(std::vector<Expr>{el}, at)[0] == xv, tag + "exp(log(x)) value");
            bool threw = false;
            try {
                const ad::checked_scope checked;
                (void)ad::sym::evaluate<double>(std::vector<Expr>{el}, {{x.id(), -2.0}});
            } catch (const ad::domain_error& e) {
                threw = e.op == "log";
            }
            f.check(threw, tag + "exp(log(x)) at -2 throws in 'log'");

            // printing reads only this thread's graph
            f.check(ad::sym::to_text(g).find("sin(") != std::string::npos, tag + "printed");
        }
        f.check(ad::sym::graph_size() == before, tag + "graph_scope freed the iteration's nodes");
    }
    // without a scope: nodes stay until the thread exits
    const Expr x = ad::sym::symbol("x");
    for (int k = 0; k < 200; ++k) (void)ad::sym::gradient(sin(Expr(k + thread * 1000) * x), std::vector<Expr>{x});
}

}  // namespace

TEST_CASE("symbolic graphs are per thread: concurrent build, differentiate, evaluate", "[reliability][threads][symbolic]") {
    const int n_threads = 4, n_iter = iterations(200);
    const std::size_t graphs_before = ad::sym::live_graphs();
    failures f;
    std::latch start(n_threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < n_threads; ++t)
        pool.emplace_back([&, t] {
            start.arrive_and_wait();
            try {
                work(t, n_iter, f);
            } catch (const std::exception& e) {
                f.check(false, std::string("thread threw: ") + e.what());
            }
        });
    for (auto& th : pool) th.join();
    INFO(f.first);
    CHECK(f.count == 0);
    CHECK(f.checks >= long(n_threads) * n_iter * 20);
    // every worker's graph (with the nodes built outside a scope) was freed at thread exit
    CHECK(ad::sym::live_graphs() == graphs_before);
}

TEST_CASE("an Expr used on another thread is a graph_error, not a wrong result", "[reliability][threads][symbolic]") {
    const Expr x = ad::sym::symbol("x");
    const Expr fx = exp(x) * x;
    std::string message;
    bool wrong_thread = false, no_wrong_value = true;
    std::thread([&] {
        try {
            (void)(fx + 1);  // building on a foreign handle
        } catch (const ad::sym::graph_error& e) {
            wrong_thread = true;
            message = e.what();
        }
        try {
            (void)ad::sym::gradient(fx, std::vector<Expr>{x});
            no_wrong_value = false;
        } catch (const ad::sym::graph_error&) {
        }
        try {
            (void)ad::sym::evaluate<double>(std::vector<Expr>{fx}, {{x.id(), 1.0}});
            no_wrong_value = false;
        } catch (const ad::error&) {  // graph_error is an ad::error
        }
        try {
            (void)fx.op();
            no_wrong_value = false;
        } catch (const ad::sym::graph_error&) {
        }
    }).join();
    CHECK(wrong_thread);
    CHECK(no_wrong_value);
    CHECK(message.find("thread") != std::string::npos);
    // a handle from a thread that has ended
    Expr dead;
    std::thread([&] { dead = sin(ad::sym::symbol("x")) + 2; }).join();
    CHECK_THROWS_AS(dead.op(), ad::sym::graph_error);
    CHECK_THROWS_AS(ad::sym::to_text(dead), ad::sym::graph_error);
    // the main thread's graph is untouched
    CHECK(ad::sym::evaluate<double>(std::vector<Expr>{fx}, {{x.id(), 1.0}})[0] == std::exp(1.0));
}

TEST_CASE("graph_scope on every thread at once, memory back to the mark", "[reliability][threads][symbolic][memory]") {
    const int n_threads = 4;
    failures f;
    std::vector<std::thread> pool;
    for (int t = 0; t < n_threads; ++t)
        pool.emplace_back([&, t] {
            const Expr x = ad::sym::symbol("x");
            const std::size_t mark = ad::sym::graph_size(), bytes = ad::sym::graph_bytes();
            for (int k = 0; k < 50; ++k) {
                const ad::sym::graph_scope scope;
                Expr e = x;
                for (int d = 0; d < 2000; ++d) e = sin(e + Expr(d + 2 + 3000 * t)) * x;  // about 10^4 distinct nodes
                const auto g = ad::sym::gradient(e, std::vector<Expr>{x});
                f.check(std::isfinite(ad::sym::evaluate<double>(g, {{x.id(), 0.1}})[0]), "finite gradient");
            }
            f.check(ad::sym::graph_size() == mark, "size back to the mark");
            f.check(ad::sym::graph_bytes() <= bytes + (1u << 20), "bytes back near the mark: " + std::to_string(ad::sym::graph_bytes()) + " vs " + std::to_string(bytes));
        });
    for (auto& th : pool) th.join();
    INFO(f.first);
    CHECK(f.count == 0);
}
