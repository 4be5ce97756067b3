#pragma once
/// \file tape_storage.hpp
/// The memory under a tape's arrays. For trivially copyable elements (double, float, the index
/// arrays) it is realloc'd and never value-initialised: glibc moves a large block by remapping
/// its pages instead of copying them, and no page is zero-filled by a resize before it is
/// written, so a recording that grows writes each page once. The pages of each growth are
/// faulted in by one madvise (Linux) instead of one fault per page: on this project's virtual
/// machines a page fault costs ~10 µs, so a first gradient with a 290 MB tape (GMM objective,
/// d = 10, K = 50) cost 27× the next one. Huge pages were tried and are slower here (the kernel
/// compacts memory to find them). Other element types (multiprecision numbers) use std::vector.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ad::detail {

/// A resizable array of trivially copyable U whose new entries are left unwritten.
template <class U>
class raw_storage {
    static_assert(std::is_trivially_copyable_v<U>);
    U* p_ = nullptr;
    std::size_t n_ = 0, cap_ = 0;

    /// Growth beyond this many bytes has its new pages populated at once.
    static constexpr std::size_t populate_from = std::size_t(1) << 20;

    void reallocate(std::size_t cap) {
        void* q = std::realloc(static_cast<void*>(p_), cap * sizeof(U));
        if (!q) throw std::bad_alloc();
        p_ = static_cast<U*>(q);
#if defined(__linux__)
        // Fault the new pages in with one call rather than one fault per page as they are written
        // (what std::vector's zero-filling resize did too, page by page). Advice only: a kernel
        // without MADV_POPULATE_WRITE (Linux < 5.14) says EINVAL and the pages fault as usual.
        const std::size_t old_bytes = cap_ * sizeof(U), bytes = cap * sizeof(U);
        if (bytes >= populate_from) {
            constexpr std::uintptr_t page = 4096;
            const std::uintptr_t base = reinterpret_cast<std::uintptr_t>(p_);
            const std::uintptr_t begin = (base + old_bytes + page - 1) & ~(page - 1), end = (base + bytes) & ~(page - 1);
            if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, 23 /* MADV_POPULATE_WRITE */);
        }
#endif
        cap_ = cap;
    }

public:
    using value_type = U;
    raw_storage() = default;
    raw_storage(const raw_storage& o) { *this = o; }
    raw_storage& operator=(const raw_storage& o) {
        if (this != &o) {
            resize(o.n_);
            if (o.n_) std::memcpy(static_cast<void*>(p_), static_cast<const void*>(o.p_), o.n_ * sizeof(U));
        }
        return *this;
    }
    raw_storage(raw_storage&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)), cap_(std::exchange(o.cap_, 0)) {}
    raw_storage& operator=(raw_storage&& o) noexcept {
        std::swap(p_, o.p_), std::swap(n_, o.n_), std::swap(cap_, o.cap_);
        return *this;
    }
    ~raw_storage() { std::free(static_cast<void*>(p_)); }

    /// n entries: the first min(n, size()) kept, the others unwritten. Capacity only grows.
    void resize(std::size_t n) {
        if (n > cap_) reallocate(n);
        n_ = n;
    }
    U* data() noexcept { return p_; }
    const U* data() const noexcept { return p_; }
    std::size_t size() const noexcept { return n_; }
    std::size_t capacity() const noexcept { return cap_; }
    U& operator[](std::size_t i) noexcept { return p_[i]; }
    const U& operator[](std::size_t i) const noexcept { return p_[i]; }
    U* begin() noexcept { return p_; }
    U* end() noexcept { return p_ + n_; }
    const U* begin() const noexcept { return p_; }
    const U* end() const noexcept { return p_ + n_; }
};

/// The storage of a tape array of U: raw_storage when U is trivially copyable, else std::vector.
template <class U>
using tape_storage = std::conditional_t<std::is_trivially_copyable_v<U>, raw_storage<U>, std::vector<U>>;

}  // namespace ad::detail
