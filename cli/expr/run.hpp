#pragma once
/// \file run.hpp
/// eval / grad / jacobian / hessian / check at one working precision T, in any mode. Included by
/// exactly one translation unit per precision (cli/expr/run_*.cpp) to spread the template work.
#include <algorithm>
#include <ostream>
#include <unordered_map>

#include "ad/adiff.hpp"
#include "ad/plot/heatmap.hpp"
#include "ad/core/checked.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expr/format.hpp"
#include "cli/expr/symbolic.hpp"

namespace adiff::cli::expr {

template <class T>
class Runner {
public:
    Runner(const Request& req, std::vector<Variable> vars) : req_(req), vars_(std::move(vars)) {
        for (const Variable& v : vars_) {
            if (v.values.empty())
                throw ad::error("no value for variable '" + v.name + "': give it with --at " + v.name + "=…");
            for (const auto& t : v.values) {  // every value must be a finite number at this precision
                try {
                    (void)ad::number_from_text<T>(t);
                } catch (const ad::error& e) {
                    throw ad::error("bad --at value for " + v.name + ": " + e.what());
                }
            }
        }
        const std::vector<std::string> wrt = req.wrt.empty() ? names() : req.wrt;
        for (const std::string& w : wrt) {
            auto it = std::find_if(vars_.begin(), vars_.end(), [&](const Variable& v) { return v.name == w; });
            if (it == vars_.end()) throw ad::error("--wrt " + w + ": no such variable; give its value with --at " + w + "=…");
            wrt_.push_back(static_cast<std::size_t>(it - vars_.begin()));
        }
        for (std::size_t k : wrt_)
            for (const auto& t : vars_[k].values) x_.push_back(ad::number_from_text<T>(t));
    }

    /// Evaluates `p` with every variable at its value (X = T, or X = Expr for symbolic mode).
    ad::Array<T> value(const ad::parse::Program& p) const {
        if (req_.mode == "symbolic") {
            ad::expr::Env<ad::sym::Expr> env;
            std::unordered_map<std::uint32_t, T> bind;
            for (const Variable& v : vars_) {
                env[v.name] = symbols_of(v);
                for (std::size_t k = 0; k < v.values.size(); ++k) bind[env[v.name][k].id()] = ad::number_from_text<T>(v.values[k]);
            }
            const ad::Array<ad::sym::Expr> y = evaluate_symbolic(p, env);
            return ad::Array<T>(y.shape(), ad::sym::evaluate<T>(y.values(), bind));
        }
        ad::expr::Env<T> env;
        for (const Variable& v : vars_) env[v.name] = constants<T>(v);
        return ad::expr::evaluate(p, env);
    }

    /// The Jacobian of the program's value (flattened) w.r.t. the wrt variables, in req.mode.
    ad::Array<T> jacobian() {
        auto f = [this](const auto& xs) { return outputs(xs); };
        if (req_.mode == "forward") return ad::jacobian_forward<8>(f, x_);
        if (req_.mode == "reverse") return ad::jacobian_reverse(f, x_);
        if (req_.mode == "symbolic") {
            std::vector<ad::sym::Expr> syms;
            ad::expr::Env<ad::sym::Expr> env = symbolic_env(syms);
            const ad::Array<ad::sym::Expr> y = evaluate_symbolic(req_.program, env);
            const ad::Array<ad::sym::Expr> J = ad::sym::jacobian(y.values(), syms);
            return ad::Array<T>(J.shape(), ad::sym::evaluate<T>(J.values(), bindings(syms)));
        }
        return ad::jacobian(f, x_);
    }

    /// Value, gradient and Hessian of a scalar program w.r.t. the wrt variables.
    ad::hessian_result<T> hessian() {
        auto f = [this](const auto& xs) { return scalar_output(xs); };
        const std::size_t n = x_.size();
        if (req_.mode == "symbolic") {
            std::vector<ad::sym::Expr> syms;
            ad::expr::Env<ad::sym::Expr> env = symbolic_env(syms);
            const ad::Array<ad::sym::Expr> y = evaluate_symbolic(req_.program, env);
            require_scalar(y.shape());
            const std::vector<ad::sym::Expr> g = ad::sym::gradient(y[0], syms);
            const ad::Array<ad::sym::Expr> H = ad::sym::jacobian(g, syms);
            std::vector<ad::sym::Expr> all{y[0]};
            all.insert(all.end(), g.begin(), g.end());
            all.insert(all.end(), H.begin(), H.end());
            const std::vector<T> v = ad::sym::evaluate<T>(all, bindings(syms));
            ad::hessian_result<T> r{v[0], std::vector<T>(v.begin() + 1, v.begin() + 1 + static_cast<std::ptrdiff_t>(n)), ad::Array<T>(ad::Shape{n, n})};
            std::copy(v.begin() + 1 + static_cast<std::ptrdiff_t>(n), v.end(), r.hessian.begin());
            return r;
        }
        if (req_.mode == "forward") {
            // Forward over forward: ∂²f/∂xᵢ∂xⱼ from one pass of nested duals per pair i ≤ j.
            using D = ad::Dual<ad::Dual<T, 1>, 1>;
            ad::hessian_result<T> r{T(0), std::vector<T>(n, T(0)), ad::Array<T>(ad::Shape{n, n})};
            std::vector<D> xd(n);
            for (std::size_t i = 0; i < std::max<std::size_t>(n, 1); ++i)
                for (std::size_t j = i; j < n || (n == 0 && j == 0); ++j) {
                    for (std::size_t k = 0; k < n; ++k)
                        xd[k] = D(ad::Dual<T, 1>(x_[k], T(k == j ? 1 : 0)), ad::Dual<T, 1>(T(k == i ? 1 : 0), T(0)));
                    const D y = f(std::as_const(xd));
                    if (i == 0 && j == 0) r.value = y.v.v;
                    if (n == 0) break;
                    if (i == j) r.gradient[i] = y.t[0].v;
                    r.hessian(i, j) = r.hessian(j, i) = y.t[0].t[0];
                }
            return r;
        }
        return ad::hessian_full<4>(f, x_);
    }

