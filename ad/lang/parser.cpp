// Lexer and recursive-descent parser of the expression language (grammar in parser.hpp).
#include "ad/lang/parser.hpp"

#include <algorithm>
#include <cctype>

namespace ad::lang {

std::string format_at(std::string_view source, std::size_t line, std::size_t column, const std::string& what) {
    std::size_t start = 0;
    for (std::size_t l = 1; l < line; ++l) {
        const std::size_t nl = source.find('\n', start);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string text(source.substr(start, end - start));
    std::string caret;
    for (std::size_t i = 0; i + 1 < column && i < text.size(); ++i) caret += text[i] == '\t' ? '\t' : ' ';
    return what + " at line " + std::to_string(line) + ", column " + std::to_string(column) + ":\n  " + text +
           "\n  " + caret + "^";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& candidates) {
    const std::size_t limit = std::max<std::size_t>(1, name.size() / 3 + 1);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(name, c);
        // A prefix relation (sum / summ) counts as close too.
        if (c.size() > 1 && name.size() > 1 && (c.starts_with(name) || name.starts_with(c))) d = std::min<std::size_t>(d, 1);
        if (d <= limit) scored.emplace_back(d, c);
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
    std::vector<std::string> out;
    for (std::size_t k = 0; k < scored.size() && k < 3; ++k) out.push_back(scored[k].second);
    return out;
}

void throw_unknown(const Program& p, const Node& n, const std::string& what, const std::vector<std::string>& candidates) {
    std::string msg = "unknown " + what + " '" + n.text + "'";
    const auto near = closest_names(n.text, candidates);
    std::string hint;
    if (!near.empty()) {
        hint = "\n  did you mean ";
        for (std::size_t k = 0; k < near.size(); ++k) hint += (k ? (k + 1 == near.size() ? " or '" : ", '") : "'") + near[k] + "'";
        hint += "?";
    }
    throw name_error(format_at(p.source, n.line, n.column, msg) + hint, n.text);
}

namespace {

enum class Tok { number, ident, op, end };

struct Token {
    Tok kind;
    std::string text;
    std::size_t line, column, offset;
};

std::string describe(const Token& t) {
    switch (t.kind) {
        case Tok::number: return "number '" + t.text + "'";
        case Tok::ident: return "name '" + t.text + "'";
        case Tok::op: return "'" + t.text + "'";
        default: return "end of input";
    }
}

std::vector<Token> lex(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0, line = 1, col = 1;
    auto advance = [&](std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i) {
            if (s[i] == '\n') ++line, col = 1;
            else ++col;
        }
    };
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) { advance(1); continue; }
        if (c == '#') { while (i < s.size() && s[i] != '\n') advance(1); continue; }
        const std::size_t l0 = line, c0 = col, o0 = i;
        if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            std::size_t j = i;
            while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            if (j < s.size() && s[j] == '.') {
                ++j;
                while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
            }
            if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
                if (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) {
                    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
                    j = k;
                } else {
                    advance(k - i);
                    throw parse_error(format_at(s, line, col, "malformed number: expected digits in the exponent"), line, col);
                }
            }
            out.push_back({Tok::number, std::string(s.substr(i, j - i)), l0, c0, o0});
            advance(j - i);
            continue;
        }
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
            out.push_back({Tok::ident, std::string(s.substr(i, j - i)), l0, c0, o0});
            advance(j - i);
            continue;
        }
        if (std::string_view("+-*/^@()[],;=").find(c) != std::string_view::npos) {
            out.push_back({Tok::op, std::string(1, c), l0, c0, o0});
            advance(1);
            continue;
        }
        std::string shown = (static_cast<unsigned char>(c) < 0x80 && std::isprint(static_cast<unsigned char>(c))) ? std::string(1, c) : "\\x" + [&] {
            const char* hex = "0123456789abcdef";
            return std::string{hex[(static_cast<unsigned char>(c) >> 4) & 15], hex[static_cast<unsigned char>(c) & 15]};
        }();
        throw parse_error(format_at(s, l0, c0, "unexpected character '" + shown + "': expected a number, a name, an operator (+ - * / ^ @), a bracket, ',', ';' or '='"), l0, c0);
    }
    out.push_back({Tok::end, "", line, col, i});
    return out;
}

class Parser {
public:
    explicit Parser(std::string_view src) : toks_(lex(src)) { prog_.source = std::string(src); }

