// Per-thread hash-consed graphs and the simplifying node constructor.
//
// Storage: nodes live in fixed chunks of 4096 (they never move), their argument ids in a bump
// arena of uint32 blocks, texts (literals, symbols) in a deque; the hash-consing table is open
// addressing with linear probing over (node id, 32-bit hash) slots, at most half full. Nodes
// are created and freed in LIFO order (graph_scope), so every store is a stack.
#include "ad/symbolic/expr.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>

namespace ad::sym {

struct ExprAccess {
    static Expr make(std::uint32_t id, std::uint32_t graph) { return Expr(id, graph); }
};

namespace {

constexpr std::uint32_t chunk_bits = 12, chunk_nodes = 1u << chunk_bits;
constexpr std::uint32_t empty_slot = 0xffffffffu;
constexpr std::size_t block_ids = 1u << 16;

std::atomic<std::uint32_t> next_serial{1};
std::atomic<std::size_t> graphs_alive{0};

inline std::uint64_t mix(std::uint64_t h, std::uint64_t x) {
    h = (h ^ x) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 31);
}
inline std::uint32_t finish(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return static_cast<std::uint32_t>(h);
}
inline std::uint64_t hash_text(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

constexpr bool text_leaf(Op op) { return op == Op::literal || op == Op::pi || op == Op::e || op == Op::symbol; }

/// What identifies a node: op and, by kind, its value, its text, or its index and arguments.
struct Key {
    Op op = Op::constant;
    std::uint32_t index = 0;
    std::span<const std::uint32_t> args;
    Rational value;
    std::string_view text, subscript;
    bool leaf_total = true;  // a literal's totality (decided by literal())
};

std::uint32_t hash_key(const Key& k) {
    std::uint64_t h = mix(0x51ed27u, static_cast<std::uint64_t>(k.op));
    if (k.op == Op::constant) {
        h = mix(h, static_cast<std::uint64_t>(k.value.num));
        h = mix(h, static_cast<std::uint64_t>(k.value.den));
    } else if (text_leaf(k.op)) {
        h = mix(h, hash_text(k.text));
        h = mix(h, hash_text(k.subscript));
    } else {
        h = mix(h, k.index);
        for (std::uint32_t a : k.args) h = mix(h, a);
    }
    return finish(h);
}

Key key_of(const Node& n) {
    Key k;
    k.op = n.op;
    k.index = n.index;
    k.args = n.args;
    k.value = n.value;
    k.text = n.text();
    k.subscript = n.subscript();
    return k;
}

bool matches(const Node& n, const Key& k) {
    if (n.op != k.op) return false;
    if (k.op == Op::constant) return n.value == k.value;
    if (text_leaf(k.op)) return n.text() == k.text && n.subscript() == k.subscript;
    return n.index == k.index && n.args.size() == k.args.size() && std::equal(k.args.begin(), k.args.end(), n.args.begin());
}

/// Whether op(total arguments) is total: cannot give a non-finite value from finite inputs.
bool keeps_total(Op op) {
#define ADIFF_SYM_TOTAL(rule) case Op::rule: return rules::rule::about.total;
    switch (op) {
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol:  // leaves: decided when built
        case Op::sign: case Op::heaviside: case Op::max_n: case Op::max_weight:
            return true;
        case Op::sum: case Op::logsumexp: case Op::guard:
        case Op::call:  // a user rule: nothing known about its domain
            return false;
        ADIFF_SYM_TOTAL(neg)
        ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_TOTAL)
        ADIFF_BINARY_OPERATORS(ADIFF_SYM_TOTAL)
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_TOTAL)
    }
#undef ADIFF_SYM_TOTAL
    return false;
}

struct Slot {
    std::uint32_t id = empty_slot;
    std::uint32_t hash = 0;
};

struct Graph {
    std::uint32_t serial;
    std::uint32_t count = 0;
    std::vector<std::unique_ptr<Node[]>> chunks;
    struct Block {
        std::unique_ptr<std::uint32_t[]> data;
        std::size_t cap = 0, used = 0;
    };
    std::vector<Block> blocks;
    std::deque<std::string> texts;
    std::vector<Slot> table;
    std::vector<std::uint32_t> stamp;  // reachable(): visited marks by generation
    std::uint32_t generation = 0;

    Graph() : serial(next_serial.fetch_add(1, std::memory_order_relaxed)) {
        graphs_alive.fetch_add(1, std::memory_order_relaxed);
        table.assign(1u << 12, Slot{});
        Key k;
        k.value = {0, 1};
        find_or_add(k);  // id 0
        k.value = {1, 1};
        find_or_add(k);  // id 1
    }

    ~Graph() { graphs_alive.fetch_sub(1, std::memory_order_relaxed); }
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;

