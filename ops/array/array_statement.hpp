#pragma once
/// \file array_statement.hpp
/// Array statements: in reverse mode on Array<Var<double>> and Array<Var<float>>, each
/// element-wise function of the registry, negation, each of + − × ÷ (with broadcasting, with an
/// array or a scalar) and each sum and max (of everything, or along the last axis) records ONE
/// tape statement for the whole array, as Stan's var_value<Matrix> and the array VJPs of
/// autograd/JAX do, instead of one statement per element:
///  - the values run as loops over contiguous numbers (exp and log through the vectorised
///    kernels of kernels.hpp), the partials come from the primitive's rule (its `d`, `da`,
///    `db`: the same declaration as every other mode);
///  - the statement stores, per active operand, its partials contiguously (one number when
///    they are all equal: 1 for +, −1 for the right side of −, 1/s for ÷ by a scalar s) and its
///    indices (one number when they are contiguous, as the outputs of an earlier array
///    statement are, or all the same, as a scalar broadcast over the array is);
///  - the sweep runs one vector loop per operand: adj[in + k] += p[k]·ḡ[k] over the elements
///    whose adjoint ḡ is nonzero (a zero adjoint adds nothing, as in the scalar sweep, so an
///    infinite partial never meets a zero adjoint).
/// Values are the rule's, element for element, except that exp and log may differ from the
/// scalar std::exp/std::log in the last 2 ulp (kernels.hpp; ad::kernels::force_baseline(true)
/// makes them agree bit for bit). Checked mode (ad::checked_scope) takes the element-wise path,
/// which checks and names every primitive, and so do operations on fewer than
/// `default_min_elements` elements (`min_elements_scope` sets the size). Other scalars (Dual,
/// multiprecision, Var<Dual> for Hessians, Traced, Expr) keep the element-wise path.
#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>
#include <iterator>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ad/reverse/var.hpp"
#include "ops/array/broadcast.hpp"
#include "ops/kernels/kernels.hpp"
#include "ops/rules/rules.hpp"

namespace ad::array_statement {

/// The scalars whose arrays record array statements.
template <class X>
inline constexpr bool enabled_for = false;
template <>
inline constexpr bool enabled_for<Var<double>> = true;
template <>
inline constexpr bool enabled_for<Var<float>> = true;

/// Arrays of fewer elements take the element-wise path by default: there one statement per
/// element costs less than an array statement's fixed cost (its result array, its scratch and
/// its tape layout). Measured with softmax + CE from array primitives (bench grad_ce): see
/// docs/reverse.md, "Array statements".
inline constexpr std::size_t default_min_elements = 32;
namespace threshold {
inline thread_local std::size_t min_elements = default_min_elements;
}

/// RAII: on this thread, array statements for operations on at least `n` elements (0: every
/// array, SIZE_MAX: none) until the scope ends; scopes nest.
class min_elements_scope {
public:
    explicit min_elements_scope(std::size_t n) noexcept : saved_(threshold::min_elements) { threshold::min_elements = n; }
    ~min_elements_scope() { threshold::min_elements = saved_; }
    min_elements_scope(const min_elements_scope&) = delete;
    min_elements_scope& operator=(const min_elements_scope&) = delete;

private:
    std::size_t saved_;
};

/// True when an operation on `n` elements (the larger operand) records one array statement
/// now: not in checked mode, and n ≥ the thread's minimum.
inline bool active(std::size_t n) noexcept {
    return !ad::detail::checking_enabled && n >= threshold::min_elements;
}

/// A rule's values over a contiguous array: the rule element by element, or a vectorised kernel
/// where kernels.hpp has one.
template <class R>
struct values {
    template <class T, class Rule>
    static void run(const Rule& r, const T* x, T* y, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k) y[k] = r.value(x[k]);
    }
};
template <>
struct values<rules::exp> {
    template <class T>
    static void run(const rules::exp&, const T* x, T* y, std::size_t n) { kernels::exp(x, y, n); }
};
template <>
struct values<rules::log> {
    template <class T>
    static void run(const rules::log&, const T* x, T* y, std::size_t n) { kernels::log(x, y, n); }
};

