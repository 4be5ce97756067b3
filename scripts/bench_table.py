#!/usr/bin/env python3
"""Turns the suite's Google Benchmark JSON (medians of >= 5 repetitions, one run) into the
README's benchmark section: one table per workload with ratios (contender / plain function
for gradients, / closed form for Jacobians), tape bytes, the machine, and each target of
issue 5 evaluated as met or not.  Usage: bench_table.py results.json README.md"""
import json
import re
import sys
from collections import defaultdict

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

WORKLOADS = [
    # key, title, reference row, size label
    ("grad_ce", "(1) Gradient of stable softmax + cross-entropy", "function", "Q"),
    ("jac_softmax", "(2) Q×Q softmax Jacobian", "analytic", "Q"),
    ("batch_jac_q10", "(3) Batch Jacobian, (M, Q, Q) blocks, Q = 10", "analytic", "M"),
    ("batch_jac_q100", "(3) Batch Jacobian, (M, Q, Q) blocks, Q = 100", "analytic", "M"),
    ("scalar_loop", "(4) Scalar loop of transcendental ops (n = 100 inputs, 1000 steps)", "function", "n"),
    ("grad_ce_mp50", "(5) 50-digit gradient of (1) (cpp_bin_float_50)", "function", "Q"),
    ("matrix_form", "(6) The softmax Jacobian derived once in matrix notation, evaluated at size Q", "analytic", "Q"),
    ("gmm_d2", "(7) GMM objective's gradient (ADBench, n = 1000 points), d = 2", "function", "K"),
    ("gmm_d10", "(7) GMM objective's gradient (ADBench, n = 1000 points), d = 10", "function", "K"),
    ("gmm_d64", "(7) GMM objective's gradient (ADBench, n = 1000 points), d = 64", "function", "K"),
    ("batch_grad_ce", "(8) Gradient of the cross-entropy summed over a batch of M rows of Q = 100 logits", "function", "M"),
]

DESCRIPTION = {
    "function": "plain function (double or mp50), the reference",
    "analytic": "hand-written closed form (the limit)",
    "adiff_reverse": "adiff reverse, built from primitives, records + sweeps every call",
    "adiff_array": "adiff reverse, the same primitives on an Array<Var>: one array statement per operation, vector sweeps",
    "adiff_fused": "adiff reverse with the fused cross_entropy rule: one tape statement, one output per row",
    "adiff_fused_reverse": "adiff reverse over the fused softmax (one sweep per output row)",
    "adiff_fused_forward8": "adiff forward, 8 tangent lanes, fused softmax JVP",
    "adiff_forward": "adiff forward, lanes fitted to Q (one pass of 10 at Q = 10, passes of 8 above), from primitives",
    "adiff_fused_forward": "adiff forward, lanes fitted to Q, fused softmax JVP",
    "adiff_replay": "adiff Replay: recorded once at another point, replayed",
    "adolc_record": "ADOL-C, re-records the tape every call",
    "adolc_replay": "ADOL-C, replays a recorded tape",
    "eigen_dynamic": "Eigen AutoDiffScalar<VectorXd>",
    "eigen_fixed": "Eigen AutoDiffScalar<Matrix<double, N, 1>>",
    "ceres_jet": "Ceres Jet<double, N>",
    "boost_fvar": "Boost.Math autodiff fvar<double, 1>, one pass per input",
    "adiff_forward30": "adiff forward, 30 tangent lanes (every parameter in one pass)",
    "adiff_checkpointed": "adiff checkpointed sum: one data point's term on the tape at a time",
    "torch_primitives": "PyTorch C++ autograd (libtorch 1.13), one thread: amax / exp / sum / divide / log",
    "torch_fused": "PyTorch C++ autograd, one thread: fused cross_entropy",
    "torch_primitives_2t": "the same, two threads (wall time)",
    "torch_fused_2t": "fused cross_entropy, two threads (wall time)",
    "torch_reverse": "PyTorch C++ autograd, one thread, softmax from primitives: one backward pass per output",
    "torch_fused_reverse": "PyTorch C++ autograd, one thread, torch::softmax: one backward pass per output",
    "torch_reverse_2t": "the same, two threads (wall time)",
    "torch_fused_reverse_2t": "torch::softmax, two threads (wall time)",
    "adiff_derived_formula": "`s = softmax(z); diag(s) - outer(s, s)` as `adiff diff --size z=n` derives it, run by the expression evaluator",
}


