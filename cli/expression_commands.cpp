// `adiff eval|grad|jacobian|hessian|diff|check` — user expressions: values, derivatives in every
// mode and precision, the symbolic derivative itself, and a verdict on a hand-derived formula.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

#include "ad/errors.hpp"
#include "ad/expr/evaluate.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/expr/format.hpp"
#include "cli/expr/request.hpp"
#include "cli/expr/symbolic.hpp"

namespace adiff::cli {
namespace {

using expr::Request;
using expr::Variable;

struct Options {
    std::string expr, claim, wrt, mode = "auto", precision = "double", format = "text";
    std::vector<std::string> at, size;
    bool latex = false, c = false;
    std::size_t random = 0;
    std::uint64_t seed = 1;
    std::string plot;
};

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
        s += (i ? ", " : "") + expr::json_string(vars[i].name) + ": " + t;
    }
    return s + "}";
}

int run_check(const Request& req, std::ostream& out) {
    // Shapes: --at, --size, else guessed from EXPR and CLAIM.
    std::vector<Variable> vars = req.vars;
    auto ensure = [&](const std::string& name) {
        if (std::any_of(vars.begin(), vars.end(), [&](const Variable& v) { return v.name == name; })) return;
        ad::Shape s = expr::guess_shape(req.program, name);
        if (s.empty()) s = expr::guess_shape(req.claim, name);
        vars.push_back(Variable{name, s, {}});
    };
    for (const auto& n : expr::free_variables(req.program)) ensure(n);
    for (const auto& n : expr::free_variables(req.claim)) ensure(n);
    for (const auto& w : req.wrt) ensure(w);
    std::vector<std::vector<Variable>> points;
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
    const bool hundred = req.precision == "100";
    const expr::CheckResult lo = expr::check_double(r, points);
    const expr::CheckResult hi = hundred ? expr::check_mp100(r, points) : expr::check_mp50(r, points);
    const char* digits = hundred ? "100 digits" : "50 digits";
    const bool agrees = hi.agrees;
    const std::string verdict = agrees ? "agrees" : "refuted";
    std::string wrt;
    for (std::size_t k = 0; k < req.wrt.size(); ++k) wrt += (k ? ", " : "") + req.wrt[k];
    if (req.json) {
        out << "{\"verdict\": \"" << verdict << "\", \"points\": " << points.size() << ", \"max_abs_error\": " << expr::num(hi.max_abs)
            << ", \"max_rel_error\": " << expr::num(hi.max_rel) << ", \"precision\": \"" << digits << "\", \"max_abs_error_double\": "
            << expr::num(lo.max_abs) << ", \"max_rel_error_double\": " << expr::num(lo.max_rel) << ", \"jacobian_shape\": [" << hi.rows
            << ", " << hi.cols << "], \"worst\": {\"point\": " << point_json(points[hi.worst_point]) << ", \"entry\": [" << hi.worst_row
            << ", " << hi.worst_col << "], \"ad\": " << hi.worst_ad << ", \"claim\": " << hi.worst_claim << "}}\n";
    } else {
        const std::string where = points.size() == 1 ? "at the given point" : "at " + std::to_string(points.size()) + " random points (seed " + std::to_string(req.seed) + ")";
        if (agrees) {
            out << "agrees: the claim matches the " << hi.rows << " x " << hi.cols << " Jacobian of " << req.source << " w.r.t. " << wrt << " " << where << "\n";
        } else {
            out << "refuted: the claim differs from the " << hi.rows << " x " << hi.cols << " Jacobian of " << req.source << " w.r.t. " << wrt
                << " at " << hi.disagreeing_points << " of " << points.size() << " point" << (points.size() == 1 ? "" : "s") << "\n";
            out << "  counterexample: " << point_text(points[hi.worst_point]) << "\n";
            out << "  entry (" << hi.worst_row << ", " << hi.worst_col << "): AD " << hi.worst_ad << ", claim " << hi.worst_claim << "\n";
        }
        out << "  " << digits << ": max abs error " << expr::num(hi.max_abs) << ", max rel error " << expr::num(hi.max_rel) << "\n";
        out << "  double:    max abs error " << expr::num(lo.max_abs) << ", max rel error " << expr::num(lo.max_rel)
            << (agrees && !lo.agrees ? "  (the formula loses accuracy in double precision)" : "") << "\n";
    }
    return agrees ? exit_ok : exit_refuted;
}

/// EXPR or CLAIM as given, or read from standard input ("-") or a file ("@path").
std::string read_source(const std::string& s) {
    if (s == "-") {
        std::ostringstream os;
        os << std::cin.rdbuf();
        return os.str();
    }
    if (s.size() > 1 && s[0] == '@') {
        std::ifstream in(s.substr(1));
        if (!in) throw ad::error("cannot read the expression file '" + s.substr(1) + "'");
        std::ostringstream os;
        os << in.rdbuf();
        return os.str();
    }
    return s;
}

