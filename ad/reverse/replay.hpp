#pragma once
/// \file replay.hpp
/// Record once, replay many times (like CppAD's ADFun or ADOL-C's tape reuse): `Replay<T>`
/// runs the user's function ONCE on `Traced<T>` scalars, which record every primitive (its
/// rule, its operands, the constants it used) and every comparison. Afterwards
/// `value_and_gradient(x)` re-evaluates values and partials at a new point x by walking the
/// recorded statements — the user's code is not called again — and sweeps the adjoints back.
///
/// Branches: comparisons made on traced values (==, !=, <, <=, >, >=, also through `<=>`)
/// are recorded with their outcome and re-checked on every replay; if one comes out
/// differently at the new point the replay throws `ad::tape_error` naming the comparison
/// instead of silently reusing the wrong path (re-record at that point). Branches inside a
/// primitive (max, min, abs, sigmoid) are re-evaluated by the rule itself and need no check.
/// Decisions taken on `val(x)` escape the trace and are NOT detected: compare the scalars.
///
/// Checked mode (ad::checked_scope around the replay): every replayed value, every partial with
/// respect to a non-constant operand and every adjoint of the sweep must be finite, else
/// ad::domain_error names the primitive (recorded constants' partials are never applied).
#include <algorithm>
#include <compare>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ad/core/outputs.hpp"
#include "ad/errors.hpp"
#include "ad/forward/dual.hpp"
#include "ad/reverse/tape.hpp"

namespace ad {

template <class T>
class Replay;

/// A scalar recorded on the active `Replay<T>`: value `v` and statement index `i`
/// (`inactive` for a constant, which records nothing until it meets a traced value).
template <class T>
struct Traced {
    using scalar_type = T;
    T v{};
    tape_index i = inactive;

