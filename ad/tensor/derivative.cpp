// Forward-mode derivative of a tensor expression (see derivative.hpp).
#include "ad/tensor/derivative.hpp"

#include <algorithm>
#include <map>

#include "ad/errors.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

struct Deriver {
    std::string name;
    std::vector<int> var_idx;  // the variable's indices where it was built
    std::vector<int> wrt;      // the derivative's indices for the variable's axes
    std::map<const Node*, Ptr> memo;

    Ptr d(const Ptr& a) {
        if (auto m = memo.find(a.get()); m != memo.end()) return m->second;
        Ptr r = compute(a);
        memo.emplace(a.get(), r);
        return r;
    }

    Ptr compute(const Ptr& a) {
        switch (a->kind) {
            case Kind::constant:
            case Kind::delta: return constant(0);
            case Kind::var: {
                if (a->name != name) return constant(0);
                std::vector<Ptr> ds;
                Indices out = wrt;
                for (std::size_t k = 0; k < a->idx.size(); ++k) {
                    ds.push_back(delta(a->idx[k], wrt[k]));
                    out.push_back(a->idx[k]);
                }
                std::sort(out.begin(), out.end());
                out.erase(std::unique(out.begin(), out.end()), out.end());
                return product(ds, out);
            }
            case Kind::unary: {
                const Ptr da = d(a->args[0]);
                if (da->kind == Kind::constant && da->value == 0) return da;
                const Ptr fp = unary(scalar::derivative(a->fn), a->args[0]);
                return product({fp, da}, unite(a->free, da->free));
            }
            case Kind::add: {
                std::vector<Ptr> ts;
                for (const auto& t : a->args) ts.push_back(d(t));
                return add(ts);
            }
            case Kind::product: {
                std::vector<Ptr> ts;
                const Indices out = unite(a->free, sorted_wrt());
                for (std::size_t k = 0; k < a->args.size(); ++k) {
                    const Ptr dk = d(a->args[k]);
                    if (dk->kind == Kind::constant && dk->value == 0) continue;
                    std::vector<Ptr> fs = a->args;
                    fs[k] = dk;
                    ts.push_back(product(fs, out));
                }
                return add(ts);
            }
            case Kind::lse: {
                const Ptr& arg = a->args[0];
                const Ptr da = d(arg);
                if (da->kind == Kind::constant && da->value == 0) return da;
                const Ptr p = scalar::translate(scalar::lse_partial(), {{scalar::placeholder(), arg}, {scalar::value_symbol(), a}});
                return product({p, da}, unite(a->free, minus(da->free, {a->idx[0]})));
            }
        }
        throw ad::error("internal: unknown tensor node");
    }

    Indices sorted_wrt() const {
        Indices w = wrt;
        std::sort(w.begin(), w.end());
        return w;
    }
};

}  // namespace

Tensor derivative(const Tensor& y, const Tensor& x) {
    if (x.node->kind != Kind::var) throw ad::error("tensor derivative: the variable must be a variable");
    Deriver dv{x.node->name, x.node->idx, {}, {}};
    for (int i : x.node->idx) dv.wrt.push_back(fresh_index(index_dim(i)));
    Tensor r{dv.d(y.node), y.axes};
    for (std::size_t k = 0; k < x.axes.size(); ++k) {  // x's axes in its own order (transposed x too)
        for (std::size_t m = 0; m < x.node->idx.size(); ++m)
            if (x.node->idx[m] == x.axes[k]) r.axes.push_back(dv.wrt[m]);
    }
    return r;
}

}  // namespace ad::tensor