    Node& at(std::uint32_t id) { return chunks[id >> chunk_bits][id & (chunk_nodes - 1)]; }
    std::uint32_t mask() const { return static_cast<std::uint32_t>(table.size() - 1); }

    std::uint32_t* alloc_ids(std::size_t n) {
        if (blocks.empty() || blocks.back().cap - blocks.back().used < n) {
            const std::size_t cap = std::max(block_ids, n);
            blocks.push_back(Block{std::make_unique_for_overwrite<std::uint32_t[]>(cap), cap, 0});
        }
        Block& b = blocks.back();
        std::uint32_t* p = b.data.get() + b.used;
        b.used += n;
        return p;
    }

    void rehash(std::size_t size) {
        std::vector<Slot> t(size);
        const std::uint32_t m = static_cast<std::uint32_t>(size - 1);
        for (const Slot& s : table) {
            if (s.id == empty_slot) continue;
            std::uint32_t i = s.hash & m;
            while (t[i].id != empty_slot) i = (i + 1) & m;
            t[i] = s;
        }
        table.swap(t);
    }

    std::uint32_t find_or_add(const Key& k) {
        const std::uint32_t h = hash_key(k);
        std::uint32_t i = h & mask();
        for (; table[i].id != empty_slot; i = (i + 1) & mask())
            if (table[i].hash == h && matches(at(table[i].id), k)) return table[i].id;
        if (count == empty_slot - 1) throw error("symbolic graph: more than 4 billion nodes on one thread");
        const std::uint32_t id = count;
        if ((id >> chunk_bits) == chunks.size()) chunks.push_back(std::make_unique<Node[]>(chunk_nodes));
        Node& n = at(id);
        n = Node{};
        n.op = k.op;
        n.index = k.index;
        n.value = k.value;
        if (!k.args.empty()) {
            std::uint32_t* p = alloc_ids(k.args.size());
            std::copy(k.args.begin(), k.args.end(), p);
            n.args = std::span<const std::uint32_t>(p, k.args.size());
        }
        if (text_leaf(k.op)) {
            texts.emplace_back(std::string(k.text) + std::string(k.subscript));
            n.str = texts.back().data();
            n.text_size = static_cast<std::uint32_t>(k.text.size());
            n.subscript_size = static_cast<std::uint32_t>(k.subscript.size());
        }
        n.has_symbol = k.op == Op::symbol;
        n.total = k.op == Op::literal ? k.leaf_total : keeps_total(k.op);
        for (std::uint32_t a : k.args) {
            const Node& c = at(a);
            n.has_symbol = n.has_symbol || c.has_symbol;
            n.total = n.total && c.total;
        }
        ++count;
        if (std::size_t(count) * 2 > table.size()) {
            rehash(table.size() * 2);
            i = h & mask();
            while (table[i].id != empty_slot) i = (i + 1) & mask();
        }
        table[i] = Slot{id, h};
        return id;
    }

    void erase_slot(std::uint32_t id, std::uint32_t h) {
        const std::uint32_t m = mask();
        std::uint32_t i = h & m;
        while (table[i].id != id) i = (i + 1) & m;
        // backward-shift deletion: no tombstones
        for (std::uint32_t j = (i + 1) & m; table[j].id != empty_slot; j = (j + 1) & m) {
            const std::uint32_t home = table[j].hash & m;
            const bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!between) {
                table[i] = table[j];
                i = j;
            }
        }
        table[i] = Slot{};
    }

    /// Frees every node with id >= mark (children have smaller ids than parents, so what
    /// remains is closed), removing them from the table and popping their stores.
    void truncate(std::uint32_t mark) {
        for (std::uint32_t id = count; id-- > mark;) {
            Node& n = at(id);
            erase_slot(id, hash_key(key_of(n)));
            if (!n.args.empty()) {
                Block& b = blocks.back();
                b.used -= n.args.size();
                if (b.used == 0 && blocks.size() > 1) blocks.pop_back();
            }
            if (text_leaf(n.op)) texts.pop_back();
            n = Node{};
        }
        count = mark;
        // keep one spare chunk; free the rest
        const std::size_t keep = (std::size_t(count) + chunk_nodes - 1) / chunk_nodes + 1;
        if (chunks.size() > keep) chunks.resize(keep);
        if (table.size() > (1u << 16) && std::size_t(count) * 8 < table.size()) {
            std::size_t size = 1u << 12;
            while (size < std::size_t(count) * 4) size *= 2;
            rehash(size);
        }
        if (stamp.size() > 2 * std::size_t(count) + 4096) {
            stamp.resize(count);
            stamp.shrink_to_fit();
        }
        texts.shrink_to_fit();
    }

    std::size_t bytes() const {
        std::size_t b = sizeof(Graph) + chunks.size() * chunk_nodes * sizeof(Node) + table.size() * sizeof(Slot) + stamp.capacity() * 4;
        for (const Block& k : blocks) b += k.cap * sizeof(std::uint32_t);
        for (const std::string& s : texts) b += sizeof(std::string) + (s.capacity() > 15 ? s.capacity() : 0);
        return b;
    }
};

