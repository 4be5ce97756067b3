// `adiff eval|grad|jacobian|hessian|diff|check` — user expressions: values, derivatives in every
// mode and precision, the symbolic derivative itself, and a verdict on a hand-derived formula.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

#include <unistd.h>

#include "ad/errors.hpp"
#include "ad/lang/evaluate.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/parse_count.hpp"
#include "cli/expression/format.hpp"
#include "cli/expression/request.hpp"
#include "cli/expression/symbolic.hpp"
#include "cli/tensor_commands.hpp"

namespace adiff::cli {
namespace {

using expression::Request;
using expression::Variable;

struct Options {
    std::string expr, claim, wrt, mode_word = "auto", precision_word = "double", format_word = "text";
    expression::Mode mode = expression::Mode::automatic;  // the words, once CLI11 has checked them
    Precision precision = Precision::double_;
    Format format = Format::text;
    std::vector<std::string> at, size;
    bool latex = false, c = false, cpp = false, python = false, with_value = false, no_guard = false;
    std::string name;
    std::string random = "0", seed = "1", max_entries = "10000000", rtol, digits, order;
    std::string plot;
};

/// Significant digits the working precision carries (the most --digits may ask for).
int digits_carried(Precision precision) {
    switch (precision) {
        case Precision::double_: return std::numeric_limits<double>::max_digits10;
        case Precision::long_double: return std::numeric_limits<long double>::max_digits10;
        case Precision::mp50: return 50;
        case Precision::mp100: return 100;
    }
    return std::numeric_limits<double>::max_digits10;
}

/// --digits N: 1..100 and not more than the working precision carries (else an ad::error).
int parse_digits(const std::string& text, Precision precision) {
    const auto n = static_cast<int>(parse_count(text, "--digits", 100));
    if (n < 1) throw ad::error("--digits 0: expected 1 to 100 significant digits");
    const int carried = digits_carried(precision);
    if (n > carried)
        throw ad::error("--digits " + text + ": " + std::string(precision_label(precision)) +
                        " carries at most " + std::to_string(carried) + " significant digits; use --precision 50 or 100 for more");
    return n;
}

/// A relative tolerance from user text: a number in (0, 1).
double parse_rtol(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !(v > 0 && v < 1)) throw ad::error("--rtol '" + text + "': expected a number between 0 and 1, e.g. 1e-12");
    return v;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char ch : s + ",") {
        if (ch == ',') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else if (ch != ' ') cur += ch;
    }
    return out;
}

std::string point_text(const std::vector<Variable>& vars) {
    std::string s;
    for (const auto& v : vars) {
        if (!s.empty()) s += ", ";
        s += v.name + " = ";
        if (v.shape.empty()) { s += v.values[0]; continue; }
        std::string body;  // nested brackets over the shape
        for (std::size_t k = 0; k < v.values.size(); ++k) {
            std::size_t opens = 0, rem = k;
            for (std::size_t d = v.shape.size(); d-- > 0;) {
                if (rem % v.shape[d] != 0) break;
                rem /= v.shape[d];
                ++opens;
            }
            if (k) {
                std::size_t closes = 0, r2 = k;
                for (std::size_t d = v.shape.size(); d-- > 0;) {
                    if (r2 % v.shape[d] != 0) break;
                    r2 /= v.shape[d];
                    ++closes;
                }
                body += std::string(closes, ']') + ", ";
            }
            body += std::string(opens, '[') + v.values[k];
        }
        s += body + std::string(v.shape.size(), ']');
    }
    return s;
}

std::string point_json(const std::vector<Variable>& vars) {
    std::string s = "{";
    for (std::size_t i = 0; i < vars.size(); ++i) {
        std::string t = point_text({vars[i]});
        t = t.substr(t.find(" = ") + 3);
        s += (i ? ", " : "") + expression::json_string(vars[i].name) + ": " + t;
    }
    return s + "}";
}

/// A decimal magnitude 10^l as a short number text ("7.447e-44", "0.25", "0"), valid JSON, for
/// any l (5e-435 at 50 digits is far below double's range).
std::string from_log10(double l) {
    if (l == -std::numeric_limits<double>::infinity()) return "0";
    char buf[48];
    const double e = std::floor(l);
    if (e > -5 && e < 6) {
        std::snprintf(buf, sizeof buf, "%.4g", std::pow(10.0, l));
    } else {
        double m = std::pow(10.0, l - e);
        int ex = static_cast<int>(e);
        if (m >= 9.9995) m /= 10, ++ex;
        std::snprintf(buf, sizeof buf, "%.4ge%d", m, ex);
    }
    return buf;
}

