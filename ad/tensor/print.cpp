// Matrix and index notation of tensor expressions (see print.hpp).
#include "ad/tensor/print.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

#include "ad/tensor/factor.hpp"
#include "ad/tensor/latex.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

/// Precedence of printed text: 0 a sum, 1 a product (* / @, unary minus), 3 an atom or a call.
struct Text {
    std::string s;
    std::vector<int> order;  // the axes of the text's array, in order
    int prec = 3;
    Ptr src = nullptr;  // a sum, printed again in another axis order rather than transposed
};

std::string number(double c) {
    char buf[40];
    if (c == std::floor(c) && std::abs(c) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", c);
    else std::snprintf(buf, sizeof buf, "%.17g", c);
    return buf;
}

std::string wrap(const Text& t, int prec) { return t.prec < prec ? "(" + t.s + ")" : t.s; }

using Maybe = std::optional<Text>;

/// The text with axes in `axes` order (a matrix may be transposed), or nullopt.
Maybe orient(Maybe t, const std::vector<int>& axes) {
    if (!t) return t;
    if (t->order == axes) return t;
    if (t->order.size() == 2 && axes.size() == 2 && t->order[0] == axes[1] && t->order[1] == axes[0])
        return Text{"transpose(" + t->s + ")", axes, 3};
    return std::nullopt;
}

/// A − logsumexp(A) with the same A (up to renaming its indices), the logsumexp reducing A's
/// last axis: log_softmax(A) of a vector A, or of a matrix A row by row (and its exp the
/// softmax). Returns A's axes (the row first) and sets a_out to A.
std::optional<std::vector<int>> softmax_axes(const Ptr& sum_node, Ptr& a_out) {
    if (sum_node->kind != Kind::add || sum_node->args.size() != 2) return std::nullopt;
    for (int k = 0; k < 2; ++k) {
        const Ptr& a = sum_node->args[static_cast<std::size_t>(k)];
        auto [c, l] = split_coefficient(sum_node->args[static_cast<std::size_t>(1 - k)]);
        if (c != -1 || l->kind != Kind::lse || pattern_key(a) != pattern_key(l->args[0])) continue;
        const std::vector<int> na = natural_order(a), nl = natural_order(l->args[0]);
        if (na.empty() || na.size() > 2 || na.size() != nl.size() || nl.back() != l->idx[0]) continue;
        if (na.size() == 2 && na[0] != nl[0]) continue;  // the same row on both sides
        a_out = a;
        return na;
    }
    return std::nullopt;
}

/// A vector's softmax / log_softmax (the matrix printer's case of softmax_axes).
bool lse_pair(const Ptr& sum_node, Ptr& a_out) {
    Ptr a;
    const auto axes = softmax_axes(sum_node, a);
    if (!axes || axes->size() != 1) return false;
    a_out = a;
    return true;
}

struct Printer {
    std::map<std::string, std::string> names;  // pattern key → temporary

    Maybe named(const Ptr& n) {
        const auto it = names.find(pattern_key(n));
        if (it == names.end()) return std::nullopt;
        return Text{it->second, natural_order(n), 3};
    }

    Maybe any(const Ptr& n) {
        if (auto t = named(n)) return t;
        switch (n->kind) {
            case Kind::constant: return Text{number(n->value), {}, n->value < 0 ? 1 : 3};
            case Kind::var: return Text{n->name, n->idx, 3};
            case Kind::delta: return std::nullopt;
            case Kind::unary: return unary_text(n);
            case Kind::lse:
                if (n->args[0]->free.size() != 1) return std::nullopt;
                if (auto a = any(n->args[0])) return Text{"logsumexp(" + a->s + ")", {}, 3};
                return std::nullopt;
            case Kind::add: return sum_text(n, natural_order(n));
            case Kind::product: return product_text(n);
        }
        return std::nullopt;
    }

    Maybe in(const Ptr& n, const std::vector<int>& axes) {
        if (n->kind == Kind::add && !named(n)) return sum_text(n, axes);
        return orient(any(n), axes);
    }

    Maybe reorient(const Text& t, const std::vector<int>& axes) {
        if (t.src)
            if (auto r = sum_text(t.src, axes)) return r;
        return orient(t, axes);
    }

    Maybe unary_text(const Ptr& n) {
        Ptr a;
        if (lse_pair(n->args[0], a) && n->fn.same(scalar::function("exp")))
            if (auto t = any(a)) return Text{"softmax(" + t->s + ")", t->order, 3};
        auto t = any(n->args[0]);
        if (!t) return std::nullopt;
        auto s = scalar::text(n->fn, t->s, t->prec == 3);
        if (!s) return std::nullopt;
        const auto plain = scalar::text(n->fn, "U", true);
        const bool call = plain && plain->size() > 3 && plain->ends_with("(U)") && plain->find('(') == plain->size() - 3;
        return Text{*s, t->order, call ? 3 : 0};
    }

    Maybe sum_text(const Ptr& n, const std::vector<int>& axes) {
        Ptr a;
        if (lse_pair(n, a))
            if (auto t = orient(any(a), axes)) return Text{"log_softmax(" + t->s + ")", axes, 3};
        std::vector<std::string> pos, negs;
        for (const auto& term : n->args) {
            auto [c, rest] = split_coefficient(term);
            // a term over fewer axes broadcasts only along leading ones (numpy)
            std::vector<int> sub;
            for (int i : axes) if (contains(rest->free, i)) sub.push_back(i);
            if (sub.size() != rest->free.size()) return std::nullopt;
            if (!std::equal(sub.rbegin(), sub.rend(), axes.rbegin())) return std::nullopt;
            Maybe t = rest->kind == Kind::constant ? Text{"1", {}, 3} : in(rest, sub);
            if (!t) return std::nullopt;
            const double m = std::abs(c);
            std::string s = m == 1 ? t->s : number(m) + " * " + wrap(*t, 1);
            if (rest->kind == Kind::constant) s = number(m);
            (c < 0 ? negs : pos).push_back(c < 0 ? wrap(Text{s, {}, m == 1 ? t->prec : 1}, 1) : s);
        }
        std::stable_partition(pos.begin(), pos.end(), [](const std::string& p) { return !p.starts_with("transpose("); });
        std::string s;
        for (const auto& p : pos) s += (s.empty() ? "" : " + ") + p;
        for (const auto& q : negs) s += (s.empty() ? "-" : " - ") + q;
        return Text{s, axes, pos.empty() && negs.size() == 1 ? 1 : 0};
    }

    Maybe product_text(const Ptr& n) {
        double coef = 1;
        std::vector<Text> fs;
        std::vector<const Node*> deltas;
        for (const auto& f : n->args) {
            if (f->kind == Kind::constant) { coef *= f->value; continue; }
            if (f->kind == Kind::delta) { deltas.push_back(f.get()); continue; }
            auto t = f->free.size() <= 2 ? (f->kind == Kind::add ? sum_text(f, natural_order(f)) : any(f)) : std::nullopt;
            if (!t) return std::nullopt;
            if (f->kind == Kind::add) t->src = f;
            fs.push_back(*t);
        }
        // δ(i, j) with a vector over i or j, both kept: diag
        for (const Node* d : deltas) {
            bool done = false;
            for (auto& f : fs)
                if (f.order.size() == 1 && (f.order[0] == d->idx[0] || f.order[0] == d->idx[1])) {
                    const int other = f.order[0] == d->idx[0] ? d->idx[1] : d->idx[0];
                    f = Text{"diag(" + f.s + ")", {f.order[0], other}, 3};
                    done = true;
                    break;
                }
            if (!done) return std::nullopt;
        }
        auto count = [&](int i) {
            int c = 0;
            for (const auto& f : fs) c += std::count(f.order.begin(), f.order.end(), i) > 0;
            return c;
        };
        auto sorted = [](std::vector<int> v) { std::sort(v.begin(), v.end()); return v; };
        for (bool changed = true; changed;) {
            changed = false;
            // the same axes: elementwise
            for (std::size_t a = 0; a < fs.size() && !changed; ++a)
                for (std::size_t b = a + 1; b < fs.size() && !changed; ++b)
                    if (!fs[a].order.empty() && sorted(fs[a].order) == sorted(fs[b].order)) {
                        auto t = orient(fs[b], fs[a].order);
                        if (!t) return std::nullopt;
                        fs[a] = Text{wrap(fs[a], 1) + " * " + wrap(*t, 3), fs[a].order, 1};
                        fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(b));
                        changed = true;
                    }
            // an index summed between exactly two factors: @
            for (std::size_t a = 0; a < fs.size() && !changed; ++a)
                for (int k : fs[a].order) {
                    if (contains(n->free, k) || count(k) != 2) continue;
                    std::size_t b = 0;
                    while (b == a || std::find(fs[b].order.begin(), fs[b].order.end(), k) == fs[b].order.end()) ++b;
                    Text l = fs[a], r = fs[b];
                    if (l.order.size() == 2 && l.order[0] == k) l = *reorient(l, {l.order[1], k});
                    if (r.order.size() == 2 && r.order[1] == k) r = *reorient(r, {k, r.order[0]});
                    std::vector<int> order;
                    for (int i : l.order) if (i != k) order.push_back(i);
                    for (int i : r.order) if (i != k) order.push_back(i);
                    for (int i : order) if (std::count(order.begin(), order.end(), i) > 1) return std::nullopt;
                    Text m{wrap(l, 1) + " @ " + wrap(r, 3), order, 1};
                    fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(std::max(a, b)));
                    fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(std::min(a, b)));
                    fs.push_back(m);
                    changed = true;
                    break;
                }
            // an index summed in one factor only: sum
            for (std::size_t a = 0; a < fs.size() && !changed; ++a)
                for (std::size_t p = 0; p < fs[a].order.size(); ++p) {
                    const int k = fs[a].order[p];
                    if (contains(n->free, k) || count(k) != 1) continue;
                    std::vector<int> order = fs[a].order;
                    order.erase(order.begin() + static_cast<std::ptrdiff_t>(p));
                    fs[a] = Text{order.empty() ? "sum(" + fs[a].s + ")" : "sum(" + fs[a].s + ", " + std::to_string(p) + ")", order, 3};
                    changed = true;
                    break;
                }
        }
        for (const auto& f : fs)
            for (int i : f.order) if (!contains(n->free, i)) return std::nullopt;
        // what is left: tensors over kept axes and scalars
        std::vector<Text> tensors, scalars;
        for (auto& f : fs) (f.order.empty() ? scalars : tensors).push_back(f);
        if (tensors.size() == 2 && tensors[0].order.size() == 1 && tensors[1].order.size() == 1) {
            tensors = {Text{"outer(" + tensors[0].s + ", " + tensors[1].s + ")", {tensors[0].order[0], tensors[1].order[0]}, 3}};
        }
        if (tensors.size() == 2 && tensors[0].order.size() == 1 && tensors[1].order.size() == 2) std::swap(tensors[0], tensors[1]);
        if (tensors.size() == 2 && tensors[0].order.size() == 2 && tensors[1].order.size() == 1 && tensors[1].order[0] == tensors[0].order[1])
            tensors = {Text{wrap(tensors[0], 1) + " * " + wrap(tensors[1], 3), tensors[0].order, 1}};
        if (tensors.size() == 2 && tensors[0].order.size() == 2 && tensors[1].order.size() == 1 && tensors[1].order[0] == tensors[0].order[0])
            tensors = {Text{"diag(" + tensors[1].s + ") @ " + wrap(tensors[0], 3), tensors[0].order, 1}};  // rows scaled
        if (tensors.size() > 1) return std::nullopt;
        Text r = tensors.empty() ? Text{"", {}, 3} : tensors[0];
        for (const auto& s : scalars) r = r.s.empty() ? s : Text{wrap(r, 1) + " * " + wrap(s, 3), r.order, 1};
        if (r.s.empty()) r = Text{number(coef), {}, 3}, coef = 1;
        if (coef == -1) r = Text{"-" + wrap(r, 1), r.order, 1};
        else if (coef != 1) r = Text{number(coef) + " * " + wrap(r, 1), r.order, 1};
        return r;
    }
};

