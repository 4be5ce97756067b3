#pragma once
/// \file evaluate.hpp
/// Evaluating a parsed program on `Array<X>` values for any scalar type X: double, long double,
/// mp50, mp100, Dual, Var, nested AD types, or the symbolic `ad::sym::Expr`. Every operation is
/// one of the array functions of ops/ (so the tape, the duals and the DAG see the same
/// primitives); numbers are read at X's precision. Scalars are arrays of shape {}.
///
/// Functions: every primitive of the registry (ops/rules/registry.hpp: exp, log, sqrt, …, erf,
/// softplus, floor; pow(a, b), maximum(a, b), minimum(a, b), hypot(a, b), atan2(a, b),
/// fmod(a, b)), sign, heaviside, sum(v) / sum(A, axis), max(v) / max(A, axis),
/// mean(v) / mean(A, axis), dot, outer, diag, transpose, softmax, log_softmax, logsumexp,
/// max_weight(v, i) (= ∂max(v)/∂vᵢ); operators + − * / with broadcasting, ^, @, z[i], A[i, j],
/// array literals [a, b], constants pi and e.
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ad/core/checked.hpp"
#include "ad/errors.hpp"
#include "ad/core/number.hpp"
#include "ad/lang/lazy_matrix.hpp"
#include "ad/lang/parser.hpp"
#include "ad/symbolic/expr.hpp"
#include "ops/ops.hpp"

namespace ad::lang {

/// Values of named variables.
template <class X>
using Env = std::map<std::string, Array<X>>;

/// Where the innermost failing node of the last failed evaluation on this thread is (so the CLI
/// can show a caret under it); `set` is false when the error had no position.
struct ErrorSite {
    bool set = false;
    std::size_t line = 0, column = 0;
};
inline thread_local ErrorSite last_error_site;

/// The most entries one array built by an evaluation may have (outer products, broadcasting,
/// matmul, diag); larger requests are an ad::error before anything is allocated. Per thread.
inline thread_local std::size_t max_entries = 10'000'000;

/// Entries of the broadcast of shapes a and b (numpy rules; a mismatch is reported later by the
/// operation itself, so it counts as the larger of the two here).
inline long double broadcast_entries(const Shape& a, const Shape& b) {
    long double n = 1;
    const std::size_t nd = std::max(a.size(), b.size());
    for (std::size_t k = 0; k < nd; ++k) {
        const std::size_t da = k < nd - a.size() ? 1 : a[k - (nd - a.size())];
        const std::size_t db = k < nd - b.size() ? 1 : b[k - (nd - b.size())];
        n *= static_cast<long double>(std::max(da, db));
    }
    return n;
}

/// The names of every function the language knows (for "did you mean").
inline const std::vector<std::string>& function_names() {
    static const std::vector<std::string> names = [] {
        // the primitives, from the registry (ops/rules/registry.hpp) ...
        std::vector<std::string> v;
#define ADIFF_EXPR_NAME(rule) v.emplace_back(rules::language_name<rules::rule>());
        ADIFF_UNARY_FUNCTIONS(ADIFF_EXPR_NAME)
        ADIFF_BINARY_FUNCTIONS(ADIFF_EXPR_NAME)
#undef ADIFF_EXPR_NAME
        // ... and the array operations of the language
        for (const char* f : {"sign", "heaviside", "sum", "max", "min", "mean", "dot", "outer", "diag", "transpose", "softmax",
                              "log_softmax", "logsumexp", "max_weight"})
            v.emplace_back(f);
        return v;
    }();
    return names;
}

/// A decimal literal as an X at X's working precision.
template <class X>
X literal_as(const std::string& text) {
    if constexpr (std::is_same_v<X, sym::Expr>) return sym::literal(text);
    else if constexpr (!is_ad_type_v<X>) return number_from_text<X>(text);
    else return X(literal_as<typename X::scalar_type>(text));
}
/// π or e as an X.
template <class X>
X named_constant_as(bool pi) {
    if constexpr (std::is_same_v<X, sym::Expr>) return pi ? sym::pi_constant() : sym::e_constant();
    else if constexpr (!is_ad_type_v<X>) return pi ? pi_value<X>() : e_value<X>();
    else return X(named_constant_as<typename X::scalar_type>(pi));
}

/// Evaluates a parsed program with variables `vars`; returns the value of its last statement.
/// Throws parse_error-free typed errors: name_error (unknown name, with suggestions),
/// shape_error / size_error (with shapes), domain_error (non-finite value inside a
/// checked_scope, naming the operation). The failing node's position is in last_error_site.
template <class X>
Array<X> evaluate(const lang::Program& prog, const Env<X>& vars);

namespace detail {

template <class X>
class Evaluator {
public:
    Evaluator(const lang::Program& p, const Env<X>& vars) : p_(p), vars_(vars) {}

