// From the expression language's syntax tree to a tensor expression (see build.hpp).
#include "ad/tensor/build.hpp"

#include <cctype>
#include <cmath>

#include "ad/errors.hpp"
#include "ad/lang/parser.hpp"
#include "ad/tensor/scalar.hpp"

namespace ad::tensor {

namespace {

struct Builder {
    const lang::Program& p;
    Scope& scope;
    std::map<std::string, Tensor> bound;

    [[noreturn]] void fail(const lang::Node& n, const std::string& what) {
        throw ad::error(lang::format_at(p.source, n.line, n.column, what));
    }

    Tensor name(const lang::Node& n) {
        if (auto b = bound.find(n.text); b != bound.end()) return b->second;
        if (auto v = scope.vars.find(n.text); v != scope.vars.end()) return v->second;
        if (auto s = scope.shapes.find(n.text); s != scope.shapes.end()) return scope.vars[n.text] = variable(n.text, s->second);
        if (n.text == "pi") return scalar_constant(M_PI);
        if (n.text == "e") return scalar_constant(M_E);
        fail(n, "no shape for variable '" + n.text + "': give --size " + n.text + "=n (or n x k, or scalar)");
    }

    Tensor call(const lang::Node& n) {
        const std::string& f = n.text;
        std::vector<Tensor> a;
        for (int k : n.kids) a.push_back(walk(k));
        auto want = [&](std::size_t k) { if (a.size() != k) fail(n, "'" + f + "' takes " + std::to_string(k) + " argument" + (k == 1 ? "" : "s")); };
        if (f == "sum") {
            if (a.size() != 1) fail(n, "sum over an axis is outside the tensor algebra (sum of every entry only)");
            return sum(a[0]);
        }
        if (f == "dot") { want(2); if (a[0].rank() != 1 || a[1].rank() != 1) fail(n, "dot takes two vectors"); return matmul(a[0], a[1]); }
        if (f == "outer") { want(2); return outer(a[0], a[1]); }
        if (f == "transpose") { want(1); return transpose(a[0]); }
        if (f == "diag") { want(1); return diag(a[0]); }
        if (f == "softmax") { want(1); return softmax(a[0]); }
        if (f == "log_softmax") { want(1); return log_softmax(a[0]); }
        if (f == "logsumexp") { want(1); return logsumexp(a[0]); }
        if (f == "pow") {
            want(2);
            const Ptr& c = a[1].node;
            if (c->kind != Kind::constant) fail(n, "pow with a variable exponent is outside the tensor algebra");
            return power(a[0], c->value);
        }
        if (scalar::find_function(f)) { want(1); return tensor::apply(f, a[0]); }
        fail(n, "the function '" + f + "' is outside the tensor algebra");
    }

    Tensor walk(int k) {
        const lang::Node& n = p.node(k);
        switch (n.kind) {
            case lang::Kind::number: return scalar_constant(std::stod(n.text));
            case lang::Kind::name: return name(n);
            case lang::Kind::neg: return negate(walk(n.kids[0]));
            case lang::Kind::binary: {
                const Tensor a = walk(n.kids[0]), b = walk(n.kids[1]);
                if (n.op == '@') return matmul(a, b);
                if (n.op == '^') {
                    if (b.node->kind != Kind::constant) fail(n, "'^' with a variable exponent is outside the tensor algebra");
                    return power(a, b.node->value);
                }
                return elementwise(n.op, a, b);
            }
            case lang::Kind::call: return call(n);
            case lang::Kind::index: fail(n, "indexing is outside the tensor algebra");
            case lang::Kind::list: fail(n, "an array literal is outside the tensor algebra");
        }
        fail(n, "unknown syntax");
    }
};

}  // namespace

Tensor build(const lang::Program& p, Scope& scope) {
    Builder b{p, scope, {}};
    Tensor r;
    for (const auto& st : p.statements) {
        r = b.walk(st.root);
        if (!st.name.empty()) b.bound[st.name] = r;
    }
    return r;
}

std::vector<std::string> parse_shape(const std::string& text) {
    // One grammar for every --size: "scalar", or one or two dimensions separated by 'x', ',' or '*'
    // (spaces allowed). A dimension is a positive integer (at most 9 digits) or a name (a letter or
    // '_' first). Anything else -- an empty shape, a dangling separator, "3a", "n k" -- is an error.
    auto bad = [&](const std::string& why) -> void {
        throw ad::error("bad --size shape '" + text + "': " + why + " (expected N, R x C, n, n x k or scalar)");
    };
    if (text == "scalar") return {};
    const auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    const auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
    std::vector<std::string> dims;
    bool want_dim = true;
    for (std::size_t k = 0; k < text.size();) {
        const char c = text[k];
        if (c == ' ') { ++k; continue; }
        // 'x' not followed by a letter separates dimensions ("3x2", "n x k"); "xs" is a name
        const bool sep = c == ',' || c == '*' || (c == 'x' && !want_dim && (k + 1 == text.size() || !letter(text[k + 1])));
        if (sep) {
            if (want_dim) bad(dims.empty() ? "a separator before the first dimension" : "two separators in a row");
            want_dim = true;
            ++k;
            continue;
        }
        if (!word_char(c)) bad(std::string("unexpected character '") + c + "'");
        if (!want_dim) bad("two dimensions without an 'x' between them");
        std::size_t e = k;
        if (std::isdigit(static_cast<unsigned char>(c))) {
            while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e]))) ++e;
            if (e + 1 < text.size() && text[e] == 'x' && letter(text[e + 1])) bad("write a number times a name with spaces, as '3 x n'");
            if (e < text.size() && word_char(text[e]) && text[e] != 'x') bad("a dimension is a number or a name, not '" + text.substr(k) + "'");
            if (e - k > 9) bad("a dimension of more than 9 digits");
            if (std::stoul(text.substr(k, e - k)) == 0) bad("a dimension must be at least 1");
        } else {
            while (e < text.size() && word_char(text[e])) ++e;
        }
        dims.push_back(text.substr(k, e - k));
        want_dim = false;
        k = e;
    }
    if (dims.empty()) bad("no dimension");
    if (want_dim) bad("a separator after the last dimension");
    if (dims.size() > 2) bad("tensors of rank above 2 are not supported");
    return dims;
}

bool is_symbolic_shape(const std::string& text) {
    for (const auto& d : parse_shape(text))
        if (!std::isdigit(static_cast<unsigned char>(d[0]))) return true;
    return false;
}

}  // namespace ad::tensor
