#pragma once
/// \file array_statement.hpp
/// Array statements: in reverse mode on Array<Var<double>> and Array<Var<float>>, each
/// element-wise function of the registry, each of + − × ÷ (with broadcasting, with an array or
/// a scalar) and each sum (of everything, or along the last axis) records ONE tape statement for
/// the whole array, as Stan's var_value<Matrix> and the array VJPs of autograd/JAX do, instead
/// of one statement per element:
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
/// all elements).
enum class index_kind : std::uint32_t { contiguous = 0, single = 1, gather = 2 };
inline constexpr std::uint32_t uniform_bit = 4;

/// Per-thread scratch for a recording (no allocation once warmed up).
template <class T>
struct scratch {
    std::vector<T> xa, xb, y, pa, pb;  // operands' values, results, partials
    std::vector<tape_index> ia, ib;     // operands' indices
    std::vector<tape_index> indices;  // the statement's index data
    std::vector<T> partials;          // the statement's partials
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
/// base (contiguous), its index (single) or its n indices (gather)]; values = per active operand
/// its partial (uniform) or its n partials. Element k of an operand belongs to output k / G
/// (G = 1 element-wise, G = group size for a sum).
template <class T>
void begin(scratch<T>& s, std::size_t n, std::size_t G) {
    s.indices.assign({tape_index(n), tape_index(G), 0});
    s.partials.clear();
}

/// Adds an operand with indices in[0..n) and partials p[0..n) (entries of inactive indices are
/// never read); an operand with no active entry, or whose partials are all exactly 0, adds
/// nothing. What the caller knows saves a pass: `single` (every index is in[0]: a broadcast
/// scalar), `uniform` (every partial is p[0]). The other tests stop at the first mismatch.
template <class T>
void add_operand(scratch<T>& s, const tape_index* in, const T* p, std::size_t n, bool single = false, bool uniform = false) {
    const tape_index i0 = in[0];
    index_kind kind = index_kind::gather;
    // word(k) == 0 for every k < n: an OR reduction over blocks of 256 (vectorised), stopping
    // after the first block with a nonzero word
    const auto none = [n](auto&& word) {
        for (std::size_t k0 = 0; k0 < n; k0 += 256) {
            const std::size_t k1 = std::min(n, k0 + 256);
            decltype(word(k0)) acc = 0;
            for (std::size_t k = k0; k < k1; ++k) acc |= word(k);
            if (acc != 0) return false;
        }
        return true;
    };
    if (single || n == 1) {
        if (i0 == inactive) return;
        kind = index_kind::single;
    } else if (i0 != inactive && in[n - 1] == i0 + tape_index(n - 1) &&
               none([&](std::size_t k) { return in[k] ^ tape_index(i0 + k); })) {
        kind = index_kind::contiguous;
    } else if (i0 != inactive && none([&](std::size_t k) { return in[k] ^ i0; })) {
        kind = index_kind::single;
    } else if (std::find_if(in, in + n, [](tape_index i) { return i != inactive; }) == in + n) {
        return;  // every entry a constant
    }
    if (!uniform) {  // bit for bit (a NaN partial repeated is uniform; -0 and +0 are not)
        using bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
        const bits b0 = std::bit_cast<bits>(p[0]);
        uniform = none([&](std::size_t k) { return bits(std::bit_cast<bits>(p[k]) ^ b0); });
    }
    if (uniform && is_exact_zero(p[0])) return;
    s.indices.push_back(std::uint32_t(kind) | (uniform ? uniform_bit : 0u));
    if (kind == index_kind::gather) s.indices.insert(s.indices.end(), in, in + n);
    else s.indices.push_back(i0);
    if (uniform) s.partials.push_back(p[0]);
    else s.partials.insert(s.partials.end(), p, p + n);
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
    T s(0);
    if (G == 1) {  // no division per element
        if (uniform) {
            const T c = p[0];
            for (std::size_t k = 0; k < n; ++k) s += g[k] != T(0) ? c * g[k] : T(0);
            return s;
        }
        for (std::size_t k = 0; k < n; ++k) s += g[k] != T(0) ? p[k] * g[k] : T(0);
        return s;
    }
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
        }
        p += uniform ? 1 : n;
    }
}

/// Records the statement built in s with `outputs` results y (none when no operand is active)
/// and returns them as an array of the given shape.
template <class T>
Array<Var<T>> finish(scratch<T>& s, Shape shape, const T* y, std::size_t outputs, std::string_view name) {
    std::vector<Var<T>> out(outputs);
    Var<T>* o = out.data();
    if (s.indices[2] == 0) {
        for (std::size_t k = 0; k < outputs; ++k) o[k].v = y[k];
    } else {
        const tape_index first = active_tape<T>().record_external(outputs, std::span<const T>(s.partials),
                                                                   std::span<const tape_index>(s.indices), &vjp<T>, name);
        for (std::size_t k = 0; k < outputs; ++k) o[k].v = y[k], o[k].i = tape_index(first + k);
    }
    return Array<Var<T>>(std::move(shape), std::move(out));
}

}  // namespace detail

