// Text, LaTeX, C and Python printers with shared subexpressions as temporaries (no recursion).
#include "ad/symbolic/print.hpp"
#include "ad/symbolic/dispatch.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace ad::sym {
namespace {

constexpr int atom = 100, power = 90, prefix_neg = 65, product = 70, additive = 60;

struct Piece {
    std::string s;
    int prec = atom;
    int height = 0;
};

std::string decimal(Rational r, bool& exact) {
    // num/den as an exact decimal when den = 2^a·5^b, else exact = false.
    std::int64_t d = r.den;
    int twos = 0, fives = 0;
    while (d % 2 == 0) d /= 2, ++twos;
    while (d % 5 == 0) d /= 5, ++fives;
    exact = d == 1;
    if (!exact) return {};
    const int k = std::max(twos, fives);
    __extension__ typedef __int128 i128;
    i128 scaled = r.num < 0 ? -i128(r.num) : i128(r.num);
    for (int i = 0; i < k - twos; ++i) scaled *= 2;
    for (int i = 0; i < k - fives; ++i) scaled *= 5;
    std::string digits;
    if (scaled == 0) digits = "0";
    while (scaled > 0) digits.insert(digits.begin(), char('0' + int(scaled % 10))), scaled /= 10;
    if (k > 0) {
        if (static_cast<int>(digits.size()) <= k) digits.insert(0, std::string(k + 1 - digits.size(), '0'));
        digits.insert(digits.size() - k, ".");
    }
    return (r.num < 0 ? "-" : "") + digits;
}

Piece constant_piece(Rational r, Style st) {
    bool exact = false;
    const std::string dec = decimal(r, exact);
    const bool negative = r.num < 0;
    const bool c_like = st == Style::c || st == Style::python;
    if (exact && (!c_like || r.den != 1)) return {dec, negative ? prefix_neg : atom};
    if (exact) return {dec + ".0", negative ? prefix_neg : atom};  // C, Python: double arithmetic
    const std::string n = std::to_string(negative ? -r.num : r.num), d = std::to_string(r.den);
    if (st == Style::latex) return {(negative ? "-" : "") + std::string("\\frac{") + n + "}{" + d + "}", negative ? prefix_neg : atom};
    if (c_like) return {std::string("(") + (negative ? "-" : "") + n + ".0/" + d + ".0)", atom};
    return {(negative ? "-" : "") + n + "/" + d, negative ? prefix_neg : product};
}

std::string wrap(const Piece& p, int need, Style st) {
    if (p.prec >= need) return p.s;
    return st == Style::latex ? "\\left(" + p.s + "\\right)" : "(" + p.s + ")";
}

std::string temp_name(const std::string& prefix, std::size_t k, Style st) {
    return st == Style::latex ? prefix + "_{" + std::to_string(k) + "}" : prefix + std::to_string(k);
}

std::string symbol_text(const Node& n, Style st) {
    const std::string text(n.text()), subscript(n.subscript());
    if (subscript.empty()) return text;
    if (st == Style::c || st == Style::python) return text + "[" + std::to_string(n.index) + "]";  // flat, row-major
    if (st == Style::latex) {
        std::string sub = subscript.substr(1, subscript.size() - 2);
        sub.erase(std::remove(sub.begin(), sub.end(), ' '), sub.end());
        return text + "_{" + sub + "}";
    }
    return text + subscript;
}

/// The spelling of an n-ary or piecewise-constant op (rules spell themselves: `about`).
std::string func_name(Op op, Style st) {
    if (st == Style::latex) {
        if (op == Op::sign) return "\\operatorname{sgn}";
        if (op == Op::heaviside) return "\\operatorname{step}";
        if (op == Op::max_n) return "\\max";
    }
    if (st == Style::c) {
        if (op == Op::sign) return "adiff_sign";
        if (op == Op::heaviside) return "adiff_heaviside";
    }
    if (st == Style::python && op == Op::sign) return "np.sign";
    return std::string(op_name(op));
}

/// A rule's function call in style st: its language name (text), or its C, LaTeX or Python
/// spelling, where '#' in a LaTeX or Python spelling stands for the argument (e^{#}, \sqrt{#},
/// np.logaddexp(0, #)).
template <class R>
Piece rule_call(std::string_view language, const std::string& args, Style st) {
    const std::string_view spelling = st == Style::text ? language
                                      : st == Style::c ? R::about.c : st == Style::python ? R::about.python : R::about.latex;
    const std::string sp(spelling);
    if (const auto k = sp.find('#'); st != Style::c && k != std::string::npos)
        return {sp.substr(0, k) + args + sp.substr(k + 1), sp.find('^') != std::string::npos ? power : atom};
    return {sp + (st == Style::latex ? "\\left(" : "(") + args + (st == Style::latex ? "\\right)" : ")"), atom};
}

Piece render(const Node& n, const std::vector<const Piece*>& a, Style st) {
    const std::string lp = st == Style::latex ? "\\left(" : "(", rp = st == Style::latex ? "\\right)" : ")";
    auto call = [&](const std::string& f, const std::string& args) { return Piece{f + lp + args + rp, atom}; };
    auto list = [&](std::size_t from) {
        std::string s;
        for (std::size_t k = from; k < a.size(); ++k) s += (k > from ? ", " : "") + a[k]->s;
        return s;
    };
    switch (n.op) {
        case Op::constant: return constant_piece(n.value, st);
        case Op::literal: return {std::string(n.text()), atom};
        case Op::pi: return {st == Style::latex ? "\\pi" : (st == Style::c ? "3.14159265358979323846" : (st == Style::python ? "np.pi" : "pi")), atom};
        case Op::e: return {st == Style::c ? "2.71828182845904523536" : (st == Style::python ? "np.e" : "e"), atom};
        case Op::symbol: return {symbol_text(n, st), atom};
        case Op::neg: return {"-" + wrap(*a[0], product, st), prefix_neg};
        case Op::add: return {wrap(*a[0], additive, st) + " + " + wrap(*a[1], product, st), additive};
        case Op::sub: return {wrap(*a[0], additive, st) + " - " + wrap(*a[1], product, st), additive};
        case Op::sum: {
            if (a.size() > 6 && st == Style::text) return call("sum", "[" + list(0) + "]");  // flat when re-parsed
            std::string s = wrap(*a[0], additive, st);
            for (std::size_t k = 1; k < a.size(); ++k) s += " + " + wrap(*a[k], product, st);
            return {s, additive};
        }
        case Op::mul:
            return {wrap(*a[0], product, st) + (st == Style::latex ? " \\cdot " : (st == Style::text ? "*" : " * ")) + wrap(*a[1], power, st), product};
        case Op::div:
            if (st == Style::latex) return {"\\frac{" + a[0]->s + "}{" + a[1]->s + "}", atom};
            return {wrap(*a[0], product, st) + (st == Style::text ? "/" : " / ") + wrap(*a[1], power, st), product};
        ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_CASE)
            return with_unary_rule(n.op, [&](auto r) { return rule_call<decltype(r)>(decltype(r)::name, a[0]->s, st); });
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_CASE)
            if (n.op == Op::pow && st == Style::latex) return {"{" + wrap(*a[0], atom, st) + "}^{" + a[1]->s + "}", power};
            if (n.op == Op::pow && st == Style::text) return {wrap(*a[0], atom, st) + "^" + wrap(*a[1], product + 10, st), power};
            if (n.op == Op::polygamma && st == Style::latex) return {"\\psi^{(" + a[0]->s + ")}\\left(" + a[1]->s + "\\right)", atom};
            return with_binary_rule(n.op, [&](auto r) {
                return rule_call<decltype(r)>(rules::language_name<decltype(r)>(), list(0), st);
            });
        case Op::max_n:
            if (st == Style::c) return call("adiff_max_n", std::to_string(a.size()) + ", (const double[]){" + list(0) + "}");
            if (st == Style::latex) return call("\\max", list(0));
            if (st == Style::python) return call("np.max", "[" + list(0) + "], axis=0");  // NaN propagates, as here
            return call("max", "[" + list(0) + "]");
        case Op::logsumexp:
            if (st == Style::c) return call("adiff_logsumexp", std::to_string(a.size()) + ", (const double[]){" + list(0) + "}");
            if (st == Style::latex) return call("\\operatorname{logsumexp}", list(0));
            if (st == Style::python) return call("scipy.special.logsumexp", "[" + list(0) + "], axis=0");
            return call("logsumexp", "[" + list(0) + "]");
        case Op::max_weight:
            if (st == Style::c) return call("adiff_max_weight", std::to_string(a.size()) + ", (const double[]){" + list(0) + "}, " + std::to_string(n.index));
            if (st == Style::latex) {  // ∂max(v)/∂vᵢ: 1/k at one of k maxima, else 0 (an Iverson bracket over a count)
                const std::string v = "\\left(" + list(0) + "\\right)";
                return {"\\frac{\\left[" + a[n.index]->s + " = \\max" + v + "\\right]}{\\left|\\operatorname{arg\\,max}" + v + "\\right|}", atom};
            }
            if (st == Style::python) return call("adiff_max_weight", "[" + list(0) + "], " + std::to_string(n.index));
            return call("max_weight", "[" + list(0) + "], " + std::to_string(n.index));
        case Op::guard: {
            // guard(s, c…): the value s where every condition c evaluates (is finite). Text:
            // s + 0*(c) + …, which parses back and fails, in every mode, where c does; LaTeX:
            // s restricted to where the c are real; C: adiff_guard (same semantics as evaluate).
            if (st == Style::c) return call("adiff_guard", a[0]->s + ", " + std::to_string(a.size() - 1) + ", (const double[]){" + list(1) + "}");
            if (st == Style::python) return call("adiff_guard", a[0]->s + ", [" + list(1) + "]");
            if (st == Style::latex) {
                std::string where;
                for (std::size_t k = 1; k < a.size(); ++k) where += (k > 1 ? ",\\ " : "") + a[k]->s + " \\in \\mathbb{R}";
                return {"\\left." + a[0]->s + "\\right|_{" + where + "}", additive};
            }
            std::string s = wrap(*a[0], additive, st);
            for (std::size_t k = 1; k < a.size(); ++k) s += " + 0*" + wrap(*a[k], power, st);
            return {s, additive};
        }
        case Op::call: {  // a user rule: a call of its name (C and Python: a function the user provides)
            const UserRule r = user_rule(call_rule(n));
            std::string f(r.name);
            if (st == Style::latex) {
                for (std::size_t k = f.find('_'); k != std::string::npos; k = f.find('_', k + 2)) f.insert(k, "\\");
                f = "\\operatorname{" + f + "}";
            }
            Piece c = call(f, list(0));
            if (r.vector) c.s += st == Style::latex ? "_{" + std::to_string(call_output(n)) + "}" : "[" + std::to_string(call_output(n)) + "]";
            return c;
        }
        case Op::sign: case Op::heaviside:
            if (st == Style::python && n.op == Op::heaviside) return call("np.heaviside", list(0) + ", 0.5");
            return call(func_name(n.op, st), list(0));
    }
    return call(func_name(n.op, st), list(0));
}

}  // namespace