/// Max absolute and relative error (as log10) over every entry of every point.
std::pair<double, double> max_errors(const expression::CheckValues& c) {
    double a = -std::numeric_limits<double>::infinity(), r = a;
    for (const auto& pt : c.errors)
        for (const auto& e : pt) a = std::max(a, e.log_err), r = std::max(r, e.log_rel());
    return {a, r};
}

int run_check(const Request& req, std::ostream& out) {
    // Shapes: --at, --size, else guessed from EXPR and CLAIM (said on stderr).
    std::vector<Variable> vars = req.vars;
    auto ensure = [&](const std::string& name) {
        if (std::any_of(vars.begin(), vars.end(), [&](const Variable& v) { return v.name == name; })) return;
        ad::Shape s = expression::guess_shape(req.program, name);
        if (s.empty()) s = expression::guess_shape(req.claim, name);
        std::cerr << "adiff check: note: " << expression::assumed_size_note(name, s) << "\n";
        expression::require_within("variable '" + name + "' (its size guessed from the expression; give --size " + name + "=N)",
                             static_cast<long double>(ad::shape_size(s)), req.max_entries);
        vars.push_back(Variable{name, s, {}});
    };
    for (const auto& n : expression::free_variables(req.program)) ensure(n);
    for (const auto& n : expression::free_variables(req.claim)) ensure(n);
    for (const auto& w : req.wrt) ensure(w);
    long double wrt_entries = 0;
    for (const auto& v : vars)
        if (std::find(req.wrt.begin(), req.wrt.end(), v.name) != req.wrt.end()) wrt_entries += static_cast<long double>(ad::shape_size(v.shape));
    expression::require_within("the check (" + std::to_string(std::max<std::size_t>(req.random, 1)) + " points x " +
                             std::to_string(static_cast<unsigned long long>(wrt_entries)) + " inputs)",
                         static_cast<long double>(std::max<std::size_t>(req.random, 1)) * wrt_entries, req.max_entries);
    std::vector<std::vector<Variable>> points;
    if (req.random > 0)  // random points replace the --wrt variables: a value given for one would be ignored
        for (const auto& v : req.vars)
            if (!v.values.empty() && std::find(req.wrt.begin(), req.wrt.end(), v.name) != req.wrt.end())
                throw ad::error("--at " + v.name + "=… and --random " + std::to_string(req.random) + " conflict: the random points replace " + v.name +
                                " (a --wrt variable); drop --at " + v.name + " to check at random points, or --random to check at the point "
                                "(--at stays allowed for variables not in --wrt)");
    if (req.random > 0) {
        std::mt19937_64 rng(req.seed);
        std::uniform_real_distribution<double> u(-2.0, 2.0);
        for (std::size_t p = 0; p < req.random; ++p) {
            std::vector<Variable> pt = vars;
            for (auto& v : pt) {
                const bool is_wrt = std::find(req.wrt.begin(), req.wrt.end(), v.name) != req.wrt.end();
                if (!is_wrt && !v.values.empty()) continue;
                v.values.clear();
                for (std::size_t k = 0; k < ad::shape_size(v.shape); ++k) {
                    char buf[32];
                    std::snprintf(buf, sizeof buf, "%.4f", u(rng));
                    v.values.push_back(buf);
                }
            }
            points.push_back(std::move(pt));
        }
    } else {
        for (const auto& v : vars)
            if (v.values.empty()) throw ad::error("check: no value for '" + v.name + "': give --at " + v.name + "=… or use --random N");
        points.push_back(vars);
    }
    Request r = req;
    r.vars = vars;
    // The verdict (ad/check/verdict.hpp): relative per entry at 50 digits; entries that fail
    // there are decided at 100 digits (relative again, or rounding if the difference shrinks).
    const bool hundred = req.precision == Precision::mp100;
    const double log_rtol50 = req.rtol > 0 ? std::log10(req.rtol) : -30, log_rtol100 = req.rtol > 0 ? std::log10(req.rtol) : -60;
    // stages on stderr when the check is long (over ~10^4 point-inputs) and stderr is a terminal
    const bool progress = static_cast<long double>(points.size()) * std::max(wrt_entries, 1.0L) > 1e4 && isatty(2);
    auto stage = [&](const char* what) { if (progress) std::cerr << "adiff check: " << what << "...\n"; };
    stage("50 digits");
    const expression::CheckValues c50 = expression::check_mp50(r, points, {});
    std::vector<std::size_t> undecided;  // points with an entry that fails at 50 digits
    for (std::size_t p = 0; p < points.size(); ++p)
        for (const auto& e : c50.errors[p])
            if (ad::check::judge(e, std::nullopt, log_rtol50, log_rtol100) != ad::check::entry_verdict::agrees) {
                undecided.push_back(p);
                break;
            }
    std::vector<std::vector<Variable>> again;
    if (hundred) again = points;
    else for (std::size_t p : undecided) again.push_back(points[p]);
    if (!again.empty()) stage("100 digits");
    const expression::CheckValues c100 = again.empty() ? expression::CheckValues{} : expression::check_mp100(r, again, {});
    auto hi_errors = [&](std::size_t p) -> const std::vector<ad::check::entry_error>* {
        if (hundred) return &c100.errors[p];
        const auto it = std::find(undecided.begin(), undecided.end(), p);
        return it == undecided.end() ? nullptr : &c100.errors[static_cast<std::size_t>(it - undecided.begin())];
    };
    std::size_t disagreeing = 0, confirmed = 0, rounding = 0;
    expression::EntryRef worst;
    double worst_rel = -std::numeric_limits<double>::infinity();
    bool worst_differs = false;
    for (std::size_t p = 0; p < points.size(); ++p) {
        const auto* hi = hi_errors(p);
        bool point_ok = true;
        for (std::size_t k = 0; k < c50.errors[p].size(); ++k) {
            const auto& e = c50.errors[p][k];
            const auto v = ad::check::judge(e, hi ? std::optional((*hi)[k]) : std::nullopt, log_rtol50, log_rtol100);
            const bool differs = !ad::check::agrees(v);
            confirmed += v == ad::check::entry_verdict::agrees_confirmed;
            rounding += v == ad::check::entry_verdict::zero_to_precision;
            point_ok = point_ok && !differs;
            const double rel = e.log_rel();
            if ((differs && !worst_differs) || (differs == worst_differs && rel > worst_rel))
                worst = {p, k}, worst_rel = rel, worst_differs = differs;
        }
        disagreeing += !point_ok;
    }
    const bool agrees = disagreeing == 0;
    // the worst entry's values (and the plot, --plot) at the reporting precision, at its point
    const std::vector<std::vector<Variable>> worst_point{points[worst.point]};
    const std::vector<expression::EntryRef> want{{0, worst.entry}};
    const expression::CheckValues shown = hundred ? expression::check_mp100(r, worst_point, want) : expression::check_mp50(r, worst_point, want);
    const auto [ad_text, claim_text] = shown.texts.at(0);
    // double: informational (how the claim fares in double), never the verdict
    std::string double_line;
    bool double_ok = false;
    stage("double");
    try {
        Request rd = r;
        rd.plot.clear();
        const expression::CheckValues cd = expression::check_double(rd, points, {});
        const auto [da, dr] = max_errors(cd);
        double top = -std::numeric_limits<double>::infinity();
        for (const auto& pt : cd.errors) for (const auto& e : pt) top = std::max(top, e.log_scale);
        double_ok = true;
        for (const auto& pt : cd.errors)
            for (const auto& e : pt) double_ok = double_ok && (e.log_rel() <= -8 || e.log_err <= top - 12);
        double_line = "max abs error " + from_log10(da) + ", max rel error " + from_log10(dr);
    } catch (const ad::domain_error& e) {
        double_line = std::string("not computable in double: ") + e.what();
    }
    const auto [ma, mr] = max_errors(hundred ? c100 : c50);
    const char* digits = hundred ? "100 digits" : "50 digits";
    const std::string verdict = agrees ? "agrees" : "refuted";
    const std::string rtol_text = req.rtol > 0 ? from_log10(log_rtol50) : "1e-30";
    const std::string rtol100_text = req.rtol > 0 ? from_log10(log_rtol100) : "1e-60";
    const std::string criterion = "every entry within relative error " + rtol_text + " at 50 digits, or " +
                                  rtol100_text +
                                  " at 100 digits, or a difference that is rounding (it falls by 25 orders of magnitude from 50 to 100 digits)";
    std::string wrt;
    for (std::size_t k = 0; k < req.wrt.size(); ++k) wrt += (k ? ", " : "") + req.wrt[k];
    const std::size_t n = std::max<std::size_t>(c50.cols, 1);
    if (req.json) {
        out << expression::json_head("check") << ", \"verdict\": \"" << verdict << "\", \"ok\": " << (agrees ? "true" : "false") << ", \"points\": " << points.size() << ", \"disagreeing_points\": " << disagreeing
            << ", \"precision\": \"" << digits << "\", \"max_abs_error\": " << expression::json_number(from_log10(ma))
            << ", \"max_rel_error\": " << expression::json_number(from_log10(mr))
            << ", \"criterion\": {\"rtol_50_digits\": " << rtol_text << ", \"rtol_100_digits\": "
            << rtol100_text << ", \"rounding_shrink_orders\": 25}"
            << ", \"entries_decided_at_100_digits\": " << confirmed + rounding << ", \"double\": " << expression::json_string(double_line)
            << ", \"agrees_in_double\": " << (double_ok ? "true" : "false") << ", \"jacobian_shape\": [" << c50.rows << ", " << c50.cols
            << "], \"worst\": {\"point\": " << point_json(points[worst.point]) << ", \"entry\": [" << worst.entry / n << ", "
            << worst.entry % n << "], \"ad\": " << expression::json_number(ad_text) << ", \"claim\": " << expression::json_number(claim_text) << "}}\n";
    } else {
        const std::string where = points.size() == 1 ? "at the given point" : "at " + std::to_string(points.size()) + " random points (seed " + std::to_string(req.seed) + ")";
        if (agrees) {
            out << "agrees: the claim matches the " << c50.rows << " x " << c50.cols << " Jacobian of " << req.source << " w.r.t. " << wrt << " " << where << "\n";
        } else {
            out << "refuted: the claim differs from the " << c50.rows << " x " << c50.cols << " Jacobian of " << req.source << " w.r.t. " << wrt
                << " at " << disagreeing << " of " << points.size() << " point" << (points.size() == 1 ? "" : "s") << "\n";
            out << "  counterexample: " << point_text(points[worst.point]) << "\n";
            out << "  entry (" << worst.entry / n << ", " << worst.entry % n << "): AD " << ad_text << ", claim " << claim_text << "\n";
            if (worst_rel < -12) out << "  (they agree to " << from_log10(worst_rel) << " relative: a truncated constant in the claim? --rtol loosens the criterion)\n";
        }
        out << "  " << digits << ": max abs error " << from_log10(ma) << ", max rel error " << from_log10(mr);
        if (confirmed + rounding) out << " (" << confirmed + rounding << " entr" << (confirmed + rounding == 1 ? "y" : "ies") << " decided at 100 digits)";
        out << "\n  double:    " << double_line << (agrees && !double_ok ? "  (the formula loses accuracy in double precision)" : "") << "\n";
        out << "  criterion: " << criterion << "\n";
    }
    return agrees ? exit_ok : exit_refuted;
}

