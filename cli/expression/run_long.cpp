// eval / grad / jacobian / hessian / check at precision long double (one translation unit per precision).
#include "cli/expression/run.hpp"

namespace adiff::cli::expression {
int run_long(const Request& req, std::ostream& out) { return run_at<long double>(req, out); }
}  // namespace adiff::cli::expression
