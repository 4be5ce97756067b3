// eval / grad / jacobian / hessian / check at precision double (one translation unit per precision).
#include "cli/expression/run.hpp"

namespace adiff::cli::expression {
int run_double(const Request& req, std::ostream& out) { return run_at<double>(req, out); }
CheckValues check_double(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want) {
    return check_at<double>(req, points, want);
}
}  // namespace adiff::cli::expression
