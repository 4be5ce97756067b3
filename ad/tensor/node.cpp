// Building tensor-expression nodes with their simplifications (see node.hpp).
#include "ad/tensor/node.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "ad/errors.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

std::vector<std::string>& dims() {
    static std::vector<std::string> d;
    return d;
}

std::string token(int i) { return "#" + std::to_string(i) + ";"; }

std::string number_text(double c) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", c);
    return buf;
}

/// `key` with the tokens of `bound` replaced by "$h.n;" in order of first appearance.
std::string relabel(std::string key, const Indices& bound, std::size_t h) {
    std::vector<std::pair<std::size_t, int>> first;
    for (int b : bound) {
        const auto p = key.find(token(b));
        if (p != std::string::npos) first.emplace_back(p, b);
    }
    std::sort(first.begin(), first.end());
    for (std::size_t n = 0; n < first.size(); ++n) {
        const std::string from = token(first[n].second);
        const std::string to = "$" + std::to_string(h) + "." + std::to_string(n) + ";";
        for (auto p = key.find(from); p != std::string::npos; p = key.find(from, p + to.size())) key.replace(p, from.size(), to);
    }
    return key;
}

/// `key` with the tokens of `bound` masked (for an order of factors independent of index ids).
std::string mask(std::string key, const Indices& bound) {
    for (int b : bound) {
        const std::string from = token(b);
        for (auto p = key.find(from); p != std::string::npos; p = key.find(from, p + 3)) key.replace(p, from.size(), "$?;");
    }
    return key;
}

std::shared_ptr<Node> make_node(Kind k) {
    auto n = std::make_shared<Node>();
    n->kind = k;
    return n;
}

std::size_t height_of(const std::vector<Ptr>& args) {
    std::size_t h = 0;
    for (const auto& a : args) h = std::max(h, a->height);
    return h + 1;
}

}  // namespace

int fresh_index(const std::string& dim) {
    dims().push_back(dim);
    return static_cast<int>(dims().size() - 1);
}

const std::string& index_dim(int i) { return dims().at(static_cast<std::size_t>(i)); }

Indices unite(const Indices& a, const Indices& b) {
    Indices r;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r));
    return r;
}
Indices minus(const Indices& a, const Indices& b) {
    Indices r;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(r));
    return r;
}
bool contains(const Indices& a, int i) { return std::binary_search(a.begin(), a.end(), i); }

Ptr constant(double c) {
    auto n = make_node(Kind::constant);
    n->value = c == 0 ? 0.0 : c;
    n->key = "C" + number_text(n->value);
    return n;
}

Ptr var(const std::string& name, const std::vector<int>& idx) {
    auto n = make_node(Kind::var);
    n->name = name;
    n->idx = idx;
    n->free = idx;
    std::sort(n->free.begin(), n->free.end());
    n->key = "V" + name + "[";
    for (int i : idx) n->key += token(i);
    n->key += "]";
    return n;
}

Ptr delta(int a, int b) {
    if (a == b) return constant(1);
    if (index_dim(a) != index_dim(b)) throw ad::error("internal: delta of indices of sizes " + index_dim(a) + " and " + index_dim(b));
    auto n = make_node(Kind::delta);
    n->idx = {std::min(a, b), std::max(a, b)};
    n->free = n->idx;
    n->key = "D[" + token(n->idx[0]) + token(n->idx[1]) + "]";
    return n;
}

Ptr unary(const sym::Expr& f, const Ptr& a) {
    if (!f.has_symbol()) return constant(scalar::evaluate(f, 0.0));
    if (f.same(scalar::placeholder())) return a;
    if (a->kind == Kind::constant) return constant(scalar::evaluate(f, a->value));
    // log Σ_i exp(A) is the stable reduction logsumexp
    if (f.same(scalar::function("log")) && a->kind == Kind::product && a->args.size() == 1) {
        const Ptr& e = a->args[0];
        const Indices bound = minus(e->free, a->free);
        if (e->kind == Kind::unary && e->fn.same(scalar::function("exp")) && bound.size() == 1) return lse(e->args[0], bound[0]);
    }
    auto n = make_node(Kind::unary);
    n->fn = f;
    n->args = {a};
    n->free = a->free;
    n->height = a->height + 1;
    n->key = "U" + std::to_string(f.id()) + "(" + a->key + ")";
    return n;
}

std::pair<double, Ptr> split_coefficient(const Ptr& a) {
    if (a->kind == Kind::constant) return {a->value, constant(1)};
    if (a->kind != Kind::product || a->args.empty() || a->args[0]->kind != Kind::constant) return {1.0, a};
    std::vector<Ptr> rest(a->args.begin() + 1, a->args.end());
    return {a->args[0]->value, product(rest, a->free)};
}

