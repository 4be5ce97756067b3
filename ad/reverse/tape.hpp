#pragma once
/// \file tape.hpp
/// Reverse mode's Wengert list, stored as flat arrays (Adept/CoDiPack style):
///   statement s owns operands [end_[s], end_[s+1]) of `operand_` (indices) and `partial_`
///   (∂ statement s / ∂ operand). Inputs are statements with no operands.
/// Recording order is already topological, so the reverse sweep is one backward loop that
/// skips zero adjoints. Cost for double: 4 bytes per statement, 12 bytes per operand.
/// Fused primitives (softmax, logsumexp, ...) register an *external* vector–Jacobian product
/// that the sweep calls at the right place instead of storing a dense Jacobian.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ad/errors.hpp"
#include "ad/forward/dual.hpp"
#include "ad/reverse/tape_storage.hpp"

namespace ad {

template <class T>
class Tape;

/// Index of a statement on a tape; `inactive` marks a constant that is not recorded.
using tape_index = std::uint32_t;
inline constexpr tape_index inactive = std::numeric_limits<tape_index>::max();

/// A recorded fused primitive: outputs are statements [first, last) with no operands; during
/// the sweep `vjp(tape, call, adjoint)` adds their adjoints into their inputs' adjoints.
/// `values`/`indices` are offsets into the tape's side buffers where the call keeps its data.
/// `unit_vjp(tape, call, k, adjoint)`, optional, is vjp when output k's adjoint is 1 and every
/// other output's 0 — row k of the call's Jacobian — in fewer passes and bit for bit vjp's
/// numbers; Tape::gradient_of takes it when it seeds outputs of the call, one per group of
/// `unit_group` consecutive outputs (the rows of a fused rule: a unit VJP touches its own row).
template <class T>
struct external_call {
    tape_index first, last;
    std::uint32_t values, indices;
    std::uint32_t n_values, n_indices;
    void (*vjp)(const Tape<T>&, const external_call&, T* adjoint);
    std::string_view name = "fused primitive";  // for checked mode's messages
    void (*unit_vjp)(const Tape<T>&, const external_call&, std::size_t k, T* adjoint) = nullptr;
    std::uint32_t unit_group = 0;
};

namespace detail {
/// A growable array whose storage is kept when it is cleared: `size` is the logical length,
/// the storage only grows (geometrically, without copying or zero-filling for plain numbers).
/// Appends are one capacity test and a store; the 2^32 overflow check and the tape's byte limit
/// live in the rare growth path, not in every record.
template <class U>
struct tape_buffer {
    tape_storage<U> store;  // owns the elements (reused after clear; see tape_storage.hpp)
    U* ptr = nullptr;      // == store.data(), cached so an append touches no vector internals
    std::size_t size = 0, cap = 0;
    tape_buffer() = default;
    tape_buffer(const tape_buffer& o) : store(o.store), ptr(store.data()), size(o.size), cap(o.cap) {}
    tape_buffer(tape_buffer&& o) noexcept : store(std::move(o.store)), ptr(store.data()), size(o.size), cap(o.cap) {
        o.ptr = nullptr, o.size = o.cap = 0;
    }
    tape_buffer& operator=(tape_buffer o) noexcept {  // copy or move, then take it over
        std::swap(store, o.store);
        ptr = store.data(), size = o.size, cap = o.cap;
        return *this;
    }
    U* data() noexcept { return ptr; }
    const U* data() const noexcept { return ptr; }
    std::size_t capacity() const noexcept { return cap; }
    /// Makes room for `n` more elements.
    void reserve_more(std::size_t n) {
        if (size + n > cap) [[unlikely]] grow(size + n);
    }
    /// Room for `need` elements, usable up to `most` (≥ need): memory already held serves first;
    /// else the storage doubles (at least 64) up to 2^24 elements and grows by half beyond, so
    /// a large tape holds at most half again what it uses (a large block is realloc'd by
    /// remapping its pages, not copying them: the smaller step costs only more remaps); clamped
    /// to `most`.
    [[gnu::noinline]] void grow(std::size_t need, std::size_t most = std::numeric_limits<std::size_t>::max()) {
        if (need >= std::size_t(std::numeric_limits<std::uint32_t>::max()))
            throw tape_error("tape overflow: more than 2^32-1 statements or operands recorded");
        if (store.size() < need) {
            const std::size_t n = store.size(), next = n < (std::size_t(1) << 24) ? std::max<std::size_t>(2 * n, 64) : n + n / 2;
            store.resize(std::max(need, std::min(most, next)));
        }
        ptr = store.data();
        cap = std::min(store.size(), most);
    }
    /// Bytes held (allocated), whatever the usable capacity.
    std::size_t held() const noexcept { return store.size(); }
    void push_back(const U& u) {
        reserve_more(1);
        ptr[size++] = u;
    }
};
}  // namespace detail

/// The most bytes one tape may reserve for its statements, operands and partials, per thread
/// (default 16 GiB; the adjoints of a sweep add 8 bytes per statement for double). A recording
/// that would need more throws tape_error before allocating, naming the limit; growth near the
/// limit is clamped to it. To differentiate more, record a sum term by term
/// (ad::gradient_of_sum: the tape of one term) or raise the limit.
inline thread_local std::size_t max_tape_bytes = std::size_t(16) << 30;

/// The tape: owns its arrays; `clear()` keeps capacity so repeated gradients do not allocate.
template <class T>
class Tape {
public:
    using scalar_type = T;

