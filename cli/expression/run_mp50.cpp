// eval / grad / jacobian / hessian / check at 50 decimal digits (one translation unit per precision),
// and the guard that recomputes a double result at 50 digits.
#include "cli/expression/run.hpp"

namespace adiff::cli::expression {
int run_mp50(const Request& req, std::ostream& out) { return run_at<ad::mp50>(req, out); }
CheckValues check_mp50(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want) {
    return check_at<ad::mp50>(req, points, want);
}
std::vector<std::string> guard_mp50(const Request& req, const std::vector<std::string>& labels, const std::vector<std::string>& values,
                                    const std::vector<std::size_t>& array_of) {
    return guard_at<ad::mp50>(req, labels, values, array_of);
}
}  // namespace adiff::cli::expression
