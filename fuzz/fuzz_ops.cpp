// libFuzzer target: the core engine's differential contract (fuzz/fuzz_ops.hpp).
#include "fuzz/fuzz_ops.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return adiff::fuzz::ops_one(data, size);
}
