#pragma once
/// \file scratch_tape.hpp
/// The drivers' tapes: one per thread and nesting depth, reused by repeated calls, each with a
/// reused buffer for the recording's input variables.
#include <cstddef>
#include <memory>
#include <vector>

#include "ad/reverse/tape.hpp"
#include "ad/reverse/var.hpp"

namespace ad::detail {

/// A tape from a per-thread pool, one per nesting depth, so drivers can be called from inside
/// a function being differentiated and repeated gradients reuse the same memory: the tape's
/// arrays and the input variables' buffer (a large fresh allocation on every call would be
/// given back to the operating system and faulted in again, page by page, on the next).
template <class T>
class scratch_tape {
    struct slot {
        Tape<T> tape;
        std::vector<Var<T>> inputs;
    };
    static std::vector<std::unique_ptr<slot>>& pool() {
        static thread_local std::vector<std::unique_ptr<slot>> p;
        return p;
    }
    static std::size_t& depth() {
        static thread_local std::size_t d = 0;
        return d;
    }
    slot* slot_;
public:
    scratch_tape() {
        auto& p = pool();
        if (depth() == p.size()) p.push_back(std::make_unique<slot>());
        slot_ = p[depth()++].get();
    }
    ~scratch_tape() { --depth(); }
    scratch_tape(const scratch_tape&) = delete;
    scratch_tape& operator=(const scratch_tape&) = delete;
    Tape<T>& operator*() const noexcept { return slot_->tape; }
    /// This depth's buffer for the input variables (valid until the scratch tape ends).
    std::vector<Var<T>>& inputs() const noexcept { return slot_->inputs; }
};

}  // namespace ad::detail