int run_command(const std::string& command, Options o) {
    std::ostringstream out;
    std::string source = o.expr;
    try {
        o.expr = source = read_source(o.expr);
        if (!o.claim.empty()) o.claim = read_source(o.claim);
        Request req;
        req.command = command;
        req.source = o.expr;
        req.program = ad::parse::parse(o.expr);
        req.mode = o.mode;
        req.precision = o.precision;
        req.json = o.format == "json";
        req.wrt = split_list(o.wrt);
        req.random = o.random;
        req.seed = o.seed;
        req.plot = o.plot;
        req.diff_style = o.latex ? "latex" : (o.c ? "c" : "text");
        for (const auto& a : o.at) {
            Variable v = expr::parse_at(a);
            if (expr::find_var(req, v.name) >= 0) throw ad::error("--at " + v.name + " is given twice");
            req.vars.push_back(std::move(v));
        }
        for (const auto& s : o.size) {
            Variable v = expr::parse_size(s);
            const int k = expr::find_var(req, v.name);
            if (k >= 0 && req.vars[static_cast<std::size_t>(k)].shape != v.shape)
                throw ad::shape_error("--size " + v.name + " disagrees with its --at value", v.shape, req.vars[static_cast<std::size_t>(k)].shape);
            if (k < 0) req.vars.push_back(std::move(v));
        }
        int code = exit_ok;
        if (command == "grad" || command == "jacobian" || command == "hessian")
            for (const std::string& note : expr::kinks(req)) std::cerr << "adiff " << command << ": note: " << note << "\n";
        if (command == "check") {
            if (o.claim.empty()) throw ad::error("check needs --claim CLAIM (the Jacobian or gradient you derived)");
            if (req.wrt.empty()) throw ad::error("check needs --wrt VARIABLES");
            req.claim_source = o.claim;
            source = o.claim;
            req.claim = ad::parse::parse(o.claim);
            source = o.expr;
            code = run_check(req, out);
        } else if (command == "diff") {
            code = expr::run_diff(req, out);
        } else if (o.precision == "long") code = expr::run_long(req, out);
        else if (o.precision == "50") code = expr::run_mp50(req, out);
        else if (o.precision == "100") code = expr::run_mp100(req, out);
        else code = expr::run_double(req, out);
        std::cout << out.str();
        std::cout.flush();
        return code;
    } catch (const ad::parse_error& e) {
        std::cerr << "adiff " << command << ": " << e.what() << "\n";
        return exit_bad_input;
    } catch (const ad::name_error& e) {
        std::cerr << "adiff " << command << ": " << e.what() << "\n";
        return exit_bad_input;
    } catch (const ad::domain_error& e) {
        std::cerr << "adiff " << command << ": " << expr::with_site(e.what(), source) << "\n";
        return exit_nonfinite;
    } catch (const ad::error& e) {
        std::cerr << "adiff " << command << ": " << expr::with_site(e.what(), source) << "\n";
        return exit_bad_input;
    } catch (const std::exception& e) {
        std::cerr << "adiff " << command << ": internal error: " << e.what() << "\n";
        return exit_internal;
    }
}

CLI::App* add_command(CLI::App& app, int& exit_code, const std::string& name, const std::string& help, bool claim_opts, bool diff_opts) {
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(name, help);
    cmd->add_option("EXPR", o->expr, "the expression; statements separated by ';', the last is the result ('-': read from stdin, '@file': from a file)")->required();
    cmd->add_option("--at", o->at, "a variable's value: x=1.5, z=[1,2,3], W=[[1,2],[3,4]] (repeatable)");
    cmd->add_option("--wrt", o->wrt, "variables to differentiate, comma-separated (default: all, in --at order)");
    cmd->add_option("--size", o->size, "a variable's shape without a value: z=5, W=3x2, x=scalar (repeatable)");
    cmd->add_option("--mode", o->mode, "auto | forward | reverse | symbolic (all agree)")
        ->check(CLI::IsMember({"auto", "forward", "reverse", "symbolic"}));
    cmd->add_option("--precision", o->precision, "double | long | 50 | 100 (decimal digits)")
        ->check(CLI::IsMember({"double", "long", "50", "100"}));
    cmd->add_option("--format", o->format, "text | json")->check(CLI::IsMember({"text", "json"}));
    if (name == "jacobian" || claim_opts)
        cmd->add_option("--plot", o->plot, name == "jacobian" ? "also write the Jacobian as an SVG heatmap to FILE"
                                                              : "also write |claim - AD| at the first point as an SVG heatmap to FILE");
    if (claim_opts) {
        cmd->add_option("--claim", o->claim, "your Jacobian (or gradient) as an expression")->required();
        cmd->add_option("--random", o->random, "check at N random points (uniform in [-2, 2])");
        cmd->add_option("--seed", o->seed, "seed of the random points (default 1)");
    }
    if (diff_opts) {
        auto* l = cmd->add_flag("--latex", o->latex, "print LaTeX");
        auto* c = cmd->add_flag("--c", o->c, "print a C function");
        l->excludes(c);
    }
    cmd->callback([o, name, &exit_code] { exit_code = run_command(name, *o); });
    return cmd;
}

}  // namespace

void register_expression_commands(CLI::App& app, int& exit_code) {
    add_command(app, exit_code, "eval", "value of an expression: adiff eval \"sum(exp(z))\" --at z=[1,2,3]", false, false);
    add_command(app, exit_code, "grad", "value and gradient of a scalar expression w.r.t. every variable (or --wrt)", false, false);
    add_command(app, exit_code, "jacobian", "Jacobian: rows = outputs flattened, columns = --wrt variables flattened", false, false);
    add_command(app, exit_code, "hessian", "gradient and Hessian of a scalar expression", false, false);
    add_command(app, exit_code, "diff", "symbolic derivative with shared subexpressions (t0 = ...); --latex, --c", false, true);
    add_command(app, exit_code, "check", "verify a hand-derived Jacobian: --claim CLAIM --wrt z (--at ... | --random N)", true, false);
}

}  // namespace adiff::cli