namespace detail {

/// How an operand's indices are stored (low two bits of its descriptor; bit 2: one partial for
/// all elements). `rows`: one index per row of L elements (an operand of shape (..., 1) broadcast
/// along the last axis), element k reading index k / L.
enum class index_kind : std::uint32_t { contiguous = 0, single = 1, gather = 2, rows = 3 };
inline constexpr std::uint32_t uniform_bit = 4;

/// Per-thread scratch for a recording (no allocation once warmed up).
template <class T>
struct scratch {
    std::vector<T> xa, xb, y, pa, pb;  // operands' values, results, partials
    std::vector<tape_index> ia, ib;     // operands' indices
    std::vector<tape_index> indices;  // the statement's index data
    std::vector<std::span<const T>> partials;  // the statement's partials, where the caller keeps them
    static scratch& get() {
        static thread_local scratch s;
        return s;
    }
};

/// Makes v hold at least n elements (it only grows: no zero-filling of reused scratch).
template <class V>
auto* ensure(V& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
}

/// The statement's layout: indices = [n, G, count, then per active operand: descriptor, and its
/// base (contiguous), its index (single), its n indices (gather) or L and its n / L indices
/// (rows)]; values = per active operand its partial (uniform) or its n partials. Element k of an
/// operand belongs to output k / G (G = 1 element-wise, G = group size for a sum or a max).
template <class T>
void begin(scratch<T>& s, std::size_t n, std::size_t G) {
    s.indices.assign({tape_index(n), tape_index(G), 0});
    s.partials.clear();
}

/// word(k) == 0 for every k < n: an OR reduction over blocks of 256 (vectorised), stopping after
/// the first block with a nonzero word.
template <class Word>
bool none(std::size_t n, Word&& word) {
    for (std::size_t k0 = 0; k0 < n; k0 += 256) {
        const std::size_t k1 = std::min(n, k0 + 256);
        decltype(word(k0)) acc = 0;
        for (std::size_t k = k0; k < k1; ++k) acc |= word(k);
        if (acc != 0) return false;
    }
    return true;
}
/// Every p[k] (k < n) equal to p[0] bit for bit (a NaN partial repeated is uniform; −0 and +0
/// are not).
template <class T>
bool uniform_bits(const T* p, std::size_t n) {
    using bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    const bits b0 = std::bit_cast<bits>(p[0]);
    return none(n, [&](std::size_t k) { return bits(std::bit_cast<bits>(p[k]) ^ b0); });
}

/// An operand's statements, as `load` found them: `consecutive` (statements base, base + 1,
/// ...: a driver's inputs, an earlier array statement's outputs; `in` is not written), else
/// `in[k]` per element; `active` when some element is on the tape.
struct operand_indices {
    const tape_index* in = nullptr;
    tape_index base = inactive;
    bool active = false, consecutive = false;
    /// Element k's statement.
    tape_index operator[](std::size_t k) const { return consecutive ? tape_index(base + k) : in[k]; }
};
/// One statement broadcast over every element (an array operation's scalar side).
inline operand_indices one_index(const tape_index& i) { return {&i, i, i != inactive, false}; }

/// Adds an operand with indices in[0..n) and partials p[0..n) (entries of inactive indices are
/// never read; p must stay valid until finish, which copies it into the tape); an operand with
/// no active entry, or whose partials are all exactly 0, adds nothing. What the caller knows
/// saves a pass: `single` (every index is in[0]: a broadcast scalar), `uniform` (every partial
/// is p[0]), `ix.consecutive`. The other tests stop at the first mismatch.
template <class T>
void add_operand(scratch<T>& s, const operand_indices& ix, const T* p, std::size_t n, bool single = false, bool uniform = false) {
    if (!ix.active) return;
    const tape_index* in = ix.in;
    const tape_index i0 = ix[0];
    index_kind kind = index_kind::gather;
    const auto none = [n](auto&& word) { return detail::none(n, word); };
    if (single || n == 1) {
        if (i0 == inactive) return;
        kind = index_kind::single;
    } else if (ix.consecutive || (i0 != inactive && in[n - 1] == i0 + tape_index(n - 1) &&
                                  none([&](std::size_t k) { return in[k] ^ tape_index(i0 + k); }))) {
        kind = index_kind::contiguous;
    } else if (i0 != inactive && none([&](std::size_t k) { return in[k] ^ i0; })) {
        kind = index_kind::single;
    } else if (std::find_if(in, in + n, [](tape_index i) { return i != inactive; }) == in + n) {
        return;  // every entry a constant
    }
    uniform = uniform || uniform_bits(p, n);
    if (uniform && is_exact_zero(p[0])) return;
    s.indices.push_back(std::uint32_t(kind) | (uniform ? uniform_bit : 0u));
    if (kind == index_kind::gather) s.indices.insert(s.indices.end(), in, in + n);
    else s.indices.push_back(i0);
    s.partials.emplace_back(p, uniform ? 1 : n);  // copied into the tape by finish
    ++s.indices[2];
}
/// The same with the caller's own index array in[0..n).
template <class T>
void add_operand(scratch<T>& s, const tape_index* in, const T* p, std::size_t n, bool single = false, bool uniform = false) {
    add_operand(s, operand_indices{in, inactive, true, false}, p, n, single, uniform);
}
/// Adds an operand read row by row: ix one index per row of L elements, p[0..n) the partials
/// (the same rules as add_operand).
template <class T>
void add_rows_operand(scratch<T>& s, const operand_indices& ix, const T* p, std::size_t n, std::size_t L, bool uniform) {
    const std::size_t rows = n / L;
    if (!ix.active) return;
    if (!ix.consecutive && std::find_if(ix.in, ix.in + rows, [](tape_index i) { return i != inactive; }) == ix.in + rows) return;
    uniform = uniform || uniform_bits(p, n);
    if (uniform && is_exact_zero(p[0])) return;
    s.indices.push_back(std::uint32_t(index_kind::rows) | (uniform ? uniform_bit : 0u));
    s.indices.push_back(tape_index(L));
    if (ix.consecutive)
        for (std::size_t r = 0; r < rows; ++r) s.indices.push_back(tape_index(ix.base + r));
    else
        s.indices.insert(s.indices.end(), ix.in, ix.in + rows);
    s.partials.emplace_back(p, uniform ? 1 : n);
    ++s.indices[2];
}

/// The sweep of one operand: adj[in_k] += p_k · g[k / G] for every element whose g is nonzero.
template <class T>
void sweep_contiguous(T* a, const T* p, bool uniform, const T* g, std::size_t n, std::size_t G) {
    if (G == 1) {
        if (uniform) kernels::add_scaled(a, p[0], g, n);
        else kernels::add_product(a, p, g, n);
        return;
    }
    for (std::size_t r = 0; r < n / G; ++r) {
        const T gr = g[r];
        if (gr == T(0)) continue;
        T* __restrict ar = a + r * G;
        if (uniform) {
            const T c = p[0] * gr;
            for (std::size_t j = 0; j < G; ++j) ar[j] += c;
        } else {
            const T* __restrict pr = p + r * G;
            for (std::size_t j = 0; j < G; ++j) ar[j] += pr[j] * gr;
        }
    }
}
template <class T>
T sweep_single(const T* p, bool uniform, const T* g, std::size_t n, std::size_t G) {
    if (G == 1) return uniform ? kernels::sum_scaled(p[0], g, n) : kernels::sum_product(p, g, n);
    T s(0);
    for (std::size_t k = 0; k < n; ++k) {
        const T gk = g[k / G];
        if (gk != T(0)) s += (uniform ? p[0] : p[k]) * gk;
    }
    return s;
}
template <class T>
void sweep_gather(T* adj, const tape_index* in, const T* p, bool uniform, const T* g, std::size_t n, std::size_t G) {
    for (std::size_t k = 0; k < n; ++k) {
        const T gk = g[G == 1 ? k : k / G];
        if (in[k] != inactive && gk != T(0)) adj[in[k]] += (uniform ? p[0] : p[k]) * gk;
    }
}

/// The reverse sweep of an array statement (see begin for the layout).
template <class T>
void vjp(const Tape<T>& tape, const external_call<T>& c, T* adj) {
    const std::span<const tape_index> idx = tape.indices_of(c);
    const T* p = tape.values_of(c).data();
    const std::size_t n = idx[0], G = idx[1], count = idx[2];
    const T* g = adj + c.first;
    std::size_t at = 3;
    for (std::size_t o = 0; o < count; ++o) {
        const std::uint32_t d = idx[at++];
        const bool uniform = (d & uniform_bit) != 0;
        switch (index_kind(d & 3u)) {
        case index_kind::contiguous: sweep_contiguous(adj + idx[at], p, uniform, g, n, G), at += 1; break;
        case index_kind::single: adj[idx[at]] += sweep_single(p, uniform, g, n, G), at += 1; break;
        case index_kind::gather: sweep_gather(adj, idx.data() + at, p, uniform, g, n, G), at += n; break;
        case index_kind::rows: {  // element-wise statements only (G = 1)
            const std::size_t L = idx[at], rows = n / L;
            const tape_index* in = idx.data() + at + 1;
            for (std::size_t r = 0; r < rows; ++r)
                if (in[r] != inactive)
                    adj[in[r]] += uniform ? kernels::sum_scaled(p[0], g + r * L, L) : kernels::sum_product(p + r * L, g + r * L, L);
            at += 1 + rows;
            break;
        }
        }
        p += uniform ? 1 : n;
    }
}

/// Records the statement built in s with `outputs` results y (none when no operand is active)
/// and returns them as an array of the given shape.
template <class T>
Array<Var<T>> finish(scratch<T>& s, Shape shape, const T* y, std::size_t outputs, std::string_view name) {
    tape_index first = inactive;
    if (s.indices[2] != 0) {
        std::size_t values = 0;
        for (const auto& part : s.partials) values += part.size();
        first = active_tape<T>().record_external_in_place(
            outputs, values, s.indices.size(), &vjp<T>, name, [&](T* v, tape_index* i) {
                for (const auto& part : s.partials) v = std::copy(part.begin(), part.end(), v);
                std::copy(s.indices.begin(), s.indices.end(), i);
            });
    }
    return Array<Var<T>>(std::move(shape), ad::detail::results(y, outputs, first));
}

/// The three kinds of side of an element-wise statement, over rows of L elements: n values
/// (const T*), one number broadcast over everything, and one number per row broadcast along the
/// row (an operand of shape (..., 1) against (..., L)).
template <class T>
struct broadcast_number {
    T v;
};
template <class T>
struct per_row {
    const T* x;
};
/// Row o of a side: its L values, or the number its elements all read.
template <class T>
const T* row_of(const T* x, std::size_t o, std::size_t L) { return x + o * L; }
template <class T>
broadcast_number<T> row_of(broadcast_number<T> x, std::size_t, std::size_t) { return x; }
template <class T>
broadcast_number<T> row_of(per_row<T> x, std::size_t o, std::size_t) { return {x.x[o]}; }
/// Element k of a row.
template <class T>
T at(const T* x, std::size_t k) { return x[k]; }
template <class T>
T at(broadcast_number<T> x, std::size_t) { return x.v; }

/// Copies n elements' values out of src into x, and finds their statements: consecutive ones
/// (the usual case: a driver's inputs, an earlier array statement's outputs) are noted by their
/// first, in the same pass; only other indices are copied into `in`, by a second pass.
template <class T>
operand_indices load(const Var<T>* src, std::size_t n, std::vector<T>& x, std::vector<tape_index>& in) {
    const ad::detail::statement_run run = ad::detail::gather_values(src, n, ensure(x, n));
    if (run.first != inactive) return {nullptr, run.first, true, true};
    if (!run.any) return {};
    tape_index* iv = ensure(in, n);
    for (std::size_t k = 0; k < n; ++k) iv[k] = src[k].i;
    return {iv, inactive, true, false};
}

}  // namespace detail