    Tape() { end_.push_back(0); }

    /// Number of statements recorded (inputs included).
    std::size_t size() const noexcept { return end_.size - 1; }
    /// Number of operand entries recorded.
    std::size_t operands() const noexcept { return operand_.size; }
    /// Bytes recorded: statements, operands, and the side buffers of fused and array statements
    /// (their partials and indices); the adjoints and unused capacity are not counted.
    std::size_t bytes() const noexcept {
        return size() * sizeof(std::uint32_t) + operands() * (sizeof(T) + sizeof(tape_index)) +
               ext_values_.size * sizeof(T) + ext_indices_.size * sizeof(tape_index);
    }
    /// Bytes reserved (capacity) — flat across repeated gradients once warmed up.
    std::size_t capacity_bytes() const noexcept {
        return end_.held() * sizeof(std::uint32_t) + operand_.held() * sizeof(tape_index) +
               partial_.held() * sizeof(T) + adjoint_.capacity() * sizeof(T) +
               ext_values_.held() * sizeof(T) + ext_indices_.held() * sizeof(tape_index);
    }

    /// Forgets every statement, keeping the memory for reuse.
    void clear() noexcept {
        end_.size = 1;
        operand_.size = 0;
        partial_.size = 0;
        // Memory held beyond ad::max_tape_bytes (the limit was lowered since the tape grew): the
        // next record takes the growth path, which clamps the usable capacity to the limit.
        if (end_.held() * sizeof(std::uint32_t) + operand_.held() * operand_bytes > max_tape_bytes)
            end_.cap = operand_.cap = partial_.cap = 0;
        calls_.clear();
        kept_.clear();
        ext_values_.size = 0;
        ext_indices_.size = 0;
        names_.clear();
    }

    /// Forgets every statement but the first `inputs`, which are inputs afterwards. When they
    /// have no operands already (the inputs of the last recording: a checkpointed sum's, from
    /// term to term) nothing is written for them; otherwise the tape is cleared and `inputs`
    /// new inputs are created.
    void clear_to_inputs(std::size_t inputs) {
        const bool leaves = inputs < end_.size && end_.data()[inputs] == 0;  // end_ never decreases
        clear();
        if (leaves && inputs < end_.cap) end_.size = inputs + 1;
        else new_leaves(inputs);
    }

    /// Checked mode: the name of the primitive that recorded statement `s`, for the messages of
    /// the checked reverse sweep (recorded only in checked mode: the unchecked path pays nothing).
    void name_statement(tape_index s, std::string_view name) {
        if (names_.size() <= s) names_.resize(std::size_t(s) + 1);
        names_[s] = name;
    }
    /// The recorded name of statement s (empty when it was recorded outside checked mode).
    std::string_view name_of(std::size_t s) const noexcept { return s < names_.size() ? names_[s] : std::string_view(); }

    /// A new statement without operands (an input, or an output of a fused primitive).
    tape_index new_leaf() { return close_statement(); }
    /// n new statements without operands; returns the first (the outputs of an array statement).
    tape_index new_leaves(std::size_t n) {
        const tape_index first = static_cast<tape_index>(size());
        if (end_.size + n > end_.capacity()) [[unlikely]] grow_statements(n);
        std::fill_n(end_.data() + end_.size, n, static_cast<std::uint32_t>(operand_.size));
        end_.size += n;
        return first;
    }

