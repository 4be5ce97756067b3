#pragma once
/// \file parse_count.hpp
/// Whole numbers from option text (--seed, --random, --max-entries, --max-work, ...): every
/// integer from user text is range-checked here before it is narrowed (issue 12, class 3).
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include "ad/errors.hpp"

namespace adiff::cli {

/// A whole number from user text: digits only (no sign, so "-1" is not 2^64 − 1, no "1e3"), at
/// most `limit`; else an ad::error naming the option and its range.
inline std::uint64_t parse_count(std::string text, const std::string& option, std::uint64_t limit) {
    text.erase(0, text.find_first_not_of(' '));
    std::uint64_t v = 0;
    const char* end = text.data() + text.size();
    const auto r = std::from_chars(text.data(), end, v);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || r.ptr != end)
        throw ad::error(option + " '" + text + "': expected a whole number from 0 to " + std::to_string(limit));
    if (r.ec == std::errc::result_out_of_range || v > limit)
        throw ad::error(option + " " + text + " is out of range (at most " + std::to_string(limit) + ")");
    return v;
}

}  // namespace adiff::cli