    Array<X> run() {
        last_error_site = {};
        Array<X> result;
        for (const auto& st : p_.statements) {
            result = eval(st.root);
            if (!st.name.empty()) bound_[st.name] = result;
        }
        return result;
    }

private:
    using A = Array<X>;
    using Node = lang::Node;

    static A scalar(const X& x) { return A(Shape{}, std::vector<X>{x}); }

    [[noreturn]] void fail_at(const Node& n, const std::string& what) const {
        throw error(lang::format_at(p_.source, n.line, n.column, what));
    }

    /// True when node k is an integer literal (`2`, `-1`: digits only, no '.', no exponent).
    bool is_integer_literal(int k) const {
        const Node* m = &p_.node(k);
        if (m->kind == lang::Kind::neg) m = &p_.node(m->kids[0]);
        return m->kind == lang::Kind::number && !m->text.empty() &&
               m->text.find_first_not_of("0123456789") == std::string::npos;
    }

    /// An integer given literally (axis, index, exponent): `2` or `-1`, range-checked before
    /// it is narrowed: |value| ≤ `limit`, else an error naming the literal and the limit.
    long long integer(int k, const char* role, long long limit = 1'000'000'000) const {
        const Node& n = p_.node(k);
        if (!is_integer_literal(k)) fail_at(n, std::string("expected an integer literal as ") + role);
        const Node& m = n.kind == lang::Kind::neg ? p_.node(n.kids[0]) : n;
        const bool negative = n.kind == lang::Kind::neg;
        // digits only, so a value beyond the limit is recognised by its length before conversion
        const std::string digits = m.text.substr(std::min(m.text.find_first_not_of('0'), m.text.size()));
        const std::string lim = std::to_string(limit);
        if (digits.size() > lim.size() || (digits.size() == lim.size() && digits > lim))
            fail_at(n, std::string("integer ") + (negative ? "-" : "") + m.text + " is out of range as " + role + " (|" + role +
                           "| ≤ " + lim + ")");
        const long long v = digits.empty() ? 0 : std::stoll(digits);
        return negative ? -v : v;
    }

    /// Refuses to build an array of more entries than ad::lang::max_entries allows.
    void budget(const Node& n, long double entries) const {
        if (entries > static_cast<long double>(max_entries))
            fail_at(n, "this operation would build an array of " + std::to_string(static_cast<unsigned long long>(std::min(entries, 1e19L))) +
                           " entries, over the limit of " + std::to_string(max_entries) + " (raise it with --max-entries)");
    }

    void arity(const Node& n, std::size_t lo, std::size_t hi) const {
        const std::size_t k = n.kids.size();
        if (k < lo || k > hi) {
            const std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
            throw size_error(lang::format_at(p_.source, n.line, n.column, "wrong number of arguments to '" + n.text + "'") +
                                 "\n'" + n.text + "' takes " + want + " argument" + (hi == 1 ? "" : "s"),
                             lo, k);
        }
    }