    Traced() = default;
    /// A constant.
    template <class U> requires (!is_ad_type_v<U> || std::same_as<U, T>) && std::is_constructible_v<T, const U&>
    Traced(const U& u) : v(u) {}
    /// A value bound to statement `index` of the active recording.
    Traced(const T& value, tape_index index) : v(value), i(index) {}
    /// True when recorded (not a constant).
    bool active() const noexcept { return i != inactive; }
    ADIFF_NO_PLAIN_CONVERSION
};

template <class T>
struct is_ad_type<Traced<T>> : std::true_type {};

/// The innermost number (an escape from the trace: branches on it are not re-checked).
template <class T>
decltype(auto) val(const Traced<T>& x) { return val(x.v); }
/// isfinite of the value.
template <class T>
bool is_finite(const Traced<T>& x) { return is_finite(x.v); }
template <class T>
bool all_finite(const Traced<T>& x) { return all_finite(x.v); }

namespace detail {
template <class T>
inline thread_local Replay<T>* active_replay = nullptr;

template <class T>
Replay<T>& replay_recorder() {
    Replay<T>* r = active_replay<T>;
    if (!r) [[unlikely]]
        throw tape_error("no active replay recording: a Traced value was used outside ad::Replay's constructor");
    return *r;
}

/// Re-evaluates statement `self` from its operands' values: writes values[self] and the
/// operands' partials. One instantiation per rule kind; `state` holds a stateful rule. Bit k of
/// `constants` marks operand k as a recorded constant whose partial is never applied (a binary
/// rule then does not compute it: 0 instead; the checked replay sets it, the plain one passes 0).
template <class T>
using replay_eval = void (*)(const void* state, T* values, const tape_index* ops, std::size_t n, T* partials,
                             tape_index self, unsigned constants);

template <class R>
const R& rule_of(const void* state) {
    if constexpr (std::is_empty_v<R>) { static const R r{}; return r; }
    else return *static_cast<const R*>(state);
}
template <class R, class T>
void eval_unary(const void* state, T* values, const tape_index* ops, std::size_t, T* partials, tape_index self, unsigned) {
    const R& r = rule_of<R>(state);
    const T& x = values[ops[0]];
    T y = r.value(x);
    partials[0] = r.d(x, y);
    values[self] = std::move(y);
}
template <class R, class T>
void eval_binary(const void* state, T* values, const tape_index* ops, std::size_t, T* partials, tape_index self,
                 unsigned constants) {
    const R& r = rule_of<R>(state);
    const T& a = values[ops[0]];
    const T& b = values[ops[1]];
    T y = r.value(a, b);
    partials[0] = (constants & 1u) ? T(0) : T(r.da(a, b, y));
    partials[1] = (constants & 2u) ? T(0) : T(r.db(a, b, y));
    values[self] = std::move(y);
}
template <class R, class T>
void eval_nary(const void* state, T* values, const tape_index* ops, std::size_t n, T* partials, tape_index self, unsigned) {
    static thread_local std::vector<T> v;
    v.resize(n);
    for (std::size_t k = 0; k < n; ++k) v[k] = values[ops[k]];
    const R& r = rule_of<R>(state);
    T y = r.value(std::span<const T>(v));
    r.partials(std::span<const T>(v), y, std::span<T>(partials, n));
    values[self] = std::move(y);
}
/// A vector rule's call on a Replay's tape (its index in the tape's calls).
template <class T>
struct replay_call {
    Tape<T>* tape;
    std::size_t call;
};
/// Re-evaluates a vector rule's call: its inputs' values into the call's values, R's value into
/// the outputs (statement values and the call's, which the VJP reads).
template <class R, class T>
void eval_vector(const void* state, T* values, const tape_index*, std::size_t, T*, tape_index, unsigned) {
    const replay_call<T>& rc = *static_cast<const replay_call<T>*>(state);
    const external_call<T>& c = rc.tape->calls()[rc.call];
    const std::span<T> v = rc.tape->values_of(c);
    const std::span<const tape_index> idx = rc.tape->indices_of(c);
    const std::size_t n = idx.size(), m = c.last - c.first;
    for (std::size_t k = 0; k < n; ++k) v[k] = values[idx[k]];
    R{}.value(std::span<const T>(v.data(), n), v.subspan(n, m));
    for (std::size_t i = 0; i < m; ++i) values[c.first + i] = v[n + i];
}
/// An output of a vector rule other than the first: written by the first's eval_vector.
template <class T>
void eval_written(const void*, T*, const tape_index*, std::size_t, T*, tape_index, unsigned) {}
}  // namespace detail

/// A function recorded once at x₀ and replayed at new points without calling it again.
/// Usage: `ad::Replay<double> r(f, x0); auto [fx, g] = r.value_and_gradient(x1);`
/// `f` is a generic lambda taking `const std::vector<X>&` and returning X or a contiguous
/// range of X. Throws tape_error on replay when a recorded comparison changes outcome.
///
/// Built on reverse mode's `Tape<T>`: the tape holds the statements, their operands, the
/// partials, the adjoints and the one reverse sweep (checked mode included); a Replay adds,
/// per statement, its value and what re-evaluates it (the rule and its state), and the
/// recorded comparisons. A forward replay rewrites the values and, in place, the tape's
/// partials; the gradient is then the tape's own sweep.
template <class T>
class Replay {
public:
    /// Records f at x0 (the only call of f).
    template <class F>
    Replay(F&& f, const std::vector<T>& x0) : n_inputs_(x0.size()) {
        Replay* previous = detail::active_replay<T>;
        detail::active_replay<T> = this;
        try {
            std::vector<Traced<T>> x;
            x.reserve(x0.size());
            for (const T& xi : x0) x.emplace_back(xi, leaf(xi));
            const auto y = f(std::as_const(x));
            for (const Traced<T>& o : detail::as_outputs<Traced<T>>(y))
                outputs_.push_back(o.active() ? o.i : leaf(o.v));  // a constant output is a leaf
        } catch (...) {
            detail::active_replay<T> = previous;
            throw;
        }
        detail::active_replay<T> = previous;
    }
    Replay(const Replay&) = delete;
    Replay& operator=(const Replay&) = delete;

    /// Number of inputs and outputs of the recorded function.
    std::size_t inputs() const noexcept { return n_inputs_; }
    std::size_t outputs() const noexcept { return outputs_.size(); }
    /// Number of statements (inputs and constants included) and of operands recorded.
    std::size_t statements() const noexcept { return tape_.size(); }
    std::size_t operands() const noexcept { return tape_.operands(); }
    /// Number of comparisons re-checked on every replay.
    std::size_t comparisons() const noexcept { return compares_.size(); }
    /// The tape the recording is stored on (statements, operands, the partials of the last replay).
    const Tape<T>& tape() const noexcept { return tape_; }

    /// All outputs at x (forward replay only).
    std::vector<T> values(const std::vector<T>& x) {
        forward(x);
        std::vector<T> y(outputs_.size());
        for (std::size_t k = 0; k < y.size(); ++k) y[k] = values_[outputs_[k]];
        return y;
    }

