/// Process set-up shared by every benchmark: large results (Jacobians up to 80 MB) come from
/// the heap and stay there, so every contender's fresh output array costs the same and the
/// timings measure arithmetic, not the kernel zero-filling new pages on each call.
#include <malloc.h>

namespace {
const bool heap_only = [] {
    mallopt(M_MMAP_MAX, 0);                // never mmap a block (and never munmap it)
    mallopt(M_TRIM_THRESHOLD, 1 << 30);    // do not give freed heap back to the OS
    return true;
}();
}  // namespace