/// R(a) element-wise as one statement.
template <class R, class T>
Array<Var<T>> unary(const R& r, const Array<Var<T>>& a) {
    auto& s = detail::scratch<T>::get();
    const std::size_t n = a.size();
    T *x = detail::ensure(s.xa, n), *y = detail::ensure(s.y, n), *p = detail::ensure(s.pa, n);
    tape_index* in = detail::ensure(s.ia, n);
    for (std::size_t k = 0; k < n; ++k) x[k] = a[k].v, in[k] = a[k].i;
    values<R>::run(r, x, y, n);
    for (std::size_t k = 0; k < n; ++k) p[k] = r.d(x[k], y[k]);
    detail::begin(s, n, 1);
    if (n) detail::add_operand(s, in, p, n);
    return detail::finish(s, a.shape(), y, n, R::name);
}

/// R(a, b) element-wise with broadcasting (shape_error names both shapes) as one statement.
template <class R, class T>
Array<Var<T>> binary(const R& r, const Array<Var<T>>& a, const Array<Var<T>>& b, const char* what) {
    auto& s = detail::scratch<T>::get();
    Shape shape;
    // each side's values and indices over the output's n elements; a one-element side is filled
    const auto load = [](const Array<Var<T>>& src, std::vector<T>& x, std::vector<tape_index>& in, std::size_t n) {
        T* xv = detail::ensure(x, n);
        tape_index* iv = detail::ensure(in, n);
        if (src.size() == n) {
            for (std::size_t k = 0; k < n; ++k) xv[k] = src[k].v, iv[k] = src[k].i;
        } else {
            std::fill_n(xv, n, src[0].v);
            std::fill_n(iv, n, src[0].i);
        }
    };
    bool a_single = false, b_single = false, fast = true;
    if (a.shape() == b.shape() || (b.size() == 1 && b.ndim() <= a.ndim())) {  // b's shape all 1s
        shape = a.shape();
        b_single = b.size() == 1 && a.size() != 1;
    } else if (a.size() == 1 && a.ndim() <= b.ndim()) {
        shape = b.shape();
        a_single = true;
    } else {
        fast = false;
    }
    std::size_t n = 0;
    if (fast) {
        n = shape_size(shape);
        load(a, s.xa, s.ia, n), load(b, s.xb, s.ib, n);
    } else {  // general broadcasting
        s.xa.clear(), s.xb.clear(), s.ia.clear(), s.ib.clear();
        shape = broadcast_each(a.shape(), b.shape(), what, [&](std::size_t ja, std::size_t jb) {
            s.xa.push_back(a[ja].v), s.xb.push_back(b[jb].v), s.ia.push_back(a[ja].i), s.ib.push_back(b[jb].i);
        });
        n = s.xa.size();
    }
    const T *xa = s.xa.data(), *xb = s.xb.data();
    T *y = detail::ensure(s.y, n), *pa = detail::ensure(s.pa, n), *pb = detail::ensure(s.pb, n);
    for (std::size_t k = 0; k < n; ++k) y[k] = r.value(xa[k], xb[k]);
    // the partials of a side with an active entry only (a constant side's are never read)
    const auto active = [n](const std::vector<tape_index>& in) {
        return std::find_if(in.begin(), in.begin() + std::ptrdiff_t(n), [](tape_index i) { return i != inactive; }) !=
               in.begin() + std::ptrdiff_t(n);
    };
    const bool a_active = active(s.ia), b_active = active(s.ib);
    if (a_active)
        for (std::size_t k = 0; k < n; ++k) pa[k] = r.da(xa[k], xb[k], y[k]);
    if (b_active)
        for (std::size_t k = 0; k < n; ++k) pb[k] = r.db(xa[k], xb[k], y[k]);
    detail::begin(s, n, 1);
    if (n) {
        if (a_active) detail::add_operand(s, s.ia.data(), pa, n, a_single);
        if (b_active) detail::add_operand(s, s.ib.data(), pb, n, b_single);
    }
    return detail::finish(s, std::move(shape), y, n, R::name);
}

/// Σ over groups of G consecutive elements (G = a.size(): everything; the last extent: along
/// the last axis) as one statement, each group summed in order as rules::sum does.
template <class T>
Array<Var<T>> sum_groups(const Array<Var<T>>& a, std::size_t G, Shape shape) {
    auto& s = detail::scratch<T>::get();
    const std::size_t n = a.size(), outputs = G ? n / G : shape_size(shape);
    T* y = detail::ensure(s.y, outputs);
    tape_index* in = detail::ensure(s.ia, n);
    for (std::size_t r = 0; r < outputs; ++r) {
        T acc(0);
        for (std::size_t j = 0; j < G; ++j) acc = acc + a[r * G + j].v, in[r * G + j] = a[r * G + j].i;
        y[r] = acc;
    }
    detail::begin(s, n, G ? G : 1);
    const T one(1);
    if (n) detail::add_operand(s, in, &one, n, false, true);
    return detail::finish(s, std::move(shape), y, outputs, "sum");
}

}  // namespace ad::array_statement
