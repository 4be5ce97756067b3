// `adiff diff|check` with symbolic sizes: derivatives in matrix notation (see tensor_commands.hpp).
#include "cli/tensor_commands.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <set>

#include "ad/errors.hpp"
#include "ad/lang/parser.hpp"
#include "ad/tensor/build.hpp"
#include "ad/tensor/compare.hpp"
#include "ad/tensor/derivative.hpp"
#include "ad/tensor/latex.hpp"
#include "ad/tensor/print.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expression/format.hpp"

namespace adiff::cli::tensor {

namespace tn = ad::tensor;

namespace {

/// The derivative of req.expr w.r.t. each --wrt in turn (x,x: the Hessian).
tn::Tensor derive(const Request& req, tn::Scope& scope, tn::Tensor& y) {
    y = tn::build(ad::lang::parse(req.expr), scope);
    const auto& wrt = req.wrt;
    if (wrt.empty()) throw ad::error(std::string(command_name(req.command)) + " with symbolic sizes needs --wrt VARIABLE");
    tn::Tensor d = y;
    for (const auto& w : wrt) {
        if (!scope.shapes.count(w)) throw ad::error("--wrt " + w + ": no --size for '" + w + "'");
        auto it = scope.vars.find(w);
        if (it == scope.vars.end()) it = scope.vars.emplace(w, tn::variable(w, scope.shapes[w])).first;
        d = tn::derivative(d, it->second);
    }
    return d;  // any rank: matrix notation up to rank 2 where one is known, index notation otherwise
}

/// ∂f/∂w, ∂²f/∂w², ∂²f/∂w∂v, … for the --wrt list.
std::string partial_latex(const std::vector<std::string>& wrt) {
    if (wrt.size() == 1) return "\\frac{\\partial f}{\\partial " + tn::latex_name(wrt[0]) + "}";
    std::string den;
    for (std::size_t k = 0; k < wrt.size();) {
        std::size_t run = 1;
        while (k + run < wrt.size() && wrt[k + run] == wrt[k]) ++run;
        den += den.empty() ? "\\partial " : " \\partial ";  // appended: g++ 12's false -Wrestrict on "literal" + std::string&&
        den += tn::latex_name(wrt[k]);
        if (run > 1) {
            den += "^{";
            den += std::to_string(run);
            den += "}";
        }
        k += run;
    }
    return "\\frac{\\partial^{" + std::to_string(wrt.size()) + "} f}{" + den + "}";
}

/// The derivative as a LaTeX aligned block: named subexpressions, then ∂f/∂w = … (matrix
/// notation) or (∂f/∂w)_{ij} = … (index notation).
std::string latex_block(const Request& req, const tn::Tensor& d, const std::optional<std::string>& matrix, const tn::Scope& scope) {
    std::vector<std::pair<std::string, std::string>> bindings;
    std::string head = partial_latex(req.wrt), rhs;
    if (matrix) {
        tn::Latex l = tn::matrix_latex(*matrix, scope.shapes);
        bindings = std::move(l.bindings), rhs = std::move(l.result);
    } else {
        tn::IndexLatex l = tn::to_index_latex(d);
        bindings = std::move(l.bindings), rhs = std::move(l.rhs);
        if (!l.indices.empty()) head = "\\left(" + head + "\\right)_{" + l.indices + "}";
    }
    std::string out = "\\begin{aligned}\n";
    for (const auto& [name, def] : bindings) out += name + " &= " + def + " \\\\\n";
    return out + head + " &= " + rhs + "\n\\end{aligned}";
}

std::string shape_of_symbols(const tn::Scope& scope) {
    std::set<std::string> syms;
    for (const auto& [n, dims] : scope.shapes)
        for (const auto& d : dims) if (!std::isdigit(static_cast<unsigned char>(d[0]))) syms.insert(d);
    std::string s;
    for (const auto& x : syms) s += (s.empty() ? "" : ", ") + x;
    return s;
}

}  // namespace

bool wants_symbolic(const std::vector<std::string>& sizes) {
    for (const auto& s : sizes) {
        const auto eq = s.find('=');
        if (eq != std::string::npos && tn::is_symbolic_shape(s.substr(eq + 1))) return true;
    }
    return false;
}

int run(const Request& req, std::ostream& out) {
    tn::Scope scope;
    for (const auto& s : req.sizes) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) throw ad::error("bad --size '" + s + "': expected NAME=n, NAME=n x k or NAME=scalar");
        const std::string name = s.substr(0, eq);
        if (scope.shapes.count(name)) throw ad::error("--size " + name + " is given twice");
        scope.shapes[name] = tn::parse_shape(s.substr(eq + 1));
    }
    tn::Tensor y;
    const tn::Tensor d = derive(req, scope, y);
    std::set<std::string> taken;
    for (const auto& [n, v] : scope.shapes) taken.insert(n);
    const auto matrix = tn::to_matrix(d, taken);
    const std::string symbols = shape_of_symbols(scope);
    if (req.command == Command::diff) {
        const std::string text = matrix ? *matrix : tn::to_index(d);
        const std::string latex = req.latex ? latex_block(req, d, matrix, scope) : std::string();
        if (req.json) {
            out << expression::json_head("diff") << ", \"sizes\": \"symbolic\", \"shape\": " << expression::json_string(tn::shape_text(d.axes))
                << ", \"notation\": " << expression::json_string(matrix ? "matrix" : "index") << ", \"derivative\": " << expression::json_string(text);
            if (req.latex) out << ", \"latex\": " << expression::json_string(latex);
            out << "}\n";
            return exit_ok;
        }
        std::string wrt_text;
        for (const auto& w : req.wrt) wrt_text += (wrt_text.empty() ? "" : ",") + w;
        out << (req.latex ? "% " : "# ") << "d(" << req.expr << ")/d(" << wrt_text << "), shape " << tn::shape_text(d.axes) << ", for every " << symbols
            << (matrix ? "" : " (index notation: no matrix form known)") << "\n" << (req.latex ? latex : text) << "\n";
        return exit_ok;
    }
    // check
    const tn::Tensor claim = tn::build(ad::lang::parse(req.claim), scope);
    const tn::Comparison c = tn::compare(d, claim, scope, req.seed);
    std::string verdict, text;
    int code = exit_ok;
    if (!c.numeric) {
        verdict = "refuted", code = exit_refuted;
        text = "refuted: the claim differs from the derivative " + (matrix ? *matrix : tn::to_index(d)) + " " + c.counterexample;
    } else if (c.symbolic) {
        verdict = "proved";
        text = "proved for every " + symbols + ": the claim and the derivative have the same canonical form (expanded sums of products, " +
               "Kronecker deltas eliminated); numerically cross-checked at " + std::to_string(c.trials) + " random sizes";
    } else {
        verdict = "agrees_numerically";
        text = "agrees numerically at " + std::to_string(c.trials) + " random sizes and points, NOT proved: the canonical forms differ (" +
               c.difference + ")";
    }
    if (req.json)
        out << expression::json_head("check") << ", \"sizes\": \"symbolic\", \"verdict\": \"" << verdict << "\", \"ok\": "
            << (code == exit_ok ? "true" : "false") << ", \"message\": " << expression::json_string(text) << "}\n";
    else
        out << text << "\n";
    return code;
}

}  // namespace adiff::cli::tensor
