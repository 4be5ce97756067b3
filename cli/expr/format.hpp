#pragma once
/// \file format.hpp
/// Numbers and arrays as text and JSON, with enough digits to round-trip at the working
/// precision (shortest round-trip for double/long double, all digits for 50/100).
#include <charconv>
#include <ios>
#include <limits>
#include <string>
#include <type_traits>

#include "ops/array/array.hpp"

namespace adiff::cli::expr {

/// x with enough significant digits to read back exactly at its precision (valid JSON number).
template <class T>
std::string num(const T& x) {
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

namespace detail {
template <class T>
void nested(const ad::Array<T>& a, std::size_t axis, std::size_t& k, std::string& out, bool pretty, std::size_t indent) {
    if (axis == a.ndim()) { out += num(a[k++]); return; }
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

}  // namespace adiff::cli::expr