/// R(a) element-wise as one statement.
template <class R, class T>
Array<Var<T>> unary(const R& r, const Array<Var<T>>& a) {
    auto& s = detail::scratch<T>::get();
    const std::size_t n = a.size();
    const detail::operand_indices ix = detail::load(a.data(), n, s.xa, s.ia);
    const T* x = s.xa.data();
    T *y = detail::ensure(s.y, n), *p = detail::ensure(s.pa, n);
    values<R>::run(r, x, y, n);
    detail::begin(s, n, 1);
    if (ix.active && n) {
        if constexpr (rules::linear_rule<R>) {  // constant partials (neg): one number
            p[0] = r.d(x[0], y[0]);
            detail::add_operand(s, ix, p, n, false, true);
        } else {
            for (std::size_t k = 0; k < n; ++k) p[k] = r.d(x[k], y[k]);
            detail::add_operand(s, ix, p, n);
        }
    }
    return detail::finish(s, a.shape(), y, n, R::name);
}

namespace detail {

/// A side's operand on the tape: its indices per element, once, or per row.
template <class T>
void add_side(scratch<T>& s, const T*, const operand_indices& ix, const T* p, std::size_t n, std::size_t, bool uniform) {
    add_operand(s, ix, p, n, false, uniform);
}
template <class T>
void add_side(scratch<T>& s, broadcast_number<T>, const operand_indices& ix, const T* p, std::size_t n, std::size_t, bool uniform) {
    add_operand(s, ix, p, n, true, uniform);
}
template <class T>
void add_side(scratch<T>& s, per_row<T>, const operand_indices& ix, const T* p, std::size_t n, std::size_t L, bool uniform) {
    add_rows_operand(s, ix, p, n, L, uniform);
}

/// R over n elements (rows of L) as one statement, each side one of the three kinds above with
/// its indices. A broadcast side reaches the rule as one number per row, so the compiler hoists
/// what depends on it alone out of the row's loops (1/b in ∂a of a ÷ b).
template <class R, class T, class A, class B>
Array<Var<T>> binary(const R& r, scratch<T>& s, Shape shape, std::size_t n, std::size_t L, A xa, const operand_indices& ia,
                     B xb, const operand_indices& ib) {
    T *y = ensure(s.y, n), *pa = ensure(s.pa, n), *pb = ensure(s.pb, n);
    const std::size_t rows = L ? n / L : 0;
    // a linear rule's partials (+, −) are constants: one number per side, computed once
    constexpr bool linear = rules::linear_rule<R>;
    for (std::size_t o = 0; o < rows; ++o) {
        const auto ra = row_of(xa, o, L);
        const auto rb = row_of(xb, o, L);
        T *yo = y + o * L, *pao = pa + o * L, *pbo = pb + o * L;
        for (std::size_t k = 0; k < L; ++k) yo[k] = r.value(at(ra, k), at(rb, k));
        if constexpr (!linear) {
            // the partials of an active side only (a constant side's are never read)
            if (ia.active)
                for (std::size_t k = 0; k < L; ++k) pao[k] = r.da(at(ra, k), at(rb, k), yo[k]);
            if (ib.active)
                for (std::size_t k = 0; k < L; ++k) pbo[k] = r.db(at(ra, k), at(rb, k), yo[k]);
        }
    }
    begin(s, n, 1);
    if (n) {
        if constexpr (linear) {
            pa[0] = r.da(at(row_of(xa, 0, L), 0), at(row_of(xb, 0, L), 0), y[0]);
            pb[0] = r.db(at(row_of(xa, 0, L), 0), at(row_of(xb, 0, L), 0), y[0]);
        }
        if (ia.active) add_side(s, xa, ia, pa, n, L, linear);
        if (ib.active) add_side(s, xb, ib, pb, n, L, linear);
    }
    return finish(s, std::move(shape), y, n, R::name);
}

/// True when `small` is `big` with its last extent 1 and big's last extent is more than 1: small
/// holds one number per row of big, broadcast along the row.
inline bool row_broadcast(const Shape& big, const Shape& small) {
    return big.size() == small.size() && !big.empty() && small.back() == 1 && big.back() > 1 &&
           std::equal(big.begin(), big.end() - 1, small.begin());
}

}  // namespace detail