NOTES = """### Notes (profiling with `valgrind --tool=callgrind`, instructions per call at Q = 1000)

- Softmax + CE gradient from primitives: 783k → 439k → 401k instructions per call (function: 97k,
  of which 48k are the exps). What moved it: one capacity test per record with cached buffer
  pointers, checked mode tested inline instead of a call per primitive, no allocation in n-ary
  statements, `max` recording its argmax only and `sum`/`max` written straight into the tape, one
  reciprocal per recorded quotient, sweeps skipping the leading operand-free statements, and now
  `exp(z − m)` recorded as one statement (`ad::Pending`: ~3000 statements for 1000 logits
  instead of ~4000). This session ~354k → ~348k (a steady call counted alone): max's argmax in
  four independent running maxima. Then ~348k → ~335k: `sum` names its unit partials
  (`rules::sum::nonzero_partials`), so its operands are written in one pass without a pass that
  fills partials with 1 and another that tests them, and max counts its maximal entries in one
  pass that notes the first (no second pass without ties). What stands in the way of 3×: each
  logit still costs two statements (exp, divide) at ~50 instructions each for value, partials,
  appends and the sweep, against one exp in the function. The ratio moves with the machine more
  than with this change: two runs this afternoon, after it, measured 3.42× (function 5.2 µs at
  Q = 1000) and 3.08× (function 8.9 µs); the morning run before it 3.07× (7.1 µs).
- Array statements (row `adiff_array`, issue 16): the same primitives on an `Array<Var<double>>`
  record 5 array statements and 1 scalar one at any Q (max, z − m, exp, sum, ÷ s; the final
  log), partials stored contiguously or once when uniform, indices as one base, sweeps as vector
  loops, exp on Eigen's AVX2 packet math: 264k → 210k instructions per call this session (the
  function: 93k). What moved it: max became an array statement that keeps one index per group
  (`rules::max_reduce::nonzero_partials`: no pass over the zero partials, for scalar code too),
  a scalar broadcast over an array reaches the rule as one number (1/s hoisted out of the loop,
  no 0-d array built), a broadcast scalar's adjoint is summed in 8 interleaved partial sums
  (`kernels::sum_product`; it was one chain of dependent additions), results are written once
  and partials copied once. In time, in this run: 1.82× the function at Q = 1000 (was 3.72×),
  1.84× at 10⁴ (was 3.00×), 2.47× at 10⁵ (was 3.69×); the scalar code 3.1–3.7×. Operations on
  fewer than 32 elements take the element-wise path
  (`ad::array_statement::default_min_elements`), which costs less there. The batch row (8) gains
  most: an (M, 1) array against an (M, Q) one (the row maxima and sums of a softmax along rows)
  is now one number per row for the rule and one index per row on the tape, where the general
  broadcasting path gathered M·Q: 1.98× the function at M = 100 (was 4.80×; torch's primitives
  2.18×), 2.71× at 1000 (6.03×; torch 1.48×), 4.73× and 5.17× at 10⁴ and 10⁵ (7.4×; torch 2.2×).
  Since: the pass that copies an operand's values finds whether its statements are consecutive
  (one OR of differences, as the fused rules do) and copies indices only for other operands, a
  sum does the same in its one pass, and linear rules (+, −, negation) compute their one partial
  once instead of n partials and a test that they are equal: 1.83× → 1.62× the function at
  Q = 1000, 1.84× → 1.63× at 10⁴, 2.34× → 1.83× at 10⁵; the batch row (8) 1.90 / 2.29 / 4.23 /
  4.05× → 1.74 / 1.99 / 3.45 / 3.35× (these runs).
  What stands in the way of 1.5× at Q ≥ 10⁴: an `Array<Var>` holds its elements as (value,
  index) pairs, so each operation gathers values and indices into contiguous buffers and writes
  its result back as pairs — two memory passes per operation the function does not make (~45k of
  the 210k instructions), plus zeroing adjoints for its 4000 tape slots — and ÷ runs the rule's
  two divisions per element (value, −y/b) where the function has one. Closing it needs arrays
  whose values are one contiguous block under one tape index (Stan's `var_value<Matrix>`), not
  built. At Q = 10⁵ the arrays leave the cache and each pass costs its memory traffic.
- Fused rows: callgrind instructions per call of the softmax + CE gradient at Q = 1000 (the
  function: ~100k): 148k last session, 124k once cross-entropy became a fused rule of its own
  (one output per row: the n log_softmax outputs, their adjoints and the negation are gone), ~96k
  once the fused statement wrote s and its indices straight into the tape (no copy, no
  zero-filled side buffers), stored one index for consecutive inputs and swept them as a
  contiguous range, and the drivers created their inputs with one tape reservation. In time:
  1.41× → 1.00× the function at Q = 1000, 1.41× → 0.96× at 10⁴ (the row's exps are vectorised;
  the function's are std::exp). Batch (8), 1000 × 100: 16.7M → 11.4M instructions (function
  8.4M). What remains: the (value, index) gather, the argmax pass, the n adjoints of the inputs,
  and, at Q = 10, fixed costs: 5 allocations per call (was 6: the drivers now reuse their
  input buffer; left: the bench's array copy and target vector, the result vectors) are a
  quarter of its ~3000 instructions. Now ~88k instructions at Q = 1000. At Q = 10 (standalone
  177 → 171 ns this session; Eigen's fixed-size AutoDiffScalar 126 ns): five allocations
  (~30 ns: the bench's array copy, its shape and the target vector, the output and the
  gradient), the exp kernel (26 ns for 10 logits, std::exp 52 ns) and the log (11 ns); the
  peers' fixed-size derivative vectors live on the stack. Since, `ad::Shape` holds up to four
  axes inside it (a small vector), so an array operation allocates its values only: per call at
  Q = 10, the fused gradient 5 → 4 allocations (left: the bench's array copy and target vector,
  the output, the gradient), the fused Jacobian 6 → 3, the gradient from array primitives 9 → 5.
  Callgrind, instructions per call: the fused gradient 2706 → 2714 (the ~140 instructions of
  glibc's malloc and free are spent again in the small vector's moves, which copy its inline
  extents), the fused Jacobian 6644 → 6384, array primitives 6343 → 5945 (standalone time, side
  by side: 185 vs 189 ns, 344 vs 361 ns, 384 vs 429 ns, within this machine's noise). Then
  `cross_entropy` took its targets as a span or a braced list, so `cross_entropy(z, {t})`
  builds no vector: the fused gradient 4 → 3 allocations (the array copy, the output, the
  gradient: as many as Eigen's row, which allocates its three vectors of duals), 2758 → 2573
  instructions per call (Eigen's fixed-size row: 2150); in the suite the best adiff row at
  Q = 10 went from 1.48× to 1.33× the best peer's time.
- Q×Q Jacobian (2), reverse rows over the fused softmax: 2.83× → 1.64–1.93× the closed form at
  Q = 1000 (two runs; standalone: 884 → ~515 µs against ~240 µs). A row seeds one output of the fused
  call, so its first step is a unit VJP: row q of the call's Jacobian, s_k(δ_kq − s_q), added in
  one vector pass (no ⟨g, s⟩, and only row q's block), bit for bit the full VJP's numbers; the
  sweep then goes on below the call (`Tape::gradient_of`, `external_call::unit_vjp`). The zeroing
  between rows covers only what the last sweep could have written. The batch Jacobian (3) seeds
  one output per row for each column (`Tape::gradient_of(ys)`), so each row's unit VJP takes
  the first step where rows hold ≥ 32 entries (below, one full VJP over all rows costs less):
  Q = 100, 2.87–2.89× → 2.33–2.52× the closed form (513M → 439M instructions at M = 100).
  What remains: per row the
  adjoints are zeroed and copied into J (two passes the closed form does not make). Per block,
  M = 1000 against M = 100 at Q = 100, the closed form itself grows 1.70× (its 80 MB result no
  longer fits the cache) and the fused reverse rows 1.57×: the 1.3× target asks for less growth
  than writing the result allows on this machine. At Q = 10
  the fixed cost of a sweep per row dominates (3.7×; Ceres' Jet, one pass of 10 lanes,
  1.3×). Forward mode at Q = 10: lanes fitted to the inputs (`ad::fit_lanes`) are now one pass
  of 16 lanes up to 16 inputs (was 8 + 2), and a dual's lanes are zeroed in 64-byte blocks:
  g++ zero-filled every dual of 12 or more lanes with `rep stos` (~30 cycles to start), 43% of
  a 16-lane pass where user code builds `std::vector<Dual> e(n)`. Standalone (scalar softmax +
  CE, forward Jacobian): 8 lanes 678 → 505 ns, 16 lanes 889 → 395 ns, fitted 618 → 395 ns; in
  the suite the forward rows at Q = 10 moved 503 → 488 ns (Jacobian) and 548 → 499 ns
  (gradient). What remains against Ceres' Jet<double, 10>: six unused lanes (exactly 10 lanes,
  `jacobian_forward<10>`, take 303 ns), the quotient rule's two dependent divisions per
  element, the n-ary max and sum, and the allocations of the user's vectors. The vectorised exp of a row of 10 now reads and
  writes its last partial packet through a lane mask (it was copied into a padded buffer):
  36 → 28 ns per row. This session, at Q = 10 (standalone, g++ -O3): the fused softmax's JVP
  ran its lane loops one double at a time — g++ could not rule out that an output's tangents
  overlap an input's — and now writes each output into a local array first (vector code); the
  Dual instance of the fused rules reuses per-thread value buffers (four allocations a call
  were a third of it) and softmax alone no longer forms the log: fused forward 444 → 352 ns
  (exactly 10 lanes: 326 → 257 ns). A unit VJP of a one-row call no longer divides integers
  (two divisions per Jacobian row): fused reverse 416 → 362 ns. Forward mode's n-ary max adds
  the tangents of its maximal entries only (`nonzero_partials`, as reverse mode records), not a
  zero times every input's lanes: softmax from primitives 436 → 412 ns. A vector of ten 16-lane
  duals is 1.4 KB, above glibc's per-thread cache of small blocks (1032 bytes), so each such
  allocation takes malloc's slow path; the forward drivers now keep their input duals per
  thread and nesting depth (`detail::depth_slot`, which `scratch_tape` uses too): fused 338 →
  310 ns, primitives 398 → 383 ns. In the suite, Q = 10: 515 → 386 ns (fused reverse), 515 →
  392 ns (fused forward), 488 → 437 ns (forward); Ceres' Jet 174 ns. What remains: two more
  such vectors (the user's array copy and the rule's outputs) and six unused lanes of 16 (~30%
  of the lane work). Now `ad::fit_lanes` makes one pass of 1 or an even lane count up to 16
  (n = 10: 10 lanes), so a pass carries at most one unused lane; the CLI and `check_claim`,
  where compile time matters more, name one lane count (`ad::jacobian<8>`). In the suite at
  Q = 10: fused forward 346 → 231 ns, forward from primitives 424 → 237 ns (Jacobian) and
  509 → 246 ns (gradient); Ceres' Jet 153 ns. The gradient's best row is still the fused
  reverse one (161 ns against Eigen's fixed AutoDiffScalar at 122 ns): forward mode with ten
  lanes takes 200 ns standalone. The same run came on a quieter machine: every row of
  grad_ce but libtorch's ran 0.5–0.9× its previous time, and the plain function (std::exp-bound) sped up
  most, so ratios to it rose (primitives at Q = 1000: 3.08× → 3.57×) with the adiff rows'
  own times falling. Part of it is code placement: the function row of the previous build,
  run in the same minute, took 6.15 µs against 5.10 µs here, with the adiff rows within 1%.
- libtorch (issue 16): adiff's fused gradient is within noise of torch's from Q = 10⁴ on
  (0.79× and 0.81× the function against torch's 0.73× and 0.59× in this run) and faster below;
  adiff is faster on the Q×Q Jacobian at every Q and on the batch Jacobian at Q = 10 and 100.
  The batch gradient (8) now runs through the drivers on arrays (`ad::gradient` of a
  function of an `Array`: no copy of the inputs into a vector and back, targets computed once,
  as torch's rows get a tensor): adiff's fused rule 0.87–0.90× the function at M ≤ 1000 (torch
  0.72–0.91×), 1.15–1.21× at M ≥ 10⁴ (torch 0.82–0.83×; was 1.59×). The batch Jacobian at
  Q = 100 is now adiff's too (2.33–2.52× the closed form, torch 2.64–3.73×). What stands in the way of the batch
  gradient: an `Array<Var>` holds (value, index) pairs — 16 bytes per logit that each call
  builds and gathers — where torch's tensors are one contiguous block under one autograd node;
  at 10⁶ logits and more these passes leave the cache. Arrays whose values are one contiguous
  block under one tape index (Stan's `var_value<Matrix>`) are the next step. Memory: glibc gives
  a large freed array back to the operating system unless its trim threshold is raised (the
  suite raises it for every contender); the drivers now keep their input variables in a
  per-thread buffer, so a process with default settings pays it only for the gradient it gets
  back: M × Q = 10⁴ × 100, 22.6 → 8.2 ms per call through the vector driver, 7.2 ms through the
  Array driver, the function 6.3 ms (`bench/profile/batch_profile.cpp`, docs/reverse.md).
  This session: the driver writes its inputs through a pointer (emplace_back tested the
  capacity and stored the vector's end once per input), the fused call finds a run of
  consecutive input indices with one OR of differences (14 → 6 instructions per logit), and
  max's argmax keeps four independent running maxima: 80M → 71M instructions per call at
  10⁴ × 100; in the suite 7.94 → 6.92 ms at M = 10⁴ (torch 5.58 ms) and 76.4 → 69.9 ms at 10⁵.
  A quarter of the call is the exps, 1.7 ns each with Eigen's AVX2 exp here — SLEEF's
  `Sleef_expd4_u10avx2`, measured beside it, takes the same, and torch's exp is SLEEF's — so the
  rest of the gap is the (value, index) passes above.
- Jacobians from primitives (forward lanes, reverse) cost ~9 flops per entry by construction,
  against one for the closed form: they are slower than Eigen's dense derivative vectors.
- The derived softmax Jacobian (6) is evaluated row by row (`ad/lang/lazy_matrix.hpp`): diag and
  outer terms are formed in a row buffer and the result written once, where the evaluator
  built three Q×Q arrays before (2.85× the closed form at Q = 1000, now below 1×: the closed form
  zero-fills its result before writing it).
- GMM (7), issue 16: reverse mode records one statement per expression (`ad::Pending`,
  docs/reverse.md): `y[r] += l * z` is one statement with three operands instead of two with
  four, `exp(q) * (x − μ)` one instead of three, so the tape holds ~2,200 statements and ~6,300
  operands per (point, component) at d = 64 instead of ~4,300 and ~8,500 (callgrind on the
  checkpointed sum at d = 64, K = 5, n = 20: 99.3M → 72.6M instructions). Since, 72.0M → 54.2M:
  `active_tape()` is inlined into every record (a call per statement made the caller spill and
  reload its live values: → 63.9M); the checkpointed sum records its terms last first and keeps
  the inputs' adjoints between them, so each sweep adds into them in the whole sum's order (the
  gradient is now the whole sum's bit for bit) and no term zeroes, reads and adds the inputs'
  adjoints or rewrites the input statements (→ 54.2M). And in this suite's translation unit,
  which also instantiates the objective for ADOL-C, Ceres and Eigen, g++'s inlining budget had
  left `Tape::record_in_place` a call per statement: 1.5× the time of the same code built alone
  (d = 64, K = 5: 112 ms against 76 ms); it is now always inlined. In this suite, d = 64, K = 5:
  checkpointed 162 → 76 ms, reverse 166 → 86 ms; K = 50: 1158 → 761 ms and 1185 → 821 ms
  (the function measured 6.8, 5.3 and 4.5 ms in three runs today: ratios move with it; side
  by side, one binary after the other, bench/profile/gmm_profile.cpp before these changes and
  after: d = 64, K = 5 checkpointed 108 → 76 ms, reverse 107 → 86 ms, function 5.9 ms). d = 2
  and d = 10 are now within 8× (3.7–6.1×), and the checkpointed sum within 4× at d = 2.
  Tried and dropped, no gain in time: holding in a register the adjoint of an operand that
  consecutive statements share (z_c), unrolled sweeps of 3-operand statements, one AND instead
  of counting a Pending's active operands. What stands in the way of 8× and 4× at d = 64: each
  of the objective's d²/2 multiply-adds per (point, component) is a fraction of an instruction in
  the compiler's vectorised loop, and a 3-operand statement here: ~60 instructions to record
  (value, three operand slots, the statement's end, two capacity tests) and ~40 to sweep, with
  40 bytes of tape (not memory-bound: the checkpointed tape stays in cache and takes as long),
  so the tape at d = 64, K = 50 is 4.2 GB recorded, 6.3 GB reserved with adjoints and growth
  slack (7.9 GB until the tape's arrays grew by half instead of doubling past 2^24 entries),
  against ≤ 1 GB: the adjoints alone (8 bytes × 114M statements) take 0.9 GB. Closing it needs statements over whole arrays for code written as
  scalar loops (y[r] += l·z over a column as one statement with contiguous partials and a SIMD
  sweep) — not built. ADOL-C's replay re-uses one recording; adiff_reverse records every call.
- Suite harness: the GMM workloads run last, in a process of their own (`scripts/bench.sh`). In
  one process their tapes of several GB stayed in the heap (the suite keeps freed memory, see
  bench/environment.cpp) and the peers measured after them paid for it: ADOL-C's buffers,
  calloc'd per recording, became a memset of recycled heap per call (Q = 10: 4.9 → 217 µs).
- First call: a tape's pages are fresh memory on the first gradient of a thread, and a page fault
  costs ~10 µs on this virtual machine. Tape arrays are realloc'd (remapped, not copied, never
  zero-filled) and each growth faulted in by one madvise: first GMM gradient at d = 10, K = 50
  1448 → ~470 ms, the next 31 ms (`bench/profile/gmm_profile.cpp`; fresh pages cost ~2.7 ms per
  MB here, so a 170 MB tape cannot be first-touched faster). Within 1.5× of the next call: a
  checkpointed sum (29–43 ms first, 28–43 ms next). The batch gradient (8) at 10⁴ × 100 with
  glibc's default settings (`bench/profile/batch_profile.cpp array 10000`): first call ~39 ms,
  next ~11 ms — the first touches ~50 MB of tape, buffers and inputs. On the machine of
  2026-12-07 (a Firecracker VM) the same run took 146–154 ms first and ~6 ms next (the function
  ~5 ms): there the first write to a fresh page costs ~11 µs, and still ~5 µs after
  `MADV_POPULATE_WRITE` mapped it (a C probe touching 64 MB: 182 ms, or 13 ms of populate and
  85 ms of touches), so ~50 MB of first-touched memory costs ~140 ms whatever the library does
  with it. What would shrink it is touching less: input variables stored as one value array
  and one index run (structure of arrays) instead of 16-byte (value, index) pairs.
- Forward mode (Dual<double, N>): g++ built each primitive's result on the stack and copied it
  out (two returned objects defeated the named-return optimisation), and with the value stored
  before the tangents every 16-byte load of that copy straddled two stores and stalled. Each
  primitive now returns one object on every path, and the tangents come first: the 10-lane
  softmax + CE pass 991 → 300 ns standalone (Eigen's fixed AutoDiffScalar 127 ns); in the
  suite GMM d = 2, K = 5 with 30 lanes 1.97 ms → 0.73 ms (3.85× → 1.67× Eigen's time), the
  Q = 10 gradient with 8 lanes 625 → 547 ns. Earlier, compound assignments began updating in
  place (−9.5% instructions). The `rep stos` that zero-filled value-initialised wide Duals
  (`std::vector<X> e(n)` in the user's code, from 12 lanes on) is gone: lanes are zeroed in
  64-byte blocks (see the Q = 10 Jacobian above). What remains against Eigen: its expression
  templates fuse `exp(a − b)` into one pass over the lanes, and it never zeroes derivatives it
  is about to overwrite.
"""


