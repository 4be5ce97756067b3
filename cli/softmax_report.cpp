// `adiff softmax` — the main job: the softmax cross-check report (cli/report/softmax_report.hpp).
// Exit 0 when every comparison agrees within tolerance, 1 otherwise, 2 on invalid options.
#include <chrono>
#include <iostream>
#include <limits>
#include <memory>

#include <unistd.h>

#include "ad/errors.hpp"

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/parse_count.hpp"
#include "cli/report/format.hpp"
#include "cli/report/softmax_report.hpp"
#include "ad/plot/softmax_plots.hpp"

namespace adiff::cli {

namespace {
/// Runs the requested precision and 50 digits (once if they coincide).
report::result run_report(const report::options& opt, bool progress) {
    report::result r;
    r.opt = opt;
    const auto t0 = std::chrono::steady_clock::now();
    auto stage = [&](const char* what) {
        if (progress)
            std::cerr << "adiff softmax: " << what << " ("
                      << static_cast<int>(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) << " s so far)\n";
    };
    stage(std::string(precision_label(opt.precision)).c_str());
    switch (opt.precision) {
        case Precision::double_: report::run_double(opt, r.rows); break;
        case Precision::long_double: report::run_long_double(opt, r.rows); break;
        case Precision::mp100: report::run_mp100(opt, r.rows); break;
        case Precision::mp50: break;  // runs below
    }
    if (opt.precision != Precision::mp50) stage("50 digits");
    report::run_mp50(opt, r.rows);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& x : r.rows) r.ok = r.ok && x.ok;
    return r;
}
}  // namespace

void register_softmax_report(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<report::options>();
    auto* cmd = app.add_subcommand("softmax", "softmax cross-check report (the default): AD vs closed form vs differences");
    cmd->add_option("--classes,-Q", opt->classes, "number of classes Q (1..1000)")->check(CLI::Range(1, 1000));
    cmd->add_option("--batch,-M", opt->batch, "number of rows M of the batch (1..10000)")->check(CLI::Range(1, 10000));
    auto seed = std::make_shared<std::string>("0");
    cmd->add_option("--seed", *seed, "random seed for logits, targets, gradients and weights (0 to 2^64-1)");
    auto precision = std::make_shared<std::string>("double"), format = std::make_shared<std::string>("text");
    cmd->add_option("--precision", *precision, "double | long | 50 | 100 (50 digits always runs too)")
        ->check(CLI::IsMember(spellings(precision_choices())));
    cmd->add_option("--format", *format, "text | json")->check(CLI::IsMember(spellings(format_choices())));
    auto plot_dir = std::make_shared<std::string>();
    cmd->add_option("--plot", *plot_dir, "also write Jacobian heatmaps (SVG) of the first row and of the batch into DIR");
    auto max_work_text = std::make_shared<std::string>("300000");
    cmd->add_option("--max-work", *max_work_text, "refuse reports whose work estimate M·Q² + 3·Q² + (M·Q)²/50 exceeds this "
                                             "(default 300000, about 30 s here)");
    cmd->callback([opt, plot_dir, seed, max_work_text, precision, format, &exit_code] {
        opt->precision = chosen(precision_choices(), *precision);
        opt->format = chosen(format_choices(), *format);
        opt->seed = parse_count(*seed, "--seed", std::numeric_limits<std::uint64_t>::max());
        const std::uint64_t max_work = parse_count(*max_work_text, "--max-work", std::numeric_limits<std::uint64_t>::max());
        // Work estimate, measured (docs/cli.md): the batch rows cost ~M·Q², the Q×Q Jacobian rows
        // and the symbolic DAG ~3·Q², the dense (M·Q)² tensor (built only when M·Q ≤ 2000)
        // ~(M·Q)²/50; one unit is about 0.1 ms here.
        const long double M = static_cast<long double>(opt->batch), Q = static_cast<long double>(opt->classes);
        const long double work = M * Q * Q + 3 * Q * Q + (M * Q <= 2000 ? M * Q * M * Q / 50 : 0);
        if (work > static_cast<long double>(max_work))
            throw ad::error("softmax: the report for M = " + std::to_string(opt->batch) + ", Q = " + std::to_string(opt->classes) +
                            " has a work estimate of " + std::to_string(static_cast<unsigned long long>(work)) + " units (about " +
                            std::to_string(static_cast<unsigned long long>(work / 10000)) + " s), over the limit of " +
                            std::to_string(max_work) + " (raise it with --max-work N)");
        const report::result r = run_report(*opt, work > 20'000 && isatty(2));
        std::cout << (opt->format == Format::json ? report::to_json(r) : report::to_text(r));
        if (!plot_dir->empty())
            for (const auto& f : ad::plot::write_softmax_plots(*plot_dir, report::make_problem<double>(*opt).Z))
                std::cerr << "wrote " << f << "\n";
        exit_code = r.ok ? exit_ok : exit_refuted;
    });
}

}  // namespace adiff::cli