    /// y = f(a): one operand.
    tape_index record(tape_index a, const T& pa) {
        reserve_operands(1);
        const std::size_t k = operand_.size++;  // partial_ shares operand_'s size
        operand_.data()[k] = a;
        partial_.data()[k] = pa;
        return close_statement();
    }
    /// y = f(a, b): two operands.
    tape_index record(tape_index a, const T& pa, tape_index b, const T& pb) {
        reserve_operands(2);
        tape_index* op = operand_.data() + operand_.size;
        T* part = partial_.data() + operand_.size;
        op[0] = a, op[1] = b;
        part[0] = pa, part[1] = pb;
        operand_.size += 2;
        return close_statement();
    }
    /// y = f(x₀, …, xₖ): n operands; inactive ones and exactly-zero partials (the non-maximal
    /// entries of a max) are skipped: they could only add 0 to an adjoint.
    tape_index record(std::span<const tape_index> idx, std::span<const T> p) {
        reserve_operands(idx.size());
        tape_index* op = operand_.data();
        T* part = partial_.data();
        std::size_t n = operand_.size;
        for (std::size_t k = 0; k < idx.size(); ++k)
            if (idx[k] != inactive && !is_exact_zero(p[k])) {
                op[n] = idx[k];
                part[n] = p[k];
                ++n;
            }
        operand_.size = n;
        return close_statement();
    }

    /// y = f(…) with at most `max_n` operands written in place: `fill(op, partial)` stores
    /// operand indices and partials into the two arrays and returns how many it wrote.
    /// Always inlined, as the helpers it calls: in a large translation unit g++'s inlining
    /// budget otherwise left it a call per statement (1.5x the GMM gradient in bench/gmm.cpp).
    template <class Fill>
    [[gnu::always_inline]] tape_index record_in_place(std::size_t max_n, Fill&& fill) {
        reserve_operands(max_n);
        const std::size_t n = fill(operand_.data() + operand_.size, partial_.data() + operand_.size);
        operand_.size += n;
        return close_statement();
    }

    /// Registers a fused primitive with `n_out` fresh output statements; returns the first.
    /// `fill(values, indices)` writes its `n_values` numbers and `n_indices` indices for the VJP
    /// callback straight into the side buffers (no copy through buffers of the caller's). If
    /// fill throws, nothing is recorded.
    template <class Fill>
    tape_index record_external_in_place(std::size_t n_out, std::size_t n_values, std::size_t n_indices,
                                        void (*vjp)(const Tape&, const external_call<T>&, T*), std::string_view name,
                                        Fill&& fill) {
        reserve_side(n_values, n_indices);
        const std::size_t v0 = ext_values_.size, i0 = ext_indices_.size;
        ext_values_.reserve_more(n_values);
        ext_indices_.reserve_more(n_indices);
        fill(ext_values_.data() + v0, ext_indices_.data() + i0);  // nothing recorded yet if it throws
        ext_values_.size += n_values;
        ext_indices_.size += n_indices;
        external_call<T> c{};
        c.name = name;
        c.first = new_leaves(n_out);
        c.last = static_cast<tape_index>(size());
        c.values = static_cast<std::uint32_t>(v0);
        c.indices = static_cast<std::uint32_t>(i0);
        c.n_values = static_cast<std::uint32_t>(n_values);
        c.n_indices = static_cast<std::uint32_t>(n_indices);
        c.vjp = vjp;
        calls_.push_back(c);
        return c.first;
    }
    /// The same, `values`/`indices` copied into the side buffers.
    tape_index record_external(std::size_t n_out, std::span<const T> values, std::span<const tape_index> indices,
                               void (*vjp)(const Tape&, const external_call<T>&, T*),
                               std::string_view name = "fused primitive") {
        return record_external_in_place(n_out, values.size(), indices.size(), vjp, name, [&](T* v, tape_index* i) {
            std::copy(values.begin(), values.end(), v);
            std::copy(indices.begin(), indices.end(), i);
        });
    }
    /// Keeps an object a recorded call needs on the sweep (a checkpointed function) until the
    /// tape is cleared; returns its number for `kept`.
    std::size_t keep(std::shared_ptr<const void> object) {
        kept_.push_back(std::move(object));
        return kept_.size() - 1;
    }
    const void* kept(std::size_t k) const noexcept { return kept_[k].get(); }

