// `adiff softmax` — the main job: the softmax cross-check report (cli/report/softmax_report.hpp).
// Exit 0 when every comparison agrees within tolerance, 1 otherwise, 2 on invalid options.
#include <chrono>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/report/format.hpp"
#include "cli/report/softmax_report.hpp"
#include "ad/plot/softmax_plots.hpp"

namespace adiff::cli {

namespace {
/// Runs the requested precision and 50 digits (once if they coincide).
report::result run_report(const report::options& opt) {
    report::result r;
    r.opt = opt;
    const auto t0 = std::chrono::steady_clock::now();
    if (opt.precision == "double") report::run_double(opt, r.rows);
    else if (opt.precision == "long") report::run_long_double(opt, r.rows);
    else if (opt.precision == "100") report::run_mp100(opt, r.rows);
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
    cmd->add_option("--seed", opt->seed, "random seed for logits, targets, gradients and weights");
    cmd->add_option("--precision", opt->precision, "double | long | 50 | 100 (50 digits always runs too)")
        ->check(CLI::IsMember({"double", "long", "50", "100"}));
    cmd->add_option("--format", opt->format, "text | json")->check(CLI::IsMember({"text", "json"}));
    auto plot_dir = std::make_shared<std::string>();
    cmd->add_option("--plot", *plot_dir, "also write Jacobian heatmaps (SVG) of the first row and of the batch into DIR");
    cmd->callback([opt, plot_dir, &exit_code] {
        if (opt->batch * opt->classes * opt->classes > 5'000'000)
            throw CLI::ValidationError("--batch/--classes", "M·Q² = " + std::to_string(opt->batch * opt->classes * opt->classes) +
                                                                " is too large for the report (limit 5000000 Jacobian entries)");
        const report::result r = run_report(*opt);
        std::cout << (opt->format == "json" ? report::to_json(r) : report::to_text(r));
        if (!plot_dir->empty())
            for (const auto& f : ad::plot::write_softmax_plots(*plot_dir, report::make_problem<double>(*opt).Z))
                std::cerr << "wrote " << f << "\n";
        exit_code = r.ok ? exit_ok : exit_refuted;
    });
}

}  // namespace adiff::cli
