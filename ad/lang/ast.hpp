#pragma once
/// \file ast.hpp
/// The syntax tree of the expression language (see ad/lang/parser.hpp for the grammar).
/// Nodes live in one flat vector and refer to their children by index, so a deep tree is
/// destroyed without recursion. Number literals are kept as text: they are converted at the
/// working precision only when evaluated (at 50 digits `0.1` is 0.1 to 50 digits).
#include <cstddef>
#include <string>
#include <vector>

namespace ad::lang {

/// What a syntax node is.
enum class Kind {
    number,  ///< a literal; `text` is its spelling
    name,    ///< a variable or constant (pi, e); `text` is the identifier
    neg,     ///< unary minus; kids = {operand}
    binary,  ///< `op` in + - * / ^ @; kids = {lhs, rhs}
    call,    ///< function call; `text` is the function, kids are the arguments
    index,   ///< subscript `a[i, j]`; kids = {array, i, j, ...}
    list     ///< array literal `[a, b, c]`; kids are the elements (may be lists: a matrix)
};

/// One syntax node with its 1-based source position (line, column).
struct Node {
    Kind kind;
    char op = 0;
    std::string text;
    std::vector<int> kids;
    std::size_t line = 1, column = 1;
};

/// A statement: `name = expr` (a binding) or a bare expression (`name` empty).
struct Statement {
    std::string name;
    int root = -1;
    std::size_t line = 1, column = 1;
};

/// A parsed program: statements separated by `;`; the value of the last one is the result.
struct Program {
    std::string source;
    std::vector<Node> nodes;
    std::vector<Statement> statements;

    /// The node with index k.
    const Node& node(int k) const { return nodes[static_cast<std::size_t>(k)]; }
    /// The root node of the result (the last statement).
    int result() const { return statements.back().root; }
};

}  // namespace ad::lang
