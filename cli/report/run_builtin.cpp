// The softmax report in double and long double (see softmax_report.hpp).
#include "cli/report/softmax_report.hpp"

namespace adiff::report {
void run_double(const options& o, std::vector<row>& rows) { run_precision<double>(o, "double", rows); }
void run_long_double(const options& o, std::vector<row>& rows) { run_precision<long double>(o, "long", rows); }
}  // namespace adiff::report