Printed print(std::span<const Expr> roots, Style st, const std::string& prefix) {
    const std::vector<std::uint32_t> order = reachable(roots);
    std::unordered_map<std::uint32_t, std::size_t> pos, uses;
    for (std::size_t p = 0; p < order.size(); ++p) {
        pos.emplace(order[p], p);
        for (std::uint32_t c : Expr::from_id(order[p]).node().args) ++uses[c];
    }
    for (const Expr& r : roots) ++uses[r.id()];
    std::vector<Piece> pieces(order.size());
    Printed out;
    std::vector<const Piece*> args;
    for (std::size_t p = 0; p < order.size(); ++p) {
        const Node& n = Expr::from_id(order[p]).node();
        args.clear();
        int height = 0;
        for (std::uint32_t c : n.args) {
            args.push_back(&pieces[pos.at(c)]);
            height = std::max(height, pieces[pos.at(c)].height);
        }
        Piece piece = render(n, args, st);
        piece.height = n.args.empty() ? 0 : height + 1;
        const bool shared = uses[order[p]] >= 2 && piece.s.size() > 4;
        if (!n.args.empty() && (shared || piece.height > 24)) {
            const std::string name = temp_name(prefix, out.bindings.size(), st);
            out.bindings.emplace_back(name, piece.s);
            piece = Piece{name, atom, 0};
        }
        pieces[p] = std::move(piece);
    }
    for (const Expr& r : roots) out.roots.push_back(pieces[pos.at(r.id())].s);
    return out;
}