Ptr add(std::vector<Ptr> terms) {
    std::vector<Ptr> flat;
    for (const auto& t : terms) {
        if (t->kind == Kind::add) flat.insert(flat.end(), t->args.begin(), t->args.end());
        else flat.push_back(t);
    }
    if (flat.size() > max_terms) throw ad::error("tensor expression: more than " + std::to_string(max_terms) + " terms (the limit on work)");
    double c0 = 0;
    std::vector<std::string> order;
    std::map<std::string, std::pair<double, Ptr>> like;
    for (const auto& t : flat) {
        auto [c, rest] = split_coefficient(t);
        if (rest->kind == Kind::constant) { c0 += c * rest->value; continue; }
        auto it = like.find(rest->key);
        if (it == like.end()) { like.emplace(rest->key, std::pair{c, rest}); order.push_back(rest->key); }
        else it->second.first += c;
    }
    std::vector<Ptr> out;
    if (c0 != 0) out.push_back(constant(c0));
    for (const auto& k : order) {
        const auto& [c, rest] = like.at(k);
        if (c != 0) out.push_back(scale(c, rest));
    }
    if (out.empty()) return constant(0);
    if (out.size() == 1) return out[0];
    std::sort(out.begin(), out.end(), [](const Ptr& x, const Ptr& y) { return x->key < y->key; });
    auto n = make_node(Kind::add);
    n->key = "A(";
    for (const auto& t : out) {
        n->free = unite(n->free, t->free);
        n->key += t->key + "|";
    }
    n->key += ")";
    n->height = height_of(out);
    n->args = std::move(out);
    return n;
}

Ptr add(const Ptr& a, const Ptr& b) { return add(std::vector<Ptr>{a, b}); }
Ptr sub(const Ptr& a, const Ptr& b) { return add(std::vector<Ptr>{a, neg(b)}); }
Ptr neg(const Ptr& a) { return scale(-1, a); }
Ptr scale(double c, const Ptr& a) {
    if (c == 1) return a;
    if (a->kind == Kind::constant) return constant(c * a->value);
    return product({constant(c), a}, a->free);
}

namespace {
/// A product node's height and its key (factors in order, bound indices relabelled).
Ptr finish_product(std::shared_ptr<Node> n, const Indices& bound) {
    n->height = height_of(n->args);
    std::string key = "P(";
    for (const auto& f : n->args) key += f->key + "*";
    key += ")";
    n->key = relabel(key, bound, n->height);
    return n;
}
}  // namespace

Ptr product(std::vector<Ptr> factors, Indices out) {
    // flatten nested products (their summed indices renamed to fresh ones) and fold constants
    double coef = 1;
    std::vector<Ptr> fs;
    for (const auto& f : factors) {
        if (f->kind == Kind::constant) { coef *= f->value; continue; }
        if (f->kind != Kind::product) { fs.push_back(f); continue; }
        Indices all;
        for (const auto& g : f->args) all = unite(all, g->free);
        const Indices bound = minus(all, f->free);
        std::vector<int> fresh;
        for (int b : bound) fresh.push_back(fresh_index(index_dim(b)));
        for (const auto& g : f->args) {
            const Ptr h = rename(g, bound, fresh);
            if (h->kind == Kind::constant) coef *= h->value;
            else fs.push_back(h);
        }
    }
    if (coef == 0) return constant(0);
    // distribute over a sum
    for (std::size_t k = 0; k < fs.size(); ++k)
        if (fs[k]->kind == Kind::add) {
            std::vector<Ptr> terms;
            for (const auto& t : fs[k]->args) {
                std::vector<Ptr> g = fs;
                g[k] = t;
                g.push_back(constant(coef));
                terms.push_back(product(g, out));
            }
            return add(terms);
        }
    // Kronecker deltas over a summed index: rename the index, drop the delta
    for (std::size_t k = 0; k < fs.size(); ++k) {
        if (fs[k]->kind != Kind::delta) continue;
        const int a = fs[k]->idx[0], b = fs[k]->idx[1];
        int from = -1, to = -1;
        if (!contains(out, a)) from = a, to = b;
        else if (!contains(out, b)) from = b, to = a;
        if (from < 0) continue;
        std::vector<Ptr> g{constant(coef)};
        for (std::size_t m = 0; m < fs.size(); ++m)
            if (m != k) g.push_back(rename(fs[m], {from}, {to}));
        bool used = false;  // Σ_a δ(a, b) = 1 only if b is still an index of something
        for (const auto& h : g) used = used || contains(h->free, to);
        if (!used && !contains(out, to)) continue;  // Σ_a Σ_b δ(a, b) = n: kept as it is
        return product(g, out);
    }
    Indices all;
    for (const auto& f : fs) all = unite(all, f->free);
    Indices keep;
    std::set_intersection(out.begin(), out.end(), all.begin(), all.end(), std::back_inserter(keep));
    if (fs.empty()) return constant(coef);
    if (fs.size() == 1 && coef == 1 && keep == fs[0]->free) return fs[0];
    const Indices bound = minus(all, keep);
    std::vector<std::pair<std::string, Ptr>> sorted;
    for (const auto& f : fs) sorted.emplace_back(mask(f->key, bound), f);
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    auto n = make_node(Kind::product);
    if (coef != 1) n->args.push_back(constant(coef));
    for (auto& [k, f] : sorted) n->args.push_back(f);
    n->free = keep;
    return finish_product(n, bound);
}

