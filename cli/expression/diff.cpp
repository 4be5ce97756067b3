// `adiff diff`: the symbolic derivative, printed as text (parses back), LaTeX or C, with shared
// subexpressions as temporaries.
#include <algorithm>
#include <iostream>
#include <ostream>
#include <regex>
#include <sstream>

#include "ad/symbolic/derivative.hpp"
#include "ad/symbolic/print.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expression/format.hpp"
#include "cli/expression/symbolic.hpp"

namespace adiff::cli::expression {
namespace {

// Nests the strings of a row-major array of shape `shape` as "[a, b]" / "[[..], [..]]".
std::string nest(const std::vector<std::string>& s, const ad::Shape& shape, std::size_t axis, std::size_t& k, bool pretty,
                 const char* open, const char* close, const char* sep) {
    if (axis == shape.size()) return s[k++];
    std::string out = open;
    for (std::size_t i = 0; i < shape[axis]; ++i) {
        if (i) out += std::string(sep) + (pretty && axis + 1 < shape.size() ? "\n " + std::string(axis, ' ') : " ");
        out += nest(s, shape, axis + 1, k, pretty, open, close, sep);
    }
    return out + close;
}

// C's compound literal `(const double[]){a, b}` (not C++) as `std::initializer_list<double>{a, b}.begin()`:
// the same pointer to a temporary array that lives until the end of the full expression.
std::string cpp_arrays(const std::string& c) {
    static const std::string open = "(const double[]){";
    std::string out;
    std::vector<bool> literal;  // for each open brace: whether it opened a compound literal
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.compare(i, open.size(), open) == 0) {
            out += "std::initializer_list<double>{";
            literal.push_back(true);
            i += open.size() - 1;
        } else if (c[i] == '{') {
            out += c[i];
            literal.push_back(false);
        } else if (c[i] == '}') {
            out += '}';
            if (!literal.empty()) {
                if (literal.back()) out += ".begin()";
                literal.pop_back();
            }
        } else out += c[i];
    }
    return out;
}

// The derivative `lhs` = s (shape `shape`) as lines of an `aligned` block: one pmatrix when it
// fits a page (amsmath's pmatrix takes at most 10 columns; rows up to ~150 characters), else one
// line per nonzero entry, (lhs)_{i,j} = …, so no row runs off the page.
std::string latex_derivative(const std::string& lhs, const std::vector<std::string>& s, const ad::Shape& shape) {
    if (shape.empty()) return lhs + " &= " + s[0];
    const std::size_t rows = shape[0], cols = shape.size() == 1 ? 1 : ad::shape_size(shape) / shape[0];
    std::size_t widest = 0;
    for (std::size_t i = 0; i < rows; ++i) {
        std::size_t w = 0;
        for (std::size_t j = 0; j < cols; ++j) w += s[i * cols + j].size() + 3;
        widest = std::max(widest, w);
    }
    std::string out;
    if (cols <= 10 && widest <= 150) {
        out = lhs + " &= \\begin{pmatrix}\n";
        for (std::size_t i = 0; i < rows; ++i) {
            out += "  ";
            for (std::size_t j = 0; j < cols; ++j) out += (j ? " & " : "") + s[i * cols + j];
            out += i + 1 < rows ? " \\\\\n" : "\n";
        }
        return out + "\\end{pmatrix}";
    }
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            const std::string& e = s[i * cols + j];
            if (e == "0") { ++zeros; continue; }
            if (!out.empty()) out += " \\\\\n";
            ((out += "\\left(") += lhs) += "\\right)_{";
            out += std::to_string(i);
            if (cols > 1 || shape.size() > 1) (out += ',') += std::to_string(j);
            (out += "} &= ") += e;
        }
    std::string note = "% ";  // built by appending (g++ 12 warns -Wrestrict on "literal" + std::string&&)
    ((((note += std::to_string(rows)) += " x ") += std::to_string(cols)) += " entries, one per line (too wide for one matrix)");
    if (zeros) ((note += "; the ") += std::to_string(zeros)) += " entries not listed are 0";
    note += ", indices from 0\n";
    return note + (out.empty() ? "\\left(" + lhs + "\\right)_{i,j} &= 0" : out);
}