    /// f(x) and ∇f(x) for a scalar f: forward replay, comparison checks, the tape's reverse sweep.
    std::pair<T, std::vector<T>> value_and_gradient(const std::vector<T>& x) {
        if (outputs_.size() != 1) throw size_error("Replay::value_and_gradient: f must have one output", 1, outputs_.size());
        forward(x);
        const tape_index y = outputs_[0];
        tape_.gradient_of(y);
        const std::span<const T> adj = std::as_const(tape_).adjoints();
        std::pair<T, std::vector<T>> r{values_[y], std::vector<T>(adj.begin(), adj.begin() + std::ptrdiff_t(n_inputs_))};
        if (detail::checking_enabled) [[unlikely]] {
            detail::check_entries<T>("Replay value", std::span<const T>(&r.first, 1));
            detail::check_entries<T>("Replay gradient", r.second);
        }
        return r;
    }
    /// ∇f(x) for a scalar f.
    std::vector<T> gradient(const std::vector<T>& x) { return value_and_gradient(x).second; }

    // ---- recording interface used by Traced<T> (not for users)
    /// A statement with no operands holding `value` (an input or a constant).
    tape_index leaf(const T& value) {
        const tape_index s = tape_.new_leaf();
        values_.push_back(value);
        evals_.push_back({nullptr, nullptr});
        return s;
    }
    /// The statement index of x, turning a constant into a leaf.
    tape_index index_of(const Traced<T>& x) { return x.active() ? x.i : leaf(x.v); }
    /// A statement computed by `eval` from `ops`; `rule` is kept alive when stateful. Every
    /// operand is kept (a partial that is 0 here may not be at the next point); the partials
    /// are written by the first replay.
    template <class R>
    tape_index op(const R& rule, detail::replay_eval<T> eval, std::span<const tape_index> ops, const T& value) {
        const void* state = nullptr;
        if constexpr (!std::is_empty_v<R>) {
            auto keep = std::make_shared<R>(rule);
            state = keep.get();
            states_.push_back(std::move(keep));
        }
        const tape_index s = tape_.record_in_place(ops.size(), [&](tape_index* op, T* partial) {
            for (std::size_t k = 0; k < ops.size(); ++k) op[k] = ops[k], partial[k] = T(0);
            return ops.size();
        });
        tape_.name_statement(s, R::name);
        values_.push_back(value);
        evals_.push_back({eval, state});
        return s;
    }
    /// A user's vector rule R on the statements `ins` (constants already leaves), with x (n values)
    /// and y (m values) from the recording in `xy`: one external call on the tape, whose sweep runs
    /// R's VJP; its first output statement re-runs R's value at every replay (the others are
    /// written with it). Returns the first output's statement.
    template <class R>
    tape_index vector_op(std::span<const tape_index> ins, std::span<const T> xy) {
        const std::size_t n = ins.size(), m = xy.size() - n;
        const tape_index first = tape_.record_external(m, xy, ins, &vector_rule_vjp<R, T>, R::name);
        auto call = std::make_shared<detail::replay_call<T>>(detail::replay_call<T>{&tape_, tape_.calls().size() - 1});
        for (std::size_t i = 0; i < m; ++i) {
            tape_.name_statement(first + static_cast<tape_index>(i), R::name);
            values_.push_back(xy[n + i]);
            if (i == 0) evals_.push_back({&detail::eval_vector<R, T>, call.get()});
            else evals_.push_back({&detail::eval_written<T>, nullptr});
        }
        states_.push_back(std::move(call));
        return first;
    }
    /// Records the comparison `a REL b` (REL named by `rel`) with its outcome at recording.
    bool compare(const char* rel, const Traced<T>& a, const Traced<T>& b, bool outcome) {
        if (a.active() || b.active()) compares_.push_back({index_of(a), index_of(b), rel, outcome});
        return outcome;
    }

    /// Evaluates `a REL b` on plain values (the relation named by `rel`).
    static bool relation(const char* rel, const T& x, const T& y) {
        const auto& a = val(x);  // the innermost values (T may be a Dual)
        const auto& b = val(y);
        const std::string_view r(rel);
        if (r == "==") return a == b;
        if (r == "!=") return a != b;
        if (r == "<") return a < b;
        if (r == "<=") return a <= b;
        if (r == ">") return a > b;
        return a >= b;
    }

private:
    struct eval_entry { detail::replay_eval<T> eval; const void* state; };
    struct comparison { tape_index a, b; const char* rel; bool outcome; };