/// R(a, b) with b broadcast over a, as one statement.
template <class R, class T>
Array<Var<T>> binary(const R& r, const Array<Var<T>>& a, const Var<T>& b) {
    auto& s = detail::scratch<T>::get();
    const detail::operand_indices ia = detail::load(a.data(), a.size(), s.xa, s.ia);
    return detail::binary(r, s, a.shape(), a.size(), a.size(), static_cast<const T*>(s.xa.data()), ia,
                          detail::broadcast_number<T>{b.v}, detail::one_index(b.i));
}
/// R(a, b) with a broadcast over b, as one statement.
template <class R, class T>
Array<Var<T>> binary(const R& r, const Var<T>& a, const Array<Var<T>>& b) {
    auto& s = detail::scratch<T>::get();
    const detail::operand_indices ib = detail::load(b.data(), b.size(), s.xb, s.ib);
    return detail::binary(r, s, b.shape(), b.size(), b.size(), detail::broadcast_number<T>{a.v}, detail::one_index(a.i),
                          static_cast<const T*>(s.xb.data()), ib);
}

/// R(a, b) element-wise with broadcasting (shape_error names both shapes) as one statement.
template <class R, class T>
Array<Var<T>> binary(const R& r, const Array<Var<T>>& a, const Array<Var<T>>& b, const char* what) {
    auto& s = detail::scratch<T>::get();
    if (a.shape() == b.shape() && a.size() != 1) {
        const std::size_t n = a.size();
        const detail::operand_indices ia = detail::load(a.data(), n, s.xa, s.ia), ib = detail::load(b.data(), n, s.xb, s.ib);
        return detail::binary(r, s, a.shape(), n, n, static_cast<const T*>(s.xa.data()), ia, static_cast<const T*>(s.xb.data()), ib);
    }
    if (b.size() == 1 && b.ndim() <= a.ndim()) return binary(r, a, b[0]);  // b's shape all 1s
    if (a.size() == 1 && a.ndim() <= b.ndim()) return binary(r, a[0], b);
    if (detail::row_broadcast(a.shape(), b.shape())) {  // b: one number per row of a
        const std::size_t n = a.size(), L = a.shape().back();
        const detail::operand_indices ia = detail::load(a.data(), n, s.xa, s.ia), ib = detail::load(b.data(), b.size(), s.xb, s.ib);
        return detail::binary(r, s, a.shape(), n, L, static_cast<const T*>(s.xa.data()), ia, detail::per_row<T>{s.xb.data()}, ib);
    }
    if (detail::row_broadcast(b.shape(), a.shape())) {  // a: one number per row of b
        const std::size_t n = b.size(), L = b.shape().back();
        const detail::operand_indices ia = detail::load(a.data(), a.size(), s.xa, s.ia), ib = detail::load(b.data(), n, s.xb, s.ib);
        return detail::binary(r, s, b.shape(), n, L, detail::per_row<T>{s.xa.data()}, ia, static_cast<const T*>(s.xb.data()), ib);
    }
    // general broadcasting: both sides gathered to the result's elements
    s.xa.clear(), s.xb.clear(), s.ia.clear(), s.ib.clear();
    bool a_active = false, b_active = false;
    Shape shape = broadcast_each(a.shape(), b.shape(), what, [&](std::size_t ja, std::size_t jb) {
        s.xa.push_back(a[ja].v), s.xb.push_back(b[jb].v), s.ia.push_back(a[ja].i), s.ib.push_back(b[jb].i);
        a_active |= a[ja].i != inactive, b_active |= b[jb].i != inactive;
    });
    const std::size_t n = s.xa.size();
    return detail::binary(r, s, std::move(shape), n, n, static_cast<const T*>(s.xa.data()), detail::operand_indices{s.ia.data(), inactive, a_active, false},
                          static_cast<const T*>(s.xb.data()), detail::operand_indices{s.ib.data(), inactive, b_active, false});
}

