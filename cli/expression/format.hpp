#pragma once
/// \file format.hpp
/// Numbers and arrays as text and JSON, with enough digits to round-trip at the working
/// precision (shortest round-trip for double/long double, all digits for 50/100).
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ios>
#include <limits>
#include <string>
#include <type_traits>

#include "ops/array/array.hpp"

namespace adiff::cli::expression {

/// Significant digits of every printed number (--digits N); 0: enough to read back exactly.
/// Set once per command before anything is printed; internal round trips use num_exact.
inline int output_digits = 0;

/// x with enough significant digits to read back exactly at its precision (valid JSON number).
template <class T>
std::string num_exact(const T& x) {
    if constexpr (std::is_floating_point_v<T>) {
        char buf[80];
        const auto r = std::to_chars(buf, buf + sizeof buf, x);
        return std::string(buf, r.ptr);
    } else {
        std::string s = x.str(std::numeric_limits<T>::digits10, std::ios_base::fmtflags(0));
        if (s == "-0") s = "0";
        return s;
    }
}

/// x as printed: num_exact, or rounded to output_digits significant digits (--digits).
template <class T>
std::string num(const T& x) {
    if (output_digits <= 0) return num_exact(x);
    std::string s;
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%.*g", output_digits, static_cast<double>(x));
        s = buf;
    } else if constexpr (std::is_same_v<T, long double>) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%.*Lg", output_digits, x);
        s = buf;
    } else {
        s = x.str(output_digits, std::ios_base::fmtflags(0));
    }
    if (s == "-0") s = "0";
    return s;
}

/// A number's text as a JSON value that every JSON reader takes exactly: a bare number when it
/// is within double's range, else a string with all its digits ("5e+349", "5.07e-435": JSON
/// allows such numbers, but most readers overflow or flush them to 0).
inline std::string json_number(const std::string& text) {
    const double d = std::strtod(text.c_str(), nullptr);
    const bool zero_text = text.find_first_of("123456789") == std::string::npos ||
                           text.find_first_of("123456789") > text.find_first_of("eE");
    if (std::isinf(d) || (d == 0 && !zero_text) || (d != 0 && std::fabs(d) < 2.2250738585072014e-308)) return "\"" + text + "\"";
    return text;
}

namespace detail {
template <class T>
void nested(const ad::Array<T>& a, std::size_t axis, std::size_t& k, std::string& out, bool pretty, std::size_t indent) {
    if (axis == a.ndim()) { out += pretty ? num(a[k++]) : json_number(num(a[k++])); return; }
    out += "[";
    const std::size_t n = a.shape()[axis];
    for (std::size_t i = 0; i < n; ++i) {
        if (i) {
            out += ",";
            if (pretty && axis + 1 < a.ndim()) out += "\n" + std::string(indent + 1, ' ');
            else out += " ";
        }
        nested(a, axis + 1, k, out, pretty, indent + 1);
    }
    out += "]";
}
}  // namespace detail

/// Nested JSON lists (a bare number for shape {}), on one line.
template <class T>
std::string json_array(const ad::Array<T>& a) {
    std::string out;
    std::size_t k = 0;
    detail::nested(a, 0, k, out, false, 0);
    return out;
}

/// Nested lists with one row per line for matrices (in the expression language's syntax).
template <class T>
std::string text_array(const ad::Array<T>& a, std::size_t indent = 0) {
    std::string out;
    std::size_t k = 0;
    detail::nested(a, 0, k, out, true, indent);
    return out;
}

/// A JSON string literal.
inline std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\', out += c;
        else if (c == '\n') out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
        else out += c;
    }
    return out + "\"";
}

/// The version of the JSON output schema (docs/cli.md#json-output), shared by every command.
inline constexpr int json_schema_version = 1;

/// The opening of every JSON object adiff prints: `{"schema_version": 1, "command": "grad"`.
inline std::string json_head(std::string_view command) {
    return "{\"schema_version\": " + std::to_string(json_schema_version) + ", \"command\": " + json_string(std::string(command));
}

/// The JSON error object every command writes on stderr under `--format json` (docs/cli.md#json-output):
/// {"schema_version", "command", "error": {"exit_code", "kind", "operation", "message"}}.
inline std::string json_error(std::string_view command, int code, const std::string& kind, const std::string& message,
                              const std::string& operation = {}) {
    return json_head(command) + ", \"error\": {\"exit_code\": " + std::to_string(code) + ", \"kind\": " + json_string(kind) +
           ", \"operation\": " + (operation.empty() ? std::string("null") : json_string(operation)) +
           ", \"message\": " + json_string(message) + "}}";
}

}  // namespace adiff::cli::expression