    void check_finite(const Node& n, const A& r, const std::string& opname, const A* arg) const {
        if (!ad::detail::checking_enabled) return;
        for (std::size_t k = 0; k < r.size(); ++k)
            if (!is_finite(val_of(r[k]))) {
                std::string detail = "value " + to_text(r[k]);
                if (arg && arg->size()) detail += " at argument " + to_text((*arg)[arg->size() == r.size() ? k : 0]);
                throw domain_error(opname, detail);
            }
    }

    template <class Y>
    static bool is_finite(const Y& y) { return ad::is_finite(y); }
    template <class Y>
    static decltype(auto) val_of(const Y& y) {
        if constexpr (std::is_same_v<Y, sym::Expr>) return 0.0;  // symbolic values are checked when evaluated
        else return ad::val(y);
    }
    template <class Y>
    static std::string to_text(const Y& y) {
        if constexpr (std::is_same_v<Y, sym::Expr>) return "?";
        else return ad::detail::to_text(y);
    }

    A eval(int k) {
        const Node& n = p_.node(k);
        try {
            return eval_node(n);
        } catch (...) {
            if (!last_error_site.set) last_error_site = {true, n.line, n.column};
            throw;
        }
    }

    A eval_node(const Node& n) {
        using lang::Kind;
        switch (n.kind) {
            case Kind::number: {
                A r = scalar(literal_as<X>(n.text));
                check_finite(n, r, "number " + n.text, nullptr);  // e.g. 1e400 overflows double
                return r;
            }
            case Kind::name: {
                if (auto b = bound_.find(n.text); b != bound_.end()) return b->second;
                if (auto v = vars_.find(n.text); v != vars_.end()) return v->second;
                if (n.text == "pi" || n.text == "e") return scalar(named_constant_as<X>(n.text == "pi"));
                std::vector<std::string> known{"pi", "e"};
                for (const auto& [name, _] : vars_) known.push_back(name);
                for (const auto& [name, _] : bound_) known.push_back(name);
                for (const auto& f : function_names()) if (f == n.text) fail_at(n, "'" + n.text + "' is a function: call it as " + n.text + "(...)");
                lang::throw_unknown(p_, n, "variable", known);
            }
            case Kind::neg: {
                if (row_wise()) return structured(n);
                A a = eval(n.kids[0]);
                return -a;
            }
            case Kind::binary:
                if (n.op != '^' && n.op != '@' && row_wise()) return structured(n);
                return binary(n);
            case Kind::index: return index(n);
            case Kind::list: return list(n);
            case Kind::call: return call(n);
        }
        fail_at(n, "internal: unknown syntax node");
    }

    A binary(const Node& n) {
        const A a = eval(n.kids[0]);
        if (n.op == '^') {
            // An integer literal exponent within int range goes through the exact pow_int rule;
            // a longer one is read as a number at the working precision like any literal (never
            // narrowed: x^-4294967297 is not x^-1).
            if (is_integer_literal(n.kids[1])) {
                const Node& e = p_.node(n.kids[1]);
                const std::string& digits = e.kind == lang::Kind::neg ? p_.node(e.kids[0]).text : e.text;
                if (digits.size() <= 9) {
                    A r = pow(a, static_cast<int>(integer(n.kids[1], "exponent")));
                    check_finite(n, r, "pow", &a);
                    return r;
                }
            }
            const A b = eval(n.kids[1]);
            A r = pow(a, b);
            check_finite(n, r, "pow", &a);
            return r;
        }
        return combine(n, a, eval(n.kids[1]));
    }

