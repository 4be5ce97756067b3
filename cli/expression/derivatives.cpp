// `adiff derivatives`: f, f′, …, f⁽ᴷ⁾ and the Taylor coefficients f⁽ᵏ⁾/k! of a scalar expression
// in one variable, by ad::derivatives<K> (duals nested K deep), in double or at 50 digits.
#include <algorithm>
#include <ostream>

#include "ad/adiff.hpp"
#include "ad/core/checked.hpp"
#include "ad/drivers/derivatives.hpp"
#include "ad/lang/evaluate.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expression/format.hpp"
#include "cli/expression/request.hpp"

namespace adiff::cli::expression {
namespace {

template <class T>
int derivatives_at(const Request& req, std::size_t order, std::ostream& out) {
    ad::checked_scope checked;
    // the variable: --wrt, else the only variable given
    std::string w;
    if (req.wrt.size() > 1) throw ad::error("derivatives: --wrt names one variable (the function is of one variable; the others are constants)");
    if (!req.wrt.empty()) w = req.wrt[0];
    else if (req.vars.size() == 1) w = req.vars[0].name;
    else throw ad::error("derivatives: say which variable with --wrt NAME");
    const int k = find_var(req, w);
    if (k < 0 || req.vars[static_cast<std::size_t>(k)].values.empty())
        throw ad::error("derivatives: no value for '" + w + "': give it with --at " + w + "=…");
    const Variable& wv = req.vars[static_cast<std::size_t>(k)];
    if (!wv.shape.empty()) throw ad::shape_error("derivatives: the variable must be a scalar (" + w + " is an array); its shape", wv.shape);
    for (const Variable& v : req.vars)
        if (v.values.empty()) throw ad::error("no value for variable '" + v.name + "': give it with --at " + v.name + "=…");
    for (const std::string& name : free_variables(req.program))
        if (find_var(req, name) < 0) throw ad::error("no value for variable '" + name + "': give it with --at " + name + "=…");
    const T x0 = ad::number_from_text<T>(wv.values[0]);
    auto f = [&](const auto& x) {
        using X = std::decay_t<decltype(x)>;
        ad::lang::Env<X> env;
        for (const Variable& v : req.vars) {
            if (v.name == w) { env[v.name] = ad::Array<X>(ad::Shape{}, std::vector<X>{x}); continue; }
            std::vector<X> d;
            for (const auto& t : v.values) d.push_back(ad::lang::literal_as<X>(t));
            env[v.name] = ad::Array<X>(v.shape, std::move(d));
        }
        const ad::Array<X> y = ad::lang::evaluate(req.program, env);
        if (y.size() != 1) throw ad::shape_error("derivatives needs a scalar expression; the expression has", y.shape());
        return y[0];
    };
    // one nesting depth for every order (2^6 components per number; the first order + 1 are shown)
    const auto all = ad::derivatives<max_derivative_order>(f, x0);
    std::vector<T> d(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(order + 1)), taylor(order + 1);
    T factorial(1);
    for (std::size_t j = 0; j <= order; ++j) {
        if (j) factorial *= T(static_cast<int>(j));
        using std::isfinite;
        if (!isfinite(d[j])) throw ad::domain_error("derivatives", "derivative " + std::to_string(j) + " is " + num(d[j]) + " here");
        taylor[j] = d[j] / factorial;
    }
    const ad::Array<T> da(ad::Shape{order + 1}, d), ta(ad::Shape{order + 1}, taylor);
    if (req.json) {
        out << json_head("derivatives") << ", \"wrt\": " << json_string(w) << ", \"at\": " << json_number(num(x0)) << ", \"order\": " << order
            << ", \"derivatives\": " << json_array(da) << ", \"taylor\": " << json_array(ta) << "}\n";
    } else {
        out << "derivatives of " << req.source << " w.r.t. " << w << " at " << w << " = " << num(x0) << ":\n";
        for (std::size_t j = 0; j <= order; ++j) {
            const std::string label = j == 0 ? "f" : j <= 3 ? "f" + std::string(j, '\'') : "f(" + std::to_string(j) + ")";
            out << "  " << label << std::string(label.size() < 6 ? 6 - label.size() : 1, ' ') << num(d[j]) << "\n";
        }
        out << "taylor coefficients f(k)/k!: " << text_array(ta) << "\n";
    }
    return exit_ok;
}

}  // namespace

int run_derivatives(const Request& req, std::size_t order, std::ostream& out) {
    switch (req.precision) {
        case Precision::double_: return derivatives_at<double>(req, order, out);
        case Precision::mp50: return derivatives_at<ad::mp50>(req, order, out);
        case Precision::long_double:
        case Precision::mp100: break;
    }
    throw ad::error("derivatives: --precision " + std::string(precision_name(req.precision)) + " is not available here (double or 50)");
}

}  // namespace adiff::cli::expression