std::string to_text(const Expr& e) {
    const Printed p = print(std::span<const Expr>(&e, 1), Style::text);
    std::string s;
    for (const auto& [name, def] : p.bindings) s += name + " = " + def + "; ";
    return s + p.roots[0];
}

namespace {

/// The definitions in `helpers` (each starts on a line beginning with `opener`, its name being
/// the identifier before the first '(') that `code` calls, directly or through another chosen
/// definition, in their order in `helpers`.
std::string called_helpers(std::string_view helpers, std::string_view opener, std::string_view code) {
    struct Definition { std::string name; std::string_view text; bool chosen = false; };
    std::vector<Definition> defs;
    std::string needle(1, '\n');
    needle.append(opener);
    for (std::size_t at = 0; at < helpers.size();) {
        std::size_t next = helpers.find(needle, at);
        next = next == std::string_view::npos ? helpers.size() : next + 1;
        const std::string_view text = helpers.substr(at, next - at);
        const std::size_t paren = text.find('(');
        std::size_t begin = paren;
        while (begin > 0 && (std::isalnum(static_cast<unsigned char>(text[begin - 1])) || text[begin - 1] == '_')) --begin;
        defs.push_back({std::string(text.substr(begin, paren - begin)), text});
        at = next;
    }
    const auto calls = [](std::string_view text, const std::string& name) {
        for (std::size_t p = text.find(name + "("); p != std::string_view::npos; p = text.find(name + "(", p + 1))
            if (p == 0 || !(std::isalnum(static_cast<unsigned char>(text[p - 1])) || text[p - 1] == '_')) return true;
        return false;
    };
    for (bool grew = true; grew;) {  // to the fixed point: helpers called by chosen helpers
        grew = false;
        for (Definition& d : defs) {
            if (d.chosen) continue;
            bool used = calls(code, d.name);
            for (const Definition& e : defs) used = used || (e.chosen && calls(e.text.substr(e.text.find('(')), d.name));
            if (used) d.chosen = grew = true;
        }
    }
    std::string out;
    for (const Definition& d : defs)
        if (d.chosen) out += d.text;
    return out;
}

}  // namespace

