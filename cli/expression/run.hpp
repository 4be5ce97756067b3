#pragma once
/// \file run.hpp
/// eval / grad / jacobian / hessian / check at one working precision T, in any mode. Included by
/// exactly one translation unit per precision (cli/expression/run_*.cpp) to spread the template work.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <ostream>
#include <unordered_map>

#include "ad/adiff.hpp"
#include "ad/plot/heatmap.hpp"
#include "ad/core/checked.hpp"
#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/evaluate.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expression/format.hpp"
#include "cli/expression/symbolic.hpp"

namespace adiff::cli::expression {

/// The guard recomputes at 50 digits only when the result has at most this many entries.
inline constexpr std::size_t guard_max_entries = 20'000;
/// Tangent lanes of a forward Jacobian, --mode forward or chosen by --mode auto: one lane count,
/// since each is one more instantiation of the whole evaluator at every precision (with fitted
/// lanes, five counts then, run_double.cpp took 73 s to compile, 60 s with one). The lane count
/// does not change the numbers.
inline constexpr std::size_t forward_lanes = 8;

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
    ad::Array<T> value(const ad::lang::Program& p) const {
        if (req_.mode == Mode::symbolic) {
            ad::lang::Env<ad::sym::Expr> env;
            std::unordered_map<std::uint32_t, T> bind;
            for (const Variable& v : vars_) {
                env[v.name] = symbols_of(v);
                for (std::size_t k = 0; k < v.values.size(); ++k) bind[env[v.name][k].id()] = ad::number_from_text<T>(v.values[k]);
            }
            const ad::Array<ad::sym::Expr> y = evaluate_symbolic(p, env);
            return ad::Array<T>(y.shape(), ad::sym::evaluate<T>(y.values(), bind));
        }
        ad::lang::Env<T> env;
        for (const Variable& v : vars_) env[v.name] = constants<T>(v);
        return ad::lang::evaluate(p, env);
    }

    /// The Jacobian of the program's value (flattened) w.r.t. the wrt variables, in req.mode.
    ad::Array<T> jacobian() {
        auto f = [this](const auto& xs) { return this->outputs(xs); };
        if (req_.mode == Mode::forward) return ad::jacobian_forward<forward_lanes>(f, x_);
        if (req_.mode == Mode::reverse) return ad::jacobian_reverse(f, x_);
        if (req_.mode == Mode::symbolic) {
            std::vector<ad::sym::Expr> syms;
            ad::lang::Env<ad::sym::Expr> env = symbolic_env(syms);
            const ad::Array<ad::sym::Expr> y = evaluate_symbolic(req_.program, env);
            const ad::Array<ad::sym::Expr> J = ad::sym::jacobian(y.values(), syms);
            return ad::Array<T>(J.shape(), ad::sym::evaluate<T>(J.values(), bindings(syms)));
        }
        return ad::jacobian<forward_lanes>(f, x_);  // automatic: forward (the same lanes) or reverse
    }

