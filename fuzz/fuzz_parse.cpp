// libFuzzer target: the expression language end to end (fuzz/fuzz_parse.hpp).
#include "fuzz/fuzz_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return adiff::fuzz::parse_one(data, size);
}