/// EXPR or CLAIM as given, or read from standard input ("-") or a file ("@path").
std::string read_source(std::string s) {
    if (!s.empty() && s[0] == ' ' && s.size() > 1 && s[1] == '-') s.erase(0, 1);  // see protect_negative in main.cpp
    if (s == "-") {
        std::ostringstream os;
        os << std::cin.rdbuf();
        return os.str();
    }
    if (s.size() > 1 && s[0] == '@') {
        std::error_code ec;
        if (std::filesystem::is_directory(s.substr(1), ec))
            throw ad::error("'" + s.substr(1) + "' is a directory, not an expression file (@FILE reads an expression from FILE)");
        std::ifstream in(s.substr(1));
        if (!in) throw ad::error("cannot read the expression file '" + s.substr(1) + "'");
        std::ostringstream os;
        os << in.rdbuf();
        if (in.bad()) throw ad::error("cannot read the expression file '" + s.substr(1) + "'");
        return os.str();
    }
    return s;
}

/// Reports an error on stderr — one line of text, or with --format json one JSON object
/// {"schema_version", "command", "error": {"exit_code", "kind", "operation", "message"}} —
/// and returns its exit code. Standard output stays empty.
int fail(std::string_view command, const Options& o, int code, const std::string& kind, const std::string& message, const std::string& op) {
    if (o.format == Format::json)
        std::cerr << expression::json_error(command, code, kind, message, op) << "\n";
    else
        std::cerr << "adiff " << command << ": " << message << "\n";
    return code;
}