    /// Value, gradient and Hessian of a scalar program w.r.t. the wrt variables.
    ad::hessian_result<T> hessian() {
        auto f = [this](const auto& xs) { return this->scalar_output(xs); };
        const std::size_t n = x_.size();
        if (req_.mode == Mode::symbolic) {
            std::vector<ad::sym::Expr> syms;
            ad::lang::Env<ad::sym::Expr> env = symbolic_env(syms);
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
        if (req_.mode == Mode::forward) return ad::hessian_forward(f, x_);
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
            throw ad::shape_error(std::string(command_name(req_.command)) + " needs a scalar expression (use jacobian for arrays); the expression has", s);
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
        for (const auto& t : v.values) d.push_back(ad::lang::literal_as<X>(t));
        return ad::Array<X>(v.shape, std::move(d));
    }
    template <class X>
    std::vector<X> outputs(const std::vector<X>& xs) {
        ad::lang::Env<X> env;
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
        ad::Array<X> y = ad::lang::evaluate(req_.program, env);
        out_shape_ = y.shape();
        return std::move(y.values());
    }
    template <class X>
    X scalar_output(const std::vector<X>& xs) {
        std::vector<X> y = outputs(xs);
        require_scalar(out_shape_);
        return y[0];
    }
    ad::lang::Env<ad::sym::Expr> symbolic_env(std::vector<ad::sym::Expr>& syms) const {
        ad::lang::Env<ad::sym::Expr> env;
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

/// Row-major subscript text of flat entry k of `shape`: "" for a scalar, "[2]", "[0, 1]".
inline std::string subscript(const ad::Shape& shape, std::size_t k) {
    if (shape.empty()) return "";
    std::string sub = "]";
    for (std::size_t d = shape.size(); d-- > 0;) {
        sub = (d ? ", " : "") + std::to_string(k % shape[d]) + sub;
        k /= shape[d];
    }
    return "[" + sub;
}

/// Names of the flattened wrt entries in order: "x", "z[0]", "W[0, 1]", ...
inline std::vector<std::string> entry_names(const std::vector<std::string>& names, const std::vector<ad::Shape>& shapes) {
    std::vector<std::string> out;
    for (std::size_t v = 0; v < names.size(); ++v)
        for (std::size_t k = 0; k < ad::shape_size(shapes[v]); ++k) out.push_back(names[v] + subscript(shapes[v], k));
    return out;
}

/// The result of eval / grad / jacobian / hessian at precision T, before it is printed: the
/// arrays in output order, each with a label per entry (for messages and the guard).
template <class T>
struct Outcome {
    struct Part {
        std::string what;                 ///< "value", "gradient", "jacobian", "hessian"
        ad::Array<T> array;
        std::vector<std::string> labels;  ///< one per entry: "value", "gradient x", "jacobian (0, z[1])"
    };
    std::vector<Part> parts;
    std::vector<std::string> names;       ///< wrt variables
    std::vector<ad::Shape> shapes;        ///< their shapes

    const ad::Array<T>& get(const std::string& what) const {
        for (const Part& p : parts) if (p.what == what) return p.array;
        throw ad::error("internal: no " + what + " in the outcome");
    }
};

/// Computes what req.command asks for at precision T (in a checked scope, so a non-finite
/// primitive is an ad::domain_error naming it) and refuses a non-finite entry of any result:
/// an accumulated derivative can overflow where no single primitive does.
template <class T>
Outcome<T> compute(const Request& req) {
    ad::checked_scope checked;
    Runner<T> r(req, req.vars);
    Outcome<T> o;
    const ad::Array<T> v = r.value(req.program);
    auto value_labels = [&] {
        std::vector<std::string> l;
        for (std::size_t k = 0; k < v.size(); ++k) l.push_back("value" + subscript(v.shape(), k));
        return l;
    };
    o.parts.push_back({"value", v, value_labels()});
    o.names = r.wrt_names();
    o.shapes = r.wrt_shapes();
    const std::vector<std::string> cols = entry_names(o.names, o.shapes);
    if (req.command == Command::grad) {
        r.require_scalar(v.shape());
        const ad::Array<T> J = r.jacobian();
        std::vector<std::string> l;
        for (const auto& c : cols) l.push_back("gradient " + c);
        o.parts.push_back({"gradient", J, l});
    } else if (req.command == Command::jacobian) {
        require_within("the Jacobian (" + std::to_string(v.size()) + " outputs x " + std::to_string(cols.size()) + " inputs)",
                       static_cast<long double>(v.size()) * static_cast<long double>(cols.size()),
                       req.mode == Mode::symbolic ? symbolic_entries(req) : req.max_entries);
        const ad::Array<T> J = r.jacobian();
        std::vector<std::string> l;
        for (std::size_t i = 0; i < J.rows(); ++i)
            for (const auto& c : cols) l.push_back("jacobian (" + std::to_string(i) + ", " + c + ")");
        o.parts.push_back({"jacobian", J, l});
    } else if (req.command == Command::hessian) {
        r.require_scalar(v.shape());
        require_within("the Hessian (" + std::to_string(cols.size()) + " x " + std::to_string(cols.size()) + ")",
                       static_cast<long double>(cols.size()) * static_cast<long double>(cols.size()),
                       req.mode == Mode::symbolic ? symbolic_entries(req) : req.max_entries);
        const ad::hessian_result<T> h = r.hessian();
        std::vector<std::string> lg, lh;
        for (const auto& c : cols) lg.push_back("gradient " + c);
        for (const auto& a : cols)
            for (const auto& b : cols) lh.push_back("hessian (" + a + ", " + b + ")");
        o.parts.push_back({"gradient", ad::Array<T>(ad::Shape{h.gradient.size()}, h.gradient), lg});
        o.parts.push_back({"hessian", h.hessian, lh});
    } else if (req.command != Command::eval) {
        throw std::logic_error("run_at: " + std::string(command_name(req.command)) + " is not computed here");
    }
    for (const auto& p : o.parts)
        for (std::size_t k = 0; k < p.array.size(); ++k) {
            using std::isfinite;
            if (!isfinite(p.array[k]))
                throw ad::domain_error(p.what, p.labels[k] + " is " + num(p.array[k]) +
                                                   (p.array[k] != p.array[k] ? " (undefined: the accumulated derivative meets inf - inf or 0 * inf)"
                                                    : std::is_floating_point_v<T> ? " (the accumulated derivative overflows in this precision; "
                                                                                    "--precision 50 has a wider range)"
                                                                                  : " (the accumulated derivative overflows)"));
        }
    return o;
}

/// The guard (class 11 of the reliability contract): recompute at 50 digits and list the entries
/// that differ by more than rounding explains. Only for double/long double, small problems.
template <class T>
std::vector<std::string> guard_warnings(const Request& req, const Outcome<T>& o) {
    if constexpr (!std::is_floating_point_v<T>) {
        return {};
    } else {
        if (!req.guard) return {};
        std::size_t entries = 0;
        for (const auto& p : o.parts) entries += p.array.size();
        for (const auto& v : req.vars) entries += v.values.size();
        // measured: 50-digit arithmetic costs ~40-80x double; 20,000 result entries keep the
        // recomputation well under a second for the expressions the CLI is used with
        if (entries > guard_max_entries) return {};
        std::vector<std::string> labels, values;
        std::vector<std::size_t> array_of;
        for (std::size_t a = 0; a < o.parts.size(); ++a)
            for (std::size_t k = 0; k < o.parts[a].array.size(); ++k) {
                labels.push_back(o.parts[a].labels[k]);
                values.push_back(num_exact(o.parts[a].array[k]));  // the guard reads it back: all digits
                array_of.push_back(a);
            }
        return guard_mp50(req, labels, values, array_of);
    }
}

/// eval / grad / jacobian / hessian at precision T; writes the result, returns the exit code.
template <class T>
int run_at(const Request& req, std::ostream& out) {
    const Outcome<T> o = compute<T>(req);
    const std::vector<std::string> warnings = guard_warnings(req, o);
    for (const auto& w : warnings) std::cerr << "adiff " << command_name(req.command) << ": warning: " << w << "\n";
    const ad::Array<T>& v = o.get("value");
    const auto& names = o.names;
    const auto& shapes = o.shapes;
    std::string wrt_json = "[";
    for (std::size_t k = 0; k < names.size(); ++k) wrt_json += (k ? ", " : "") + json_string(names[k]);
    wrt_json += "]";
    std::string entries_json = "[";
    for (const auto& c : entry_names(names, shapes)) entries_json += (entries_json.size() > 1 ? ", " : "") + json_string(c);
    entries_json += "]";
    std::string warn_json;
    if (req.json) {
        warn_json = ", \"warnings\": [";
        for (std::size_t k = 0; k < warnings.size(); ++k) warn_json += (k ? ", " : "") + json_string(warnings[k]);
        warn_json += "]";
    }
    if (req.command == Command::eval) {
        out << (req.json ? json_head(command_name(req.command)) + ", \"value\": " + json_array(v) + warn_json + "}" : text_array(v)) << "\n";
        return exit_ok;
    }
    if (req.command == Command::grad) {
        const auto parts = split(o.get("gradient").values(), shapes);
        if (req.json) {
            out << json_head(command_name(req.command)) << ", \"value\": " << json_array(v) << ", \"wrt\": " << wrt_json << ", \"gradient\": {";
            for (std::size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << json_string(names[k]) << ": " << json_array(parts[k]);
            out << "}" << warn_json << "}\n";
        } else {
            out << "value: " << text_array(v) << "\ngradient:\n";
            for (std::size_t k = 0; k < names.size(); ++k) out << "  " << names[k] << ": " << text_array(parts[k], 4 + names[k].size()) << "\n";
        }
        return exit_ok;
    }
    if (req.command == Command::jacobian) {
        const ad::Array<T>& J = o.get("jacobian");
        if (!req.plot.empty()) {
            ad::plot::heatmap_options po;
            po.title = "Jacobian of " + req.source;
            ad::plot::write_heatmap(req.plot, J, po);
        }
        if (req.json) {
            out << json_head(command_name(req.command)) << ", \"value\": " << json_array(v) << ", \"wrt\": " << wrt_json << ", \"wrt_entries\": " << entries_json
                << ", \"jacobian\": " << json_array(J) << warn_json << "}\n";
        } else {
            out << "value: " << text_array(v) << "\n";
            out << "jacobian (" << J.rows() << " x " << J.cols() << ", rows: outputs, columns: ";
            for (std::size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << names[k] << (shapes[k].empty() ? "" : ad::shape_string(shapes[k]));
            out << "):\n" << text_array(J) << "\n";
        }
        return exit_ok;
    }
    // hessian
    const ad::Array<T>& g = o.get("gradient");
    const ad::Array<T>& H = o.get("hessian");
    if (req.json) {
        const auto gparts = split(g.values(), shapes);
        out << json_head(command_name(req.command)) << ", \"value\": " << json_array(v) << ", \"wrt\": " << wrt_json << ", \"wrt_entries\": " << entries_json
            << ", \"gradient\": {";
        for (std::size_t k = 0; k < names.size(); ++k) out << (k ? ", " : "") << json_string(names[k]) << ": " << json_array(gparts[k]);
        out << "}"
            << ", \"hessian\": " << json_array(H) << warn_json << "}\n";
    } else {
        out << "value: " << text_array(v) << "\ngradient: " << text_array(g) << "\nhessian (" << H.rows() << " x " << H.cols() << "):\n"
            << text_array(H) << "\n";
    }
    return exit_ok;
}

/// The guard's comparison at 50 digits (see guard_mp50 in request.hpp): T = ad::mp50.
template <class T>
std::vector<std::string> guard_at(const Request& req, const std::vector<std::string>& labels, const std::vector<std::string>& values,
                                  const std::vector<std::size_t>& array_of) {
    Outcome<T> o;
    try {
        o = compute<T>(req);
    } catch (const ad::error&) {
        return {};  // fails at 50 digits but not in double: the double result stands (no claim to check)
    }
    std::vector<T> ref;
    std::vector<std::size_t> ref_array;
    for (std::size_t a = 0; a < o.parts.size(); ++a)
        for (const T& x : o.parts[a].array) ref.push_back(x), ref_array.push_back(a);
    if (ref.size() != values.size()) return {};
    // An entry warns when its double value is off by more than 1e-8 relative, unless it is
    // rounding noise around a true zero: negligible in its array at 50 digits (1e-40 of the
    // largest entry) and, in double, below 1e-14 of the largest magnitude of the problem (every
    // result entry and every input), which is what rounding leaves of cancelled terms.
    using std::abs;
    std::vector<T> got(ref.size()), largest_ref(o.parts.size(), T(0));
    T scale(0);
    for (const auto& v : req.vars)
        for (const auto& t : v.values) scale = std::max(scale, T(abs(ad::number_from_text<T>(t))));
    for (std::size_t k = 0; k < ref.size(); ++k) {
        got[k] = ad::number_from_text<T>(values[k]);
        largest_ref[ref_array[k]] = std::max(largest_ref[ref_array[k]], T(abs(ref[k])));
        scale = std::max(scale, T(abs(got[k])));
    }
    std::vector<std::string> w;
    for (std::size_t k = 0; k < ref.size(); ++k) {
        const T d = abs(T(got[k] - ref[k])), m = std::max(T(abs(got[k])), T(abs(ref[k])));
        const bool noise = abs(ref[k]) <= T(1e-40) * largest_ref[array_of[k]] && abs(got[k]) <= T(1e-14) * scale;
        if (d > T(1e-8) * m && !noise) {
            char rel[32];
            std::snprintf(rel, sizeof rel, "%.2g", static_cast<double>(d / m));
            w.push_back(labels[k] + " is " + values[k] + " in double but " + ref[k].str(17) + " at 50 digits (relative error " + rel +
                        "), more than rounding explains: use --precision 50 (--no-guard silences this)");
            if (w.size() == 5) {
                w.push_back("(further entries not listed)");
                break;
            }
        }
    }
    return w;
}

/// The claim check at precision T (see check_double etc. in request.hpp).
template <class T>
CheckValues check_at(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want) {
    ad::checked_scope checked;
    CheckValues res;
    res.texts.resize(want.size());
    for (std::size_t p = 0; p < points.size(); ++p) {
        Runner<T> r(req, points[p]);
        // a non-finite value is never judged: name the operation and which side it is on
        auto named = [&](const ad::domain_error& e, const char* side, const std::string& source) {
            const std::string what = e.what(), detail = what.substr(std::min(what.size(), what.find("': ") + 3));
            const std::string site = with_site("", source);  // "\n" + the caret, or "" without a position
            return ad::domain_error(e.op, detail + " (in " + side + ": it cannot be judged)" + site);
        };
        ad::Array<T> J, C;
        try {
            J = r.jacobian();
        } catch (const ad::domain_error& e) {
            throw named(e, "the derivative of the expression", req.source);
        }
        try {
            C = r.value(req.claim);
        } catch (const ad::domain_error& e) {
            throw named(e, "the claim", req.claim_source);
        }
        const std::size_t m = J.rows(), n = J.cols();
        res.rows = m, res.cols = n;
        if (C.size() != m * n)
            throw ad::shape_error("check: the claim has " + std::to_string(C.size()) + " value" + (C.size() == 1 ? "" : "s") +
                                      " but the Jacobian of the expression w.r.t. the --wrt variables is " + std::to_string(m) +
                                      " x " + std::to_string(n) + "; claim shape vs Jacobian shape",
                                  C.shape(), J.shape());
        for (std::size_t k = 0; k < m * n; ++k) {
            using std::isfinite;
            if (!isfinite(J[k]))
                throw ad::domain_error("jacobian", "the derivative of the expression, entry (" + std::to_string(k / n) + ", " + std::to_string(k % n) +
                                                       "), is " + num(J[k]) + " here: it cannot be judged");
        }
        std::vector<ad::check::entry_error> e(m * n);
        for (std::size_t k = 0; k < m * n; ++k) e[k] = ad::check::measure(J[k], C[k]);
        res.errors.push_back(std::move(e));
        for (std::size_t w = 0; w < want.size(); ++w)
            if (want[w].point == p && want[w].entry < m * n) res.texts[w] = {num(J[want[w].entry]), num(C[want[w].entry])};
        if (!req.plot.empty() && !want.empty() && want[0].point == p)
            ad::plot::write_error_heatmap(req.plot, C.reshaped(J.shape()), J, ad::plot::error_options("|claim - AD|, " + req.source));
    }
    return res;
}

}  // namespace adiff::cli::expression
