// Fuzz regressions: every input in tests/fuzz_corpus/parse (the seeds and each crash the
// fuzzer found, named after what it found) goes through the fuzz target's body again, so a
// fixed bug stays fixed in the ordinary test run. (tests/fuzz_corpus/ops is replayed by the
// libFuzzer ops target at the start of every CI fuzz run.) The named cases state the fixed
// behaviour directly.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>

#include "fuzz/fuzz_parse.hpp"

namespace {
ad::Array<double> eval_at(const std::string& src, ad::expr::Env<double> env = {}) {
    return ad::expr::evaluate(ad::parse::parse(src), env);
}
}  // namespace

TEST_CASE("every fuzz corpus input passes the parser fuzz contract", "[reliability][fuzz]") {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(ADIFF_FUZZ_CORPUS "/parse")) {
        std::ifstream f(e.path(), std::ios::binary);
        const std::vector<unsigned char> d((std::istreambuf_iterator<char>(f)), {});
        INFO(e.path().filename().string());
        CHECK(adiff::fuzz::parse_one(d.data(), d.size()) == 0);  // aborts on a broken contract
        ++n;
    }
    CHECK(n >= 30);
}

TEST_CASE("fuzz regression literal_overflow_1e3082: an overflowing literal is an error, not inf",
          "[reliability][fuzz]") {
    CHECK_THROWS_WITH(eval_at("1e3082"), Catch::Contains("out of range"));
    CHECK(eval_at("1e308")[0] == 1e308);
    CHECK(eval_at("1e-400")[0] == 0.0);  // underflow to zero is IEEE and allowed
}

TEST_CASE("fuzz regression max_of_nan_modes_differ: a NaN value is NaN in every mode and checked mode names it",
          "[reliability][fuzz]") {
    // max(h^0.64 + 1) at h = −0.47: the value is NaN (negative base, real power).
    const std::vector<double> x{-0.47};
    auto f = [](const auto& v) {
        using X = std::decay_t<decltype(v[0])>;
        ad::expr::Env<X> env;
        env.emplace("h", ad::Array<X>(ad::Shape{1}, std::vector<X>{v[0]}));
        return ad::expr::evaluate(ad::parse::parse("max(h^0.64 + 1)"), env);
    };
    CHECK(std::isnan(f(x)[0]));
    CHECK(std::isnan(ad::jvp(f, x, {1.0}).first[0]));
    CHECK(std::isnan(ad::vjp(f, x, {1.0}).first[0]));
    ad::checked_scope checking;
    CHECK_THROWS_AS(f(x), ad::domain_error);
}
