// The softmax report at 100 digits (see softmax_report.hpp).
#include "cli/report/softmax_report.hpp"

namespace adiff::report {
void run_mp100(const options& o, std::vector<row>& rows) { run_precision<ad::mp100>(o, "100 digits", rows); }
}  // namespace adiff::report