    Program run() {
        if (peek().kind == Tok::end) fail(peek(), "an expression");
        while (true) {
            Statement st;
            st.line = peek().line, st.column = peek().column;
            if (peek().kind == Tok::ident && toks_[pos_ + 1].kind == Tok::op && toks_[pos_ + 1].text == "=") {
                st.name = next().text;
                next();
            }
            st.root = expr();
            prog_.statements.push_back(std::move(st));
            if (accept(";")) {
                if (peek().kind == Tok::end) break;
                continue;
            }
            if (peek().kind == Tok::end) break;
            fail(peek(), "';' or an operator");
        }
        return std::move(prog_);
    }

private:
    const Token& peek() const { return toks_[pos_]; }
    const Token& next() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
    bool is(const char* op) const { return peek().kind == Tok::op && peek().text == op; }
    bool accept(const char* op) {
        if (!is(op)) return false;
        next();
        return true;
    }
    void expect(const char* op, const std::string& context) {
        if (!accept(op)) fail(peek(), "'" + std::string(op) + "'" + context);
    }
    [[noreturn]] void fail(const Token& t, const std::string& expected) {
        throw parse_error(format_at(prog_.source, t.line, t.column, "parse error: expected " + expected + ", found " + describe(t)), t.line, t.column);
    }
    int add(Kind k, const Token& at, std::string text = {}, std::vector<int> kids = {}, char op = 0) {
        // The tree's height bounds the evaluator's recursion: long operator chains (a+b+c+…)
        // are flat in the parser but deep in the tree, so they are limited here.
        std::size_t h = 1;
        for (int kid : kids) h = std::max(h, height_[static_cast<std::size_t>(kid)] + 1);
        if (h > max_height)
            throw parse_error(format_at(prog_.source, at.line, at.column,
                                        "parse error: expression too deep (a chain of more than " + std::to_string(max_height) +
                                            " nested operations); split it with ';' bindings or use sum([...])"),
                              at.line, at.column);
        height_.push_back(h);
        prog_.nodes.push_back(Node{k, op, std::move(text), std::move(kids), at.line, at.column});
        return static_cast<int>(prog_.nodes.size() - 1);
    }
    struct Depth {
        Parser& p;
        explicit Depth(Parser& p_) : p(p_) {
            if (++p.depth_ > max_depth)
                throw parse_error(format_at(p.prog_.source, p.peek().line, p.peek().column,
                                            "parse error: expression nested too deeply (more than " + std::to_string(max_depth) + " levels)"),
                                  p.peek().line, p.peek().column);
        }
        ~Depth() { --p.depth_; }
    };

    int expr() {
        int lhs = term();
        while (is("+") || is("-")) {
            const Token op = next();
            lhs = add(Kind::binary, op, {}, {lhs, term()}, op.text[0]);
        }
        return lhs;
    }
    int term() {
        int lhs = unary();
        while (is("*") || is("/") || is("@")) {
            const Token op = next();
            lhs = add(Kind::binary, op, {}, {lhs, unary()}, op.text[0]);
        }
        return lhs;
    }
    int unary() {
        if (is("-")) {
            Depth guard(*this);
            const Token op = next();
            return add(Kind::neg, op, {}, {unary()});
        }
        if (is("+")) {
            Depth guard(*this);
            next();
            return unary();
        }
        return power();
    }
    int power() {
        const int base = postfix();
        if (is("^")) {
            Depth guard(*this);
            const Token op = next();
            return add(Kind::binary, op, {}, {base, unary()}, '^');
        }
        return base;
    }
    int postfix() {
        int e = primary();
        while (is("[")) {
            const Token open = next();
            std::vector<int> kids{e};
            do kids.push_back(expr());
            while (accept(","));
            expect("]", " to close the subscript opened at column " + std::to_string(open.column));
            e = add(Kind::index, open, {}, std::move(kids));
        }
        return e;
    }
    int primary() {
        Depth guard(*this);
        const Token t = peek();
        if (t.kind == Tok::number) { next(); return add(Kind::number, t, t.text); }
        if (t.kind == Tok::ident) {
            next();
            if (!accept("(")) return add(Kind::name, t, t.text);
            std::vector<int> args;
            if (!is(")")) {
                do args.push_back(expr());
                while (accept(","));
            }
            expect(")", " or ',' to close the call of " + t.text + " opened at column " + std::to_string(t.column));
            return add(Kind::call, t, t.text, std::move(args));
        }
        if (accept("(")) {
            const int e = expr();
            expect(")", " to close the parenthesis opened at line " + std::to_string(t.line) + ", column " + std::to_string(t.column));
            return e;
        }
        if (accept("[")) {
            std::vector<int> items;
            do items.push_back(expr());
            while (accept(","));
            expect("]", " or ',' to close the array opened at column " + std::to_string(t.column));
            return add(Kind::list, t, {}, std::move(items));
        }
        fail(t, "a number, a name, '(' or '['");
    }

    std::vector<Token> toks_;
    std::vector<std::size_t> height_;
    std::size_t pos_ = 0, depth_ = 0;
    Program prog_;
};

}  // namespace

Program parse(std::string_view source) { return Parser(source).run(); }

}  // namespace ad::lang