    /// A recorded constant (a leaf that is not an input): its partials are never applied.
    bool is_constant_leaf(std::size_t s) const noexcept { return s >= n_inputs_ && !evals_[s].eval; }

    void forward(const std::vector<T>& x) {
        if (x.size() != n_inputs_) throw size_error("Replay: number of inputs vs the recording", n_inputs_, x.size());
        T* v = values_.data();
        std::copy(x.begin(), x.end(), v);
        const tape_index* op = tape_.operand_data();
        T* part = tape_.partial_data();
        if (detail::checking_enabled) [[unlikely]] {
            forward_checked();
        } else {
            for (std::size_t s = n_inputs_; s < values_.size(); ++s) {
                const eval_entry& e = evals_[s];
                if (!e.eval) continue;
                const std::size_t b = tape_.operand_begin(s);
                e.eval(e.state, v, op + b, tape_.operand_begin(s + 1) - b, part + b, static_cast<tape_index>(s), 0u);
            }
        }
        for (std::size_t k = 0; k < compares_.size(); ++k) {
            const comparison& c = compares_[k];
            if (relation(c.rel, v[c.a], v[c.b]) != c.outcome) [[unlikely]] {
                std::ostringstream os;
                os.precision(17);
                os << "replay: comparison #" << k << " (" << val(v[c.a]) << ' ' << c.rel << ' ' << val(v[c.b])
                   << ") is now " << (c.outcome ? "false" : "true") << " but was " << (c.outcome ? "true" : "false")
                   << " when recorded: the function takes another branch here; record it again at this point";
                throw tape_error(os.str());
            }
        }
    }

    /// The forward replay with every value and every partial with respect to a non-constant
    /// operand checked (checked mode). A recorded constant's partial is set to 0, so the tape's
    /// checked sweep, which checks every adjoint it writes, never applies it.
    [[gnu::noinline]] void forward_checked() {
        T* v = values_.data();
        const tape_index* op = tape_.operand_data();
        T* part = tape_.partial_data();
        for (std::size_t s = n_inputs_; s < values_.size(); ++s) {
            const eval_entry& e = evals_[s];
            if (!e.eval) continue;
            const std::size_t b = tape_.operand_begin(s), n = tape_.operand_begin(s + 1) - b;
            unsigned constants = 0;
            for (std::size_t k = 0; k < n && k < 32; ++k) constants |= unsigned(is_constant_leaf(op[b + k])) << k;
            const std::string_view name = tape_.name_of(s);
            detail::attributed(name, [&] { e.eval(e.state, v, op + b, n, part + b, static_cast<tape_index>(s), constants); });
            detail::check_value(name, v[s], n ? v[op[b]] : v[s]);  // no operands: a vector rule's output
            for (std::size_t k = b; k < b + n; ++k) {
                if (is_constant_leaf(op[k])) part[k] = T(0);
                else detail::check_partial(name, part[k], v[op[k]]);
            }
        }
    }