std::string c_helpers(std::string_view code) {
    // the primitives' helpers, from their declarations (in registry order), then the array operations'
    std::string h;
#define ADIFF_HELPER(rule) h += rules::rule::about.c_helper;
    ADIFF_UNARY_FUNCTIONS(ADIFF_HELPER)
    ADIFF_BINARY_FUNCTIONS(ADIFF_HELPER)
#undef ADIFF_HELPER
    h += "static inline double adiff_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : (x == 0 ? 0.0 : x)); }\n"
         "static inline double adiff_heaviside(double x) { return x > 0 ? 1.0 : (x < 0 ? 0.0 : (x == 0 ? 0.5 : x)); }\n"
         "static inline double adiff_max_n(int n, const double* v) { double m = v[0]; for (int i = 0; i < n; ++i) { if (v[i] != v[i]) return v[i]; if (v[i] > m) m = v[i]; } return m; }\n"
         "static inline double adiff_logsumexp(int n, const double* v) {\n"
         "    double m = adiff_max_n(n, v); if (!(m > -INFINITY && m < INFINITY)) return m; int k = 0; while (v[k] != m) ++k;\n"
         "    double r = 0; for (int i = 0; i < n; ++i) if (i != k) r += exp(v[i] - m); return m + log1p(r);\n"
         "}\n"
         "static inline double adiff_guard(double v, int n, const double* c) { for (int i = 0; i < n; ++i) if (!isfinite(c[i])) return isfinite(v) ? c[i] : v; return v; }\n"
         "static inline double adiff_max_weight(int n, const double* v, int i) {\n"
         "    double m = adiff_max_n(n, v); if (m != m) return m; int k = 0; for (int j = 0; j < n; ++j) k += v[j] == m; return v[i] == m ? 1.0 / k : 0.0;\n"
         "}\n";
    return "#include <math.h>\n" + called_helpers(h, "static inline ", code);
}

std::string python_helpers(std::string_view code) {
    std::string h;
#define ADIFF_HELPER(rule) if (!rules::rule::about.python_helper.empty()) (h += rules::rule::about.python_helper) += "\n";
    ADIFF_UNARY_FUNCTIONS(ADIFF_HELPER)
    ADIFF_BINARY_FUNCTIONS(ADIFF_HELPER)
#undef ADIFF_HELPER
    h += "def adiff_max_weight(v, i):  # 1/k where v[i] is one of the k maxima, else 0; NaN if one is\n"
         "    v = np.asarray(v, dtype=float)\n"
         "    m = np.max(v, axis=0)\n"
         "    k = np.sum(v == m, axis=0)\n"
         "    return np.where(np.isnan(m), m, np.where(v[i] == m, 1.0 / np.maximum(k, 1), 0.0))\n"
         "\n"
         "def adiff_guard(v, c):  # v where every condition c is finite, else the first non-finite c\n"
         "    v = np.asarray(v, dtype=float)\n"
         "    out = v\n"
         "    for ci in reversed(c):\n"
         "        out = np.where(np.isfinite(ci), out, np.where(np.isfinite(v), ci, v))\n"
         "    return out\n"
         "\n";
    return "import numpy as np\nimport scipy.special\n\n" + called_helpers(h, "def ", code);
}

}  // namespace ad::sym
