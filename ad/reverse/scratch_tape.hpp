#pragma once
/// \file scratch_tape.hpp
/// The drivers' tapes: one per thread and nesting depth, reused by repeated calls, each with a
/// reused buffer for the recording's input variables.
#include <vector>

#include "ad/core/depth_slot.hpp"
#include "ad/reverse/tape.hpp"
#include "ad/reverse/var.hpp"

namespace ad::detail {

/// A tape from a per-thread pool, one per nesting depth (depth_slot), so drivers can be called
/// from inside a function being differentiated and repeated gradients reuse the same memory:
/// the tape's arrays and the input variables' buffer.
template <class T>
class scratch_tape {
    struct slot {
        Tape<T> tape;
        std::vector<Var<T>> inputs;
    };
    depth_slot<slot> slot_;

public:
    Tape<T>& operator*() const noexcept { return slot_->tape; }
    /// This depth's buffer for the input variables (valid until the scratch tape ends).
    std::vector<Var<T>>& inputs() const noexcept { return slot_->inputs; }
};

}  // namespace ad::detail
