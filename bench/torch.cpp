/// Peer rows from PyTorch's C++ autograd (Debian libtorch-dev, built only when CMake finds
/// Torch; scripts/bench.sh installs it, the tests never need it). Every workload runs on double
/// tensors with the same logits and targets as the other contenders, once with one intra-op
/// thread (`torch_*`) and once with two (`torch_*_2t`):
///  - `torch_primitives`: the stable softmax from amax / exp / sum / divide, −log of the picked
///    probability, as adiff's array rows do; `torch_fused`: cross_entropy (log_softmax + nll);
///  - Jacobians (`torch_reverse` from the primitives, `torch_fused_reverse` from torch::softmax):
///    one backward pass per output column over the whole batch, retaining the graph
///    (libtorch 1.13's C++ autograd has no batched vector-Jacobian products).
/// Each call builds a fresh leaf from the inputs, records, and returns a fresh gradient tensor.
#include <torch/torch.h>

#include "batch.hpp"
#include "common.hpp"

namespace {
using namespace bench;
namespace F = torch::nn::functional;

torch::Tensor to_tensor(const double* v, std::int64_t m, std::int64_t q) {
    return torch::from_blob(const_cast<double*>(v), {m, q}, torch::kFloat64).clone();
}
std::vector<double> to_vector(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
torch::Tensor targets_tensor(std::size_t m, std::size_t q) {
    const std::vector<std::size_t> t = batch_targets(m, q);
    return torch::tensor(std::vector<std::int64_t>(t.begin(), t.end()), torch::kInt64);
}

/// The stable softmax along the rows from primitives.
torch::Tensor softmax_primitives(const torch::Tensor& x) {
    const torch::Tensor e = torch::exp(x - torch::amax(x, {1}, true));
    return e / e.sum(1, true);
}
/// Σ_p −log softmax(x_p)_{t_p}: from primitives, or fused.
torch::Tensor ce_primitives(const torch::Tensor& x, const torch::Tensor& t) {
    return -torch::log(softmax_primitives(x).gather(1, t.unsqueeze(1))).sum();
}
torch::Tensor ce_fused(const torch::Tensor& x, const torch::Tensor& t) {
    return F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(torch::kSum));
}

/// The gradient of loss(x, t) at the (m, q) logits z.
template <class Loss>
torch::Tensor gradient(Loss loss, const torch::Tensor& z, const torch::Tensor& t) {
    const torch::Tensor x = z.detach().requires_grad_(true);
    const torch::Tensor y = loss(x, t);
    return torch::autograd::grad({y}, {x})[0];
}
/// The (m, q, q) Jacobian blocks of the row-wise softmax s(x) at z: backward pass j gives
/// ∂s_j/∂x for every row.
template <class Softmax>
torch::Tensor jacobian_blocks(Softmax softmax, const torch::Tensor& z) {
    const torch::Tensor x = z.detach().requires_grad_(true);
    const torch::Tensor y = softmax(x);
    const std::int64_t q = z.size(1);
    std::vector<torch::Tensor> rows;
    rows.reserve(q);
    for (std::int64_t j = 0; j < q; ++j) {
        torch::Tensor go = torch::zeros_like(y);
        go.select(1, j).fill_(1.0);
        rows.push_back(torch::autograd::grad({y}, {x}, {go}, /*retain_graph=*/true)[0]);
    }
    return torch::stack(rows, 1);
}

torch::Tensor fused_softmax(const torch::Tensor& x) { return torch::softmax(x, 1); }

/// Registers one torch row per thread count: suffix "" for one thread, "_2t" for two, timed by
/// the wall clock (the benchmark thread's CPU time would not show the second thread's work).
template <class Fn>
void add_threads(const std::string& workload, const std::string& contender, long n, Fn fn) {
    for (int threads : {1, 2}) {
        auto* b = add(workload, contender + (threads == 1 ? "" : "_2t"), n, [fn, threads](benchmark::State& st, long n) {
            torch::set_num_threads(threads);
            fn(st, n);
            torch::set_num_threads(1);
        });
        if (threads == 2) b->UseRealTime();
    }
}

/// Workloads (1) and (8): the gradient of the summed cross-entropy over m rows of q logits.
template <class Loss>
void grad_rows(const std::string& workload, const std::string& contender, long n, long m, long q, Loss loss) {
    add_threads(workload, contender, n, [m, q, loss, contender](benchmark::State& st, long) {
        const ad::Array<double> Z = batch_logits(m, q);
        const torch::Tensor z = to_tensor(Z.data(), m, q), t = targets_tensor(m, q);
        check(contender, to_vector(gradient(loss, z, t)), batch_ce_gradient(Z.values(), m, q));
        for (auto _ : st) benchmark::DoNotOptimize(gradient(loss, z, t));
    });
}
/// Workloads (2) and (3): the softmax Jacobian blocks of m rows of q logits.
template <class Softmax>
void jacobian_rows(const std::string& workload, const std::string& contender, long n, long m, long q, Softmax s) {
    add_threads(workload, contender, n, [m, q, s, contender](benchmark::State& st, long) {
        const ad::Array<double> Z = batch_logits(m, q);
        const torch::Tensor z = to_tensor(Z.data(), m, q);
        check(contender, to_vector(jacobian_blocks(s, z)), batch_blocks_analytic(Z).values());
        for (auto _ : st) benchmark::DoNotOptimize(jacobian_blocks(s, z));
    });
}

const registrar reg([] {
    // batch_logits(1, q) is logits(q) and batch_target(0, q) is target(q): the same problem
    for (long q : {10L, 100L, 1000L, 10000L, 100000L}) {
        grad_rows("grad_ce", "torch_primitives", q, 1, q, ce_primitives);
        grad_rows("grad_ce", "torch_fused", q, 1, q, ce_fused);
    }
    for (long m : {100L, 1000L, 10000L, 100000L}) {
        grad_rows("batch_grad_ce", "torch_primitives", m, m, 100, ce_primitives);
        grad_rows("batch_grad_ce", "torch_fused", m, m, 100, ce_fused);
    }
    for (long q : {10L, 100L, 1000L}) {
        jacobian_rows("jac_softmax", "torch_reverse", q, 1, q, softmax_primitives);
        jacobian_rows("jac_softmax", "torch_fused_reverse", q, 1, q, fused_softmax);
    }
    for (long q : {10L, 100L})
        for (long m : {100L, 1000L}) {
            const std::string w = "batch_jac_q" + std::to_string(q);
            jacobian_rows(w, "torch_reverse", m, m, q, softmax_primitives);
            jacobian_rows(w, "torch_fused_reverse", m, m, q, fused_softmax);
        }
});
}  // namespace
