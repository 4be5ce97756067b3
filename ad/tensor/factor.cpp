// Taking common contracted factors out of sums (see factor.hpp).
#include "ad/tensor/factor.hpp"

#include <algorithm>
#include <optional>

namespace ad::tensor {

namespace {

/// The factors of a term (its coefficient as a constant factor) and its bound indices.
struct Term {
    std::vector<Ptr> factors;
    Indices bound;
};

Term term_of(const Ptr& t) {
    Term r;
    if (t->kind != Kind::product) { r.factors = {t}; return r; }
    r.factors = t->args;
    Indices all;
    for (const auto& f : t->args) all = unite(all, f->free);
    r.bound = minus(all, t->free);
    return r;
}

/// The renaming that maps g's indices onto f's (same pattern), if it keeps `fixed` in place.
std::optional<std::pair<std::vector<int>, std::vector<int>>> matching(const Ptr& f, const Ptr& g, const Indices& fixed) {
    if (pattern_key(f) != pattern_key(g)) return std::nullopt;
    const auto nf = natural_order(f), ng = natural_order(g);
    if (nf.size() != ng.size()) return std::nullopt;
    for (std::size_t k = 0; k < nf.size(); ++k)
        if ((contains(fixed, nf[k]) || contains(fixed, ng[k])) && nf[k] != ng[k]) return std::nullopt;
    return std::pair{ng, nf};
}

Ptr factor_sum(const Ptr& a) {
    std::vector<Term> terms;
    for (const auto& t : a->args) terms.push_back(term_of(t));
    const Term& first = terms[0];
    for (const auto& f : first.factors) {
        if (f->kind == Kind::constant) continue;
        const Indices contracted = minus(f->free, a->free);
        if (contracted.empty()) continue;  // only a factor contracted in every term (a matmul)
        std::vector<Ptr> rests;
        bool ok = true;
        for (std::size_t t = 0; t < terms.size() && ok; ++t) {
            ok = false;
            for (std::size_t m = 0; m < terms[t].factors.size(); ++m) {
                const Ptr& g = terms[t].factors[m];
                const auto map = matching(f, g, a->free);
                if (!map) continue;
                const Indices g_contracted = minus(g->free, a->free);
                if (!std::includes(terms[t].bound.begin(), terms[t].bound.end(), g_contracted.begin(), g_contracted.end())) continue;
                std::vector<Ptr> rest;
                for (std::size_t q = 0; q < terms[t].factors.size(); ++q)
                    if (q != m) rest.push_back(rename(terms[t].factors[q], map->first, map->second));
                rests.push_back(product(rest, unite(a->free, contracted)));
                ok = true;
                break;
            }
        }
        if (!ok) continue;
        const Ptr inner = factor(add(rests));
        return product_as_is({inner, f}, a->free);
    }
    std::vector<Ptr> ts;
    for (const auto& t : a->args) ts.push_back(factor(t));
    return add(ts);
}

}  // namespace

Ptr factor(const Ptr& a) {
    switch (a->kind) {
        case Kind::add: return factor_sum(a);
        case Kind::unary: return unary(a->fn, factor(a->args[0]));
        default: return a;
    }
}

}  // namespace ad::tensor