// The calling thread's graph: a trivially initialised pointer (fast to read) and an owner that
// frees it when the thread exits.
thread_local Graph* tl_graph = nullptr;
struct GraphOwner {
    bool armed = false;
    ~GraphOwner() {
        delete tl_graph;
        tl_graph = nullptr;
    }
};
thread_local GraphOwner tl_owner;

[[gnu::noinline]] Graph& create_graph() {
    tl_owner.armed = true;  // first use of the owner registers its destructor for this thread
    tl_graph = new Graph();
    return *tl_graph;
}
inline Graph& G() {
    Graph* g = tl_graph;
    return g ? *g : create_graph();
}

[[noreturn, gnu::noinline]] void bad_handle(const Expr& e, const Graph& g) {
    if (e.graph() != g.serial)
        throw graph_error("symbolic expression used on a thread other than the one that built it (graph " + std::to_string(e.graph()) +
                          ", this thread's graph " + std::to_string(g.serial) +
                          "): every thread has its own symbolic graph; build the expression on the thread that uses it");
    throw graph_error("symbolic expression used after the graph_scope it was built in ended (node " + std::to_string(e.id()) +
                      ", graph size " + std::to_string(g.count) + ")");
}
inline void check(const Expr& e, const Graph& g) {
    if (e.graph() != g.serial || e.id() >= g.count) [[unlikely]] bad_handle(e, g);
}

// Unchecked access for handles already checked or just built on this thread.
inline Expr E(std::uint32_t id) { return ExprAccess::make(id, G().serial); }
inline const Node& N(const Expr& e) { return G().at(e.id()); }
inline Op op_of_e(const Expr& e) { return N(e).op; }
inline Expr child(const Expr& e, std::size_t k) { return E(N(e).args[k]); }
inline bool total(const Expr& e) { return N(e).total; }

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
int sgn(Rational r) { return r.num > 0 ? 1 : (r.num < 0 ? -1 : 0); }
bool integral(Rational r) { return r.den == 1; }
/// |r| ≥ 1 / |r| ≤ 1.
bool at_least_one(Rational r) { return (r.num < 0 ? -i128(r.num) : i128(r.num)) >= r.den; }
bool at_most_one(Rational r) { return (r.num < 0 ? -i128(r.num) : i128(r.num)) <= r.den; }

Expr C(Rational r) {
    Key k;
    k.value = r;
    return E(G().find_or_add(k));
}
Expr C(std::optional<Rational> r) { return C(*r); }

bool is_c(const Expr& e) { return op_of_e(e) == Op::constant; }
Rational cv(const Expr& e) { return N(e).value; }
bool is_c(const Expr& e, std::int64_t v) { return is_c(e) && cv(e).den == 1 && cv(e).num == v; }

/// The node op(args) as given (no simplification).
Expr raw(Op op, std::span<const Expr> args, std::uint32_t index = 0) {
    std::uint32_t small[8];
    std::vector<std::uint32_t> big;
    std::uint32_t* ids = small;
    if (args.size() > 8) {
        big.resize(args.size());
        ids = big.data();
    }
    for (std::size_t k = 0; k < args.size(); ++k) ids[k] = args[k].id();
    Key k;
    k.op = op;
    k.index = index;
    k.args = std::span<const std::uint32_t>(ids, args.size());
    return E(G().find_or_add(k));
}
Expr raw(Op op, std::initializer_list<Expr> args) { return raw(op, std::span<const Expr>(args.begin(), args.size())); }

/// guard(v, conds…) with nested guards flattened and total or repeated conditions dropped.
Expr make_guard(Expr v, std::span<const Expr> conds) {
    std::vector<Expr> cs;
    auto add = [&](const Expr& c) {
        if (total(c) || c.same(v)) return;
        for (const Expr& d : cs)
            if (d.same(c)) return;
        cs.push_back(c);
    };
    if (op_of_e(v) == Op::guard) {
        const Expr g = v;
        v = child(g, 0);
        for (std::size_t k = 1; k < N(g).args.size(); ++k) add(child(g, k));
    }
    for (const Expr& c : conds) {
        if (op_of_e(c) == Op::guard) {
            for (std::size_t k = 0; k < N(c).args.size(); ++k) add(child(c, k));
        } else {
            add(c);
        }
    }
    if (cs.empty()) return v;
    cs.insert(cs.begin(), v);
    return raw(Op::guard, cs);
}
/// `simplified` where the rewrite is exact, else guarded by the unsimplified `original`.
Expr guarded(const Expr& simplified, const Expr& original) { return make_guard(simplified, std::span<const Expr>(&original, 1)); }