/// Counts each subexpression (by pattern) once per place it is used, not descending into a
/// repeat, so a repeated softmax does not also count its inner logsumexp.
void count_uses(const Ptr& n, std::map<std::string, std::pair<int, Ptr>>& seen) {
    if (n->kind == Kind::constant || n->kind == Kind::var || n->kind == Kind::delta) return;
    auto& [c, p] = seen[pattern_key(n)];
    if (c++ > 0) return;
    p = n;
    Ptr a;
    if (lse_pair(n, a)) return count_uses(a, seen);  // A − logsumexp(A) prints with A once
    for (const auto& arg : n->args) count_uses(arg, seen);
}

}  // namespace

std::optional<std::string> to_matrix(const Tensor& t, const std::set<std::string>& taken) {
    const Ptr root = factor(t.node);
    if (root->free.size() != t.axes.size() && !(root->kind == Kind::constant)) return std::nullopt;
    if (root->kind == Kind::constant && !t.axes.empty()) return std::nullopt;
    Printer pr;
    std::map<std::string, std::pair<int, Ptr>> seen;
    count_uses(root, seen);
    std::vector<Ptr> repeated;
    for (auto& [k, cp] : seen)
        if (cp.first > 1 && cp.second->free.size() <= 2 && cp.second.get() != root.get()) repeated.push_back(cp.second);
    std::sort(repeated.begin(), repeated.end(), [](const Ptr& a, const Ptr& b) { return a->height < b->height; });
    std::string out;
    int next = 0;
    for (const auto& r : repeated) {
        auto def = pr.any(r);
        if (!def) return std::nullopt;
        const bool is_softmax = def->s.starts_with("softmax(");
        std::string name;
        do {  // s, s1, s2, ... for softmaxes; t0, t1, ... else (assign(1, c): g++ 12 warns -Wrestrict, falsely, on assigning "t")
            name.assign(1, is_softmax ? 's' : 't');
            if (!(next == 0 && is_softmax)) name += std::to_string(next);
            ++next;
        } while (taken.count(name));
        out += name + " = " + def->s + "; ";
        pr.names[pattern_key(r)] = name;
    }
    auto body = pr.in(root, t.axes);
    if (!body) return std::nullopt;
    return out + body->s;
}

