#pragma once
/// \file thread_failures.hpp
/// Shared by the thread tests: a failure counter several threads report into (the first
/// failure's text is kept), and the iteration count (ADIFF_THREAD_ITERATIONS overrides it).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

namespace adiff_test {

struct failures {
    std::atomic<long> count{0};
    std::atomic<long> checks{0};
    std::mutex m;
    std::string first;
    void check(bool ok, const std::string& what) {
        checks.fetch_add(1, std::memory_order_relaxed);
        if (ok) return;
        if (count.fetch_add(1) == 0) {
            std::lock_guard<std::mutex> lock(m);
            first = what;
        }
    }
};

inline int iterations(int fallback) {
    const char* s = std::getenv("ADIFF_THREAD_ITERATIONS");
    return s ? std::max(1, std::atoi(s)) : fallback;
}

}  // namespace adiff_test
