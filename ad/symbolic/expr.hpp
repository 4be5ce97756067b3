#pragma once
/// \file expr.hpp
/// The symbolic mode: `ad::sym::Expr` is a handle to a node of a hash-consed DAG
/// (structurally equal subexpressions are ONE node). It is the third instantiation of the rule
/// table (ops/rules): `exp(e)`, `a * b`, ... go through functions.hpp to
/// `apply_unary/apply_binary/apply_nary` below, which BUILD nodes with cheap local
/// simplification (constants folded, x·1, x+0, x·0, x−x, exp(log x), repeated factors as
/// powers; never expansion). Derivatives (ad/symbolic/derivative.hpp) call the same rules'
/// `d`/`da`/`db`/`partials` with T = Expr; numeric evaluation (ad/symbolic/evaluate.hpp) calls
/// their `value` with T = a number.
///
/// **Domains.** A rewrite never changes where evaluation fails (Stan's rule: symbolic mode
/// fails exactly where double arithmetic on the formula as written fails). A rewrite that is
/// exact everywhere is applied as is. One that is exact only where some dropped subexpression
/// is finite (x·0 → 0 drops x, exp(log x) → x drops log, a/a → 1 …) is applied only when the
/// dropped part is *total* (finite for every finite value of the symbols, at every precision:
/// see `is_total`); otherwise the result is a `guard` node, guard(simplified, original): its
/// value is the simplified one, but evaluating it also evaluates the unsimplified original, so
/// a checked evaluation throws at the original's failing operation (and an unchecked one gives
/// its NaN or inf). Derivatives of a guarded expression carry the guard's conditions.
///
/// **Threads and memory.** Every thread has its own graph, created on first use and freed when
/// the thread exits; building, differentiating and evaluating on several threads at once needs
/// no locks. An Expr belongs to the thread that built it: using it on another thread (or after
/// its thread ended) throws `ad::sym::graph_error`, never a wrong result. Within a thread,
/// `graph_scope` frees what a piece of work added. A node costs about 88 bytes (56-byte node,
/// its argument ids, its hash slot).
///
/// Constants are exact rationals (int64/int64); decimal literals that do not fit stay text and
/// are read at the working precision when evaluated.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/errors.hpp"
#include "ad/symbolic/user_rule.hpp"
#include "ops/rules/functions.hpp"

namespace ad::sym {

/// The operation of a node. Unary and binary ops map one-to-one onto the rules listed in
/// ops/rules/registry.hpp, generated from that list (the order gives the ranges below).
#define ADIFF_SYM_ENUMERATOR(rule) rule,
enum class Op : std::uint8_t {
    constant, literal, pi, e, symbol,                                   // leaves
    neg, ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_ENUMERATOR)                    // unary rules
    sign, heaviside,                                                    // piecewise constants (derivative 0)
    ADIFF_BINARY_OPERATORS(ADIFF_SYM_ENUMERATOR)                        // binary rules
    ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_ENUMERATOR)
    sum, max_n, max_weight, logsumexp,                                  // n-ary: Σ, max, ∂max/∂xᵢ, log Σ exp
    call,                                                               // a user-defined rule (ad/symbolic/user_rule.hpp)
    guard                                                               // guard(value, conditions…): see the file comment
};
#undef ADIFF_SYM_ENUMERATOR
/// `case Op::rule:` for a registry list: switches over ops name every op, with no `default:`.
#define ADIFF_SYM_CASE(rule) case Op::rule:
/// Every op with a unary rule (neg and the unary functions).
#define ADIFF_SYM_UNARY_RULE_CASES case Op::neg: ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_CASE)
/// Every op with a binary rule (operators and binary functions).
#define ADIFF_SYM_BINARY_RULE_CASES ADIFF_BINARY_OPERATORS(ADIFF_SYM_CASE) ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_CASE)

/// The name of an op as written in the expression language (e.g. "exp", "add").
std::string_view op_name(Op op);

/// Misuse of a symbolic graph: an Expr used on a thread other than the one that built it, or
/// after the graph_scope it was built in ended.
struct graph_error : error {
    using error::error;
};

