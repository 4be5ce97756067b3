#pragma once
/// \file parser.hpp
/// Lexer and recursive-descent parser of the expression language.
///
///     program   := statement (';' statement)* [';']
///     statement := IDENT '=' expr | expr
///     expr      := term (('+' | '-') term)*
///     term      := unary (('*' | '/' | '@') unary)*
///     unary     := ('-' | '+') unary | power
///     power     := postfix ['^' unary]          (right-associative; -x^2 is -(x^2))
///     postfix   := primary ('[' expr (',' expr)* ']')*
///     primary   := NUMBER | IDENT | IDENT '(' [expr (',' expr)*] ')' | '(' expr ')'
///                | '[' expr (',' expr)* ']'
///
/// Numbers: `2`, `1.5`, `.5`, `1e-3`. `#` starts a comment to the end of the line.
/// Nesting deeper than `max_depth`, or a tree higher than `max_height`, is a parse_error (never
/// a stack overflow).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ad/errors.hpp"
#include "ad/lang/ast.hpp"

namespace ad::lang {

/// Maximum nesting depth of parentheses, brackets, calls, unary operators and powers.
inline constexpr std::size_t max_depth = 256;
/// Maximum height of the syntax tree (long operator chains such as a+b+c+… count one level
/// per operator); bounds the recursion of every tree walk.
inline constexpr std::size_t max_height = 2000;

/// Parses a program; throws ad::parse_error (line, column, caret, what was expected).
Program parse(std::string_view source);

/// Formats "what at line L, column C:\n  <source line>\n  <caret>" for an error at (line, column).
std::string format_at(std::string_view source, std::size_t line, std::size_t column, const std::string& what);

/// Levenshtein edit distance between two names.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidates closest to `name` (edit distance ≤ max(1, |name|/3), best first, at most 3).
std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& candidates);

/// Throws ad::name_error "unknown <what> 'name' at line L, column C; did you mean 'a', 'b'?".
[[noreturn]] void throw_unknown(const Program& p, const Node& n, const std::string& what,
                                const std::vector<std::string>& candidates);

}  // namespace ad::lang