/// With symbolic sizes the derivative is one formula for every size: the options that print
/// code or numbers for given sizes, points, modes or precisions have nothing to act on, and
/// are refused by name rather than silently ignored.
void refuse_numeric_options(const Options& o) {
    const std::pair<bool, const char*> given[] = {
        {o.c, "--c"}, {o.cpp, "--cpp"}, {o.python, "--python"}, {!o.name.empty(), "--name"}, {o.with_value, "--with-value"},
        {!o.at.empty(), "--at"}, {o.random != "0", "--random"}, {!o.rtol.empty(), "--rtol"}, {!o.plot.empty(), "--plot"},
        {!o.digits.empty(), "--digits"}, {o.mode != expression::Mode::automatic, "--mode"}, {o.precision != Precision::double_, "--precision"}};
    std::string names;
    for (const auto& [on, name] : given)
        if (on) names += (names.empty() ? "" : ", ") + std::string(name);
    if (!names.empty())
        throw ad::error(names + ": not with symbolic sizes (the derivative is derived once for every size; --latex prints it as LaTeX): "
                        "give numeric sizes, e.g. --size z=3, for code, points, modes and precisions");
}

int run_command(Command command, Options o) {
    std::ostringstream out;
    std::string source = o.expr;
    try {
        o.expr = source = read_source(o.expr);
        if (!o.claim.empty()) o.claim = read_source(o.claim);
        if ((command == Command::diff || command == Command::check) && tensor::wants_symbolic(o.size)) {  // sizes as symbols: cli/tensor_commands.cpp
            refuse_numeric_options(o);
            const int code = tensor::run({command, o.expr, o.claim, split_list(o.wrt), o.size,
                                          parse_count(o.seed, "--seed", std::numeric_limits<std::uint64_t>::max()), o.format == Format::json,
                                          o.latex},
                                         out);
            std::cout << out.str();
            return code;
        }
        Request req;
        req.command = command;
        req.source = o.expr;
        req.program = ad::lang::parse(o.expr);
        req.mode = o.mode;
        req.precision = o.precision;
        req.json = o.format == Format::json;
        req.wrt = split_list(o.wrt);
        for (std::size_t k = 0; k < req.wrt.size(); ++k)  // one column per variable: a repeat is a mistake
            if (std::find(req.wrt.begin(), req.wrt.begin() + static_cast<std::ptrdiff_t>(k), req.wrt[k]) != req.wrt.begin() + static_cast<std::ptrdiff_t>(k))
                throw ad::error("--wrt names '" + req.wrt[k] + "' twice: list each variable once");
        req.max_entries = parse_count(o.max_entries, "--max-entries", 1'000'000'000);
        ad::lang::max_entries = req.max_entries;
        req.random = parse_count(o.random, "--random", 1'000'000);
        req.seed = parse_count(o.seed, "--seed", std::numeric_limits<std::uint64_t>::max());
        if (!o.rtol.empty()) req.rtol = parse_rtol(o.rtol);
        // check reports at 50 digits (100 with --precision 100); the others at the working precision
        if (!o.digits.empty()) expression::output_digits = parse_digits(o.digits, command == Command::check && o.precision != Precision::mp100 ? Precision::mp50 : o.precision);
        req.guard = !o.no_guard;
        req.plot = o.plot;
        req.diff_style = o.latex ? expression::Style::latex : o.c ? expression::Style::c : o.cpp ? expression::Style::cpp : o.python ? expression::Style::python : expression::Style::text;
        if (!o.name.empty()) {
            const bool ident = (std::isalpha(static_cast<unsigned char>(o.name[0])) || o.name[0] == '_') &&
                               std::all_of(o.name.begin(), o.name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
            if (!ident) throw ad::error("--name '" + o.name + "': expected a C identifier (letters, digits, _; not starting with a digit)");
            if (!o.c && !o.cpp && !o.python) throw ad::error("--name names the function of --c, --cpp or --python: give one of them");
            req.function_name = o.name;
        }
        if (o.with_value && !o.c && !o.cpp && !o.python)
            throw ad::error("--with-value makes the --c, --cpp or --python function return the value too: give one of them");
        req.with_value = o.with_value;
        for (const auto& a : o.at) {
            Variable v = expression::parse_at(a);
            if (expression::find_var(req, v.name) >= 0) throw ad::error("--at " + v.name + " is given twice");
            req.vars.push_back(std::move(v));
        }
        for (const auto& s : o.size) {
            Variable v = expression::parse_size(s);
            const int k = expression::find_var(req, v.name);
            if (k >= 0 && req.vars[static_cast<std::size_t>(k)].shape != v.shape)
                throw ad::shape_error("--size " + v.name + " disagrees with its --at value", v.shape, req.vars[static_cast<std::size_t>(k)].shape);
            if (k < 0) req.vars.push_back(std::move(v));
        }
        for (const auto& v : req.vars)
            expression::require_within("variable '" + v.name + "' " + ad::shape_string(v.shape), [&] {
                long double n = 1;
                for (std::size_t d : v.shape) n *= static_cast<long double>(d);
                return n;
            }(), req.max_entries);
        int code = exit_ok;
        if (command == Command::grad || command == Command::jacobian || command == Command::hessian)
            for (const std::string& note : expression::kinks(req)) std::cerr << "adiff " << command_name(command) << ": note: " << note << "\n";
        switch (command) {
        case Command::check:
            if (o.claim.empty()) throw ad::error("check needs --claim CLAIM (the Jacobian or gradient you derived)");
            if (req.wrt.empty()) throw ad::error("check needs --wrt VARIABLES");
            req.claim_source = o.claim;
            source = o.claim;
            req.claim = ad::lang::parse(o.claim);
            source = o.expr;
            code = run_check(req, out);
            break;
        case Command::diff: code = expression::run_diff(req, out); break;
        case Command::derivatives: {
            const auto order = parse_count(o.order, "--order", expression::max_derivative_order);
            if (order < 1) throw ad::error("--order 0: expected 1 to " + std::to_string(expression::max_derivative_order));
            code = expression::run_derivatives(req, order, out);
            break;
        }
        case Command::eval:
        case Command::grad:
        case Command::jacobian:
        case Command::hessian:
            switch (o.precision) {
                case Precision::double_: code = expression::run_double(req, out); break;
                case Precision::long_double: code = expression::run_long(req, out); break;
                case Precision::mp50: code = expression::run_mp50(req, out); break;
                case Precision::mp100: code = expression::run_mp100(req, out); break;
            }
            break;
        }
        std::cout << out.str();
        std::cout.flush();
        return code;
    } catch (const ad::parse_error& e) {
        return fail(command_name(command), o, exit_bad_input, "parse", e.what(), "");
    } catch (const ad::name_error& e) {
        return fail(command_name(command), o, exit_bad_input, "name", e.what(), "");
    } catch (const ad::domain_error& e) {
        return fail(command_name(command), o, exit_nonfinite, "non-finite", expression::with_site(e.what(), source), e.op);
    } catch (const ad::error& e) {
        return fail(command_name(command), o, exit_bad_input, "bad input", expression::with_site(e.what(), source), "");
    } catch (const std::exception& e) {
        return fail(command_name(command), o, exit_internal, "internal", std::string("internal error: ") + e.what(), "");
    }
}

CLI::App* add_command(CLI::App& app, int& exit_code, Command command, const std::string& help) {
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(std::string(command_name(command)), help);
    const bool claim_opts = command == Command::check, diff_opts = command == Command::diff;
    cmd->add_option("EXPR", o->expr, "the expression; statements separated by ';', the last is the result ('-': read from stdin, '@file': from a file)")->required();
    cmd->add_option("--at", o->at, "a variable's value: x=1.5, z=[1,2,3], W=[[1,2],[3,4]] (repeatable)");
    cmd->add_option("--wrt", o->wrt, "variables to differentiate, comma-separated (default: all, in --at order)");
    cmd->add_option("--size", o->size, "a variable's shape without a value: z=5, W=3x2, x=scalar (repeatable)");
    if (command == Command::derivatives) {  // always nested forward duals (ad::derivatives<K>)
        cmd->add_option("--order", o->order, "how many derivatives: 1 to " + std::to_string(expression::max_derivative_order))->required();
        cmd->add_option("--precision", o->precision_word, "double | 50 (decimal digits)")
            ->check(CLI::IsMember(spellings(precision_choices(false))));
    } else {
        cmd->add_option("--mode", o->mode_word, "auto | forward | reverse | symbolic (all agree)")
            ->check(CLI::IsMember(spellings(expression::mode_choices())));
        cmd->add_option("--precision", o->precision_word, "double | long | 50 | 100 (decimal digits)")
            ->check(CLI::IsMember(spellings(precision_choices())));
    }
    cmd->add_option("--format", o->format_word, "text | json")->check(CLI::IsMember(spellings(format_choices())));
    if (command != Command::diff)
        cmd->add_option("--digits", o->digits, "significant digits of printed numbers, 1..100 and at most what --precision carries "
                                               "(default: enough to read back exactly: 17 in double)");
    cmd->add_option("--max-entries", o->max_entries, "refuse to build any array (variable, Jacobian, Hessian) of more entries "
                                                     "(default 10000000; symbolic Jacobians: a 40th of it)");
    if (command != Command::check && command != Command::diff && command != Command::derivatives)
        cmd->add_flag("--no-guard", o->no_guard, "in double/long: do not recompute small results at 50 digits to warn of lost accuracy");
    if (command == Command::jacobian || claim_opts)
        cmd->add_option("--plot", o->plot, command == Command::jacobian ? "also write the Jacobian as an SVG heatmap to FILE"
                                                              : "also write |claim - AD| at the first point as an SVG heatmap to FILE");
    if (claim_opts) {
        cmd->add_option("--claim", o->claim, "your Jacobian (or gradient) as an expression")->required();
        cmd->add_option("--random", o->random, "check at N random points (uniform in [-2, 2])");
        cmd->add_option("--seed", o->seed, "seed of the random points (default 1; 0 to 2^64-1)");
        cmd->add_option("--rtol", o->rtol, "relative tolerance per entry (default 1e-30 at 50 digits, 1e-60 at 100)");
    }
    if (diff_opts) {
        auto* l = cmd->add_flag("--latex", o->latex, "print LaTeX");
        auto* c = cmd->add_flag("--c", o->c, "print a C99 function");
        auto* cpp = cmd->add_flag("--cpp", o->cpp, "print a C++ function (valid C++17: no compound literals)");
        auto* py = cmd->add_flag("--python", o->python, "print a Python function (NumPy, SciPy)");
        l->excludes(c);
        l->excludes(cpp);
        l->excludes(py);
        c->excludes(cpp);
        c->excludes(py);
        cpp->excludes(py);
        cmd->add_option("--name", o->name, "the name of the --c / --cpp / --python function (default adiff_derivative)");
        cmd->add_flag("--with-value", o->with_value,
                      "the --c / --cpp / --python function also returns the value (C: value[] before out[]; Python: (value, derivative)), "
                      "sharing its subexpressions with the derivative");
    }
    cmd->callback([o, command, &exit_code] {
        o->mode = chosen(expression::mode_choices(), o->mode_word);
        o->precision = chosen(precision_choices(), o->precision_word);
        o->format = chosen(format_choices(), o->format_word);
        exit_code = run_command(command, *o);
    });
    return cmd;
}

}  // namespace

void register_expression_commands(CLI::App& app, int& exit_code) {
    add_command(app, exit_code, Command::eval, "value of an expression: adiff eval \"sum(exp(z))\" --at z=[1,2,3]");
    add_command(app, exit_code, Command::grad, "value and gradient of a scalar expression w.r.t. every variable (or --wrt)");
    add_command(app, exit_code, Command::jacobian, "Jacobian: rows = outputs flattened, columns = --wrt variables flattened");
    add_command(app, exit_code, Command::hessian, "gradient and Hessian of a scalar expression");
    add_command(app, exit_code, Command::derivatives, "f, f', ..., f^(K) and the Taylor coefficients of a scalar expression in one variable: "
                                              "--wrt x --order K --at x=0.7");
    add_command(app, exit_code, Command::diff, "symbolic derivative with shared subexpressions (t0 = ...); --latex, --c, --cpp, --python");
    add_command(app, exit_code, Command::check, "verify a hand-derived Jacobian: --claim CLAIM --wrt z (--at ... | --random N)")
        ->footer("Verdict: each entry is judged relative to its own magnitude at 50 digits (relative error <= 1e-30,\n"
                 "or --rtol); an entry that fails is recomputed at 100 digits and agrees only if it is within 1e-60\n"
                 "there or its difference is rounding (it falls by >= 25 orders of magnitude from 50 to 100 digits).\n"
                 "No absolute tolerance. A non-finite derivative or claim is never judged: exit 3 naming it.\n"
                 "Exit 0 agrees, 1 refuted, 2 bad input, 3 non-finite. See docs/check.md.");
}

}  // namespace adiff::cli