/// An exact rational constant num/den (den > 0, reduced).
struct Rational {
    std::int64_t num = 0, den = 1;
    friend bool operator==(const Rational&, const Rational&) = default;
};

/// One interned node (56 bytes). Children always have smaller ids than their parent, so
/// increasing id order is a topological order of the whole graph. Nodes never move while they
/// live (references stay valid until their graph_scope ends).
struct Node {
    Op op = Op::constant;
    bool has_symbol = false;              ///< some symbol is reachable (otherwise a constant subtree)
    bool total = true;                    ///< finite for every finite binding of the symbols (see is_total)
    std::uint32_t index = 0;              ///< max_weight: the entry i; symbol: flat index in its array; call: rule and output
    std::span<const std::uint32_t> args;  ///< children (empty for leaves)
    Rational value;                       ///< op == constant
    const char* str = nullptr;            ///< literal/symbol/pi/e: text then subscript
    std::uint32_t text_size = 0, subscript_size = 0;
    /// literal: its spelling; symbol: the variable's base name; pi/e: "pi"/"e".
    std::string_view text() const noexcept { return {str, text_size}; }
    /// symbol: "[3]" or "[0, 1]" for an array element, else "".
    std::string_view subscript() const noexcept { return {str ? str + text_size : nullptr, subscript_size}; }
};

/// A handle to an interned node of the calling thread's graph. Cheap to copy; equal handles
/// mean equal expressions.
class Expr {
public:
    /// The constant 0.
    Expr();
    /// An exact integer constant.
    Expr(int n);
    Expr(long n);
    Expr(long long n);
    /// A double constant: exact rational when possible, else its 17-digit decimal text.
    Expr(double x);
    /// The handle of node `id` of this thread's graph (checked when used).
    static Expr from_id(std::uint32_t id);

    /// The node's id in its graph.
    std::uint32_t id() const noexcept { return id_; }
    /// The node. Throws graph_error if this Expr belongs to another thread's graph or to a
    /// graph_scope that has ended.
    const Node& node() const;
    /// Shorthands on the node.
    Op op() const { return node().op; }
    bool is_constant() const { return op() == Op::constant; }
    bool has_symbol() const { return node().has_symbol; }
    /// Child k.
    Expr arg(std::size_t k) const { return from_id(node().args[k]); }
    /// Identity of nodes (structural equality thanks to hash-consing).
    bool same(const Expr& o) const noexcept { return id_ == o.id_ && graph_ == o.graph_; }
    /// The serial number of the graph (thread) this Expr belongs to.
    std::uint32_t graph() const noexcept { return graph_; }

private:
    Expr(std::uint32_t id, std::uint32_t graph) : id_(id), graph_(graph) {}
    friend struct ExprAccess;
    std::uint32_t id_ = 0;
    std::uint32_t graph_ = 0;
};

/// Number of nodes in the calling thread's graph.
std::size_t graph_size();
/// Bytes held by the calling thread's graph (nodes, arguments, hash table, texts).
std::size_t graph_bytes();
/// Number of per-thread graphs alive in the process (each is freed when its thread exits).
std::size_t live_graphs();

/// A scope of the calling thread's graph, as a tape scope is for reverse mode: the nodes
/// created while it lives are freed when it ends, so a long-running program (a server, a
/// fuzzer, a loop over user formulas) keeps the graph flat. Nodes that already existed are
/// kept. Expr handles made inside the scope must not be used after it ends (an id beyond the
/// graph throws graph_error; one reused by a later node cannot be told apart). Scopes nest
/// (last in, first out) and belong to the thread that made them.
class graph_scope {
public:
    graph_scope();
    ~graph_scope();
    graph_scope(const graph_scope&) = delete;
    graph_scope& operator=(const graph_scope&) = delete;
    /// The graph size when the scope began.
    std::size_t mark() const noexcept { return mark_; }

private:
    std::size_t mark_;
};

