// `adiff softmax` — placeholder until the softmax report lands (issue 3).
#include <iostream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace adiff::cli {
void register_softmax_report(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("softmax", "softmax cross-check report (the default)");
    cmd->callback([&exit_code] {
        std::cout << "softmax report: not built yet\n";
        exit_code = exit_ok;
    });
}
}  // namespace adiff::cli