// Comment lines defining the notations of `latex` that a reader may not know.
std::string latex_legend(const std::string& latex) {
    std::string legend;
    if (latex.find("\\operatorname{step}") != std::string::npos)
        legend += "% \\operatorname{step}(x): 1 for x > 0, 1/2 at 0, 0 for x < 0 (the derivative of max and |x| at a tie)\n";
    if (latex.find("\\operatorname{sgn}") != std::string::npos) legend += "% \\operatorname{sgn}(x): -1, 0 or 1\n";
    if (latex.find("\\operatorname{stop\\_gradient}") != std::string::npos)
        legend += "% \\operatorname{stop\\_gradient}(x) = x, treated as a constant when differentiating\n";
    if (latex.find("\\operatorname{arg\\,max}") != std::string::npos)
        legend += "% [P] is 1 where P holds, else 0; |arg max(v)| is how many entries of v equal its maximum\n";
    return legend;
}

}  // namespace

int run_diff(const Request& req, std::ostream& out) {
    // Variables: every free variable of EXPR, shaped by --at / --size or guessed.
    std::vector<Variable> vars;
    for (const std::string& name : free_variables(req.program)) {
        const int k = find_var(req, name);
        if (k >= 0) {
            vars.push_back(req.vars[static_cast<std::size_t>(k)]);
            continue;
        }
        vars.push_back(Variable{name, guess_shape(req.program, name), {}});
        std::cerr << "adiff diff: note: " << assumed_size_note(name, vars.back().shape) << "\n";
    }
    std::vector<std::string> wrt = req.wrt;
    if (wrt.empty()) for (const auto& v : vars) wrt.push_back(v.name);
    ad::lang::Env<ad::sym::Expr> env;
    for (const auto& v : vars) env[v.name] = symbols_of(v);
    std::vector<ad::sym::Expr> syms;
    std::vector<ad::Shape> wrt_shapes;
    for (const std::string& w : wrt) {
        const auto it = env.find(w);
        if (it == env.end()) throw ad::name_error("--wrt " + w + ": the expression does not use a variable '" + w + "'", w);
        syms.insert(syms.end(), it->second.begin(), it->second.end());
        wrt_shapes.push_back(it->second.shape());
    }
    const ad::Array<ad::sym::Expr> y = evaluate_symbolic(req.program, env);
    require_within("the symbolic derivative (" + std::to_string(y.size()) + " outputs x " + std::to_string(syms.size()) + " inputs)",
                   static_cast<long double>(y.size()) * static_cast<long double>(syms.size()), symbolic_entries(req));
    const ad::Array<ad::sym::Expr> J = ad::sym::jacobian(y.values(), syms);
    // Shape of the printed derivative: like the variable (gradient of a scalar w.r.t. one
    // variable), like the output (derivative w.r.t. one scalar), else the m × n Jacobian.
    ad::Shape shape{J.rows(), J.cols()};
    if (y.size() == 1 && wrt.size() == 1) shape = wrt_shapes[0];
    else if (wrt.size() == 1 && wrt_shapes[0].empty()) shape = y.shape();
    const bool cpp = req.diff_style == Style::cpp;
    const ad::sym::Style style = [&] {
        switch (req.diff_style) {
            case Style::text: return ad::sym::Style::text;
            case Style::latex: return ad::sym::Style::latex;
            case Style::c:
            case Style::cpp: return ad::sym::Style::c;
            case Style::python: return ad::sym::Style::python;
        }
        return ad::sym::Style::text;
    }();
    // Temporaries are t0, t1, ... unless the user's own names look like that.
    std::string prefix = "t";
    const std::regex temp_like("t[0-9]+|tmp[0-9]+");
    for (const auto& v : vars) if (std::regex_match(v.name, temp_like)) prefix = "tmp_";
    for (const auto& st : req.program.statements) if (std::regex_match(st.name, temp_like)) prefix = "tmp_";
    // --with-value: the value's entries are printed with the derivative's, so they share temporaries.
    std::vector<ad::sym::Expr> printed;
    if (req.with_value) printed = y.values();
    printed.insert(printed.end(), J.values().begin(), J.values().end());
    ad::sym::Printed p = ad::sym::print(printed, style, prefix);
    const std::vector<std::string> value_roots(p.roots.begin(), p.roots.begin() + std::ptrdiff_t(req.with_value ? y.size() : 0));
    p.roots.erase(p.roots.begin(), p.roots.begin() + std::ptrdiff_t(value_roots.size()));
    if (cpp) {
        for (auto& b : p.bindings) b.second = cpp_arrays(b.second);
        for (auto& r : p.roots) r = cpp_arrays(r);
    }
    std::vector<std::string> values = value_roots;
    if (cpp) for (auto& r : values) r = cpp_arrays(r);
    const std::size_t ops = ad::sym::operation_count(printed);
    std::string what = "d/d";
    for (std::size_t k = 0; k < wrt.size(); ++k) what += (k ? "," : "") + wrt[k];
    if (req.json) {
        out << json_head("diff") << ", \"bindings\": [";
        for (std::size_t k = 0; k < p.bindings.size(); ++k)
            out << (k ? ", " : "") << "[" << json_string(p.bindings[k].first) << ", " << json_string(p.bindings[k].second) << "]";
        out << "], \"derivative\": ";
        std::vector<std::string> quoted;
        for (const auto& r : p.roots) quoted.push_back(json_string(r));
        std::size_t k = 0;  // always the m × n Jacobian layout (rows: outputs, columns: wrt entries)
        out << nest(quoted, ad::Shape{J.rows(), J.cols()}, 0, k, false, "[", "]", ",");
        out << ", \"wrt\": [";
        for (std::size_t i = 0; i < wrt.size(); ++i) out << (i ? ", " : "") << json_string(wrt[i]);
        out << "]";
        if (req.with_value) {
            out << ", \"value\": [";
            for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << json_string(values[i]);
            out << "]";
        }
        out << ", \"shape\": [" << J.rows() << ", " << J.cols() << "], \"operations\": " << ops << "}\n";
        return exit_ok;
    }
    if (style == ad::sym::Style::text) {
        out << "# " << what << " of " << req.source << ": " << (shape.empty() ? "scalar" : "shape " + ad::shape_string(shape))
            << ", " << ops << " shared operations\n";
        for (const auto& [name, def] : p.bindings) out << name << " = " << def << ";\n";
        std::size_t k = 0;
        out << nest(p.roots, shape, 0, k, true, "[", "]", ",") << "\n";
        return exit_ok;
    }
    if (style == ad::sym::Style::latex) {
        std::ostringstream body;
        for (const auto& [name, def] : p.bindings) body << name << " &= " << def << " \\\\\n";
        std::string lhs = "\\frac{\\partial f}{\\partial " + (wrt.size() == 1 ? wrt[0] : std::string("(") + [&] {
            std::string s;
            for (std::size_t i = 0; i < wrt.size(); ++i) s += (i ? ", " : "") + wrt[i];
            return s;
        }() + ")") + "}";
        body << latex_derivative(lhs, p.roots, shape) << "\n";
        out << "% " << what << " of " << req.source << " (" << ops << " shared operations)\n" << latex_legend(body.str()) << "\\begin{aligned}\n"
            << body.str() << "\\end{aligned}\n";
        return exit_ok;
    }
    if (style == ad::sym::Style::python) {
        // A NumPy function of every variable returning the derivative shaped as the text form;
        // array arguments are read flat, row-major, and scalar arguments may be NumPy arrays
        // (the derivative is then evaluated elementwise at every point).
        std::ostringstream fn;  // the function; the helpers it calls are written before it
        fn << "def " << req.function_name << "(";
        for (std::size_t k = 0; k < vars.size(); ++k) fn << (k ? ", " : "") << vars[k].name;
        fn << "):\n";
        for (const auto& v : vars)
            if (!v.shape.empty()) fn << "    " << v.name << " = np.asarray(" << v.name << ", dtype=float).reshape(-1)  # shape " << ad::shape_string(v.shape) << ", read row-major\n";
        for (const auto& [name, def] : p.bindings) fn << "    " << name << " = " << def << "\n";
        // Scalar arguments may be arrays of points: an entry that uses none of them or of the
        // temporaries (a constant, d(a + b)/da = 1.0) is broadcast to their shape, so every entry
        // has one value per point (else np.array of mixed entries is ragged).
        std::vector<std::string> scalars, names;
        for (const auto& v : vars) {
            names.push_back(v.name);
            if (v.shape.empty()) scalars.push_back(v.name);
        }
        for (const auto& b : p.bindings) names.push_back(b.first);
        const auto constant = [&](const std::string& root) {
            for (const auto& n : names)
                if (std::regex_search(root, std::regex("(^|[^A-Za-z0-9_.])" + n + "($|[^A-Za-z0-9_])"))) return false;
            return true;
        };
        bool broadcast = false;
        for (auto* roots : {&values, &p.roots})
            for (auto& r : *roots)
                if (!scalars.empty() && constant(r)) r = "np.broadcast_to(" + r + ", adiff_points)", broadcast = true;
        if (broadcast) {
            fn << "    adiff_points = np.broadcast(";
            for (std::size_t k = 0; k < scalars.size(); ++k) fn << (k ? ", " : "") << scalars[k];
            fn << (scalars.size() == 1 ? ", 0.0" : "") << ").shape  # the shape of the points\n";
        }
        const auto array_of = [](const std::vector<std::string>& roots, const ad::Shape& s) {
            std::size_t k = 0;
            return s.empty() ? roots[0] : "np.array(" + nest(roots, s, 0, k, false, "[", "]", ",") + ")";
        };
        if (req.with_value) fn << "    return " << array_of(values, y.shape()) << ", " << array_of(p.roots, shape) << "\n";
        else fn << "    return " << array_of(p.roots, shape) << "\n";
        out << "# " << what << " of " << req.source << ": " << (shape.empty() ? "scalar" : "shape " + ad::shape_string(shape))
            << ", " << ops << " shared operations (Python 3, NumPy, SciPy)\n" << ad::sym::python_helpers(fn.str()) << "\n" << fn.str();
        return exit_ok;
    }
    // C (or C++): a function of every variable that fills out[] row-major, after the helpers it calls.
    std::ostringstream fn;
    fn << (cpp ? "inline " : "") << "void " << req.function_name << "(";
    for (std::size_t k = 0; k < vars.size(); ++k) {
        fn << (k ? ", " : "");
        if (vars[k].shape.empty()) fn << "double " << vars[k].name;
        else fn << "const double " << vars[k].name << "[" << ad::shape_size(vars[k].shape) << "]";
    }
    fn << (vars.empty() ? "" : ", ");
    if (req.with_value) fn << "double value[" << y.size() << "], ";
    fn << "double out[" << J.size() << "]) {\n";
    for (const auto& [name, def] : p.bindings) fn << "    const double " << name << " = " << def << ";\n";
    for (std::size_t k = 0; k < values.size(); ++k) fn << "    value[" << k << "] = " << values[k] << ";\n";
    for (std::size_t k = 0; k < p.roots.size(); ++k) fn << "    out[" << k << "] = " << p.roots[k] << ";\n";
    fn << "}\n";
    if (cpp) out << "// C++ (C++17)\n#include <initializer_list>\n";
    out << "/* " << what << " of " << req.source << ": " << (req.with_value ? "value[i] = f_i, " : "") << "out[i*" << J.cols()
        << " + j] = d f_i / d x_j, " << J.rows() << " x " << J.cols() << " (" << ops << " shared operations) */\n"
        << ad::sym::c_helpers(fn.str()) << fn.str();
    return exit_ok;
}

}  // namespace adiff::cli::expression
