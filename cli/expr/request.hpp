#pragma once
/// \file request.hpp
/// What an expression command was asked to do (parsed options), shared by the per-precision
/// runners (cli/expr/run_*.cpp) and the registration in cli/expression_commands.cpp.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "ad/parse/parser.hpp"
#include "ops/array/array.hpp"

namespace adiff::cli::expr {

/// A variable given on the command line: its shape and its numbers as text (read at the
/// working precision).
struct Variable {
    std::string name;
    ad::Shape shape;
    std::vector<std::string> values;  ///< empty when only the shape is known (--size, --random)
};

/// One parsed command line of eval / grad / jacobian / hessian / diff / check.
struct Request {
    std::string command;                 ///< "eval", "grad", ...
    std::string source;                  ///< EXPR
    ad::parse::Program program;
    std::string claim_source;            ///< check: CLAIM
    ad::parse::Program claim;
    std::vector<Variable> vars;          ///< --at / --size, in command-line order
    std::vector<std::string> wrt;        ///< variables to differentiate (default: all --at variables)
    std::string mode = "auto";           ///< auto | forward | reverse | symbolic
    std::string precision = "double";    ///< double | long | 50 | 100
    bool json = false;
    std::string diff_style = "text";     ///< diff: text | latex | c
    std::size_t random = 0;              ///< check: number of random points (0: use --at)
    std::uint64_t seed = 1;
    std::string plot;                    ///< jacobian: heatmap of J; check: heatmap of |claim − AD| (SVG path)
};

/// Index of variable `name` in req.vars, or -1.
int find_var(const Request& req, const std::string& name);

/// Parses "x=1.5", "z=[1,2,3]", "W=[[0.1,0.2],[0.3,0.4]]" (numbers may be negative).
Variable parse_at(const std::string& spec);
/// Parses "z=5", "W=3x2", "x=scalar" into a shape-only variable.
Variable parse_size(const std::string& spec);

/// Names used by a program that it does not bind itself (and are not pi / e), in order of use.
std::vector<std::string> free_variables(const ad::parse::Program& p);
/// Default shape for a variable without --at/--size: a vector if the program indexes it or passes
/// it straight to an array function (length 1 + largest literal index, at least 3), else a scalar.
ad::Shape guess_shape(const ad::parse::Program& p, const std::string& name);

/// Runs eval/grad/jacobian/hessian/check at one precision; returns the exit code.
int run_double(const Request& req, std::ostream& out);
int run_long(const Request& req, std::ostream& out);
int run_mp50(const Request& req, std::ostream& out);
int run_mp100(const Request& req, std::ostream& out);
/// Runs `diff` (symbolic, precision-independent); returns the exit code.
int run_diff(const Request& req, std::ostream& out);

/// Appends the position of the failing node of the last evaluation of `source` to `message`.
std::string with_site(const std::string& message, const std::string& source);

}  // namespace adiff::cli::expr

namespace adiff::cli::expr {

/// Result of comparing a claimed Jacobian with AD at some points, at one precision.
struct CheckResult {
    std::size_t rows = 0, cols = 0;       ///< Jacobian size (outputs × wrt entries)
    double max_abs = 0, max_rel = 0;      ///< over all points and entries
    bool agrees = true;                   ///< every entry within tolerance
    std::size_t disagreeing_points = 0;
    std::size_t worst_point = 0, worst_row = 0, worst_col = 0;
    double worst_score = -1;              ///< error / tolerance at the worst entry
    std::string worst_ad, worst_claim;    ///< the two values there, at full precision
};

/// Checks req.claim against the AD Jacobian of req.program at every point (each a full set of
/// variable values) at precision double / 50 / 100 digits.
CheckResult check_double(const Request& req, const std::vector<std::vector<Variable>>& points);
CheckResult check_mp50(const Request& req, const std::vector<std::vector<Variable>>& points);
CheckResult check_mp100(const Request& req, const std::vector<std::vector<Variable>>& points);

}  // namespace adiff::cli::expr