Ptr product_as_is(std::vector<Ptr> factors, Indices out) {
    Indices all;
    for (const auto& f : factors) all = unite(all, f->free);
    const Indices bound = minus(all, out);
    auto n = make_node(Kind::product);
    n->args = std::move(factors);
    n->free = minus(all, bound);
    return finish_product(n, bound);
}

Ptr lse(const Ptr& a, int i) {
    auto n = make_node(Kind::lse);
    n->args = {a};
    n->idx = {i};
    n->free = minus(a->free, {i});
    n->height = a->height + 1;
    n->key = relabel("L(" + a->key + ")", {i}, n->height);
    return n;
}

Ptr rename(const Ptr& a, const std::vector<int>& from, const std::vector<int>& to) {
    std::vector<int> f2, t2;
    for (std::size_t k = 0; k < from.size(); ++k)
        if (contains(a->free, from[k])) f2.push_back(from[k]), t2.push_back(to[k]);
    if (f2.empty()) return a;
    auto map = [&](int i) {
        for (std::size_t k = 0; k < f2.size(); ++k) if (f2[k] == i) return t2[k];
        return i;
    };
    switch (a->kind) {
        case Kind::constant: return a;
        case Kind::var: {
            std::vector<int> idx;
            for (int i : a->idx) idx.push_back(map(i));
            return var(a->name, idx);
        }
        case Kind::delta: return delta(map(a->idx[0]), map(a->idx[1]));
        case Kind::unary: return unary(a->fn, rename(a->args[0], f2, t2));
        case Kind::add: {
            std::vector<Ptr> ts;
            for (const auto& t : a->args) ts.push_back(rename(t, f2, t2));
            return add(ts);
        }
        case Kind::product: {
            // a summed index that is also a target is renamed first (no capture)
            Indices all;
            for (const auto& f : a->args) all = unite(all, f->free);
            std::vector<int> captured, fresh;
            for (int b : minus(all, a->free))
                if (std::find(t2.begin(), t2.end(), b) != t2.end()) captured.push_back(b), fresh.push_back(fresh_index(index_dim(b)));
            std::vector<Ptr> fs;
            for (const auto& f : a->args) fs.push_back(rename(rename(f, captured, fresh), f2, t2));
            Indices out;
            for (int i : a->free) out.push_back(map(i));
            std::sort(out.begin(), out.end());
            return product(fs, out);
        }
        case Kind::lse: {
            int r = a->idx[0];
            Ptr arg = a->args[0];
            if (std::find(t2.begin(), t2.end(), r) != t2.end()) {  // no capture by the reduced index
                const int r2 = fresh_index(index_dim(r));
                arg = rename(arg, {r}, {r2});
                r = r2;
            }
            return lse(rename(arg, f2, t2), r);
        }
    }
    return a;
}

std::vector<int> natural_order(const Ptr& a) {
    std::vector<std::pair<std::size_t, int>> first;
    for (int i : a->free) first.emplace_back(a->key.find(token(i)), i);
    std::sort(first.begin(), first.end());
    std::vector<int> r;
    for (auto& [p, i] : first) r.push_back(i);
    return r;
}

std::string pattern_key(const Ptr& a) {
    std::string key = a->key;
    const auto order = natural_order(a);
    for (std::size_t n = 0; n < order.size(); ++n) {
        const std::string from = token(order[n]), to = "@" + std::to_string(n) + ";";
        for (auto p = key.find(from); p != std::string::npos; p = key.find(from, p + to.size())) key.replace(p, from.size(), to);
    }
    return key;
}

}  // namespace ad::tensor