def load(path):
    with open(path) as f:
        data = json.load(f)
    rows = defaultdict(dict)  # workload -> contender -> size -> benchmark dict (median)
    reps = 0
    for b in data["benchmarks"]:
        if b.get("run_type") != "aggregate" or b.get("aggregate_name") != "median":
            continue
        reps = max(reps, int(b.get("repetitions", 0)))
        workload, contender, size = b["run_name"].split("/")[:3]  # a 4th part: "real_time"
        rows[workload].setdefault(contender, {})[int(size)] = b
    return data["context"], rows, reps


def us(b):
    """CPU time of the benchmark thread; wall time for rows on two threads (suffix _2t), whose
    second thread's work the first thread's CPU time would not show."""
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    two = b["run_name"].split("/")[1].endswith("_2t")
    return b["real_time" if two else "cpu_time"] * scale


def fmt_time(t):
    return f"{t:.3g} µs" if t < 1000 else f"{t / 1000:.3g} ms"


def fmt_ratio(r):
    return f"{r:.2f}×" if r < 10 else f"{r:.3g}×"


def is_adiff(c):
    return c.startswith("adiff")


def table(rows, key, title, ref, label):
    data = rows.get(key)
    if not data or ref not in data:
        return [], {}
    sizes = sorted({s for c in data.values() for s in c})
    out = [f"#### {title}", "", "Ratio to the " + ("plain function" if ref == "function" else "closed form") +
           " (median CPU time in the reference row); **bold** rows are adiff.", "",
           "| contender | " + " | ".join(f"{label} = {s}" for s in sizes) + " |",
           "|---|" + "---:|" * len(sizes)]
    ratios = {}
    refs = [c for c in ("function", "analytic") if c in data and c != ref]
    order = [ref] + refs + sorted((c for c in data if c not in (ref, *refs)), key=lambda c: (not is_adiff(c), c))
    for c in order:
        cells = []
        for s in sizes:
            b, r = data[c].get(s), data[ref].get(s)
            if b is None or r is None:
                cells.append("—")
            elif c == ref:
                cells.append(fmt_time(us(b)))
            else:
                ratios[(c, s)] = us(b) / us(r)
                cells.append(fmt_ratio(ratios[(c, s)]))
        name = f"**{c}**" if is_adiff(c) else c
        out.append(f"| {name} ({DESCRIPTION.get(c, '')}) | " + " | ".join(cells) + " |")
    out.append("")
    taped = [c for c in order if any("reserved_MB" in data[c].get(s, {}) for s in sizes)]
    if taped:  # the tapes' memory: recorded, and reserved in total (adjoints and slack included)
        out += ["Tape memory, recorded / reserved in total (MB):", "",
                "| contender | " + " | ".join(f"{label} = {s}" for s in sizes) + " |", "|---|" + "---:|" * len(sizes)]
        for c in taped:
            cells = [f"{data[c][s]['tape_MB']:.3g} / {data[c][s]['reserved_MB']:.3g}" if "reserved_MB" in data[c].get(s, {})
                     else "—" for s in sizes]
            out.append(f"| **{c}** | " + " | ".join(cells) + " |")
        out.append("")
    return out, ratios