/// Base and constant exponent of x (x itself with exponent 1 if it is no constant power).
std::pair<Expr, Rational> as_power(const Expr& x) {
    if (op_of_e(x) == Op::pow && is_c(child(x, 1))) return {child(x, 0), cv(child(x, 1))};
    return {x, Rational{1, 1}};
}
/// x^a·x^b = x^(a+b) wherever either side is defined and finite: the exponents have the same
/// sign (no 0·inf at x = 0, no overflow hidden by a cancelling factor) and a non-integer
/// exponent keeps the sum non-integer (x ≥ 0 stays required).
bool power_merge_exact(Rational a, Rational b, Rational s) {
    return sgn(a) != 0 && sgn(a) == sgn(b) && ((integral(a) && integral(b)) || !integral(s));
}

Expr simplify(Op op, std::span<const Expr> args, std::uint32_t index);
Expr simplify_unary(Op op, const Expr& x);
Expr simplify_binary(Op op, Expr a, Expr b);

Expr neg(const Expr& x) { return simplify_unary(Op::neg, x); }

Expr simplify_unary(Op op, const Expr& x) {
    if (is_c(x)) {
        const Rational c = cv(x);
        if (op == Op::neg) return C(Rational{-c.num, c.den});
        if (op == Op::abs) return C(Rational{c.num < 0 ? -c.num : c.num, c.den});
        if (op == Op::sign) return Expr(c.num > 0 ? 1 : (c.num < 0 ? -1 : 0));
        if (op == Op::heaviside) return c.num > 0 ? Expr(1) : (c.num < 0 ? Expr(0) : C(Rational{1, 2}));
        if (c.num == 0) {
            if (op == Op::exp || op == Op::cos || op == Op::cosh) return Expr(1);
            if (op == Op::sqrt || op == Op::sin || op == Op::tan || op == Op::sinh || op == Op::tanh || op == Op::asin || op == Op::atan) return Expr(0);
            if (op == Op::sigmoid) return C(Rational{1, 2});
        }
        if (c == Rational{1, 1}) {
            if (op == Op::log) return Expr(0);
            if (op == Op::sqrt) return Expr(1);
        }
    }
    const Op xo = op_of_e(x);
    if (op == Op::neg) {  // exact everywhere (IEEE negation is exact)
        if (xo == Op::neg) return child(x, 0);
        if (xo == Op::sub) return simplify_binary(Op::sub, child(x, 1), child(x, 0));
        if (xo == Op::mul && is_c(child(x, 0))) return simplify_binary(Op::mul, C(Rational{-cv(child(x, 0)).num, cv(child(x, 0)).den}), child(x, 1));
    } else if (op == Op::exp && xo == Op::log) {
        // exp(log a) = a only for a > 0: exact for a positive constant, else guarded (log fails at a ≤ 0)
        const Expr a = child(x, 0);
        if (is_c(a) && cv(a).num > 0) return a;
        return guarded(a, raw(Op::exp, {x}));
    } else if (op == Op::log) {
        if (xo == Op::exp) {
            // log(exp a) = a where exp(a) neither overflows nor underflows to 0
            const Expr a = child(x, 0);
            if (is_c(a) && (cv(a).num < 0 ? -i128(cv(a).num) : i128(cv(a).num)) <= i128(cv(a).den) * 700) return a;
            return guarded(a, raw(Op::log, {x}));
        }
        if (xo == Op::e) return Expr(1);
    } else if (op == Op::abs) {  // abs(abs a), abs(exp a), abs(sqrt a) are a's node; abs(−a) = abs(a): exact
        if (xo == Op::abs || xo == Op::exp || xo == Op::sqrt) return x;
        if (xo == Op::neg) return simplify_unary(Op::abs, child(x, 0));
    } else if (op == Op::stop_gradient) {
        if (!N(x).has_symbol || xo == Op::stop_gradient) return x;  // constants have no gradient to stop
    }
    // sign/heaviside(exp a) are not rewritten to 1: exp underflows to 0 below −745 (sign 0).
    return raw(op, {x});
}