/// An exact rational constant (den ≠ 0).
Expr number(Rational r);
/// A decimal literal ("0.1", "1e-3"): exact rational if it fits in int64/int64, else kept as text.
Expr literal(std::string_view text);
/// π and e (evaluated at the working precision).
Expr pi_constant();
Expr e_constant();
/// A symbol: a scalar variable (`subscript` empty) or one element of an array variable
/// (`subscript` "[i]" / "[i, j]", `flat` its row-major index).
Expr symbol(const std::string& name, const std::string& subscript = {}, std::uint32_t flat = 0);

/// Builds (or finds) the node op(args) after local simplification.
Expr make(Op op, std::span<const Expr> args, std::uint32_t index = 0);
/// Builds a unary node op(a).
inline Expr make(Op op, const Expr& a) { return make(op, std::span<const Expr>(&a, 1)); }
/// Builds a binary node op(a, b).
inline Expr make(Op op, const Expr& a, const Expr& b) {
    const Expr ab[2] = {a, b};
    return make(op, std::span<const Expr>(ab, 2));
}
/// The node op(args) exactly as given, without simplification (a guard's condition).
Expr make_raw(Op op, std::span<const Expr> args, std::uint32_t index = 0);

/// guard(value, conditions…): the value of `value`, failing where a condition's evaluation
/// fails. Nested guards are flattened, total and repeated conditions dropped; with no
/// condition left it is `value` itself.
Expr guard(const Expr& value, std::span<const Expr> conditions);
/// True when e is finite for every finite binding of its symbols at every working precision:
/// exact constants, π, e, literals below 1e300 in magnitude, symbols, and neg, sin, cos, atan,
/// tanh, abs, sigmoid, sign, heaviside, stop_gradient, max, min, max_n, max_weight of total
/// arguments. Everything else (exp, log, division, powers, sums and products that can
/// overflow, …) may fail and is kept as a condition when a rewrite drops it.
inline bool is_total(const Expr& e) { return e.node().total; }

/// sign(x) ∈ {−1, 0, 1} as a node (the derivative of abs); its own derivative is 0.
Expr sign(const Expr& x);
/// heaviside(x): 0, ½ at 0, 1 (the derivative of max); its own derivative is 0.
Expr heaviside(const Expr& x);
/// ∂max(xs)/∂xᵢ = 1/k if xᵢ is one of the k maximal entries, else 0 (rules::max_reduce::partials).
Expr max_weight(std::span<const Expr> xs, std::size_t i);

/// The op a rule builds (generated from the registry, ops/rules/registry.hpp).
template <class R> struct op_of;
#define ADIFF_SYM_OP(rule) template <> struct op_of<rules::rule> { static constexpr Op value = Op::rule; };
ADIFF_SYM_OP(neg)
ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_OP)
ADIFF_BINARY_OPERATORS(ADIFF_SYM_OP)
ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_OP)
ADIFF_SYM_OP(sum)
#undef ADIFF_SYM_OP
template <> struct op_of<rules::max_reduce> { static constexpr Op value = Op::max_n; };
template <> struct op_of<rules::logsumexp> { static constexpr Op value = Op::logsumexp; };

template <class R>
concept symbolic_rule = requires { op_of<R>::value; };

/// The call node of output `output` of user rule number `rule` (ad/symbolic/user_rule.hpp)
/// applied to `args`: opaque, hash-consed like every node. A wrong number of arguments, or an
/// output beyond 2²⁰, is an ad::size_error.
Expr user_call(std::uint32_t rule, std::span<const Expr> args, std::size_t output = 0);
/// The user rule number and the output of a call node.
std::uint32_t call_rule(const Node& call);
std::size_t call_output(const Node& call);
/// The name of a node's operation: a call's rule name, else op_name.
std::string_view node_name(const Node& n);

/// A user's scalar rule applied to Expr arguments: the call node.
template <class R>
Expr apply_user_rule(const R&, std::span<const Expr> args) {
    return user_call(user_rule_id<R>(), args, 0);
}
/// A user's vector rule applied to Exprs: one call node per output.
template <class R>
std::vector<Expr> apply_user_vector_rule(const R& r, std::span<const Expr> args) {
    const std::uint32_t id = user_rule_id<R>();
    std::vector<Expr> ys(r.outputs(args.size()));
    for (std::size_t k = 0; k < ys.size(); ++k) ys[k] = user_call(id, args, k);
    return ys;
}

