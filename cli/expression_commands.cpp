// `adiff eval|grad|jacobian|hessian|diff|check` — placeholder until the expression language lands (issue 4).
#include "cli/commands.hpp"

namespace adiff::cli {
void register_expression_commands(CLI::App&, int&) {}
}  // namespace adiff::cli