/// The exact rewrites of a binary function's node (pow, max, min, fmax, fmin; none for the others).
Expr simplify_function(Op op, Expr a, Expr b) {
    const bool ca = is_c(a), cb = is_c(b);
    if (op == Op::pow) {
        if (ca && cb) if (auto r = rpow(cv(a), cv(b))) return C(r);
        if (is_c(b, 0)) return total(a) ? Expr(1) : guarded(Expr(1), raw(Op::pow, {a, b}));  // x^0 = 1 even for NaN x: a is still evaluated
        if (is_c(b, 1)) return a;
        if (is_c(a, 1)) return total(b) ? Expr(1) : guarded(Expr(1), raw(Op::pow, {a, b}));
        if (is_c(a, 0) && cb && cv(b).num > 0) return Expr(0);
        if (op_of_e(a) == Op::e) return simplify_unary(Op::exp, b);
        if (cb && cv(b).den == 1 && op_of_e(a) == Op::pow && is_c(child(a, 1)))
            if (auto r = rmul(cv(child(a, 1)), cv(b))) {
                // (x^a)^n = x^(an) for n > 0 when a is integral or an is not; else guarded
                const Expr merged = simplify_binary(Op::pow, child(a, 0), C(r));
                if (cv(b).num > 0 && (integral(cv(child(a, 1))) || !integral(*r))) return merged;
                return guarded(merged, raw(Op::pow, {a, b}));
            }
    } else if (op == Op::max || op == Op::fmax) {  // rational constants are never NaN: fmax is max there
        if (ca && cb) return cmp(cv(a), cv(b)) >= 0 ? a : b;
        if (a.same(b)) return a;
    } else if (op == Op::min || op == Op::fmin) {
        if (ca && cb) return cmp(cv(a), cv(b)) <= 0 ? a : b;
        if (a.same(b)) return a;
    }  // the others (hypot, atan2, fmod, polygamma, …) have no exact rewrite: their values are not rational
    return raw(op, {a, b});
}

Expr simplify_binary(Op op, Expr a, Expr b) {
    const bool ca = is_c(a), cb = is_c(b);
    switch (op) {
        case Op::add:  // every rewrite here is exact everywhere
            if (ca && cb) if (auto r = radd(cv(a), cv(b))) return C(r);
            if (is_c(a, 0)) return b;
            if (is_c(b, 0)) return a;
            if (op_of_e(b) == Op::neg) return simplify_binary(Op::sub, a, child(b, 0));
            if (op_of_e(a) == Op::neg) return simplify_binary(Op::sub, b, child(a, 0));
            if (cb && cv(b).num < 0) return simplify_binary(Op::sub, a, C(Rational{-cv(b).num, cv(b).den}));
            if (a.same(b)) return simplify_binary(Op::mul, Expr(2), a);  // a + a = 2a exactly, overflow included
            if (cb || (!ca && b.id() < a.id())) std::swap(a, b);         // canonical: constant first, then by id
            break;
        case Op::sub:
            if (ca && cb) if (auto r = rsub(cv(a), cv(b))) return C(r);
            if (is_c(b, 0)) return a;
            if (is_c(a, 0)) return neg(b);
            if (a.same(b)) return total(a) ? Expr(0) : guarded(Expr(0), raw(Op::sub, {a, b}));  // inf − inf is NaN
            if (op_of_e(b) == Op::neg) return simplify_binary(Op::add, a, child(b, 0));
            if (op_of_e(a) == Op::add && child(a, 0).same(b)) return guarded(child(a, 1), raw(Op::sub, {a, b}));  // (b + x) − b: b + x may overflow
            if (op_of_e(a) == Op::add && child(a, 1).same(b)) return guarded(child(a, 0), raw(Op::sub, {a, b}));  // (x + b) − b
            break;
        case Op::mul: {
            if (ca && cb) if (auto r = rmul(cv(a), cv(b))) return C(r);
            if (is_c(a, 0) || is_c(b, 0)) {  // x·0 = 0 only for finite x
                const Expr other = is_c(a, 0) ? b : a;
                return total(other) ? Expr(0) : guarded(Expr(0), raw(Op::mul, {a, b}));
            }
            if (is_c(a, 1)) return b;
            if (is_c(b, 1)) return a;
            if (is_c(a, -1)) return neg(b);
            if (is_c(b, -1)) return neg(a);
            if (op_of_e(a) == Op::neg && op_of_e(b) == Op::neg) return simplify_binary(Op::mul, child(a, 0), child(b, 0));
            // a·(1/b) is not rewritten to a/b: 1/b overflows for subnormal b where a/b may not
            if (cb) std::swap(a, b);  // a constant factor goes first
            if (is_c(a) && op_of_e(b) == Op::mul && is_c(child(b, 0)))
                if (auto r = rmul(cv(a), cv(child(b, 0)))) {
                    // c₁·(c₂·x) = (c₁c₂)·x unless c₂·x can overflow where (c₁c₂)·x does not (|c₁| < 1 < |c₂|)
                    const Expr folded = simplify_binary(Op::mul, C(r), child(b, 1));
                    if (at_least_one(cv(a)) || at_most_one(cv(child(b, 0)))) return folded;
                    return guarded(folded, raw(Op::mul, {a, b}));
                }
            if (!is_c(a)) {
                const auto [ba, ea] = as_power(a);
                const auto [bb, eb] = as_power(b);
                if (ba.same(bb))
                    if (auto r = radd(ea, eb)) {
                        const Expr merged = simplify_binary(Op::pow, ba, C(r));
                        if (power_merge_exact(ea, eb, *r)) return merged;
                        return guarded(merged, raw(Op::mul, {a, b}));  // x^½·x^½ at x < 0, x²·x⁻¹ at 0
                    }
                if (b.id() < a.id()) std::swap(a, b);
            }
            break;
        }
        case Op::div: {
            if (ca && cb) if (auto r = rdiv(cv(a), cv(b))) return C(r);
            if (is_c(b, 1)) return a;
            if (is_c(b, -1)) return neg(a);
            if (ca || cb) {
                if (is_c(a, 0) && !cb) return guarded(Expr(0), raw(Op::div, {a, b}));  // 0/b = 0 only for finite b ≠ 0
                break;  // 0/0, c/0 and c/x stay as they are
            }
            if (a.same(b)) return guarded(Expr(1), raw(Op::div, {a, b}));  // a/a = 1 only for finite a ≠ 0
            if (op_of_e(a) == Op::neg && op_of_e(b) == Op::neg) return simplify_binary(Op::div, child(a, 0), child(b, 0));
            const auto [ba, ea] = as_power(a);
            const auto [bb, eb] = as_power(b);
            if (ba.same(bb))
                if (auto r = rsub(ea, eb))  // never exact: x^a/x^b is 0/0 or inf/inf (or overflows) where x^(a−b) is not
                    return guarded(simplify_binary(Op::pow, ba, C(r)), raw(Op::div, {a, b}));
            break;
        }
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_CASE)  // the binary functions (their own rewrites, if any)
            return simplify_function(op, a, b);
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::sign: case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: case Op::guard: ADIFF_SYM_UNARY_RULE_CASES
            throw error(std::string("sym: '") + std::string(op_name(op)) + "' is not a binary op");
    }
    return raw(op, {a, b});
}

