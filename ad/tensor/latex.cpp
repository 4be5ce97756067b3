// LaTeX of matrix-notation programs (see latex.hpp).
#include "ad/tensor/latex.hpp"

#include <cctype>
#include <map>

#include "ad/errors.hpp"
#include "ad/lang/parser.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

/// Precedence: 0 a sum, 1 a product or a negation, 3 an atom (a name, a call, a group).
struct Piece {
    std::string s;
    int prec = 3;
    std::size_t rank = 0;
};

std::string wrap(const Piece& p, int prec) { return p.prec < prec ? "\\left(" + p.s + "\\right)" : p.s; }

}  // namespace

std::string latex_name(const std::string& n) {
    if (n == "pi") return "\\pi";
    std::size_t d = n.size();
    while (d > 0 && std::isdigit(static_cast<unsigned char>(n[d - 1]))) --d;
    std::string base = n.substr(0, d), out;
    for (char c : base) out += c == '_' ? std::string("\\_") : std::string(1, c);
    if (base.size() > 1) out = "\\mathit{" + out + "}";
    return d < n.size() && d > 0 ? out + "_{" + n.substr(d) + "}" : out;
}

namespace {

struct Printer {
    const lang::Program& p;
    const Shapes& shapes;
    std::map<std::string, std::size_t> ranks;  // the program's temporaries

    [[noreturn]] void outside(const lang::Node& n, const std::string& what) const {
        throw ad::error("LaTeX of the matrix form: " + what + " at column " + std::to_string(n.column) + " is outside the printed notation");
    }

    std::size_t rank_of(const lang::Node& n) const {
        if (const auto t = ranks.find(n.text); t != ranks.end()) return t->second;
        if (const auto s = shapes.find(n.text); s != shapes.end()) return s->second.size();
        if (n.text == "pi" || n.text == "e") return 0;
        outside(n, "the name '" + n.text + "'");
    }

    Piece at(int k) {
        const lang::Node& n = p.node(k);
        switch (n.kind) {
            case lang::Kind::number: return {n.text, 3, 0};
            case lang::Kind::name: return {latex_name(n.text), 3, rank_of(n)};
            case lang::Kind::neg: {
                const Piece a = at(n.kids[0]);
                std::string s = "-";  // appended: g++ 12 warns -Wrestrict, falsely, on "literal" + std::string&&
                s += wrap(a, 1);
                return {s, 1, a.rank};
            }
            case lang::Kind::binary: return binary(n);
            case lang::Kind::call: return call(n);
            case lang::Kind::index: case lang::Kind::list: break;
        }
        outside(n, "an index or a list");
    }

    Piece binary(const lang::Node& n) {
        const Piece a = at(n.kids[0]), b = at(n.kids[1]);
        const std::size_t r = std::max(a.rank, b.rank);
        switch (n.op) {
            case '+': return {wrap(a, 0) + " + " + wrap(b, 1), 0, r};
            case '-': return {wrap(a, 0) + " - " + wrap(b, 1), 0, r};
            case '*': {
                // arrays: the elementwise (Hadamard) product; with a scalar: plain juxtaposition
                if (a.rank > 0 && b.rank > 0) return {wrap(a, 1) + " \\odot " + wrap(b, 3), 1, r};
                const std::string rhs = wrap(b, 3);
                const bool dot = std::isdigit(static_cast<unsigned char>(rhs[0])) || rhs[0] == '-';
                return {wrap(a, 1) + (dot ? " \\cdot " : " ") + rhs, 1, r};
            }
            case '/':
                if (b.rank == 0) return {"\\frac{" + a.s + "}{" + b.s + "}", 3, a.rank};
                return {wrap(a, 1) + " \\oslash " + wrap(b, 3), 1, r};
            case '^': {  // an array's power is elementwise: the Hadamard power A^{∘c}
                std::string s = "{";
                s += wrap(a, 3);
                s += "}^{";
                s += a.rank > 0 ? "\\circ " : "";
                return {s + b.s + "}", 3, a.rank};
            }
            case '@': {
                if (a.rank == 0 || b.rank == 0) outside(n, "'@' with a scalar");
                if (a.rank == 1) return {wrap(a, 3) + "^{\\top} " + wrap(b, 3), 1, a.rank + b.rank - 2};  // xᵀA, xᵀy
                return {wrap(a, 1) + " " + wrap(b, 3), 1, a.rank + b.rank - 2};
            }
            default: break;
        }
        outside(n, std::string("the operator '") + n.op + "'");
    }

    Piece call(const lang::Node& n) {
        std::vector<Piece> a;
        for (int k : n.kids) a.push_back(at(k));
        const std::string& f = n.text;
        auto args = [&] {
            std::string s;
            for (std::size_t k = 0; k < a.size(); ++k) s += (k ? ", " : "") + a[k].s;
            return s;
        };
        auto named = [&](const std::string& op, std::size_t rank) {
            return Piece{"\\operatorname{" + op + "}\\left(" + args() + "\\right)", 3, rank};
        };
        const std::string one = "\\mathbf{1}";
        if (f == "transpose" && a.size() == 1) return {wrap(a[0], 3) + "^{\\top}", 3, a[0].rank};
        if (f == "outer" && a.size() == 2) return {wrap(a[0], 3) + " " + wrap(a[1], 3) + "^{\\top}", 1, 2};
        if (f == "diag" && a.size() == 1) return named("diag", a[0].rank == 1 ? 2 : 1);
        if (f == "dot" && a.size() == 2) return {wrap(a[0], 3) + "^{\\top} " + wrap(a[1], 3), 1, 0};
        if (f == "sum" && a.size() == 1) {
            if (a[0].rank == 0) return a[0];
            if (a[0].rank == 1) return {one + "^{\\top} " + wrap(a[0], 3), 1, 0};
            if (a[0].rank == 2) return {one + "^{\\top} " + wrap(a[0], 3) + " " + one, 1, 0};
        }
        if (f == "sum" && a.size() == 2 && a[0].rank == 2 && (a[1].s == "0" || a[1].s == "1")) {  // column sums 𝟏ᵀX, row sums X𝟏
            if (a[1].s == "0") return {one + "^{\\top} " + wrap(a[0], 3), 1, 1};
            return {wrap(a[0], 1) + " " + one, 1, 1};
        }
        if ((f == "softmax" || f == "log_softmax") && a.size() == 1) return named(f == "softmax" ? f : "log\\_softmax", a[0].rank);
        if (f == "logsumexp" && a.size() == 1) return named(f, a[0].rank > 0 ? a[0].rank - 1 : 0);
        if (f == "mean" && a.size() == 1) return named(f, 0);
        if (a.size() == 1)
            if (const auto fn = scalar::find_function(f))
                if (auto s = scalar::text(*fn, a[0].s, a[0].prec == 3, sym::Style::latex)) return {*s, 3, a[0].rank};
        outside(n, "the function '" + f + "'");
    }
};

}  // namespace

Latex matrix_latex(const std::string& program, const Shapes& shapes) {
    const lang::Program p = lang::parse(program);
    Printer pr{p, shapes, {}};
    Latex out;
    for (std::size_t k = 0; k + 1 < p.statements.size(); ++k) {
        const lang::Statement& st = p.statements[k];
        const Piece v = pr.at(st.root);
        pr.ranks[st.name] = v.rank;
        out.bindings.emplace_back(latex_name(st.name), v.s);
    }
    out.result = pr.at(p.result()).s;
    return out;
}

}  // namespace ad::tensor