/// Σ over groups of G consecutive elements (G = a.size(): everything; the last extent: along
/// the last axis) as one statement, each group summed in order as rules::sum does.
template <class T>
Array<Var<T>> sum_groups(const Array<Var<T>>& a, std::size_t G, Shape shape) {
    auto& s = detail::scratch<T>::get();
    const std::size_t n = a.size(), outputs = G ? n / G : shape_size(shape);
    T* y = detail::ensure(s.y, outputs);
    const Var<T>* x = a.data();
    const tape_index i0 = n ? x[0].i : inactive;
    tape_index off = 0;  // as in gather_values: zero when the indices run i0, i0 + 1, ...
    for (std::size_t r = 0; r < outputs; ++r) {
        T acc(0);
        for (std::size_t j = 0; j < G; ++j) acc = acc + x[r * G + j].v, off |= x[r * G + j].i ^ tape_index(i0 + r * G + j);
        y[r] = acc;
    }
    detail::begin(s, n, G ? G : 1);
    const T one(1);
    if (n && off == 0 && i0 != inactive) {
        detail::add_operand(s, detail::operand_indices{nullptr, i0, true, true}, &one, n, false, true);
    } else if (n) {
        tape_index* in = detail::ensure(s.ia, n);
        for (std::size_t k = 0; k < n; ++k) in[k] = x[k].i;
        detail::add_operand(s, in, &one, n, false, true);
    }
    return detail::finish(s, std::move(shape), y, outputs, "sum");
}