Expr simplify(Op op, std::span<const Expr> args, std::uint32_t index) {
    switch (op) {
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol:
            throw error("sym::make: leaves are built by number/literal/symbol, not make");
        case Op::guard:
            if (args.empty()) throw size_error("sym::make(guard)", 1, 0);
            return make_guard(args[0], args.subspan(1));
        case Op::sign: case Op::heaviside: case Op::sum: case Op::max_n: case Op::max_weight: case Op::logsumexp: case Op::call: ADIFF_SYM_UNARY_RULE_CASES ADIFF_SYM_BINARY_RULE_CASES
            break;
    }
    // A guard among the operands moves outward: op(guard(s, c), b) = guard(op(s, b), c)
    // exactly, and the rewrites below see s.
    bool any_guard = false;
    for (const Expr& a : args) any_guard = any_guard || op_of_e(a) == Op::guard;
    if (any_guard) {
        std::vector<Expr> values, conds;
        for (const Expr& a : args) {
            if (op_of_e(a) != Op::guard) {
                values.push_back(a);
                continue;
            }
            values.push_back(child(a, 0));
            for (std::size_t k = 1; k < N(a).args.size(); ++k) conds.push_back(child(a, k));
        }
        return make_guard(simplify(op, values, index), conds);
    }
    switch (op) {
        ADIFF_SYM_BINARY_RULE_CASES
            if (args.size() != 2) throw size_error(std::string("sym::make(") + std::string(op_name(op)) + ")", 2, args.size());
            return simplify_binary(op, args[0], args[1]);
        case Op::sign: case Op::heaviside: ADIFF_SYM_UNARY_RULE_CASES
            if (args.size() != 1) throw size_error(std::string("sym::make(") + std::string(op_name(op)) + ")", 1, args.size());
            return simplify_unary(op, args[0]);
        case Op::sum: {  // constants folded exactly (rationals)
            std::vector<Expr> kept;
            Rational c{0, 1};
            for (const Expr& a : args) {
                if (is_c(a))
                    if (auto r = radd(c, cv(a))) {
                        c = *r;
                        continue;
                    }
                kept.push_back(a);
            }
            if (c.num != 0) kept.insert(kept.begin(), C(c));
            if (kept.empty()) return Expr(0);
            if (kept.size() == 1) return kept[0];
            if (kept.size() == 2) return simplify_binary(Op::add, kept[0], kept[1]);
            return raw(Op::sum, kept);
        }
        case Op::max_n: {
            if (args.empty()) throw size_error("max of an empty range", 1, 0);
            if (args.size() == 1) return args[0];
            bool all_c = true;
            for (const Expr& a : args) all_c = all_c && is_c(a);
            if (all_c) {
                Expr best = args[0];
                for (const Expr& a : args)
                    if (cmp(cv(a), cv(best)) > 0) best = a;
                return best;
            }
            return raw(Op::max_n, args);
        }
        case Op::logsumexp:
            if (args.empty()) throw size_error("logsumexp of an empty range", 1, 0);
            if (args.size() == 1) return args[0];  // the rule gives x + log1p(0) = x
            return raw(Op::logsumexp, args);
        case Op::max_weight:
            if (index >= args.size()) throw size_error("sym::max_weight index", args.size(), index);
            if (args.size() == 1) return total(args[0]) ? Expr(1) : guarded(Expr(1), raw(Op::max_weight, args, index));  // NaN for NaN
            return raw(Op::max_weight, args, index);
        case Op::call:  // a user rule: opaque (user_call checked its arity)
            return raw(Op::call, args, index);
        case Op::constant: case Op::literal: case Op::pi: case Op::e: case Op::symbol: case Op::guard:
            break;  // handled above
    }
    throw error("sym::make: unreachable op");
}

