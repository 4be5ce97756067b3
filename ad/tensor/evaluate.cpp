// Entry-by-entry evaluation of tensor expressions (see evaluate.hpp).
#include "ad/tensor/evaluate.hpp"

#include <optional>
#include <span>

#include "ad/errors.hpp"
#include "ad/tensor/scalar.hpp"
#include "ops/rules/rules.hpp"

namespace ad::tensor {

namespace {

struct Evaluator {
    const Binding& b;
    std::map<int, std::size_t> at;  // the value of each index in scope

    double var(const Node& n) {
        const auto v = b.values.find(n.name);
        if (v == b.values.end()) throw ad::error("tensor evaluation: no value for '" + n.name + "'");
        std::size_t flat = 0;
        for (int i : n.idx) flat = flat * index_size(i, b) + at.at(i);
        if (flat >= v->second.size()) throw ad::error("tensor evaluation: '" + n.name + "' has too few values");
        return v->second[flat];
    }

    double eval(const Ptr& p) {
        const Node& n = *p;
        switch (n.kind) {
            case Kind::constant: return n.value;
            case Kind::var: return var(n);
            case Kind::delta: return at.at(n.idx[0]) == at.at(n.idx[1]) ? 1.0 : 0.0;
            case Kind::unary: return scalar::evaluate(n.fn, eval(n.args[0]));
            case Kind::add: {
                double s = 0;
                for (const auto& t : n.args) s += eval(t);
                return s;
            }
            case Kind::product: {
                Indices all;
                for (const auto& f : n.args) all = unite(all, f->free);
                const Indices bound = minus(all, n.free);
                double s = 0;
                loop(bound, 0, [&] {
                    double prod = 1;
                    for (const auto& f : n.args) prod *= eval(f);
                    s += prod;
                });
                return s;
            }
            case Kind::lse: {
                const int i = n.idx[0];
                const auto saved = at.find(i) == at.end() ? std::optional<std::size_t>() : std::optional(at[i]);
                std::vector<double> xs;
                for (std::size_t k = 0; k < index_size(i, b); ++k) {
                    at[i] = k;
                    xs.push_back(eval(n.args[0]));
                }
                if (saved) at[i] = *saved;
                else at.erase(i);
                return rules::logsumexp{}.value(std::span<const double>(xs));
            }
        }
        return 0;
    }

    template <class F>
    void loop(const Indices& idx, std::size_t k, F&& body) {
        if (k == idx.size()) { body(); return; }
        const std::size_t n = index_size(idx[k], b);
        for (std::size_t v = 0; v < n; ++v) {
            at[idx[k]] = v;
            loop(idx, k + 1, body);
        }
        at.erase(idx[k]);
    }
};

}  // namespace

std::size_t index_size(int i, const Binding& b) {
    const std::string& d = index_dim(i);
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0]))) return std::stoul(d);
    const auto s = b.sizes.find(d);
    if (s == b.sizes.end()) throw ad::error("tensor evaluation: no value for the size '" + d + "'");
    return s->second;
}

std::vector<double> evaluate(const Tensor& t, const Binding& b) {
    Evaluator e{b, {}};
    std::vector<double> out;
    e.loop(t.axes, 0, [&] { out.push_back(e.eval(t.node)); });
    return out;
}

}  // namespace ad::tensor
