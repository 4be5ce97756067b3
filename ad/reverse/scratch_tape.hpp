#pragma once
/// \file scratch_tape.hpp
/// The drivers' tapes: one per thread and nesting depth, reused by repeated calls.
#include <cstddef>
#include <memory>
#include <vector>

#include "ad/reverse/tape.hpp"

namespace ad::detail {

/// A tape from a per-thread pool, one per nesting depth, so drivers can be called from inside
/// a function being differentiated and repeated gradients reuse the same memory.
template <class T>
class scratch_tape {
    static std::vector<std::unique_ptr<Tape<T>>>& pool() {
        static thread_local std::vector<std::unique_ptr<Tape<T>>> p;
        return p;
    }
    static std::size_t& depth() {
        static thread_local std::size_t d = 0;
        return d;
    }
    Tape<T>* tape_;
public:
    scratch_tape() {
        auto& p = pool();
        if (depth() == p.size()) p.push_back(std::make_unique<Tape<T>>());
        tape_ = p[depth()++].get();
    }
    ~scratch_tape() { --depth(); }
    scratch_tape(const scratch_tape&) = delete;
    scratch_tape& operator=(const scratch_tape&) = delete;
    Tape<T>& operator*() const noexcept { return *tape_; }
};

}  // namespace ad::detail
