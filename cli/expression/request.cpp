// Command-line values (--at, --size), free variables and default shapes.
#include "cli/expression/request.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <set>

#include "ad/lang/evaluate.hpp"
#include "ad/tensor/build.hpp"

namespace adiff::cli::expression {
namespace {

bool is_identifier(const std::string& s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::pair<std::string, std::string> split_spec(const std::string& spec, const char* option) {
    const auto eq = spec.find('=');
    std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
    name.erase(std::remove_if(name.begin(), name.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }), name.end());
    if (eq == std::string::npos || !is_identifier(name))
        throw ad::error(std::string("bad ") + option + " '" + spec + "': expected NAME=VALUE, e.g. " +
                        (std::string(option) == "--size" ? "z=5 or W=3x2" : "x=1.5, z=[1,2,3] or W=[[1,2],[3,4]]"));
    return {name, spec.substr(eq + 1)};
}

// Walks a literal: number, -number, [items]; returns its shape (rows must agree) and appends values.
ad::Shape literal_values(const ad::lang::Program& p, int k, std::vector<std::string>& out, const std::string& spec) {
    using ad::lang::Kind;
    const auto& n = p.node(k);
    auto bad = [&](const std::string& why) {
        throw ad::parse_error(ad::lang::format_at(p.source, n.line, n.column, "bad --at value for " + spec + ": " + why), n.line, n.column);
    };
    if (n.kind == Kind::number) { out.push_back(n.text); return {}; }
    if (n.kind == Kind::neg && p.node(n.kids[0]).kind == Kind::number) { out.push_back("-" + p.node(n.kids[0]).text); return {}; }
    if (n.kind != Kind::list) bad("expected a number or a [list] of numbers");
    ad::Shape first;
    for (std::size_t i = 0; i < n.kids.size(); ++i) {
        const ad::Shape s = literal_values(p, n.kids[i], out, spec);
        if (i == 0) first = s;
        else if (s != first) bad("ragged array: rows of shapes " + ad::shape_string(first) + " and " + ad::shape_string(s));
    }
    first.insert(first.begin(), n.kids.size());
    return first;
}

}  // namespace

void require_within(const std::string& what, long double estimate, std::size_t limit) {
    if (estimate <= static_cast<long double>(limit)) return;
    auto count = [](long double x) {
        if (x >= 1e18L) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.3Lg", x);
            return std::string(buf);
        }
        return std::to_string(static_cast<unsigned long long>(x));
    };
    throw ad::error(what + " would have " + count(estimate) + " entries, over the limit of " + std::to_string(limit) +
                    " (raise it with --max-entries N)");
}

int find_var(const Request& req, const std::string& name) {
    for (std::size_t k = 0; k < req.vars.size(); ++k) if (req.vars[k].name == name) return static_cast<int>(k);
    return -1;
}

Variable parse_at(const std::string& spec) {
    auto [name, rhs] = split_spec(spec, "--at");
    ad::lang::Program p;
    try {
        p = ad::lang::parse(rhs);
    } catch (const ad::parse_error& e) {  // say which --at it was (the parser only saw the value)
        throw ad::parse_error("bad --at value for " + name + ": " + e.what(), e.line, e.column);
    }
    if (p.statements.size() != 1 || !p.statements[0].name.empty())
        throw ad::parse_error("bad --at value for " + name + ": expected one number or array, got '" + rhs + "'", 1, 1);
    Variable v{name, {}, {}};
    v.shape = literal_values(p, p.result(), v.values, name);
    return v;
}

Variable parse_size(const std::string& spec) {
    auto [name, rhs] = split_spec(spec, "--size");
    Variable v{name, {}, {}};
    for (const std::string& d : ad::tensor::parse_shape(rhs)) {  // the one --size grammar
        if (!std::isdigit(static_cast<unsigned char>(d[0])))
            throw ad::error("--size " + name + "=" + rhs + ": a symbolic size works with diff and check only");
        v.shape.push_back(std::stoul(d));
    }
    return v;
}

std::vector<std::string> free_variables(const ad::lang::Program& p) {
    std::vector<std::string> out;
    std::set<std::string> bound;
    for (const auto& st : p.statements) {
        std::vector<int> stack{st.root};
        std::vector<int> names;
        while (!stack.empty()) {
            const int k = stack.back();
            stack.pop_back();
            const auto& n = p.node(k);
            if (n.kind == ad::lang::Kind::name) names.push_back(k);
            for (auto it = n.kids.rbegin(); it != n.kids.rend(); ++it) stack.push_back(*it);
        }
        std::sort(names.begin(), names.end(), [&](int a, int b) {
            const auto &x = p.node(a), &y = p.node(b);
            return x.line != y.line ? x.line < y.line : x.column < y.column;
        });
        for (int k : names) {
            const std::string& s = p.node(k).text;
            if (bound.count(s) || s == "pi" || s == "e") continue;
            if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
        }
        if (!st.name.empty()) bound.insert(st.name);
    }
    return out;
}

ad::Shape guess_shape(const ad::lang::Program& p, const std::string& name) {
    static const std::set<std::string> array_functions = {"sum", "max", "min", "mean", "dot", "outer", "diag", "transpose",
                                                           "softmax", "log_softmax", "logsumexp", "max_weight"};
    bool vector_like = false;
    long max_index = -1;
    for (const auto& n : p.nodes) {
        if (n.kind == ad::lang::Kind::call && array_functions.count(n.text)) {
            for (int kid : n.kids) {
                const auto& a = p.node(kid);
                if (a.kind == ad::lang::Kind::name && a.text == name) vector_like = true;
            }
        }
        if ((n.kind == ad::lang::Kind::binary && n.op == '@')) {
            for (int kid : n.kids) {
                const auto& a = p.node(kid);
                if (a.kind == ad::lang::Kind::name && a.text == name) vector_like = true;
            }
        }
        if (n.kind == ad::lang::Kind::index) {
            const auto& a = p.node(n.kids[0]);
            if (a.kind == ad::lang::Kind::name && a.text == name) {
                vector_like = true;
                const auto& i = p.node(n.kids[1]);
                if (i.kind == ad::lang::Kind::number && i.text.size() <= 12 &&
                    i.text.find_first_not_of("0123456789") == std::string::npos)
                    max_index = std::max(max_index, std::stol(i.text));
                else if (i.kind == ad::lang::Kind::number)
                    max_index = std::numeric_limits<long>::max() - 1;  // refused by the size limit
            }
        }
    }
    if (!vector_like) return {};
    return ad::Shape{static_cast<std::size_t>(std::max<long>(3, max_index + 1))};  // the caller checks the size limit
}

std::string assumed_size_note(const std::string& name, const ad::Shape& shape) {
    std::string what = shape.empty() ? "a scalar" : shape.size() == 1 ? "length " + std::to_string(shape[0]) : "shape " + ad::shape_string(shape);
    return name + " has no --size; assumed " + what + " (give --size " + name + (shape.empty() ? "=scalar" : "=N") + " to choose)";
}

std::string with_site(const std::string& message, const std::string& source) {
    const auto& site = ad::lang::last_error_site;
    if (!site.set || message.find(" at line ") != std::string::npos) return message;
    return message + "\n" + ad::lang::format_at(source, site.line, site.column, "  in the expression") ;
}

}  // namespace adiff::cli::expression
