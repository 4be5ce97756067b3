#pragma once
/// \file commands.hpp
/// Registration hooks: each family of subcommands lives in its own file and adds itself to
/// the app. A subcommand's callback stores its exit code in `exit_code`.
#include <CLI/CLI.hpp>

namespace adiff::cli {
/// `adiff softmax` (the default when no subcommand is given) — cli/softmax_report.cpp.
void register_softmax_report(CLI::App& app, int& exit_code);
/// `adiff eval|grad|jacobian|hessian|diff|check` — cli/expression_commands.cpp.
void register_expression_commands(CLI::App& app, int& exit_code);
/// `adiff functions` (the language's functions, from the registry) — cli/functions_command.cpp.
void register_functions_command(CLI::App& app, int& exit_code);
}  // namespace adiff::cli
