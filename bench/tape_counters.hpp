#pragma once
/// \file tape_counters.hpp
/// The memory counters of an adiff reverse row: f recorded once on a tape of its own at z,
/// `statements`, the bytes recorded (`tape_MB`: statements, operands and the side buffers of
/// fused and array statements) and what the tape reserved in total once swept (`reserved_MB`:
/// adjoints and growth slack included).
#include <benchmark/benchmark.h>

#include <type_traits>
#include <vector>

#include "ad/adiff.hpp"

namespace bench {

inline constexpr double MB = 1024.0 * 1024.0;

/// z: the inputs as a std::vector (f gets a std::vector of Vars) or an Array (f gets an Array).
template <class F, class Z>
void tape_counters(benchmark::State& st, F f, const Z& z) {
    ad::Tape<double> tape;
    {
        ad::recording<double> rec(tape);
        std::vector<ad::Var<double>> x;
        if constexpr (std::is_same_v<Z, ad::Array<double>>) {
            x = ad::Var<double>::inputs(z.values());
            benchmark::DoNotOptimize(f(ad::Array<ad::Var<double>>(z.shape(), std::move(x))));
        } else {
            x = ad::Var<double>::inputs(z);
            benchmark::DoNotOptimize(f(x));
        }
    }
    st.counters["statements"] = double(tape.size());
    st.counters["tape_MB"] = double(tape.bytes()) / MB;
    tape.gradient_of(ad::tape_index(tape.size() - 1));
    st.counters["reserved_MB"] = double(tape.capacity_bytes()) / MB;
}

}  // namespace bench
