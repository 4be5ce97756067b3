// libFuzzer target: the expression language end to end (fuzz/fuzz_parse.hpp).
#include <cstdio>
#include <cstdlib>

#include "fuzz/fuzz_parse.hpp"

/// With ADIFF_WRITE_DICT=FILE in the environment the target writes the function half of its
/// dictionary (fuzz/fuzz_parse.hpp: function_dictionary) to FILE and exits; scripts/ci_fuzz.sh
/// joins it with fuzz/parse.dict.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (const char* path = std::getenv("ADIFF_WRITE_DICT")) {
        std::FILE* f = std::fopen(path, "w");
        if (!f) {
            std::perror(path);
            std::exit(2);
        }
        const std::string d = adiff::fuzz::function_dictionary();
        const bool written = std::fwrite(d.data(), 1, d.size(), f) == d.size();
        std::exit(std::fclose(f) == 0 && written ? 0 : 2);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return adiff::fuzz::parse_one(data, size);
}