def targets(rows, R):
    """Each target of issue 5 as (text, measured, met)."""
    res = []

    def get(w, c, s):
        return R.get(w, {}).get((c, s))

    def add(text, value, limit, shown=None):
        if value is None:
            res.append((text, "not measured", "—"))
        else:
            res.append((text, shown or fmt_ratio(value), "yes" if value <= limit else "**no**"))

    add("softmax+CE gradient from primitives, Q = 1000: ≤ 3× function (issue 5; scalar code)", get("grad_ce", "adiff_reverse", 1000), 3)
    add("softmax+CE gradient from array primitives, Q = 1000: ≤ 2× function (issue 16)", get("grad_ce", "adiff_array", 1000), 2)
    big = [v for (c, s), v in R.get("grad_ce", {}).items() if c == "adiff_array" and s >= 10000]
    add("the same at Q ≥ 10⁴: ≤ 1.5× function (worst size; issue 16)", max(big) if big else None, 1.5)
    add("same with the fused rules, Q = 1000: ≤ 1.3× (issue 16)", get("grad_ce", "adiff_fused", 1000), 1.3)
    jac = [v for (c, s), v in R.get("jac_softmax", {}).items() if is_adiff(c) and s == 1000]
    best = min(jac) if jac else None
    add("Q×Q Jacobian, Q = 1000: ≤ 2× closed form (best adiff row)", best, 2)
    for q in (10, 100):
        w = f"batch_jac_q{q}"
        vals = [v for (c, s), v in R.get(w, {}).items() if is_adiff(c)]
        best_rows = {}
        for (c, s), v in R.get(w, {}).items():
            if is_adiff(c):
                best_rows.setdefault(s, []).append(v)
        worst_best = max(min(v) for v in best_rows.values()) if best_rows else None
        add(f"batch blocks Q = {q}: ≤ 3× closed form (best adiff row, worst M)", worst_best, 3)
        data = rows.get(w, {})
        flat = []
        for c in data:
            if is_adiff(c) and 100 in data[c] and 1000 in data[c]:
                flat.append(us(data[c][1000]) / 1000 / (us(data[c][100]) / 100))
        add(f"batch blocks Q = {q}: time per block M=1000 within 1.3× of M=100 (best adiff row)",
            min(flat) if flat else None, 1.3)
    sl = rows.get("scalar_loop", {}).get("adiff_reverse", {})
    b = next(iter(sl.values()), None)
    if b and "B_per_statement" in b:
        add("tape: ≤ 4 bytes per statement", b["B_per_statement"], 4, f"{b['B_per_statement']:.1f} B")
        add("tape: ≤ 12 bytes per operand", b["B_per_operand"], 12, f"{b['B_per_operand']:.1f} B")
    mp = [v for (c, s), v in R.get("grad_ce_mp50", {}).items() if c == "adiff_reverse"]
    add("50-digit gradient: ≤ 3× the 50-digit function (worst Q, from primitives)", max(mp) if mp else None, 3)
    add("scalar loop gradient by the tape: ≤ 4× function (issue 2)", get("scalar_loop", "adiff_reverse", 100), 4)
    derive = rows.get("derive_matrix_form", {}).get("adiff_softmax_jacobian", {}).get(1)
    add("deriving, simplifying and printing the softmax Jacobian in matrix notation: < 10 ms (issue 13)",
        us(derive) / 1e4 if derive else None, 1, f"{us(derive):.0f} µs" if derive else None)
    add("the derived formula evaluated at Q = 1000: ≤ 1.2× the closed form (issue 13)", get("matrix_form", "adiff_derived_formula", 1000), 1.2)
    gmm = [k for k, _, _, _ in WORKLOADS if k.startswith("gmm_")]
    def worst(contender):
        v = [r for k in gmm for (c, s), r in R.get(k, {}).items() if c == contender]
        return max(v) if v else None
    add("GMM gradient from the scalar-loop code as written: ≤ 8× the objective (worst size; issue 16)", worst("adiff_reverse"), 8)
    add("GMM gradient with checkpointed sums: ≤ 4× the objective (worst size; issue 16)", worst("adiff_checkpointed"), 4)
    for contender, limit, text in (("adiff_reverse", 1024, "GMM tape at d = 64, K = 50 as written: ≤ 1 GB (issue 16)"),
                                   ("adiff_checkpointed", 10, "GMM tape at d = 64, K = 50 with checkpointed sums: ≤ 10 MB (issue 16)")):
        b = rows.get("gmm_d64", {}).get(contender, {}).get(50)
        mb = b.get("reserved_MB") if b else None
        add(text, mb, limit, f"{mb:.0f} MB" if mb is not None and mb >= 10 else (f"{mb:.2f} MB" if mb is not None else None))
    # the best adiff row against the best libtorch row on one thread, at every size
    torch_worst = None
    for key in ("grad_ce", "batch_grad_ce", "jac_softmax", "batch_jac_q10", "batch_jac_q100"):
        data = rows.get(key, {})
        for s in {s for c in data.values() for s in c}:
            a = [us(data[c][s]) for c in data if is_adiff(c) and s in data[c]]
            t = [us(data[c][s]) for c in data if c.startswith("torch") and not c.endswith("_2t") and s in data[c]]
            if a and t and (torch_worst is None or min(a) / min(t) > torch_worst[0]):
                torch_worst = (min(a) / min(t), key, s)
    add("faster than libtorch on one thread at every size of the gradient, batch and Jacobian workloads "
        "(best adiff row / best torch row" + (f"; worst: {torch_worst[1]} at {torch_worst[2]})" if torch_worst else ")") + " (issue 16)",
        torch_worst[0] if torch_worst else None, 0.999999)
    for key, what in (("grad_ce", "gradient"), ("jac_softmax", "Jacobian")):
        data = rows.get(key, {})
        a = [us(data[c][10]) for c in data if is_adiff(c) and 10 in data[c]]
        p = [us(data[c][10]) for c in data if not is_adiff(c) and c not in ("function", "analytic") and 10 in data[c]]
        add(f"Q = 10 {what}: best adiff row at least as fast as the best peer row (issue 16)",
            min(a) / min(p) if a and p else None, 1.0)
    # every adiff row faster than every peer row, same workload, size >= 100
    def compare(pick, what):
        worst = None
        for key, _, _, _ in WORKLOADS:
            data = rows.get(key, {})
            sizes = {s for c in data.values() for s in c if s >= 100}
            for s in sizes:
                a = [us(data[c][s]) for c in data if pick(key, c) and s in data[c]]
                p = [us(data[c][s]) for c in data if not is_adiff(c) and c not in ("function", "analytic") and s in data[c]]
                if a and p:
                    r = max(a) / min(p)
                    if worst is None or r > worst[0]:
                        worst = (r, key, s)
        if worst:
            add(f"{what} at size ≥ 100 (slowest / fastest peer; worst: {worst[1]} at {worst[2]})", worst[0], 0.999999)

    compare(lambda key, c: is_adiff(c), "every adiff row faster than every peer row")
    compare(lambda key, c: is_adiff(c) and not (key.startswith("grad") and "forward" in c),
            "the same without forward lanes on gradients (O(Q²) by construction, like the forward peers)")
    return res


