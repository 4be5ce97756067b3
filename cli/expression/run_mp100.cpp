// eval / grad / jacobian / hessian / check at 100 decimal digits (one translation unit per precision).
#include "cli/expression/run.hpp"

namespace adiff::cli::expression {
int run_mp100(const Request& req, std::ostream& out) { return run_at<ad::mp100>(req, out); }
CheckValues check_mp100(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want) {
    return check_at<ad::mp100>(req, points, want);
}
}  // namespace adiff::cli::expression
