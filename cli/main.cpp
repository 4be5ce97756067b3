// adiff — the command line. With no subcommand it runs `adiff softmax`, the cross-check report.
// Exit codes: see cli/exit_codes.hpp (0 ok, 1 refuted, 2 bad input, 3 non-finite, 4 internal).
#include <algorithm>
#include <exception>
#include <string>
#include <vector>
#include <iostream>

#include "ad/errors.hpp"
#include "ad/lang/evaluate.hpp"
#include "ad/lang/parser.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "ops/kernels/kernels.hpp"
#include "cli/expression/format.hpp"

namespace {
/// The end of `adiff --help`: the exit codes and the functions of the expression language.
std::string help_footer() {
    std::string f = "Exit codes: 0 ok, 1 refuted (check) or a disagreement (softmax), 2 bad input, 3 a non-finite result (the "
                    "message names the operation), 4 internal error.\nFunctions of the expression language:\n ";
    std::size_t col = 1;
    for (const auto& name : ad::lang::function_names()) {
        if (col + name.size() + 1 > 96) f += "\n ", col = 1;
        f += " " + name;
        col += name.size() + 1;
    }
    return f + "\nOperators: + - * / ^ @, z[i], A[i, j], [a, b], name = expr; expr. Constants: pi, e. adiff functions describes each; see docs/cli.md.";
}

/// An argument that begins with '-' but is no option of its subcommand ("-x^2", "-1",
/// "-sum(z)") is an expression or a value: CLI11 would take it for an option, so it gets a
/// leading space (the expression reader drops it again; the parser skips it anyway).
void protect_negative(CLI::App& app, std::vector<std::string>& args) {
    if (args.empty()) return;
    CLI::App* sub = nullptr;
    try {
        sub = app.get_subcommand(args[0]);
    } catch (const CLI::OptionNotFound&) {
        return;
    }
    auto is_option = [&](const std::string& a) {
        if (a == "--" || a == "-h" || a == "--help") return true;
        if (a.rfind("--", 0) == 0) {
            const std::string name = a.substr(2, a.find('=') == std::string::npos ? std::string::npos : a.find('=') - 2);
            for (const CLI::Option* o : sub->get_options())
                for (const auto& l : o->get_lnames()) if (l == name) return true;
            return false;
        }
        for (const CLI::Option* o : sub->get_options())
            for (const auto& sn : o->get_snames()) if (a.size() >= 2 && a.substr(1, 1) == sn) return true;
        return false;
    };
    bool after_dashes = false;
    for (std::size_t k = 1; k < args.size(); ++k) {
        std::string& a = args[k];
        if (a.size() < 2 || a[0] != '-') continue;
        if (!after_dashes && a == "--") { after_dashes = true; continue; }
        // an unknown long option made only of letters, digits and dashes stays an option (so
        // CLI11 reports it and suggests); anything else that is not an option is a value
        const bool option_like = a.rfind("--", 0) == 0 && a.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-=", 2) == std::string::npos;
        if (after_dashes || (!is_option(a) && !option_like)) a = " " + a;
    }
}
}  // namespace

int main(int argc, char** argv) {
    using namespace adiff::cli;
    // The verifier prints numbers to the last digit: exp and log are glibc's (correctly rounded
    // in nearly every case) rather than the vectorised kernels' (within 2 ulp), so a value it
    // prints is the one double arithmetic with std::exp gives. The library's default is the
    // kernels (docs/arrays.md); the command line's sizes are small, where speed does not matter.
    ad::kernels::force_baseline(true);
    CLI::App app{"adiff — symbolic and automatic differentiation; with no subcommand, the softmax cross-check report", "adiff"};
    app.require_subcommand(0, 1);
    int exit_code = exit_ok;
    register_softmax_report(app, exit_code);
    register_expression_commands(app, exit_code);
    register_functions_command(app, exit_code);
    // No subcommand (nothing, or only options such as `--classes 10`): run `adiff softmax`.
    app.set_version_flag("--version", std::string("adiff ") + ADIFF_VERSION);
    app.footer(help_footer());
    std::vector<std::string> args(argv + 1, argv + argc);
    const bool wants_help = !args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "--help-all" || args[0] == "--version");
    if (args.empty()) std::cerr << "adiff: running the softmax cross-check report (adiff --help lists the commands)\n";
    if (args.empty() || (args[0].rfind("-", 0) == 0 && !wants_help)) args.insert(args.begin(), "softmax");
    // With --format json every error is a JSON object on stderr, also the command line's own
    // (a bad option, a missing --claim) and those the commands throw up to here.
    bool json = false;
    for (std::size_t k = 1; k < args.size(); ++k)
        json |= args[k] == "--format=json" || (args[k] == "--format" && k + 1 < args.size() && args[k + 1] == "json");
    const std::string command = args[0];  // never empty: "softmax" was inserted above
    const auto report = [&](int code, const std::string& kind, const std::string& message) {
        if (json) std::cerr << adiff::cli::expression::json_error(command, code, kind, message) << "\n";
        else std::cerr << "adiff: " << (code == exit_internal ? "internal error: " : "") << message << "\n";
        return code;
    };
    if (!args.empty() && args[0].rfind("-", 0) != 0) {  // an unknown command: say so, with the closest names
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
        if (std::find(names.begin(), names.end(), args[0]) == names.end()) {
            const auto near = ad::lang::closest_names(args[0], names);
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            return report(exit_bad_input, "usage", "unknown command '" + args[0] + "'" + (near.empty() ? "" : "; did you mean '" + near[0] + "'?") +
                                                       "\n  commands: " + list + " (adiff --help)");
        }
    }
    protect_negative(app, args);
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector form in reverse order
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report(exit_bad_input, "usage", e.what());
    } catch (const ad::domain_error& e) {
        return report(exit_nonfinite, "non-finite", e.what());
    } catch (const ad::error& e) {
        return report(exit_bad_input, "bad input", e.what());
    } catch (const std::exception& e) {
        return report(exit_internal, "internal", e.what());
    }
    return exit_code;
}