    std::size_t n_inputs_;
    Tape<T> tape_;                           // statements, operands, partials, adjoints, the sweep
    std::vector<T> values_;                  // per statement: its value at the last replay
    std::vector<eval_entry> evals_;          // per statement: what re-evaluates it (null for leaves)
    std::vector<tape_index> outputs_;
    std::vector<comparison> compares_;
    std::vector<std::shared_ptr<const void>> states_;  // stateful rules (pow_int, pow_const)
};

/// Unary primitive while recording a replay.
template <class R, class T>
Traced<T> apply_unary(const R& r, const Traced<T>& x) {
    Traced<T> y(r.value(x.v));
    if (detail::checking_enabled) [[unlikely]] detail::check_value(R::name, y.v, x.v);
    if (x.active()) {
        const tape_index ops[1] = {x.i};
        y.i = detail::replay_recorder<T>().op(r, &detail::eval_unary<R, T>, ops, y.v);
    }
    return y;
}
/// Binary primitive while recording a replay (a constant operand becomes a leaf).
template <class R, class T>
Traced<T> apply_binary(const R& r, const Traced<T>& a, const Traced<T>& b) {
    Traced<T> y(r.value(a.v, b.v));
    if (detail::checking_enabled) [[unlikely]] detail::check_value(R::name, y.v, a.v);
    if (a.active() || b.active()) {
        Replay<T>& rec = detail::replay_recorder<T>();
        const tape_index ops[2] = {rec.index_of(a), rec.index_of(b)};
        y.i = rec.op(r, &detail::eval_binary<R, T>, ops, y.v);
    }
    return y;
}
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Traced<T> apply_binary(const R& r, const Traced<T>& a, const U& c) { return apply_binary(r, a, Traced<T>(c)); }
template <class R, class T, class U> requires (!is_ad_type_v<U> || std::same_as<U, T>)
Traced<T> apply_binary(const R& r, const U& c, const Traced<T>& b) { return apply_binary(r, Traced<T>(c), b); }
/// n-ary reduction while recording a replay.
template <class R, class T>
Traced<T> apply_nary(const R& r, std::span<const Traced<T>> xs) {
    std::vector<T> v(xs.size());
    bool any = false;
    for (std::size_t k = 0; k < xs.size(); ++k) v[k] = xs[k].v, any |= xs[k].active();
    Traced<T> y(r.value(std::span<const T>(v)));
    if (detail::checking_enabled && !v.empty()) [[unlikely]] detail::check_value(R::name, y.v, v[0]);
    if (any) {
        Replay<T>& rec = detail::replay_recorder<T>();
        std::vector<tape_index> ops(xs.size());
        for (std::size_t k = 0; k < xs.size(); ++k) ops[k] = rec.index_of(xs[k]);
        y.i = rec.op(r, &detail::eval_nary<R, T>, std::span<const tape_index>(ops), y.v);
    }
    return y;
}

/// A user's vector rule while recording a replay (ops/rules/vector_rule.hpp).
template <class R, class T>
std::vector<Traced<T>> apply_vector(const R& r, std::span<const Traced<T>> x) {
    const std::size_t n = x.size(), m = r.outputs(n);
    std::vector<T> xy(n + m);
    bool any = false;
    for (std::size_t k = 0; k < n; ++k) xy[k] = x[k].v, any |= x[k].active();
    r.value(std::span<const T>(xy.data(), n), std::span<T>(xy.data() + n, m));
    detail::check_values(R::name, std::span<const T>(xy.data() + n, m));
    std::vector<Traced<T>> y(m);
    if (!any) {
        for (std::size_t i = 0; i < m; ++i) y[i] = Traced<T>(xy[n + i]);
        return y;
    }
    Replay<T>& rec = detail::replay_recorder<T>();
    std::vector<tape_index> idx(n);
    for (std::size_t k = 0; k < n; ++k) idx[k] = rec.index_of(x[k]);
    const tape_index first = rec.template vector_op<R>(std::span<const tape_index>(idx), std::span<const T>(xy));
    for (std::size_t i = 0; i < m; ++i) y[i] = Traced<T>(xy[n + i], first + static_cast<tape_index>(i));
    return y;
}

/// Comparisons on traced values are recorded and re-checked on replay (see the file comment).
#define ADIFF_TRACED_COMPARE(op)                                                                     \
    template <class T>                                                                               \
    bool operator op(const Traced<T>& a, const Traced<T>& b) {                                       \
        const bool r = a.v op b.v;                                                                   \
        return (a.active() || b.active()) ? detail::replay_recorder<T>().compare(#op, a, b, r) : r;  \
    }                                                                                                \
    template <class T, class U> requires (!is_ad_type_v<U>) && std::is_constructible_v<T, const U&> \
    bool operator op(const Traced<T>& a, const U& c) { return a op Traced<T>(c); }                   \
    template <class T, class U> requires (!is_ad_type_v<U>) && std::is_constructible_v<T, const U&> \
    bool operator op(const U& c, const Traced<T>& b) { return Traced<T>(c) op b; }
ADIFF_TRACED_COMPARE(==)
ADIFF_TRACED_COMPARE(!=)
ADIFF_TRACED_COMPARE(<)
ADIFF_TRACED_COMPARE(<=)
ADIFF_TRACED_COMPARE(>)
ADIFF_TRACED_COMPARE(>=)
#undef ADIFF_TRACED_COMPARE

/// Prints the value.
template <class T>
std::ostream& operator<<(std::ostream& os, const Traced<T>& x) { return os << x.v; }

/// Traced<T>'s own overloads of the registry's functions (see ADIFF_MODE_FUNCTIONS).
#define ADIFF_MODE_HEAD template <class T>
#define ADIFF_MODE_TYPE Traced<T>
ADIFF_MODE_FUNCTIONS
#undef ADIFF_MODE_HEAD
#undef ADIFF_MODE_TYPE

}  // namespace ad
