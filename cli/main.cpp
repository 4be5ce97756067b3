// adiff — the command line. With no subcommand it runs `adiff softmax`, the cross-check report.
// Exit codes: see cli/exit_codes.hpp (0 ok, 1 refuted, 2 bad input, 3 non-finite, 4 internal).
#include <exception>
#include <iostream>

#include "ad/errors.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
    using namespace adiff::cli;
    CLI::App app{"adiff — symbolic and automatic differentiation; with no subcommand, the softmax cross-check report"};
    app.require_subcommand(0, 1);
    int exit_code = exit_ok;
    register_softmax_report(app, exit_code);
    register_expression_commands(app, exit_code);
    try {
        app.parse(argc, argv);
        if (app.get_subcommands().empty()) {
            // No subcommand: run the softmax report with its defaults.
            CLI::App* report = app.get_subcommand("softmax");
            report->parse(std::vector<std::string>{});  // CLI11 2.1: parse() runs the callback
        }
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "adiff: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const ad::domain_error& e) {
        std::cerr << "adiff: " << e.what() << "\n";
        return exit_nonfinite;
    } catch (const ad::error& e) {
        std::cerr << "adiff: " << e.what() << "\n";
        return exit_bad_input;
    } catch (const std::exception& e) {
        std::cerr << "adiff: internal error: " << e.what() << "\n";
        return exit_internal;
    }
    return exit_code;
}
