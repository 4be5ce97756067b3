// The global hash-consed graph and the simplifying node constructor.
#include "ad/symbolic/expr.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <unordered_map>

#include "ad/errors.hpp"

namespace ad::sym {
namespace {

struct KeyHash {
    std::size_t operator()(const std::vector<std::uint64_t>& k) const noexcept {
        std::uint64_t h = 1469598103934665603ull;
        for (std::uint64_t x : k) h = (h ^ x) * 1099511628211ull + (h >> 29);
        return static_cast<std::size_t>(h);
    }
};

struct Graph {
    std::vector<Node> nodes;
    std::unordered_map<std::vector<std::uint64_t>, std::uint32_t, KeyHash> table;
    std::unordered_map<std::string, std::uint32_t> texts;  // literals and symbols by spelling

    Graph() {
        nodes.reserve(1 << 12);
        intern_constant({0, 1});  // id 0
        intern_constant({1, 1});  // id 1
    }

    /// Frees every node with id >= mark (children have smaller ids than parents, so what
    /// remains is closed), removing them from the hash-consing tables.
    void truncate(std::size_t mark) {
        for (std::size_t id = nodes.size(); id-- > mark;) {
            const Node& n = nodes[id];
            if (n.op == Op::constant) {
                table.erase(std::vector<std::uint64_t>{static_cast<std::uint64_t>(Op::constant), static_cast<std::uint64_t>(n.value.num),
                                                       static_cast<std::uint64_t>(n.value.den)});
            } else if (n.args.empty()) {
                texts.erase(std::to_string(static_cast<int>(n.op)) + ":" + n.text + n.subscript);
            } else {
                std::vector<std::uint64_t> key;
                key.reserve(n.args.size() + 1);
                key.push_back(static_cast<std::uint64_t>(n.op) | (static_cast<std::uint64_t>(n.index) << 8));
                for (std::uint32_t a : n.args) key.push_back(a);
                table.erase(key);
            }
        }
        nodes.resize(std::min(mark, nodes.size()));
    }

