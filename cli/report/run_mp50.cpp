// The softmax report at 50 digits (see softmax_report.hpp).
#include "cli/report/softmax_report.hpp"

namespace adiff::report {
void run_mp50(const options& o, std::vector<row>& rows) { run_precision<ad::mp50>(o, "50 digits", rows); }
}  // namespace adiff::report
