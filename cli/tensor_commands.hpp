#pragma once
/// \file tensor_commands.hpp
/// `adiff diff|check EXPR --wrt z --size z=n`: derivatives in matrix notation for every size
/// (ad/tensor). The expression commands hand over to these when a --size value is symbolic;
/// numeric sizes keep the per-element commands.
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/choices.hpp"

namespace adiff::cli::tensor {

/// What the symbolic-size commands read from the command line.
struct Request {
    Command command = Command::diff;  ///< diff or check
    std::string expr, claim;         ///< the sources (already read from @FILE)
    std::vector<std::string> wrt;    ///< in order; {x, x} is the second derivative
    std::vector<std::string> sizes;  ///< --size values: "z=n", "W=n x k", "x=scalar"
    std::uint64_t seed = 1;
    bool json = false;
    bool latex = false;              ///< diff: print the derivative as LaTeX (an aligned block)
};

/// True when some --size value has a symbolic size (a name such as n, not a number).
bool wants_symbolic(const std::vector<std::string>& sizes);

/// Runs the command, printing to `out`; returns the exit code. Errors are thrown as ad::error
/// (the caller reports them like every other command's).
int run(const Request& req, std::ostream& out);

}  // namespace adiff::cli::tensor
