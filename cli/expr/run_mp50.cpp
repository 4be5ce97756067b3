// eval / grad / jacobian / hessian / check at 50 decimal digits (one translation unit per precision).
#include "cli/expr/run.hpp"

namespace adiff::cli::expr {
int run_mp50(const Request& req, std::ostream& out) { return run_at<ad::mp50>(req, out); }
CheckResult check_mp50(const Request& req, const std::vector<std::vector<Variable>>& points) {
    return check_at<ad::mp50>(req, points, 1e-35, 1e-30);
}
}  // namespace adiff::cli::expr