    /// The side-buffer data of a fused call.
    std::span<const T> values_of(const external_call<T>& c) const { return {ext_values_.data() + c.values, c.n_values}; }
    /// The same, writable: a Replay re-evaluates a call's values before each sweep.
    std::span<T> values_of(const external_call<T>& c) { return {ext_values_.data() + c.values, c.n_values}; }
    /// The external calls recorded, in order.
    std::span<const external_call<T>> calls() const noexcept { return calls_; }
    std::span<const tape_index> indices_of(const external_call<T>& c) const {
        return {ext_indices_.data() + c.indices, c.n_indices};
    }

    /// Statement s's operands are entries [operand_begin(s), operand_begin(s + 1)) of
    /// `operand_data()` and `partial_data()`. A Replay re-evaluates the partials in place
    /// before each sweep; the indices never change after recording.
    std::size_t operand_begin(std::size_t s) const noexcept { return end_.data()[s]; }
    const tape_index* operand_data() const noexcept { return operand_.data(); }
    T* partial_data() noexcept { return partial_.data(); }

    /// The adjoint vector (one entry per statement) of the last sweep. Writable: the next
    /// zero_adjoints then zeroes every entry (read through a const Tape to keep its extent).
    std::span<T> adjoints() noexcept {
        dirty_ = npos;
        return {adjoint_.data(), adjoint_.size()};
    }
    std::span<const T> adjoints() const noexcept { return {adjoint_.data(), adjoint_.size()}; }

    /// Zeroes the adjoints and sizes them to the tape. Only the entries a sweep may have written
    /// since the last zeroing (gradient_of(y) writes none above y) and new entries are written:
    /// successive Jacobian rows from low outputs zero less than the whole tape. The first `keep`
    /// adjoints are left as they are (see accumulate_gradient_of); entries new to the adjoint
    /// vector are zero whatever `keep`.
    void zero_adjoints(std::size_t keep = 0) {
        const std::size_t n = size(), old = adjoint_.size();
        keep = std::min(keep, n);
        if constexpr (std::is_trivially_copyable_v<T>) {
            adjoint_.resize(n);
            const std::size_t dirty = std::min({dirty_, old, n});
            if (dirty > keep) std::fill(adjoint_.begin() + std::ptrdiff_t(keep), adjoint_.begin() + std::ptrdiff_t(dirty), T(0));
            if (n > old) std::fill(adjoint_.begin() + std::ptrdiff_t(old), adjoint_.end(), T(0));
        } else if (keep == 0) {
            adjoint_.assign(n, T(0));
        } else {
            adjoint_.resize(n);
            for (std::size_t k = std::min(keep, old); k < n; ++k) adjoint_[k] = T(0);
        }
        dirty_ = keep;
    }

    /// Reverse sweep from statement `top` down to 0, propagating the adjoints already seeded.
    /// Each statement adds partial·adjoint into its operands; fused calls run their VJP.
    /// In checked mode (one test per sweep, not per statement) every adjoint it writes must be
    /// finite: domain_error names the primitive whose backward step made one inf or NaN.
    void sweep(tape_index top) {
        dirty_ = std::max(dirty_, std::size_t(top) + 1);  // a sweep writes no adjoint above top
        T* adj = adjoint_.data();
        std::size_t c = calls_.size();
        while (c > 0 && calls_[c - 1].first > top) --c;  // calls recorded after `top` cannot matter
        std::size_t s = std::size_t(top) + 1;
        const std::size_t leaves = leading_leaves();
        const bool checked = detail::checking_enabled;
        std::string_view origin = "the seed of the reverse sweep";  // where an unchecked adjoint came from
        for (;;) {
            const std::size_t stop = std::max<std::size_t>(c > 0 ? calls_[c - 1].last : 0, leaves);
            if (s > stop) {
                if (checked) [[unlikely]] sweep_range_checked(adj, stop, s, origin);
                else sweep_range(adj, stop, s);
            }
            if (c == 0) break;
            const external_call<T>& call = calls_[--c];
            call.vjp(*this, call, adj);
            origin = call.name;
            s = call.first;
        }
    }

