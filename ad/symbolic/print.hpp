#pragma once
/// \file print.hpp
/// Printers of symbolic expressions: plain text in the expression language (parses back with
/// ad::lang::parse and evaluates to the same numbers), LaTeX, C, and Python (NumPy/SciPy
/// calls with the same semantics, elementwise over NumPy arrays). A node used more than
/// once (or nested too deeply to read) is printed once as a temporary `t0 = …`, so the printed
/// size follows the DAG, not the tree. A guard(s, c…) (see expr.hpp) is printed with its
/// conditions, never as s alone: text `s + 0*(c)` (parses back, and fails in every mode where
/// c does), LaTeX `\left. s \right|_{c \in \mathbb{R}}`, C `adiff_guard(s, n, {c…})`.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ad/symbolic/expr.hpp"

namespace ad::sym {

/// Output language of the printers.
enum class Style { text, latex, c, python };

/// Temporaries in dependency order (name, definition) and one string per root.
struct Printed {
    std::vector<std::pair<std::string, std::string>> bindings;
    std::vector<std::string> roots;
};

/// Prints `roots` with shared subexpressions as temporaries named prefix0, prefix1, ...
Printed print(std::span<const Expr> roots, Style style, const std::string& prefix = "t");

/// One expression as a program in the expression language: "t0 = …; t1 = …; root".
std::string to_text(const Expr& e);

/// The helper functions (sigmoid, sign, heaviside, max over an array and its weight, guard, …)
/// that the C code `code` calls, with the helpers those call, as static inline C definitions
/// after `#include <math.h>`: only what is called, so the output compiles warning-free under
/// -Wall -Wextra -Werror (an unused static function is a warning in clang).
std::string c_helpers(std::string_view code);

/// The imports, and the helper functions the Python code `code` calls (C's round, max weight,
/// guard, …, with the helpers those call), elementwise over NumPy arrays.
std::string python_helpers(std::string_view code);

}  // namespace ad::sym
