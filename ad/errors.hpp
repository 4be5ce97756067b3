#pragma once
/// \file errors.hpp
/// The typed exceptions adiff throws. Every message says where and why.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace ad {

/// Base class of every adiff exception.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Two sizes that must agree do not (seed vector vs input count, empty input, ...).
struct size_error : error {
    std::size_t expected, got;
    /// `what` names the place; `expected`/`got` are both reported in the message.
    size_error(const std::string& what, std::size_t expected_, std::size_t got_)
        : error(what + ": expected size " + std::to_string(expected_) + ", got " + std::to_string(got_)),
          expected(expected_), got(got_) {}
};

/// Formats a shape as "(2, 3)".
inline std::string shape_string(const std::vector<std::size_t>& s) {
    std::string r = "(";
    for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    if (s.size() == 1) r += ",";
    return r + ")";
}

/// Two array shapes are incompatible for an operation; both shapes are in the message.
struct shape_error : error {
    std::vector<std::size_t> lhs, rhs;
    /// `what` names the operation.
    shape_error(const std::string& what, std::vector<std::size_t> a, std::vector<std::size_t> b)
        : error(what + ": incompatible shapes " + shape_string(a) + " and " + shape_string(b)),
          lhs(std::move(a)), rhs(std::move(b)) {}
    /// Single-shape form: `what` explains what is wrong with `a`.
    shape_error(const std::string& what, std::vector<std::size_t> a)
        : error(what + ": shape " + shape_string(a)), lhs(std::move(a)) {}
};

/// A primitive produced a non-finite value or partial in checked mode; names the primitive.
struct domain_error : error {
    std::string op;
    /// `op` is the primitive's name (e.g. "log"), `detail` the offending value.
    domain_error(std::string op_, const std::string& detail)
        : error("non-finite result in '" + op_ + "': " + detail), op(std::move(op_)) {}
};

/// Misuse of the reverse-mode tape (no active tape, overflow, foreign variable).
struct tape_error : error {
    using error::error;
};

/// A derivative that does not exist at the given point (abs at 0, max at a tie) when strict.
struct derivative_error : error {
    using error::error;
};

/// A syntax error in an expression: 1-based line and column, and what was expected.
struct parse_error : error {
    std::size_t line, column;
    /// `message` is already formatted (source line, caret, what was expected).
    parse_error(const std::string& message, std::size_t line_, std::size_t column_)
        : error(message), line(line_), column(column_) {}
};

/// An unknown function or variable name; the message suggests the closest known names.
struct name_error : error {
    std::string name;
    name_error(const std::string& message, std::string name_) : error(message), name(std::move(name_)) {}
};

}  // namespace ad
