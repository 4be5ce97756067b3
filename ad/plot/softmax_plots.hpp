#pragma once
/// \file softmax_plots.hpp
/// The pictures of `adiff softmax --plot DIR`, in one call: for logits Z (M, Q),
///   DIR/softmax_jacobian.svg      the Q×Q Jacobian of row 0, diag(s) − s sᵀ (by AD);
///   DIR/batch_jacobian.svg        the dense batch Jacobian (M′, Q, M′, Q) of the first M′ rows
///                                 (M′·Q ≤ 1000), block diagonal, symlog colours;
///   DIR/batch_jacobian_error.svg  |AD − closed form| over the same entries (log scale).
/// The Jacobians come from the batch driver on the fused softmax (forward mode, CPR grouping);
/// the closed form is ops/closed_form (diag(S_p) − S_p S_pᵀ per block).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "ad/drivers/batch_jacobian.hpp"
#include "ad/plot/heatmap.hpp"
#include "ops/closed_form/softmax.hpp"
#include "ops/softmax/softmax.hpp"

namespace ad::plot {

/// Writes the three softmax heatmaps for logits Z (M, Q) into `dir` (created if missing) and
/// returns the paths written. Throws shape_error unless Z is 2-d and non-empty, ad::error if a
/// file cannot be written.
inline std::vector<std::string> write_softmax_plots(const std::string& dir, const Array<double>& Z) {
    if (Z.ndim() != 2 || Z.size() == 0) throw shape_error("write_softmax_plots: logits must be a non-empty (M, Q) array", Z.shape());
    const std::size_t M = Z.rows(), Q = Z.cols();
    const std::size_t Mp = std::min(M, std::max<std::size_t>(1, 1000 / Q));  // keep (M′Q)² ≤ 10⁶ cells
    Array<double> Zp(Shape{Mp, Q}, std::vector<double>(Z.begin(), Z.begin() + static_cast<std::ptrdiff_t>(Mp * Q)));
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw error("write_softmax_plots: cannot create directory '" + dir + "': " + ec.message());

    auto softmax_rows = [](const auto& z) { return ad::softmax(z); };
    const Array<double> blocks = batch_jacobian(softmax_rows, Zp);  // (M′, Q, Q)
    const Array<double> dense = batch_jacobian_dense(blocks);       // (M′, Q, M′, Q)
    const Array<double> closed = closed_form::softmax_batch_jacobian_dense(ad::softmax(Zp));

    std::vector<std::string> written;
    const std::string sub = Mp < M ? " (first " + std::to_string(Mp) + " of " + std::to_string(M) + " rows)" : std::string();

    heatmap_options one;
    one.title = "softmax Jacobian of row 0 (Q = " + std::to_string(Q) + ")";
    one.row_axis = "output i";
    one.col_axis = "logit j";
    Array<double> J0(Shape{Q, Q}, std::vector<double>(blocks.begin(), blocks.begin() + static_cast<std::ptrdiff_t>(Q * Q)));
    written.push_back(dir + "/softmax_jacobian.svg");
    write_heatmap(written.back(), J0, one);

    heatmap_options batch;
    batch.title = "batch softmax Jacobian, M = " + std::to_string(M) + ", Q = " + std::to_string(Q) + sub;
    batch.row_axis = "output (m, i)";
    batch.col_axis = "logit (n, j)";
    batch.symlog = 1e-6;
    written.push_back(dir + "/batch_jacobian.svg");
    write_heatmap(written.back(), dense, batch);

    heatmap_options err = error_options("|AD \u2212 closed form|, batch softmax Jacobian" + sub);
    err.legend_label = "|AD \u2212 closed form|";
    err.row_axis = batch.row_axis;
    err.col_axis = batch.col_axis;
    written.push_back(dir + "/batch_jacobian_error.svg");
    write_heatmap(written.back(), abs_error(dense, closed), err);
    return written;
}

}  // namespace ad::plot