namespace {

struct IndexPrinter {
    bool latex = false;
    std::map<int, std::string> letters;
    std::size_t used = 0;  // letters handed out so far: each new one is distinct from all before
    std::set<std::string> sizes;  // the size symbols (n, k, …): never an index letter
    std::set<std::string> names;  // the variables: never the name of a softmax
    std::vector<std::pair<std::string, std::string>> bindings;  // s = softmax(…), in the style printed
    std::map<std::string, std::string> softmax_names;           // pattern of A → its softmax's name

    /// exp(A − logsumexp(A)) (softmax_axes) is a softmax entry: printed s[i] or S[i, j] with
    /// s = softmax(A) named once (as the seeds write S_i), if A has a matrix form.
    std::optional<std::string> softmax_entry(const Ptr& n) {
        Ptr a;
        if (!n->fn.same(scalar::function("exp"))) return std::nullopt;
        const auto axes = softmax_axes(n->args[0], a);
        if (!axes) return std::nullopt;
        const std::string key = pattern_key(a);
        auto it = softmax_names.find(key);
        if (it == softmax_names.end()) {
            Printer pr;
            const auto t = pr.any(a);
            if (!t || t->order != *axes) return std::nullopt;
            std::string name = axes->size() == 1 ? "s" : "S";
            const std::string stem = name;
            for (int k = 1; names.count(name) || std::any_of(bindings.begin(), bindings.end(), [&](const auto& b) { return b.first == name; }); ++k)
                name = stem + std::to_string(k);
            std::string def = "softmax(" + t->s + ")";
            if (latex) {
                Shapes shapes;  // the ranks matrix_latex needs, from the variables inside A
                std::vector<const Node*> stack{a.get()};
                while (!stack.empty()) {
                    const Node* v = stack.back();
                    stack.pop_back();
                    if (v->kind == Kind::var) {
                        std::vector<std::string> dims;
                        for (int i : v->idx) dims.push_back(index_dim(i));
                        shapes[v->name] = dims;
                    }
                    for (const auto& c : v->args) stack.push_back(c.get());
                }
                def = matrix_latex(def, shapes).result;
            }
            bindings.emplace_back(latex ? latex_name(name) : name, def);
            it = softmax_names.emplace(key, latex ? latex_name(name) : name).first;
        }
        return it->second + (latex ? "_{" + list(*axes) + "}" : "[" + list(*axes) + "]");
    }
    void collect_sizes(const Ptr& root) {
        std::set<const Node*> seen;  // a DAG: each shared node once
        std::vector<const Node*> stack{root.get()};
        while (!stack.empty()) {
            const Node* n = stack.back();
            stack.pop_back();
            if (!seen.insert(n).second) continue;
            for (int i : n->free) sizes.insert(index_dim(i));
            for (int i : n->idx) sizes.insert(index_dim(i));
            if (n->kind == Kind::var) names.insert(n->name);
            for (const auto& a : n->args) stack.push_back(a.get());
        }
    }
    std::string fresh() {
        static const std::string pool = "ijklpqrstuvmnabcdfgh";  // no e (Euler's e in exp)
        for (std::size_t k = used++; k < pool.size(); k = used++)
            if (!sizes.count(std::string(1, pool[k]))) return std::string(1, pool[k]);
        const std::size_t k = used - 1;
        std::string s = latex ? "i_{" : "i";  // appended: g++ 12's false -Wrestrict on "literal" + std::string&&
        s += std::to_string(k);
        if (latex) s += "}";
        return s;
    }
    std::string letter(int i) {
        if (auto it = letters.find(i); it != letters.end()) return it->second;
        return letters[i] = fresh();
    }
    /// Indices bound by a sum or a logsumexp get letters of their own while their scope is
    /// printed (a bound index may reuse the id of a free one it shadows); unbind restores.
    std::vector<std::pair<int, std::optional<std::string>>> bind(const std::vector<int>& idx) {
        std::vector<std::pair<int, std::optional<std::string>>> saved;
        for (int i : idx) {
            const auto it = letters.find(i);
            saved.emplace_back(i, it == letters.end() ? std::nullopt : std::optional(it->second));
            letters[i] = fresh();
        }
        return saved;
    }
    void unbind(const std::vector<std::pair<int, std::optional<std::string>>>& saved) {
        for (const auto& [i, letter] : saved) {
            if (letter) letters[i] = *letter;
            else letters.erase(i);
        }
    }
    std::string list(const std::vector<int>& v) {
        std::string s;
        bool single = true;
        for (int i : v) single = single && letter(i).size() == 1;
        for (std::size_t k = 0; k < v.size(); ++k) s += (k ? (latex && single ? "" : ", ") : "") + letter(v[k]);
        return s;
    }
    std::string print(const Ptr& n) {
        switch (n->kind) {
            case Kind::constant: return number(n->value);
            case Kind::var:
                if (latex) return n->idx.empty() ? latex_name(n->name) : latex_name(n->name) + "_{" + list(n->idx) + "}";
                return n->idx.empty() ? n->name : n->name + "[" + list(n->idx) + "]";
            case Kind::delta: return latex ? "\\delta_{" + list(n->idx) + "}" : "delta(" + list(n->idx) + ")";
            case Kind::unary: {
                if (auto e = softmax_entry(n)) return *e;
                const std::string a = print(n->args[0]);
                return scalar::text(n->fn, a, false, latex ? sym::Style::latex : sym::Style::text).value_or("f(" + a + ")");
            }
            case Kind::lse: {
                // the reduced index is bound here and may reuse a free index's id (it shadows
                // it): it gets a letter of its own, so no printed letter means two things
                const auto saved = bind({n->idx[0]});
                const std::string b = letters[n->idx[0]];
                const std::string arg = print(n->args[0]);
                unbind(saved);
                if (latex) return "\\operatorname{logsumexp}_{" + b + "}\\left(" + arg + "\\right)";
                return "logsumexp_{" + b + "}(" + arg + ")";
            }
            case Kind::add: {
                std::string s;
                for (const auto& t : n->args) {
                    const std::string term = print(t);
                    if (s.empty()) s = term;
                    else if (latex && term.starts_with('-')) s += " - " + term.substr(1);
                    else s += " + " + term;
                }
                return latex ? "\\left(" + s + "\\right)" : "(" + s + ")";
            }
            case Kind::product: {
                Indices all;
                for (const auto& f : n->args) all = unite(all, f->free);
                const Indices bound = minus(all, n->free);
                const auto saved = bind(bound);
                const std::string sum_letters = list(bound);
                std::string s;
                for (const auto& f : n->args) {
                    const std::string t = print(f);
                    if (!latex) s += (s.empty() ? "" : "*") + t;
                    else if (s.empty()) s = t == "-1" && n->args.size() > 1 ? "-" : t;
                    else s += (s == "-" ? "" : (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-' ? " \\cdot " : " ")) + t;
                }
                unbind(saved);
                if (bound.empty()) return s;
                return latex ? "\\sum_{" + sum_letters + "} " + s : "sum_{" + sum_letters + "}(" + s + ")";
            }
        }
        return "?";
    }
};

}  // namespace

std::string to_index(const Tensor& t, const std::string& lhs) {
    IndexPrinter p;
    p.collect_sizes(t.node);
    for (int i : t.axes) p.sizes.insert(index_dim(i));
    const std::string head = t.axes.empty() ? lhs : lhs + "[" + p.list(t.axes) + "]";
    const std::string body = p.print(t.node);
    std::string out;
    for (const auto& [name, def] : p.bindings) out += name + " = " + def + "; ";
    return out + head + " = " + body;
}

IndexLatex to_index_latex(const Tensor& t) {
    IndexPrinter p;
    p.latex = true;
    p.collect_sizes(t.node);
    for (int i : t.axes) p.sizes.insert(index_dim(i));
    IndexLatex out;
    out.indices = p.list(t.axes);
    out.rhs = p.print(t.node);
    out.bindings = std::move(p.bindings);
    return out;
}

}  // namespace ad::tensor