    /// a op b for the operators + − * / @ of node n (budget, operation, checked values).
    A combine(const Node& n, const A& a, const A& b) {
        budget(n, broadcast_entries(a.shape(), b.shape()));
        A r;
        switch (n.op) {
            case '+': r = a + b; break;
            case '-': r = a - b; break;
            case '*': r = a * b; break;
            case '/': r = a / b; check_finite(n, r, "div", &b); return r;
            case '@':
                budget(n, (a.ndim() ? static_cast<long double>(a.shape()[0]) : 1.0L) *
                              (b.ndim() == 2 ? static_cast<long double>(b.shape()[1]) : 1.0L));
                r = matmul(a, b);
                break;
            default: fail_at(n, std::string("internal: unknown operator ") + n.op);
        }
        // the rules' names, as forward, reverse and the symbolic graph report them
        check_finite(n, r, n.op == '+' ? "add" : n.op == '-' ? "sub" : n.op == '*' ? "mul" : "matmul", &a);
        return r;
    }

    // ---- matrices with diag and outer terms, evaluated row by row (lazy_matrix.hpp) ----
    //
    // For numbers, unchecked, a tree of + − * / and negation over diag(v), outer(u, v), dense
    // matrices and scalars is built as a LazyMatrix and filled row by row into its one result,
    // with exactly the eager evaluation's operations. Anything else is evaluated as before; where
    // shapes do not fit the row-wise form (broadcasting, a shape error) the terms are
    // materialised and the eager operation runs, with its budget and its errors.
    //
    // Node by node instead: checked mode, so that a non-finite value is named after the node
    // that made it; and the AD types and the symbolic graph, so that a tape records in the eager
    // order (adjoints summed in another order would differ in the last bits between modes).
    static bool row_wise() {
        if constexpr (is_ad_type_v<X>) return false;
        else return !ad::detail::checking_enabled;
    }

    struct Operand {
        int term = -1;  // a term of the LazyMatrix, or -1: the value is in `value`
        A value;
    };
    using Lazy = LazyMatrix<X>;

    /// Runs f for node n as eval does (the failing node's position is recorded).
    template <class F>
    auto at(const Node& n, F&& f) -> decltype(f()) {
        try {
            return f();
        } catch (...) {
            if (!last_error_site.set) last_error_site = {true, n.line, n.column};
            throw;
        }
    }

    A structured(const Node& n) {
        Lazy m;
        Operand o = operand_of(n, m);
        return value_of(o, m);
    }

    /// An operand's array: its value, or its term materialised.
    A value_of(Operand& o, const Lazy& m) { return o.term < 0 ? std::move(o.value) : m.materialize(o.term); }

    Operand operand(int k, Lazy& m) {
        const Node& n = p_.node(k);
        const bool lazy_call = n.kind == lang::Kind::call && ((n.text == "diag" && n.kids.size() == 1) || (n.text == "outer" && n.kids.size() == 2));
        const bool lazy_op = n.kind == lang::Kind::neg || (n.kind == lang::Kind::binary && n.op != '^' && n.op != '@');
        if (!lazy_call && !lazy_op) return {-1, eval(k)};
        return at(n, [&] { return operand_of(n, m); });
    }

