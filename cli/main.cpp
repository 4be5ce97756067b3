// adiff — the command line. With no subcommand it runs `adiff softmax`, the cross-check report.
// Exit codes: see cli/exit_codes.hpp (0 ok, 1 refuted, 2 bad input, 3 non-finite, 4 internal).
#include <algorithm>
#include <exception>
#include <string>
#include <vector>
#include <iostream>

#include "ad/errors.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
    using namespace adiff::cli;
    CLI::App app{"adiff — symbolic and automatic differentiation; with no subcommand, the softmax cross-check report", "adiff"};
    app.require_subcommand(0, 1);
    int exit_code = exit_ok;
    register_softmax_report(app, exit_code);
    register_expression_commands(app, exit_code);
    // No subcommand (nothing, or only options such as `--classes 10`): run `adiff softmax`.
    std::vector<std::string> args(argv + 1, argv + argc);
    const bool wants_help = !args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "--help-all");
    if (args.empty() || (args[0].rfind("-", 0) == 0 && !wants_help)) args.insert(args.begin(), "softmax");
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector form in reverse order
    try {
        app.parse(args);
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
