#pragma once
/// \file depth_slot.hpp
/// A driver's scratch memory: one object per thread and nesting depth, reused by repeated calls.
#include <cstddef>
#include <memory>
#include <vector>

namespace ad::detail {

/// The S of this thread at the current nesting depth, held for the life of the depth_slot. A
/// driver called from inside a function being differentiated gets a slot of its own (one
/// deeper), and repeated calls reuse the same memory: a large fresh allocation on every call
/// would be given back to the operating system and faulted in again, page by page, on the
/// next, and a small one of a kilobyte or more takes malloc's slow path every time.
template <class S>
class depth_slot {
    static std::vector<std::unique_ptr<S>>& pool() {
        static thread_local std::vector<std::unique_ptr<S>> p;
        return p;
    }
    static std::size_t& depth() {
        static thread_local std::size_t d = 0;
        return d;
    }
    S* s_;

public:
    depth_slot() {
        auto& p = pool();
        if (depth() == p.size()) p.push_back(std::make_unique<S>());
        s_ = p[depth()++].get();
    }
    ~depth_slot() { --depth(); }
    depth_slot(const depth_slot&) = delete;
    depth_slot& operator=(const depth_slot&) = delete;
    S& operator*() const noexcept { return *s_; }
    S* operator->() const noexcept { return s_; }
};

}  // namespace ad::detail