    Operand operand_of(const Node& n, Lazy& m) {
        if (n.kind == lang::Kind::call) {
            if (n.text == "diag") {
                A v = eval(n.kids[0]);
                if (v.ndim() != 1) return {-1, diag(v)};
                budget(n, static_cast<long double>(v.size()) * static_cast<long double>(v.size()));
                return {m.diag(std::move(v)), {}};
            }
            A u = eval(n.kids[0]), v = eval(n.kids[1]);
            budget(n, static_cast<long double>(u.size()) * static_cast<long double>(v.size()));
            if (u.ndim() != 1 || v.ndim() != 1) return {-1, outer(u, v)};  // its shape error
            return {m.outer(std::move(u), std::move(v)), {}};
        }
        if (n.kind == lang::Kind::neg) {
            Operand a = operand(n.kids[0], m);
            if (a.term >= 0) return {m.negate(a.term), {}};
            return {-1, -a.value};
        }
        Operand a = operand(n.kids[0], m), b = operand(n.kids[1], m);
        if (a.term < 0 && b.term < 0) return {-1, combine(n, a.value, b.value)};
        const Shape sa = a.term >= 0 ? Shape{m.rows(a.term), m.cols(a.term)} : a.value.shape();
        const Shape sb = b.term >= 0 ? Shape{m.rows(b.term), m.cols(b.term)} : b.value.shape();
        budget(n, broadcast_entries(sa, sb));
        if (sa == sb) {
            const int l = a.term >= 0 ? a.term : m.dense(std::move(a.value));
            const int r = b.term >= 0 ? b.term : m.dense(std::move(b.value));
            return {m.binary(n.op, l, r), {}};
        }
        if (sa.empty()) return {m.with_scalar(n.op, std::move(a.value), b.term, true), {}};
        if (sb.empty()) return {m.with_scalar(n.op, std::move(b.value), a.term, false), {}};
        // broadcasting or a shape error: the eager operation on the materialised terms
        return {-1, combine(n, value_of(a, m), value_of(b, m))};
    }

    A index(const Node& n) {
        const A a = eval(n.kids[0]);
        const std::size_t k = n.kids.size() - 1;
        if (k > a.ndim())
            throw shape_error(lang::format_at(p_.source, n.line, n.column, "too many subscripts (" + std::to_string(k) + ")") + "\nfor array", a.shape());
        std::size_t off = 0;
        for (std::size_t d = 0; d < k; ++d) {
            long long i = integer(n.kids[d + 1], "subscript");
            const long long ext = static_cast<long long>(a.shape()[d]);
            if (i < 0) i += ext;
            if (i < 0 || i >= ext)
                throw shape_error(lang::format_at(p_.source, n.line, n.column, "index " + std::to_string(i) + " out of range on axis " + std::to_string(d)) + "\nof array", a.shape());
            off = off * a.shape()[d] + static_cast<std::size_t>(i);
        }
        Shape rest(a.shape().begin() + static_cast<std::ptrdiff_t>(k), a.shape().end());
        const std::size_t block = shape_size(rest);
        std::vector<X> v(a.values().begin() + static_cast<std::ptrdiff_t>(off * block), a.values().begin() + static_cast<std::ptrdiff_t>((off + 1) * block));
        return A(std::move(rest), std::move(v));
    }

    A list(const Node& n) {
        std::vector<A> items;
        for (int kid : n.kids) items.push_back(eval(kid));
        Shape shape{items.size()};
        for (std::size_t k = 1; k < items.size(); ++k)
            if (items[k].shape() != items[0].shape())
                throw shape_error(lang::format_at(p_.source, n.line, n.column, "array literal with rows of different shapes") + "\nrows 0 and " + std::to_string(k), items[0].shape(), items[k].shape());
        shape.insert(shape.end(), items[0].shape().begin(), items[0].shape().end());
        std::vector<X> v;
        for (const A& it : items) v.insert(v.end(), it.begin(), it.end());
        return A(std::move(shape), std::move(v));
    }

