// `adiff functions`: the functions of the expression language, read from the registry
// (ops/rules/registry.hpp): each primitive's name, arguments, domain and its LaTeX, C and Python
// spellings, as every printer uses them. docs/functions.md holds its Markdown output, checked by
// a test, so the documented table is generated from the declarations too.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/lang/evaluate.hpp"
#include "cli/choices.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expression/format.hpp"
#include "ops/rules/registry.hpp"

namespace adiff::cli {
namespace {

/// One row of the table: a primitive as the language writes it, and its declaration.
struct function_row {
    std::string name;       ///< in the expression language
    std::string rule;       ///< the rule (ad::rules::…), also its C++ name
    std::string call;       ///< how it is called: exp(x), a + b
    ad::rules::info about;
    std::vector<std::vector<double>> points;  ///< where the registry test checks it (its declaration's `points`)
};

template <class R>
std::vector<std::vector<double>> points_of() {
    std::vector<std::vector<double>> out;
    for (const auto& p : R::points) {
        if constexpr (std::is_array_v<std::remove_cvref_t<decltype(p)>>) out.push_back({p[0], p[1]});
        else out.push_back({p});
    }
    return out;
}

template <class R>
function_row unary_row() {
    const std::string n(ad::rules::language_name<R>());
    return {n, std::string(R::name), n + "(x)", R::about, points_of<R>()};
}
template <class R>
function_row binary_row() {
    const std::string n(ad::rules::language_name<R>());
    return {n, std::string(R::name), n + "(a, b)", R::about, points_of<R>()};
}
template <class R>
function_row operator_row() {
    return {std::string(R::about.c), std::string(R::name), "a " + std::string(R::about.c) + " b", R::about, points_of<R>()};
}

/// Every primitive of the language, in registry order: the operators, then the functions.
std::vector<function_row> function_rows() {
    std::vector<function_row> rows;
    rows.push_back({"-", "neg", "-x", ad::rules::neg::about, points_of<ad::rules::neg>()});
#define ADIFF_ROW(rule) rows.push_back(operator_row<ad::rules::rule>());
    ADIFF_BINARY_OPERATORS(ADIFF_ROW)
#undef ADIFF_ROW
#define ADIFF_ROW(rule) rows.push_back(unary_row<ad::rules::rule>());
    ADIFF_UNARY_FUNCTIONS(ADIFF_ROW)
#undef ADIFF_ROW
#define ADIFF_ROW(rule) rows.push_back(binary_row<ad::rules::rule>());
    ADIFF_BINARY_FUNCTIONS(ADIFF_ROW)
#undef ADIFF_ROW
    return rows;
}

/// The language's other functions (array operations: sum, softmax, …), which are not primitives.
std::vector<std::string> array_operations(const std::vector<function_row>& rows) {
    std::vector<std::string> out;
    for (const std::string& n : ad::lang::function_names()) {
        bool primitive = false;
        for (const auto& r : rows) primitive |= r.name == n;
        if (!primitive) out.push_back(n);
    }
    return out;
}

/// A Markdown table cell: `|` escaped, code spans for spellings.
std::string cell(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else out += c;
    }
    return out;
}
std::string code(std::string_view s) { return s.empty() ? "" : "`" + cell(s) + "`"; }

/// The table of docs/functions.md. Total: finite for every finite argument.
void print_markdown(std::ostream& out, const std::vector<function_row>& rows) {
    out << "| Function | C++ (`ad::`, rule) | Derivative (y the value; binary: ∂/∂a; ∂/∂b) | Domain and conventions | Total | LaTeX | C | Python (`#`: the argument) |\n"
        << "|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows)
        out << "| " << code(r.call) << " | " << code(r.rule) << " | " << cell(r.about.derivative) << " | " << cell(r.about.domain) << " | " << (r.about.total ? "yes" : "")
            << " | " << code(r.about.latex) << " | " << code(r.about.c) << " | " << code(r.about.python) << " |\n";
    out << "\nArray operations of the language (not primitives: built from the ones above, see docs/cli.md):";
    for (const auto& n : array_operations(rows)) out << " `" << n << "`";
    out << ".\n";
}

void print_text(std::ostream& out, const std::vector<function_row>& rows) {
    std::size_t width = 0;
    for (const auto& r : rows) width = std::max(width, r.call.size());
    for (const auto& r : rows)
        out << r.call << std::string(width + 2 - r.call.size(), ' ') << r.about.domain << "\n" << std::string(width + 2, ' ')
            << "derivative: " << r.about.derivative << "\n";
    out << "array operations:";
    for (const auto& n : array_operations(rows)) out << " " << n;
    out << "\n";
}

void print_json(std::ostream& out, const std::vector<function_row>& rows) {
    using expression::json_string;
    out << expression::json_head("functions") << ", \"primitives\": [";
    for (std::size_t k = 0; k < rows.size(); ++k) {
        const auto& r = rows[k];
        out << (k ? ", " : "") << "{\"name\": " << json_string(r.name) << ", \"rule\": " << json_string(r.rule)
            << ", \"call\": " << json_string(r.call) << ", \"domain\": " << json_string(std::string(r.about.domain)) << ", \"derivative\": " << json_string(std::string(r.about.derivative))
            << ", \"total\": " << (r.about.total ? "true" : "false") << ", \"derivative_of_value\": " << (r.about.smooth ? "true" : "false")
            << ", \"latex\": " << json_string(std::string(r.about.latex)) << ", \"c\": " << json_string(std::string(r.about.c))
            << ", \"python\": " << json_string(std::string(r.about.python)) << ", \"points\": [";
        for (std::size_t p = 0; p < r.points.size(); ++p) {
            out << (p ? ", " : "") << "[";
            for (std::size_t q = 0; q < r.points[p].size(); ++q) out << (q ? ", " : "") << expression::json_number(expression::num_exact(r.points[p][q]));
            out << "]";
        }
        out << "]}";
    }
    out << "], \"array_operations\": [";
    const auto ops = array_operations(rows);
    for (std::size_t k = 0; k < ops.size(); ++k) out << (k ? ", " : "") << json_string(ops[k]);
    out << "]}\n";
}

}  // namespace

void register_functions_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("functions", "the functions of the expression language, from the rule registry: domain, LaTeX, C, Python");
    auto format = std::make_shared<std::string>("text");
    cmd->add_option("--format", *format, "text | json | markdown (the table of docs/functions.md)")
        ->check(CLI::IsMember({"text", "json", "markdown"}));
    cmd->callback([format, &exit_code] {
        const std::vector<function_row> rows = function_rows();
        if (*format == "json") print_json(std::cout, rows);
        else if (*format == "markdown") print_markdown(std::cout, rows);
        else print_text(std::cout, rows);
        exit_code = exit_ok;
    });
}

}  // namespace adiff::cli