def main():
    path, readme = sys.argv[1], sys.argv[2]
    ctx, rows, reps = load(path)
    R = {}
    body = []
    for key, title, ref, label in WORKLOADS:
        lines, ratios = table(rows, key, title, ref, label)
        body += lines
        R[key] = ratios
    sl = rows.get("scalar_loop", {}).get("adiff_reverse", {})
    b = next(iter(sl.values()), None)
    tape = ""
    if b and "B_per_statement" in b:
        tape = (f"Tape memory (scalar loop, double): {b['B_per_statement']:.1f} bytes per statement and "
                f"{b['B_per_operand']:.1f} bytes per operand recorded ({int(b['statements'])} statements, "
                f"{int(b['operands'])} operands); {b['B_reserved_per_statement']:.1f} bytes per statement "
                "reserved in total, adjoints and growth slack included.")
    machine = (f"{ctx.get('cpu_model', 'unknown CPU')}, {ctx.get('cores', ctx.get('num_cpus'))} cores at "
               f"{ctx.get('mhz_per_cpu')} MHz, {ctx.get('compiler', 'unknown compiler')}, Release (-O3), "
               f"{ctx.get('date', '')[:10]}")
    out = [BEGIN, "## Benchmarks", "",
           f"Measured on {machine}: medians of {reps} repetitions in one run of `scripts/bench.sh` "
           "(CPU time: the machine is shared by other jobs, so wall time is noisier). Every contender gets the "
           "same deterministic logits in [−10, 10] and a fixed target, and its result is checked against the "
           "closed form before it is timed (the run aborts on a mismatch). Jacobian contenders return a fresh "
           "array, like the closed form. The libtorch rows (PyTorch's C++ autograd from Debian's libtorch-dev "
           "1.13, which `scripts/bench.sh` installs) run on double tensors with one intra-op thread, and "
           "the `_2t` rows with two, timed by the wall clock.", ""]
    if ctx.get("merged"):
        out += [f"Re-run with `MERGE=1 scripts/bench.sh` (every contender of each, so each table is still one run): "
                f"{ctx['merged']}.", ""]
    if tape:
        out += [tape, ""]
    out += ["### Targets (issue 5, and issues 13 and 16 where named)", "", "| target | measured | met |", "|---|---:|:---:|"]
    out += [f"| {t} | {m} | {ok} |" for t, m, ok in targets(rows, R)]
    out += ["", NOTES, "### Tables", ""] + body + [END]
    text = open(readme).read()
    block = "\n".join(out)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(readme, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