/// Whether a decimal literal's magnitude is below 1e300 (finite at every precision).
bool literal_total(std::string_view t) {
    std::size_t i = 0;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    long int_digits = 0, lead_zeros = 0;
    bool nonzero = false, frac = false, digit = false;
    for (; i < t.size(); ++i) {
        const char c = t[i];
        if (c == '.') {
            if (frac) return false;
            frac = true;
            continue;
        }
        if (c == 'e' || c == 'E') break;
        if (c < '0' || c > '9') return false;
        digit = true;
        if (!frac) {
            if (nonzero || c != '0') nonzero = true, ++int_digits;
        } else if (!nonzero) {
            if (c == '0') ++lead_zeros;
            else nonzero = true;
        }
    }
    if (!digit) return false;
    long ex = 0;
    if (i < t.size()) {
        ++i;
        bool minus = false;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) minus = t[i++] == '-';
        if (i == t.size()) return false;
        for (; i < t.size(); ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            if (ex < 100000000) ex = ex * 10 + (t[i] - '0');
        }
        if (minus) ex = -ex;
    }
    if (!nonzero) return true;
    const long mag = (int_digits > 0 ? int_digits - 1 : -(lead_zeros + 1)) + ex;
    return mag < 300;
}

}  // namespace

std::string_view op_name(Op op) {
#define ADIFF_SYM_NAME(rule) case Op::rule: return rules::rule::name;
    switch (op) {
        case Op::constant: return "constant";
        case Op::literal: return "literal";
        case Op::pi: return "pi";
        case Op::e: return "e";
        case Op::symbol: return "symbol";
        case Op::sign: return "sign";
        case Op::heaviside: return "heaviside";
        case Op::sum: return "sum";
        case Op::max_n: return "max";
        case Op::max_weight: return "max_weight";
        case Op::logsumexp: return "logsumexp";
        case Op::guard: return "guard";
        case Op::call: return "call";  // a user rule: node_name gives its own name
        ADIFF_SYM_NAME(neg)
        ADIFF_UNARY_FUNCTIONS(ADIFF_SYM_NAME)
        ADIFF_BINARY_OPERATORS(ADIFF_SYM_NAME)
        ADIFF_BINARY_FUNCTIONS(ADIFF_SYM_NAME)
    }
#undef ADIFF_SYM_NAME
    return "?";
}

std::uint32_t call_rule(const Node& call) { return call.index >> user_output_bits; }
std::size_t call_output(const Node& call) { return call.index & ((std::uint32_t{1} << user_output_bits) - 1); }

std::string_view node_name(const Node& n) {
    if (n.op != Op::call) return op_name(n.op);
    return user_rule(call_rule(n)).name;  // a static string of the rule type
}

Expr user_call(std::uint32_t rule, std::span<const Expr> args, std::size_t output) {
    const UserRule r = user_rule(rule);
    if (r.arity != 0 && args.size() != r.arity)
        throw size_error("sym: arguments of the user rule '" + std::string(r.name) + "'", r.arity, args.size());
    const std::size_t outputs = std::size_t{1} << user_output_bits;
    if (output >= outputs) throw size_error("sym: outputs of a user rule call", outputs, output + 1);
    return make(Op::call, args, (rule << user_output_bits) | static_cast<std::uint32_t>(output));
}

