#pragma once
/// \file choices.hpp
/// The enumerated options every command shares, as enums (the commands dispatch on them, never
/// on strings): the working precision (`--precision`) and the output format (`--format`).
/// An option is read as text, checked against its spellings (`spellings`, for CLI::IsMember: the
/// messages list the words, in this order) and converted once by `chosen`.
#include <stdexcept>
#include <utility>
#include <vector>
#include <string>
#include <string_view>

namespace adiff::cli {

enum class Precision { double_, long_double, mp50, mp100 };

/// How a person names it: "double", "long double", "50 digits", "100 digits".
constexpr std::string_view precision_label(Precision p) {
    switch (p) {
        case Precision::double_: return "double";
        case Precision::long_double: return "long double";
        case Precision::mp50: return "50 digits";
        case Precision::mp100: return "100 digits";
    }
    return "double";
}

/// An option's spellings and their values, in the order the help lists them.
template <class E>
using choices = std::vector<std::pair<std::string, E>>;

/// The spellings alone (for CLI::IsMember).
template <class E>
std::vector<std::string> spellings(const choices<E>& c) {
    std::vector<std::string> out;
    for (const auto& [word, value] : c) out.push_back(word);
    return out;
}

/// The value of a spelling that CLI::IsMember has accepted.
template <class E>
E chosen(const choices<E>& c, const std::string& word) {
    for (const auto& [w, value] : c)
        if (w == word) return value;
    throw std::logic_error("'" + word + "' is not one of the option's spellings");
}

/// --precision's spellings (`derivatives` has double and 50 only).
inline choices<Precision> precision_choices(bool all = true) {
    if (!all) return {{"double", Precision::double_}, {"50", Precision::mp50}};
    return {{"double", Precision::double_}, {"long", Precision::long_double}, {"50", Precision::mp50}, {"100", Precision::mp100}};
}

enum class Format { text, json };

/// The expression commands.
enum class Command { eval, grad, jacobian, hessian, derivatives, diff, check };

/// A command's name on the command line and in JSON ("command": "grad").
constexpr std::string_view command_name(Command c) {
    switch (c) {
        case Command::eval: return "eval";
        case Command::grad: return "grad";
        case Command::jacobian: return "jacobian";
        case Command::hessian: return "hessian";
        case Command::derivatives: return "derivatives";
        case Command::diff: return "diff";
        case Command::check: return "check";
    }
    return "eval";
}

/// The spelling of --precision ("double", "long", "50", "100"): read from its choices, so the
/// words are written once.
inline std::string_view precision_name(Precision p) {
    static const choices<Precision> all = precision_choices();
    for (const auto& [word, value] : all)
        if (value == p) return word;
    return "double";
}

/// --format's spellings.
inline choices<Format> format_choices() { return {{"text", Format::text}, {"json", Format::json}}; }

}  // namespace adiff::cli