    /// The output shape of the last evaluation.
    const ad::Shape& out_shape() const { return out_shape_; }
    /// Names of the wrt variables in order.
    std::vector<std::string> wrt_names() const {
        std::vector<std::string> r;
        for (std::size_t k : wrt_) r.push_back(vars_[k].name);
        return r;
    }
    /// Shapes of the wrt variables in order.
    std::vector<ad::Shape> wrt_shapes() const {
        std::vector<ad::Shape> r;
        for (std::size_t k : wrt_) r.push_back(vars_[k].shape);
        return r;
    }
    const std::vector<T>& point() const { return x_; }

    void require_scalar(const ad::Shape& s) const {
        if (ad::shape_size(s) != 1)
            throw ad::shape_error(req_.command + " needs a scalar expression (use jacobian for arrays); the expression has", s);
    }

private:
    std::vector<std::string> names() const {
        std::vector<std::string> r;
        for (const Variable& v : vars_) r.push_back(v.name);
        return r;
    }
    template <class X>
    static ad::Array<X> constants(const Variable& v) {
        std::vector<X> d;
        d.reserve(v.values.size());
        for (const auto& t : v.values) d.push_back(ad::expr::literal_as<X>(t));
        return ad::Array<X>(v.shape, std::move(d));
    }
    template <class X>
    std::vector<X> outputs(const std::vector<X>& xs) {
        ad::expr::Env<X> env;
        std::size_t off = 0;
        for (std::size_t k = 0; k < vars_.size(); ++k) {
            if (std::find(wrt_.begin(), wrt_.end(), k) != wrt_.end()) continue;
            env[vars_[k].name] = constants<X>(vars_[k]);
        }
        for (std::size_t k : wrt_) {
            const std::size_t n = vars_[k].values.size();
            env[vars_[k].name] = ad::Array<X>(vars_[k].shape, std::vector<X>(xs.begin() + static_cast<std::ptrdiff_t>(off), xs.begin() + static_cast<std::ptrdiff_t>(off + n)));
            off += n;
        }
        ad::Array<X> y = ad::expr::evaluate(req_.program, env);
        out_shape_ = y.shape();
        return std::move(y.values());
    }
    template <class X>
    X scalar_output(const std::vector<X>& xs) {
        std::vector<X> y = outputs(xs);
        require_scalar(out_shape_);
        return y[0];
    }
    ad::expr::Env<ad::sym::Expr> symbolic_env(std::vector<ad::sym::Expr>& syms) const {
        ad::expr::Env<ad::sym::Expr> env;
        for (std::size_t k = 0; k < vars_.size(); ++k) {
            const bool w = std::find(wrt_.begin(), wrt_.end(), k) != wrt_.end();
            env[vars_[k].name] = w ? symbols_of(vars_[k]) : constants_of(vars_[k]);
        }
        for (std::size_t k : wrt_) for (const auto& s : env[vars_[k].name]) syms.push_back(s);
        return env;
    }
    std::unordered_map<std::uint32_t, T> bindings(const std::vector<ad::sym::Expr>& syms) const {
        std::unordered_map<std::uint32_t, T> b;
        for (std::size_t k = 0; k < syms.size(); ++k) b[syms[k].id()] = x_[k];
        return b;
    }