/// Unary primitive: builds the node (never calls the rule's value on an Expr); a user's rule
/// builds a call node.
template <class R>
Expr apply_unary(const R& r, const Expr& x) {
    if constexpr (symbolic_rule<R>) return make(op_of<R>::value, x);
    else return apply_user_rule(r, std::span<const Expr>(&x, 1));
}
/// x^n for an integer n: the node pow(x, n).
inline Expr apply_unary(const rules::pow_int& r, const Expr& x) { return make(Op::pow, x, Expr(r.n)); }
/// x^c for a constant c: the node pow(x, c).
template <class C>
Expr apply_unary(const rules::pow_const<C>& r, const Expr& x) { return make(Op::pow, x, Expr(r.c)); }
/// Binary primitive with Expr or constant operands.
template <class R, class A, class B>
    requires (std::same_as<A, Expr> || std::same_as<B, Expr>) && std::is_constructible_v<Expr, const A&> && std::is_constructible_v<Expr, const B&>
Expr apply_binary(const R& r, const A& a, const B& b) {
    if constexpr (symbolic_rule<R>) return make(op_of<R>::value, Expr(a), Expr(b));
    else {
        const Expr ab[2] = {Expr(a), Expr(b)};
        return apply_user_rule(r, std::span<const Expr>(ab, 2));
    }
}
/// A user's vector rule (ops/rules/vector_rule.hpp): one call node per output.
template <class R>
std::vector<Expr> apply_vector(const R& r, std::span<const Expr> xs) {
    return apply_user_vector_rule(r, xs);
}
/// n-ary reduction (sum, max) as one node.
template <class R>
Expr apply_nary(const R&, std::span<const Expr> xs) {
    static_assert(symbolic_rule<R>, "adiff: apply_nary builds the registry's reductions (sum, max, logsumexp); a user's vector rule goes through ad::apply_rule");
    return make(op_of<R>::value, xs);
}

// Make adiff's generic functions and operators visible to argument-dependent lookup on Expr
// (Expr lives in ad::sym, the templates in ad).
using ad::operator+; using ad::operator-; using ad::operator*; using ad::operator/;
using ad::operator+=; using ad::operator-=; using ad::operator*=; using ad::operator/=;
#define ADIFF_SYM_USING(rule) using ad::rule;
ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_USING)
ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_USING)
#undef ADIFF_SYM_USING
using ad::sum; using ad::logsumexp;
/// π as a symbolic constant (the leaf `pi`), for rules that need π (ad::pi_like).
inline Expr pi_like(const Expr&) { return pi_constant(); }

/// Number of shared operations in the DAG reachable from `roots`: each distinct non-leaf node
/// counts once, an n-ary node with k operands counts k−1 (as SymPy's count_ops does). A guard
/// is no arithmetic and counts 0 (its conditions count as operations).
std::size_t operation_count(std::span<const Expr> roots);
/// The reachable nodes of `roots` in increasing id order (a topological order: children first).
std::vector<std::uint32_t> reachable(std::span<const Expr> roots);

/// Exact rational of a constant node, if it is one.
std::optional<Rational> constant_value(const Expr& e);

}  // namespace ad::sym

namespace ad {
template <>
struct is_ad_type<sym::Expr> : std::true_type {};
template <>
struct is_symbolic_type<sym::Expr> : std::true_type {};
}  // namespace ad

namespace ad::sym {
/// Expr's own overloads of the registry's functions (see ADIFF_MODE_FUNCTIONS), after
/// is_ad_type<Expr> so that sum/max/logsumexp of a vector build one n-ary node.
#define ADIFF_MODE_HEAD inline
#define ADIFF_MODE_TYPE Expr
ADIFF_MODE_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE
}  // namespace ad::sym