/// max over groups of G ≥ 1 consecutive elements (G = a.size(): everything; the last extent:
/// along the last axis) as one statement, values and partials from rules::max_reduce group by
/// group. When every group's partials have one nonzero entry (one maximum, no NaN: the usual
/// case) the statement keeps that entry's index and partial per group, and the sweep touches one
/// adjoint per group; otherwise (ties split evenly, NaN) it keeps every element's partial.
template <class T>
Array<Var<T>> max_groups(const Array<Var<T>>& a, std::size_t G, Shape shape) {
    auto& s = detail::scratch<T>::get();
    const rules::max_reduce r;
    const std::size_t n = a.size(), outputs = n / G;
    const detail::operand_indices ix = detail::load(a.data(), n, s.xa, s.ia);
    const bool any = ix.active;
    const T* x = s.xa.data();
    T *y = detail::ensure(s.y, outputs), *pb = detail::ensure(s.pb, outputs);
    tape_index* ib = detail::ensure(s.ib, outputs);
    bool sparse = any;
    for (std::size_t o = 0; o < outputs; ++o) {
        const std::span<const T> group(x + o * G, G);
        y[o] = r.value(group);
        if (sparse)  // the group's one nonzero partial, until a group has more
            sparse = r.nonzero_partials(group, y[o], [&](std::size_t j, const T& p) { pb[o] = p, ib[o] = ix[o * G + j]; }) == 1;
    }
    if (!any || sparse) {
        detail::begin(s, outputs, 1);
        if (any) detail::add_operand(s, ib, pb, outputs);
    } else {  // a tie or a NaN in some group: every partial, element-wise layout
        T* p = detail::ensure(s.pa, n);
        for (std::size_t o = 0; o < outputs; ++o) r.partials(std::span<const T>(x + o * G, G), y[o], std::span<T>(p + o * G, G));
        detail::begin(s, n, G);
        detail::add_operand(s, ix, p, n);
    }
    return detail::finish(s, std::move(shape), y, outputs, "max");
}

}  // namespace ad::array_statement