    const Request& req_;
    std::vector<Variable> vars_;
    std::vector<std::size_t> wrt_;
    std::vector<T> x_;
    ad::Shape out_shape_;
};

/// Splits a flat gradient into one array per wrt variable (shaped like it).
template <class T>
std::vector<ad::Array<T>> split(const std::vector<T>& flat, const std::vector<ad::Shape>& shapes) {
    std::vector<ad::Array<T>> out;
    std::size_t off = 0;
    for (const auto& s : shapes) {
        const std::size_t n = ad::shape_size(s);
        out.emplace_back(s, std::vector<T>(flat.begin() + static_cast<std::ptrdiff_t>(off), flat.begin() + static_cast<std::ptrdiff_t>(off + n)));
        off += n;
    }
    return out;
}

/// eval / grad / jacobian / hessian at precision T; writes the result, returns the exit code.
template <class T>
int run_at(const Request& req, std::ostream& out) {
    ad::checked_scope checked;
    Runner<T> r(req, req.vars);
    const ad::Array<T> v = r.value(req.program);
    if (req.command == "eval") {
        out << (req.json ? "{\"value\": " + json_array(v) + "}" : text_array(v)) << "\n";
        return exit_ok;
    }
    const auto names = r.wrt_names();
    const auto shapes = r.wrt_shapes();
    std::string wrt_json = "[";
    for (std::size_t k = 0; k < names.size(); ++k) wrt_json += (k ? ", " : "") + json_string(names[k]);
    wrt_json += "]";
    if (req.command == "grad") {
        r.require_scalar(v.shape());
        const ad::Array<T> J = r.jacobian();
        const auto parts = split(J.values(), shapes);
        if (req.json) {
            out << "{\"value\": " << json_array(v) << ", \"gradient\": {";
            for (std::size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << json_string(names[k]) << ": " << json_array(parts[k]);
            out << "}}\n";
        } else {
            out << "value: " << text_array(v) << "\ngradient:\n";
            for (std::size_t k = 0; k < names.size(); ++k) out << "  " << names[k] << ": " << text_array(parts[k], 4 + names[k].size()) << "\n";
        }
        return exit_ok;
    }
    if (req.command == "jacobian") {
        const ad::Array<T> J = r.jacobian();
        if (!req.plot.empty()) {
            ad::plot::heatmap_options po;
            po.title = "Jacobian of " + req.source;
            ad::plot::write_heatmap(req.plot, J, po);
        }
        if (req.json) {
            out << "{\"value\": " << json_array(v) << ", \"wrt\": " << wrt_json << ", \"jacobian\": " << json_array(J) << "}\n";
        } else {
            out << "value: " << text_array(v) << "\n";
            out << "jacobian (" << J.rows() << " x " << J.cols() << ", rows: outputs, columns: ";
            for (std::size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << names[k] << (shapes[k].empty() ? "" : ad::shape_string(shapes[k]));
            out << "):\n" << text_array(J) << "\n";
        }
        return exit_ok;
    }
    if (req.command == "hessian") {
        r.require_scalar(v.shape());
        const ad::hessian_result<T> h = r.hessian();
        const ad::Array<T> g(ad::Shape{h.gradient.size()}, h.gradient);
        if (req.json) {
            out << "{\"value\": " << json_array(v) << ", \"wrt\": " << wrt_json << ", \"gradient\": " << json_array(g)
                << ", \"hessian\": " << json_array(h.hessian) << "}\n";
        } else {
            out << "value: " << text_array(v) << "\ngradient: " << text_array(g) << "\nhessian (" << h.hessian.rows() << " x "
                << h.hessian.cols() << "):\n" << text_array(h.hessian) << "\n";
        }
        return exit_ok;
    }
    throw ad::error("unknown command " + req.command);
}

/// The claim check at precision T (see check_double etc. in request.hpp).
template <class T>
CheckResult check_at(const Request& req, const std::vector<std::vector<Variable>>& points, double tol_abs, double tol_rel) {
    ad::checked_scope checked;
    CheckResult res;
    for (std::size_t p = 0; p < points.size(); ++p) {
        Runner<T> r(req, points[p]);
        const ad::Array<T> J = r.jacobian();
        ad::Array<T> C = r.value(req.claim);
        const std::size_t m = J.rows(), n = J.cols();
        res.rows = m, res.cols = n;
        if (C.size() != m * n)
            throw ad::shape_error("check: the claim has " + std::to_string(C.size()) + " value" + (C.size() == 1 ? "" : "s") +
                                      " but the Jacobian of the expression w.r.t. the --wrt variables is " + std::to_string(m) +
                                      " x " + std::to_string(n) + "; claim shape vs Jacobian shape",
                                  C.shape(), J.shape());
        if (!req.plot.empty() && p == 0)
            ad::plot::write_error_heatmap(req.plot, C.reshaped(J.shape()), J, ad::plot::error_options("|claim - AD|, " + req.source));
        bool point_ok = true;
        for (std::size_t k = 0; k < m * n; ++k) {
            using std::abs;
            const T a = J[k], c = C[k];
            const T err = abs(a - c), scale = std::max(abs(a), abs(c));
            const double e = static_cast<double>(err), s = static_cast<double>(scale);
            const double rel = s > 0 ? e / s : 0.0;
            res.max_abs = std::max(res.max_abs, e);
            res.max_rel = std::max(res.max_rel, rel);
            const double score = e / (tol_abs + tol_rel * s);
            if (score > 1) point_ok = false;
            if (score > res.worst_score) {
                res.worst_score = score;
                res.worst_point = p, res.worst_row = k / std::max<std::size_t>(n, 1), res.worst_col = k % std::max<std::size_t>(n, 1);
                res.worst_ad = num(a), res.worst_claim = num(c);
            }
        }
        if (!point_ok) res.agrees = false, ++res.disagreeing_points;
    }
    return res;
}

}  // namespace adiff::cli::expr