    std::uint32_t push(Node n) {
        nodes.push_back(std::move(n));
        return static_cast<std::uint32_t>(nodes.size() - 1);
    }
    std::uint32_t intern_constant(Rational r) {
        std::vector<std::uint64_t> key{static_cast<std::uint64_t>(Op::constant), static_cast<std::uint64_t>(r.num), static_cast<std::uint64_t>(r.den)};
        auto it = table.find(key);
        if (it != table.end()) return it->second;
        Node n{Op::constant, {}, r, 0, {}, {}, false};
        const auto id = push(std::move(n));
        table.emplace(std::move(key), id);
        return id;
    }
    std::uint32_t intern_text(Op op, const std::string& text, const std::string& subscript, std::uint32_t flat) {
        const std::string key = std::to_string(static_cast<int>(op)) + ":" + text + subscript;
        auto it = texts.find(key);
        if (it != texts.end()) return it->second;
        Node n{op, {}, {}, flat, text, subscript, op == Op::symbol};
        const auto id = push(std::move(n));
        texts.emplace(key, id);
        return id;
    }
    std::uint32_t intern(Op op, std::span<const Expr> args, std::uint32_t index) {
        std::vector<std::uint64_t> key;
        key.reserve(args.size() + 2);
        key.push_back(static_cast<std::uint64_t>(op) | (static_cast<std::uint64_t>(index) << 8));
        bool any = false;
        for (const Expr& a : args) {
            key.push_back(a.id());
            any = any || nodes[a.id()].has_symbol;
        }
        auto it = table.find(key);
        if (it != table.end()) return it->second;
        Node n{op, {}, {}, index, {}, {}, any};
        n.args.reserve(args.size());
        for (const Expr& a : args) n.args.push_back(a.id());
        const auto id = push(std::move(n));
        table.emplace(std::move(key), id);
        return id;
    }
};

Graph& graph() {
    static Graph g;
    return g;
}

// ------------------------------------------------------------ exact rational arithmetic
__extension__ typedef __int128 i128;

std::optional<Rational> normalize(i128 n, i128 d) {
    if (d == 0) return std::nullopt;
    if (d < 0) n = -n, d = -d;
    i128 a = n < 0 ? -n : n, b = d;
    while (b) { const i128 t = a % b; a = b; b = t; }
    if (a > 1) n /= a, d /= a;
    constexpr i128 lim = INT64_MAX;
    if (n > lim || n < -lim || d > lim) return std::nullopt;
    return Rational{static_cast<std::int64_t>(n), static_cast<std::int64_t>(d)};
}
std::optional<Rational> radd(Rational a, Rational b) { return normalize(i128(a.num) * b.den + i128(b.num) * a.den, i128(a.den) * b.den); }
std::optional<Rational> rsub(Rational a, Rational b) { return normalize(i128(a.num) * b.den - i128(b.num) * a.den, i128(a.den) * b.den); }
std::optional<Rational> rmul(Rational a, Rational b) { return normalize(i128(a.num) * b.num, i128(a.den) * b.den); }
std::optional<Rational> rdiv(Rational a, Rational b) {
    if (b.num == 0) return std::nullopt;
    return normalize(i128(a.num) * b.den, i128(a.den) * b.num);
}
std::optional<Rational> rpow(Rational a, Rational b) {
    if (b.den != 1 || b.num > 64 || b.num < -64) return std::nullopt;
    if (a.num == 0 && b.num < 0) return std::nullopt;
    std::optional<Rational> r = Rational{1, 1};
    const std::int64_t k = b.num < 0 ? -b.num : b.num;
    for (std::int64_t i = 0; i < k && r; ++i) r = rmul(*r, a);
    if (r && b.num < 0) r = rdiv(Rational{1, 1}, *r);
    return r;
}
int cmp(Rational a, Rational b) {
    const i128 l = i128(a.num) * b.den, r = i128(b.num) * a.den;
    return l < r ? -1 : (l > r ? 1 : 0);
}

Expr C(Rational r) { return Expr::from_id(graph().intern_constant(r)); }
Expr C(std::optional<Rational> r) { return C(*r); }

bool is_c(const Expr& e) { return e.op() == Op::constant; }
Rational cv(const Expr& e) { return e.node().value; }
bool is_c(const Expr& e, std::int64_t v) { return is_c(e) && cv(e).den == 1 && cv(e).num == v; }

Expr raw(Op op, std::initializer_list<Expr> args) {
    return Expr::from_id(graph().intern(op, std::span<const Expr>(args.begin(), args.size()), 0));
}

/// Base and constant exponent of x (x itself with exponent 1 if it is no constant power).
std::pair<Expr, Rational> as_power(const Expr& x) {
    if (x.op() == Op::pow && is_c(x.arg(1))) return {x.arg(0), cv(x.arg(1))};
    return {x, Rational{1, 1}};
}

Expr simplify_unary(Op op, const Expr& x);
Expr simplify_binary(Op op, Expr a, Expr b);

Expr neg(const Expr& x) { return simplify_unary(Op::neg, x); }

Expr simplify_unary(Op op, const Expr& x) {
    if (is_c(x)) {
        const Rational c = cv(x);
        switch (op) {
            case Op::neg: return C(Rational{-c.num, c.den});
            case Op::abs: return C(Rational{c.num < 0 ? -c.num : c.num, c.den});
            case Op::sign: return Expr(c.num > 0 ? 1 : (c.num < 0 ? -1 : 0));
            case Op::heaviside: return c.num > 0 ? Expr(1) : (c.num < 0 ? Expr(0) : C(Rational{1, 2}));
            default: break;
        }
        if (c.num == 0) {
            switch (op) {
                case Op::exp: case Op::cos: case Op::cosh: return Expr(1);
                case Op::sqrt: case Op::sin: case Op::tan: case Op::sinh: case Op::tanh: case Op::asin: case Op::atan: return Expr(0);
                case Op::sigmoid: return C(Rational{1, 2});
                default: break;
            }
        }
        if (c == Rational{1, 1}) {
            if (op == Op::log) return Expr(0);
            if (op == Op::sqrt) return Expr(1);
        }
    }
    switch (op) {
        case Op::neg:
            if (x.op() == Op::neg) return x.arg(0);
            if (x.op() == Op::sub) return simplify_binary(Op::sub, x.arg(1), x.arg(0));
            if (x.op() == Op::mul && is_c(x.arg(0))) return simplify_binary(Op::mul, C(Rational{-cv(x.arg(0)).num, cv(x.arg(0)).den}), x.arg(1));
            break;
        case Op::exp:
            if (x.op() == Op::log) return x.arg(0);
            break;
        case Op::log:
            if (x.op() == Op::exp) return x.arg(0);
            if (x.op() == Op::e) return Expr(1);
            break;
        case Op::abs:
            if (x.op() == Op::abs || x.op() == Op::exp || x.op() == Op::sqrt) return x;
            if (x.op() == Op::neg) return simplify_unary(Op::abs, x.arg(0));
            break;
        case Op::sign: case Op::heaviside:
            if (x.op() == Op::exp) return Expr(1);
            break;
        case Op::stop_gradient:
            if (!x.has_symbol() || x.op() == Op::stop_gradient) return x;  // constants have no gradient to stop
            break;
        default: break;
    }
    return raw(op, {x});
}

Expr simplify_binary(Op op, Expr a, Expr b) {
    const bool ca = is_c(a), cb = is_c(b);
    switch (op) {
        case Op::add:
            if (ca && cb) if (auto r = radd(cv(a), cv(b))) return C(r);
            if (is_c(a, 0)) return b;
            if (is_c(b, 0)) return a;
            if (b.op() == Op::neg) return simplify_binary(Op::sub, a, b.arg(0));
            if (a.op() == Op::neg) return simplify_binary(Op::sub, b, a.arg(0));
            if (cb && cv(b).num < 0) return simplify_binary(Op::sub, a, C(Rational{-cv(b).num, cv(b).den}));
            if (a.same(b)) return simplify_binary(Op::mul, Expr(2), a);
            if (cb || (!ca && b.id() < a.id())) std::swap(a, b);  // canonical: constant first, then by id
            break;
        case Op::sub:
            if (ca && cb) if (auto r = rsub(cv(a), cv(b))) return C(r);
            if (is_c(b, 0)) return a;
            if (is_c(a, 0)) return neg(b);
            if (a.same(b)) return Expr(0);
            if (b.op() == Op::neg) return simplify_binary(Op::add, a, b.arg(0));
            if (a.op() == Op::add && a.arg(0).same(b)) return a.arg(1);  // (b + x) − b
            if (a.op() == Op::add && a.arg(1).same(b)) return a.arg(0);  // (x + b) − b
            break;
        case Op::mul: {
            if (ca && cb) if (auto r = rmul(cv(a), cv(b))) return C(r);
            if (is_c(a, 0) || is_c(b, 0)) return Expr(0);
            if (is_c(a, 1)) return b;
            if (is_c(b, 1)) return a;
            if (is_c(a, -1)) return neg(b);
            if (is_c(b, -1)) return neg(a);
            if (a.op() == Op::neg && b.op() == Op::neg) return simplify_binary(Op::mul, a.arg(0), b.arg(0));
            if (b.op() == Op::div && is_c(b.arg(0), 1)) return simplify_binary(Op::div, a, b.arg(1));  // a·(1/b) = a/b
            if (a.op() == Op::div && is_c(a.arg(0), 1)) return simplify_binary(Op::div, b, a.arg(1));
            if (cb) std::swap(a, b);  // a constant factor goes first
            if (is_c(a) && b.op() == Op::mul && is_c(b.arg(0)))
                if (auto r = rmul(cv(a), cv(b.arg(0)))) return simplify_binary(Op::mul, C(r), b.arg(1));
            if (!is_c(a)) {
                const auto [ba, ea] = as_power(a);
                const auto [bb, eb] = as_power(b);
                if (ba.same(bb)) if (auto r = radd(ea, eb)) return simplify_binary(Op::pow, ba, C(r));
                if (b.id() < a.id()) std::swap(a, b);
            }
            break;
        }
        case Op::div: {
            if (ca && cb) if (auto r = rdiv(cv(a), cv(b))) return C(r);
            if (is_c(b, 1)) return a;
            if (is_c(b, -1)) return neg(a);
            if (is_c(a, 0) && !is_c(b, 0)) return Expr(0);
            if (a.same(b)) return Expr(1);
            if (a.op() == Op::neg && b.op() == Op::neg) return simplify_binary(Op::div, a.arg(0), b.arg(0));
            const auto [ba, ea] = as_power(a);
            const auto [bb, eb] = as_power(b);
            if (!ca && !cb && ba.same(bb)) if (auto r = rsub(ea, eb)) return simplify_binary(Op::pow, ba, C(r));
            break;
        }
        case Op::pow:
            if (ca && cb) if (auto r = rpow(cv(a), cv(b))) return C(r);
            if (is_c(b, 0)) return Expr(1);
            if (is_c(b, 1)) return a;
            if (is_c(a, 1)) return Expr(1);
            if (is_c(a, 0) && cb && cv(b).num > 0) return Expr(0);
            if (a.op() == Op::e) return simplify_unary(Op::exp, b);
            if (cb && cv(b).den == 1 && a.op() == Op::pow && is_c(a.arg(1)))
                if (auto r = rmul(cv(a.arg(1)), cv(b))) return simplify_binary(Op::pow, a.arg(0), C(r));
            break;
        case Op::max:
            if (ca && cb) return cmp(cv(a), cv(b)) >= 0 ? a : b;
            if (a.same(b)) return a;
            break;
        case Op::min:
            if (ca && cb) return cmp(cv(a), cv(b)) <= 0 ? a : b;
            if (a.same(b)) return a;
            break;
        default: break;
    }
    return raw(op, {a, b});
}

}  // namespace

std::string_view op_name(Op op) {
    static constexpr std::string_view names[] = {
        "constant", "literal", "pi", "e", "symbol",
        "neg", "exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "abs", "sigmoid", "stop_gradient",
        "sign", "heaviside", "add", "sub", "mul", "div", "pow", "max", "min", "sum", "max", "max_weight", "logsumexp"};
    return names[static_cast<std::size_t>(op)];
}

Expr::Expr() : id_(0) {}
Expr::Expr(int n) : Expr(static_cast<long long>(n)) {}
Expr::Expr(long n) : Expr(static_cast<long long>(n)) {}
Expr::Expr(long long n) : id_(graph().intern_constant(Rational{static_cast<std::int64_t>(n), 1})) {}
Expr::Expr(double x) {
    if (std::isfinite(x)) {
        int ex = 0;
        const double m = std::frexp(x, &ex);  // x = m·2^ex, 0.5 ≤ |m| < 1
        const auto mant = static_cast<std::int64_t>(std::ldexp(m, 53));
        const int shift = ex - 53;
        std::optional<Rational> r;
        if (shift >= 0 && shift < 10) r = normalize(i128(mant) << shift, 1);
        else if (shift < 0 && shift > -62) r = normalize(mant, i128(1) << -shift);
        if (r) { id_ = graph().intern_constant(*r); return; }
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    id_ = literal(buf).id();
}

const Node& Expr::node() const { return graph().nodes[id_]; }

std::size_t graph_size() { return graph().nodes.size(); }

graph_scope::graph_scope() : mark_(graph().nodes.size()) {}
graph_scope::~graph_scope() {
    if (graph().nodes.size() > mark_) graph().truncate(mark_);
}

Expr number(Rational r) {
    auto n = normalize(r.num, r.den);
    if (!n) throw error("symbolic constant with a zero denominator");
    return C(*n);
}

Expr literal(std::string_view text) {
    // Decimal text → exact rational mantissa·10^exp when it fits in int64/int64.
    i128 mant = 0;
    int exp10 = 0, digits = 0;
    bool ok = true, frac = false;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') { frac = true; continue; }
        if (c == 'e' || c == 'E') break;
        if (c < '0' || c > '9') { ok = false; break; }
        if (mant == 0 && c == '0') { if (frac) --exp10; continue; }
        if (++digits > 18) { ok = false; break; }
        mant = mant * 10 + (c - '0');
        if (frac) --exp10;
    }
    if (ok && i < text.size()) {
        const std::string ex(text.substr(i + 1));
        char* end = nullptr;
        const long v = std::strtol(ex.c_str(), &end, 10);
        if (end == ex.c_str() || *end || v > 40 || v < -40) ok = false;
        else exp10 += static_cast<int>(v);
    }
    if (ok && mant == 0) return Expr(0);
    if (ok && exp10 >= -18 && exp10 <= 18) {
        i128 p = 1;
        for (int k = 0; k < (exp10 < 0 ? -exp10 : exp10); ++k) p *= 10;
        if (auto r = exp10 >= 0 ? normalize(mant * p, 1) : normalize(mant, p)) return C(*r);
    }
    return Expr::from_id(graph().intern_text(Op::literal, std::string(text), {}, 0));
}

Expr pi_constant() { return Expr::from_id(graph().intern_text(Op::pi, "pi", {}, 0)); }
Expr e_constant() { return Expr::from_id(graph().intern_text(Op::e, "e", {}, 0)); }
Expr symbol(const std::string& name, const std::string& subscript, std::uint32_t flat) {
    return Expr::from_id(graph().intern_text(Op::symbol, name, subscript, flat));
}

Expr make(Op op, std::span<const Expr> args, std::uint32_t index) {
    switch (op) {
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol:
            throw error("sym::make: leaves are built by number/literal/symbol, not make");
        case Op::add: case Op::sub: case Op::mul: case Op::div: case Op::pow: case Op::max: case Op::min:
            if (args.size() != 2) throw size_error(std::string("sym::make(") + std::string(op_name(op)) + ")", 2, args.size());
            return simplify_binary(op, args[0], args[1]);
        case Op::sum: {
            std::vector<Expr> kept;
            Rational c{0, 1};
            for (const Expr& a : args) {
                if (is_c(a)) {
                    if (auto r = radd(c, cv(a))) { c = *r; continue; }
                }
                kept.push_back(a);
            }
            if (c.num != 0) kept.insert(kept.begin(), C(c));
            if (kept.empty()) return Expr(0);
            if (kept.size() == 1) return kept[0];
            if (kept.size() == 2) return simplify_binary(Op::add, kept[0], kept[1]);
            return Expr::from_id(graph().intern(Op::sum, kept, 0));
        }
        case Op::max_n: {
            if (args.empty()) throw size_error("max of an empty range", 1, 0);
            if (args.size() == 1) return args[0];
            bool all_c = true;
            for (const Expr& a : args) all_c = all_c && is_c(a);
            if (all_c) {
                Expr best = args[0];
                for (const Expr& a : args) if (cmp(cv(a), cv(best)) > 0) best = a;
                return best;
            }
            return Expr::from_id(graph().intern(Op::max_n, args, 0));
        }
        case Op::logsumexp: {
            if (args.empty()) throw size_error("logsumexp of an empty range", 1, 0);
            if (args.size() == 1) return args[0];
            return Expr::from_id(graph().intern(Op::logsumexp, args, 0));
        }
        case Op::max_weight:
            if (index >= args.size()) throw size_error("sym::max_weight index", args.size(), index);
            if (args.size() == 1) return Expr(1);
            return Expr::from_id(graph().intern(Op::max_weight, args, index));
        default:
            if (args.size() != 1) throw size_error(std::string("sym::make(") + std::string(op_name(op)) + ")", 1, args.size());
            return simplify_unary(op, args[0]);
    }
}

Expr sign(const Expr& x) { return make(Op::sign, x); }
Expr heaviside(const Expr& x) { return make(Op::heaviside, x); }
Expr max_weight(std::span<const Expr> xs, std::size_t i) { return make(Op::max_weight, xs, static_cast<std::uint32_t>(i)); }

std::vector<std::uint32_t> reachable(std::span<const Expr> roots) {
    const auto& nodes = graph().nodes;
    std::vector<char> seen(nodes.size(), 0);
    std::vector<std::uint32_t> stack, out;
    for (const Expr& r : roots) if (!seen[r.id()]) seen[r.id()] = 1, stack.push_back(r.id());
    while (!stack.empty()) {
        const std::uint32_t k = stack.back();
        stack.pop_back();
        out.push_back(k);
        for (std::uint32_t c : nodes[k].args) if (!seen[c]) seen[c] = 1, stack.push_back(c);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t operation_count(std::span<const Expr> roots) {
    std::size_t n = 0;
    for (std::uint32_t k : reachable(roots)) {
        const Node& nd = graph().nodes[k];
        if (nd.args.empty()) continue;
        n += (nd.op == Op::sum || nd.op == Op::max_n) ? nd.args.size() - 1 : 1;
    }
    return n;
}

std::optional<Rational> constant_value(const Expr& e) {
    if (is_c(e)) return cv(e);
    return std::nullopt;
}

}  // namespace ad::sym