    /// Seeds adjoint[y] = 1 (others 0) and sweeps: afterwards adjoint[i] = ∂y/∂(statement i).
    /// When y is an output of a fused call with a unit VJP (softmax, log_softmax), the sweep's
    /// first step is that row of the call's Jacobian (one pass instead of a full VJP; the same
    /// numbers), then the sweep goes on below the call. Checked mode takes the plain sweep.
    void gradient_of(tape_index y) { gradient_of(std::span<const tape_index>(&y, 1)); }

    /// The same for several outputs at once: adjoint 1 added at each y of `ys` (inactive ones
    /// skipped), so afterwards adjoint[i] = ∂(Σ y)/∂(statement i). The unit-VJP step applies
    /// when every y is an output of the same such call and they lie in successive groups of it
    /// (one seed per row, rows in increasing order: a batch Jacobian's column).
    void gradient_of(std::span<const tape_index> ys) { gradient_of(ys, 0); }

    /// gradient_of(y), except that the adjoints of the first `keep` statements are not zeroed
    /// first: the sweep adds into what they hold. A checkpointed sum records each term after
    /// the same `keep` inputs, so their adjoints accumulate the sum's gradient term by term.
    void accumulate_gradient_of(tape_index y, std::size_t keep) { gradient_of(std::span<const tape_index>(&y, 1), keep); }

    /// gradient_of(ys) keeping the first `keep` adjoints (accumulate_gradient_of).
    void gradient_of(std::span<const tape_index> ys, std::size_t keep) {
        zero_adjoints(keep);
        tape_index top = 0;
        bool any = false;
        for (tape_index y : ys)
            if (y != inactive) adjoint_[y] += T(1), top = std::max(top, y), any = true;
        if (!any) return;
        dirty_ = std::max(dirty_, std::size_t(top) + 1);
        if (const external_call<T>* call = unit_call(ys, top)) {
            for (tape_index y : ys)
                if (y != inactive) call->unit_vjp(*this, *call, y - call->first, adjoint_.data());
            if (call->first > 0) sweep(call->first - 1);
            return;
        }
        sweep(top);
    }

    /// Gives the last recorded call (its outputs start at `first`) a unit VJP for groups of
    /// `group` outputs (see external_call).
    void set_unit_vjp(tape_index first, void (*unit_vjp)(const Tape&, const external_call<T>&, std::size_t, T*), std::size_t group) {
        if (calls_.empty() || calls_.back().first != first) throw tape_error("set_unit_vjp: not the last recorded call");
        calls_.back().unit_vjp = unit_vjp;
        calls_.back().unit_group = static_cast<std::uint32_t>(group);
    }

private:
    /// Room for n more operands: partial_ is indexed like operand_ (operand_.size is the
    /// size of both) and they grow together, so one test covers both.
    [[gnu::always_inline]] void reserve_operands(std::size_t n) {
        if (operand_.size + n > operand_.capacity()) [[unlikely]] grow_operands(operand_.size + n);
    }
    [[gnu::always_inline]] tape_index close_statement() {
        if (end_.size >= end_.capacity()) [[unlikely]] grow_statements();
        end_.data()[end_.size++] = static_cast<std::uint32_t>(operand_.size);
        return static_cast<tape_index>(end_.size - 2);
    }