    A call(const Node& n) {
        const std::string& f = n.text;
        auto arg = [&](std::size_t k) { return eval(n.kids[k]); };
        auto unary = [&](auto fn) {
            arity(n, 1, 1);
            const A a = arg(0);
            A r = fn(a);
            check_finite(n, r, f, &a);
            return r;
        };
        // the registry's unary functions, element-wise through their rules
#define ADIFF_EXPR_UNARY(rule) \
    if (f == rules::rule::name) return unary([](const A& a) { return ad::rule(a); });
        ADIFF_UNARY_FUNCTIONS(ADIFF_EXPR_UNARY)
#undef ADIFF_EXPR_UNARY
        if (f == "transpose") return unary([](const A& a) { return transpose(a); });
        if (f == "log_softmax") return unary([](const A& a) { return log_softmax(a); });
        if (f == "logsumexp") return unary([](const A& a) { return logsumexp(a); });
        // Symbolically softmax is exp(z − logsumexp(z)) with the stable n-ary logsumexp rule:
        // right at any logits, and its Jacobian is one shared node per entry.
        if (f == "diag")  // a vector becomes a square matrix: n² entries
            return unary([&](const A& a) {
                budget(n, a.ndim() == 1 ? static_cast<long double>(a.size()) * static_cast<long double>(a.size()) : 0.0L);
                return diag(a);
            });
        if (f == "softmax") return unary([](const A& a) { return softmax(a); });
        if (f == "sign" || f == "heaviside") {
            const bool s = f == "sign";
            return unary([s](const A& a) { return map(a, [s](const X& x) -> X { using ad::sign, ad::heaviside; return s ? X(sign(x)) : X(heaviside(x)); }); });
        }
        // the registry's binary functions (pow, maximum, minimum, ...), element-wise with broadcasting
        auto binary = [&](auto fn) {
            arity(n, 2, 2);
            const A a = arg(0), b = arg(1);
            A r = fn(a, b);
            check_finite(n, r, f, &a);
            return r;
        };
#define ADIFF_EXPR_BINARY(rule) \
    if (f == rules::language_name<rules::rule>()) return binary([](const A& a, const A& b) { return elementwise<rules::rule>(a, b); });
        ADIFF_BINARY_FUNCTIONS(ADIFF_EXPR_BINARY)
#undef ADIFF_EXPR_BINARY
        if (f == "dot" || f == "outer") {
            arity(n, 2, 2);
            const A a = arg(0), b = arg(1);
            if (f == "outer") budget(n, static_cast<long double>(a.size()) * static_cast<long double>(b.size()));
            A r = f == "dot" ? scalar(dot(a, b)) : outer(a, b);
            check_finite(n, r, f, &a);
            return r;
        }
        if (f == "sum" || f == "max" || f == "min" || f == "mean") {
            arity(n, 1, 2);
            const A a = arg(0);
            A r;
            if (n.kids.size() == 2) {
                const int axis = static_cast<int>(integer(n.kids[1], "axis", 64));
                r = f == "sum" ? sum(a, axis) : f == "max" ? max(a, axis) : f == "min" ? min(a, axis) : mean(a, axis);
            } else {
                r = scalar(f == "sum" ? sum(a) : f == "max" ? max(a) : f == "min" ? min(a) : mean(a));
            }
            check_finite(n, r, f, &a);
            return r;
        }
        if (f == "max_weight") {
            arity(n, 2, 2);
            const A a = arg(0);
            long long i = integer(n.kids[1], "index");
            if (a.ndim() != 1) throw shape_error(lang::format_at(p_.source, n.line, n.column, "max_weight needs a 1-D array") + "\ngot", a.shape());
            if (i < 0) i += static_cast<long long>(a.size());
            if (i < 0 || static_cast<std::size_t>(i) >= a.size()) throw size_error(lang::format_at(p_.source, n.line, n.column, "max_weight index out of range"), a.size(), static_cast<std::size_t>(i));
            const std::span<const X> xs(a.data(), a.size());
            if constexpr (std::is_same_v<X, sym::Expr>) return scalar(sym::max_weight(xs, static_cast<std::size_t>(i)));
            else {
                std::vector<X> part(a.size());
                const X m = rules::max_reduce{}.value(xs);
                rules::max_reduce{}.partials(xs, m, std::span<X>(part));
                return scalar(part[static_cast<std::size_t>(i)]);
            }
        }
        lang::throw_unknown(p_, n, "function", function_names());
    }

    const lang::Program& p_;
    const Env<X>& vars_;
    std::map<std::string, A> bound_;
};

}  // namespace detail

template <class X>
Array<X> evaluate(const lang::Program& prog, const Env<X>& vars) {
    return detail::Evaluator<X>(prog, vars).run();
}

}  // namespace ad::lang
