#pragma once
/// \file request.hpp
/// What an expression command was asked to do (parsed options), shared by the per-precision
/// runners (cli/expression/run_*.cpp) and the registration in cli/expression_commands.cpp.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "ad/check/verdict.hpp"
#include "ad/lang/parser.hpp"
#include "cli/choices.hpp"
#include "ops/array/array.hpp"

namespace adiff::cli::expression {

/// A variable given on the command line: its shape and its numbers as text (read at the
/// working precision).
struct Variable {
    std::string name;
    ad::Shape shape;
    std::vector<std::string> values;  ///< empty when only the shape is known (--size, --random)
};

/// How derivatives are computed (--mode): every mode gives the same numbers.
enum class Mode { automatic, forward, reverse, symbolic };
/// --mode's spellings.
inline choices<Mode> mode_choices() {
    return {{"auto", Mode::automatic}, {"forward", Mode::forward}, {"reverse", Mode::reverse}, {"symbolic", Mode::symbolic}};
}
/// How `diff` prints the derivative (--latex, --c, --cpp, --python; text by default).
enum class Style { text, latex, c, cpp, python };

/// One parsed command line of eval / grad / jacobian / hessian / diff / check.
struct Request {
    Command command = Command::eval;
    std::string source;                  ///< EXPR
    ad::lang::Program program;
    std::string claim_source;            ///< check: CLAIM
    ad::lang::Program claim;
    std::vector<Variable> vars;          ///< --at / --size, in command-line order
    std::vector<std::string> wrt;        ///< variables to differentiate (default: all --at variables)
    Mode mode = Mode::automatic;
    Precision precision = Precision::double_;
    bool json = false;
    Style diff_style = Style::text;      ///< diff's printer
    std::string function_name = "adiff_derivative";  ///< diff --c / --cpp: the function's name (--name)
    bool with_value = false;             ///< diff --c / --cpp / --python: also return the value (--with-value)
    std::size_t random = 0;              ///< check: number of random points (0: use --at)
    std::uint64_t seed = 1;
    std::string plot;                    ///< jacobian: heatmap of J; check: heatmap of |claim − AD| (SVG path)
    std::size_t max_entries = 10'000'000;  ///< the most entries of any array built (--max-entries); symbolic: / 40
    double rtol = 0;                     ///< check: relative tolerance (0: the default of each precision)
    bool guard = true;                   ///< double/long: also compute at 50 digits and warn on a difference
};

/// The most entries a symbolic Jacobian may have under req.max_entries (each is a DAG node of
/// a few hundred bytes, and printing them all takes as long as building them).
inline std::size_t symbolic_entries(const Request& req) { return req.max_entries / 40; }

/// Refuses work over a limit before it is built: an ad::error naming what would be built, the
/// estimate, the limit and the option that raises it (--max-entries).
void require_within(const std::string& what, long double estimate, std::size_t limit);

/// Index of variable `name` in req.vars, or -1.
int find_var(const Request& req, const std::string& name);

/// Parses "x=1.5", "z=[1,2,3]", "W=[[0.1,0.2],[0.3,0.4]]" (numbers may be negative).
Variable parse_at(const std::string& spec);
/// Parses "z=5", "W=3x2", "x=scalar" into a shape-only variable.
Variable parse_size(const std::string& spec);

/// Names used by a program that it does not bind itself (and are not pi / e), in order of use.
std::vector<std::string> free_variables(const ad::lang::Program& p);
/// Default shape for a variable without --at/--size: a vector if the program indexes it or passes
/// it straight to an array function (length 1 + largest literal index, at least 3), else a scalar.
ad::Shape guess_shape(const ad::lang::Program& p, const std::string& name);
/// The note printed on stderr when a variable's shape was guessed: "z has no --size; assumed
/// length 3 (give --size z=N to choose)" or "... assumed a scalar (...)".
std::string assumed_size_note(const std::string& name, const ad::Shape& shape);

/// Runs eval/grad/jacobian/hessian at one precision; returns the exit code. In double and long
/// double precision with req.guard, the result is recomputed at 50 digits (small problems
/// only) and every entry that differs by more than rounding explains is a warning on stderr
/// (and in the JSON `warnings` field).
int run_double(const Request& req, std::ostream& out);
int run_long(const Request& req, std::ostream& out);
int run_mp50(const Request& req, std::ostream& out);
int run_mp100(const Request& req, std::ostream& out);
/// The guard's comparison: the command's result entries (`values`, as text, labelled) against
/// the same command at 50 digits. Returns one warning per entry that differs by more than
/// rounding explains (relative error over 1e-8, unless the entry is noise around a true zero:
/// negligible in its array at 50 digits and in double); empty when every entry agrees.
std::vector<std::string> guard_mp50(const Request& req, const std::vector<std::string>& labels, const std::vector<std::string>& values,
                                    const std::vector<std::size_t>& array_of);

/// The highest order `adiff derivatives --order K` computes (duals nested K deep: 2^K components).
inline constexpr std::size_t max_derivative_order = 6;
/// Runs `derivatives`: f and its first `order` derivatives w.r.t. one scalar variable, and the
/// Taylor coefficients f^(k)/k! (double or 50 digits); returns the exit code.
int run_derivatives(const Request& req, std::size_t order, std::ostream& out);

/// Runs `diff` (symbolic, precision-independent); returns the exit code.
int run_diff(const Request& req, std::ostream& out);

/// Appends the position of the failing node of the last evaluation of `source` to `message`.
std::string with_site(const std::string& message, const std::string& source);

}  // namespace adiff::cli::expression

namespace adiff::cli::expression {

/// The claim against the AD Jacobian at some points, at one precision: each entry's error
/// (ad/check/verdict.hpp), and the two values of the entries asked for, as text.
struct CheckValues {
    std::size_t rows = 0, cols = 0;                           ///< Jacobian size (outputs × wrt entries)
    std::vector<std::vector<ad::check::entry_error>> errors;  ///< [point][row-major entry]
    std::vector<std::pair<std::string, std::string>> texts;   ///< (AD, claim) of each entry in `want`
};

/// Which point's which entry (row-major) to report in text.
struct EntryRef {
    std::size_t point = 0, entry = 0;
};

/// Evaluates req.claim and the AD Jacobian of req.program at every point (each a full set of
/// variable values) at precision double / 50 / 100 digits, in a checked scope (a non-finite
/// derivative or claim is an ad::domain_error naming the operation).
CheckValues check_double(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want);
CheckValues check_mp50(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want);
CheckValues check_mp100(const Request& req, const std::vector<std::vector<Variable>>& points, const std::vector<EntryRef>& want);


}  // namespace adiff::cli::expression