    /// The growth paths, with ad::max_tape_bytes: the other arrays' usable capacity is
    /// subtracted from the limit; of what is left, this array takes what it needs and half the
    /// rest (so a clamped array leaves room for the other).
    static constexpr std::size_t operand_bytes = sizeof(tape_index) + sizeof(T);
    [[noreturn]] static void over_limit() {
        const std::size_t mib = max_tape_bytes >> 20;
        std::string what = "tape limit: this recording needs more than ";
        what += mib ? std::to_string(mib) + " MiB" : std::to_string(max_tape_bytes) + " bytes";
        what += " (ad::max_tape_bytes, per thread); record a sum term by term with ad::gradient_of_sum, or raise the limit";
        throw tape_error(what);
    }
    [[gnu::noinline]] void grow_operands(std::size_t need) {
        const std::size_t others = end_.capacity() * sizeof(std::uint32_t);
        const std::size_t room = max_tape_bytes > others ? (max_tape_bytes - others) / operand_bytes : 0;
        if (need > room) over_limit();
        const std::size_t most = need + (room - need) / 2;
        operand_.grow(need, most);
        partial_.grow(need, most);
    }
    /// Room in the side buffers for a fused or array statement's values and indices: their
    /// offsets are 32-bit, and they count towards ad::max_tape_bytes with the other arrays.
    void reserve_side(std::size_t values, std::size_t indices) {
        const std::size_t nv = ext_values_.size + values, ni = ext_indices_.size + indices;
        if (nv >= std::numeric_limits<std::uint32_t>::max() || ni >= std::numeric_limits<std::uint32_t>::max())
            throw tape_error("tape overflow: more than 2^32-1 values or indices kept by fused and array statements");
        const std::size_t held = end_.held() * sizeof(std::uint32_t) + operand_.held() * operand_bytes;
        if (held + std::max(nv, ext_values_.held()) * sizeof(T) + std::max(ni, ext_indices_.held()) * sizeof(tape_index) >
            max_tape_bytes)
            over_limit();
    }
    [[gnu::noinline]] void grow_statements(std::size_t more = 1) {
        const std::size_t others = operand_.capacity() * operand_bytes;
        const std::size_t room = max_tape_bytes > others ? (max_tape_bytes - others) / sizeof(std::uint32_t) : 0;
        const std::size_t need = end_.size + more;
        if (need > room) over_limit();
        end_.grow(need, need + (room - need) / 2);
    }

    /// The call whose unit VJPs can take the first step of a sweep seeded at `ys` (top the
    /// highest): not in checked mode, top among its outputs, every active y in a later group of
    /// it than the one before, and, for several seeds, groups of at least 32. Null otherwise
    /// (the plain sweep).
    const external_call<T>* unit_call(std::span<const tape_index> ys, tape_index top) const {
        if (detail::checking_enabled || calls_.empty()) return nullptr;
        // the last call whose outputs start at or below top: top is one of them if top < last
        const auto c = std::upper_bound(calls_.begin(), calls_.end(), top,
                                        [](tape_index v, const external_call<T>& e) { return v < e.first; });
        if (c == calls_.begin()) return nullptr;
        const external_call<T>& call = *std::prev(c);
        if (!call.unit_vjp || call.unit_group == 0 || top >= call.last) return nullptr;
        // several seeds: a unit VJP is one call per seed; below 32 outputs per group one full
        // VJP over every row costs less (batch Jacobian, Q = 10: ~6% more instructions)
        if (ys.size() > 1 && call.unit_group < 32) return nullptr;
        std::size_t next = 0;  // the lowest group the next seed may be in
        for (tape_index y : ys) {
            if (y == inactive) continue;
            if (y < call.first) return nullptr;
            const std::size_t g = (y - call.first) / call.unit_group;
            if (g < next) return nullptr;
            next = g + 1;
        }
        return &call;
    }

    /// Number of statements at the start of the tape with no operands (the inputs, and the
    /// outputs of a fused call recorded right after them): the sweep never needs to visit them.
    std::size_t leading_leaves() const noexcept {
        const std::uint32_t* first = end_.data() + 1;
        return std::size_t(std::upper_bound(first, first + size(), std::uint32_t(0)) - first);
    }

    /// The hot loop: statements [lo, hi) in reverse.
    void sweep_range(T* adj, std::size_t lo, std::size_t hi) const {
        const std::uint32_t* end = end_.data();
        const tape_index* op = operand_.data();
        const T* part = partial_.data();
        for (std::size_t s = hi; s-- > lo;) {
            const T a = adj[s];
            if (is_exact_zero(a)) continue;
            const std::size_t b = end[s], e = end[s + 1];
            for (std::size_t k = b; k < e; ++k) adj[op[k]] += part[k] * a;
        }
    }