Expr::Expr() : id_(0), graph_(G().serial) {}  // id 0 is the constant 0 in every graph
Expr::Expr(int n) : Expr(static_cast<long long>(n)) {}
Expr::Expr(long n) : Expr(static_cast<long long>(n)) {}
Expr::Expr(long long n) {
    const Expr c = C(Rational{static_cast<std::int64_t>(n), 1});
    id_ = c.id_;
    graph_ = c.graph_;
}
Expr::Expr(double x) {
    if (std::isfinite(x)) {
        int ex = 0;
        const double m = std::frexp(x, &ex);  // x = m·2^ex, 0.5 ≤ |m| < 1
        const auto mant = static_cast<std::int64_t>(std::ldexp(m, 53));
        const int shift = ex - 53;
        std::optional<Rational> r;
        if (shift >= 0 && shift < 10) r = normalize(i128(mant) << shift, 1);
        else if (shift < 0 && shift > -62) r = normalize(mant, i128(1) << -shift);
        if (r) {
            *this = C(*r);
            return;
        }
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    *this = literal(buf);
}

Expr Expr::from_id(std::uint32_t id) { return ExprAccess::make(id, G().serial); }

const Node& Expr::node() const {
    Graph& g = G();
    check(*this, g);
    return g.at(id_);
}

std::size_t graph_size() { return G().count; }
std::size_t graph_bytes() { return G().bytes(); }
std::size_t live_graphs() { return graphs_alive.load(std::memory_order_relaxed); }

graph_scope::graph_scope() : mark_(G().count) {}
graph_scope::~graph_scope() {
    Graph& g = G();
    if (g.count > mark_) g.truncate(static_cast<std::uint32_t>(mark_));
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
    Key k;
    k.op = Op::literal;
    k.text = text;
    k.leaf_total = literal_total(text);
    return E(G().find_or_add(k));
}

Expr pi_constant() {
    Key k;
    k.op = Op::pi;
    k.text = "pi";
    return E(G().find_or_add(k));
}
Expr e_constant() {
    Key k;
    k.op = Op::e;
    k.text = "e";
    return E(G().find_or_add(k));
}
Expr symbol(const std::string& name, const std::string& subscript, std::uint32_t flat) {
    Key k;
    k.op = Op::symbol;
    k.text = name;
    k.subscript = subscript;
    k.index = flat;
    return E(G().find_or_add(k));
}

Expr make(Op op, std::span<const Expr> args, std::uint32_t index) {
    const Graph& g = G();
    for (const Expr& a : args) check(a, g);
    return simplify(op, args, index);
}

Expr make_raw(Op op, std::span<const Expr> args, std::uint32_t index) {
    const Graph& g = G();
    for (const Expr& a : args) check(a, g);
    if (text_leaf(op) || op == Op::constant) throw error("sym::make_raw: leaves are built by number/literal/symbol");
    return raw(op, args, index);
}

Expr guard(const Expr& value, std::span<const Expr> conditions) {
    const Graph& g = G();
    check(value, g);
    for (const Expr& c : conditions) check(c, g);
    return make_guard(value, conditions);
}

Expr sign(const Expr& x) { return make(Op::sign, x); }
Expr heaviside(const Expr& x) { return make(Op::heaviside, x); }
Expr max_weight(std::span<const Expr> xs, std::size_t i) { return make(Op::max_weight, xs, static_cast<std::uint32_t>(i)); }

std::vector<std::uint32_t> reachable(std::span<const Expr> roots) {
    Graph& g = G();
    for (const Expr& r : roots) check(r, g);
    if (g.stamp.size() < g.count) g.stamp.resize(g.count, 0);
    if (++g.generation == 0) {
        std::fill(g.stamp.begin(), g.stamp.end(), 0);
        g.generation = 1;
    }
    const std::uint32_t gen = g.generation;
    std::vector<std::uint32_t> stack, out;
    for (const Expr& r : roots)
        if (g.stamp[r.id()] != gen) g.stamp[r.id()] = gen, stack.push_back(r.id());
    while (!stack.empty()) {
        const std::uint32_t k = stack.back();
        stack.pop_back();
        out.push_back(k);
        for (std::uint32_t c : g.at(k).args)
            if (g.stamp[c] != gen) g.stamp[c] = gen, stack.push_back(c);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t operation_count(std::span<const Expr> roots) {
    std::size_t n = 0;
    Graph& g = G();
    for (std::uint32_t k : reachable(roots)) {
        const Node& nd = g.at(k);
        if (nd.args.empty() || nd.op == Op::guard) continue;
        n += (nd.op == Op::sum || nd.op == Op::max_n) ? nd.args.size() - 1 : 1;
    }
    return n;
}

std::optional<Rational> constant_value(const Expr& e) {
    const Node& n = e.node();
    if (n.op == Op::constant) return n.value;
    return std::nullopt;
}

}  // namespace ad::sym