    /// sweep_range with every written adjoint checked (see sweep). An adjoint that is already
    /// non-finite when read was written by `origin` (the seed or a fused call's VJP).
    [[gnu::noinline]] void sweep_range_checked(T* adj, std::size_t lo, std::size_t hi, std::string_view origin) const {
        const std::uint32_t* end = end_.data();
        const tape_index* op = operand_.data();
        const T* part = partial_.data();
        for (std::size_t s = hi; s-- > lo;) {
            const T a = adj[s];
            if (is_exact_zero(a)) continue;
            if (!all_finite(a)) [[unlikely]]
                throw domain_error(std::string(origin), "derivative " + detail::nonfinite_text(a) + " in the reverse sweep");
            const std::string_view name = name_of(s);
            const std::size_t b = end[s], e = end[s + 1];
            for (std::size_t k = b; k < e; ++k) {
                detail::attributed(name, [&] { adj[op[k]] += part[k] * a; });
                detail::check_adjoint(name, adj[op[k]], part[k], a);
            }
        }
    }

    detail::tape_buffer<std::uint32_t> end_;  // statement s: operands [end_[s], end_[s+1])
    detail::tape_buffer<tape_index> operand_; // operand statement indices
    detail::tape_buffer<T> partial_;          // ∂ statement / ∂ operand
    detail::tape_storage<T> adjoint_;    // filled by sweeps
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
    std::size_t dirty_ = npos;            // adjoint_[dirty_, size) are 0 (npos: not known)
    std::vector<external_call<T>> calls_;
    detail::tape_buffer<T> ext_values_;            // fused and array statements' values and
    detail::tape_buffer<tape_index> ext_indices_;  // indices, grown without zero-filling
    std::vector<std::shared_ptr<const void>> kept_;  // see keep()
    std::vector<std::string_view> names_;     // checked mode: the primitive of each statement
};

/// The reverse sweep of a user's vector rule R (ops/rules/vector_rule.hpp), shared by Var and
/// Replay: the call keeps values = [x (n)..., y (m)...] and indices = the n inputs' statements
/// (inactive for a constant); the rule's VJP maps the outputs' adjoints to the inputs'.
template <class R, class T>
void vector_rule_vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
    const std::span<const T> v = tape.values_of(c);
    const std::span<const tape_index> idx = tape.indices_of(c);
    const std::size_t n = idx.size(), m = c.last - c.first;
    const std::span<const T> dy(adj + c.first, m);
    bool any = false;
    for (const T& d : dy) any |= !is_exact_zero(d);
    if (!any) return;
    std::vector<T> dx(n, T(0));
    R{}.vjp(v.first(n), v.subspan(n, m), dy, std::span<T>(dx));
    for (std::size_t k = 0; k < n; ++k)
        if (idx[k] != inactive) adj[idx[k]] += dx[k];
}

namespace detail {
/// The active tape of this thread for scalar T (null when not recording).
template <class T>
inline thread_local Tape<T>* active_tape = nullptr;
}  // namespace detail

namespace detail {
[[noreturn, gnu::cold, gnu::noinline]] inline void no_active_tape() {
    throw tape_error("no active tape: an active Var was used outside a recording (use ad::recording or a driver)");
}
}  // namespace detail

/// The active tape for T; throws tape_error when nothing is recording on this thread. Inlined
/// into every record (the throw is out of line): a call here made the caller spill and reload
/// its live registers around each statement.
template <class T>
[[gnu::always_inline]] inline Tape<T>& active_tape() {
    Tape<T>* t = detail::active_tape<T>;
    if (!t) [[unlikely]] detail::no_active_tape();
    return *t;
}

/// RAII guard: clears `tape`, makes it this thread's active tape, and restores the previous
/// one on exit (so recordings nest). Memory is kept for the next recording.
template <class T>
class recording {
    Tape<T>& tape_;
    Tape<T>* previous_;
public:
    /// Starts recording on `tape` (cleared first).
    explicit recording(Tape<T>& tape) : tape_(tape), previous_(detail::active_tape<T>) {
        tape_.clear();
        detail::active_tape<T> = &tape_;
    }
    /// Starts recording on `tape` cleared down to its first `inputs` statements, which are inputs
    /// (Tape::clear_to_inputs).
    recording(Tape<T>& tape, std::size_t inputs) : tape_(tape), previous_(detail::active_tape<T>) {
        tape_.clear_to_inputs(inputs);
        detail::active_tape<T> = &tape_;
    }
    ~recording() { detail::active_tape<T> = previous_; }
    recording(const recording&) = delete;
    recording& operator=(const recording&) = delete;
    /// The tape being recorded.
    Tape<T>& tape() const noexcept { return tape_; }
};

}  // namespace ad
