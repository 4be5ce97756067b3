// Writes the seed-000 batch Jacobian heatmap (500×500, 100 diagonal 5×5 blocks) as SVG:
//   plot_seed000 OUT.svg        (scripts/docs.sh renders it to docs/img/batch_jacobian.png)
#include <exception>
#include <iostream>

#include "ad/plot/heatmap.hpp"
#include "seed000.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: plot_seed000 OUT.svg\n";
        return 2;
    }
    try {
        ad::plot::heatmap_options o;
        o.title = "Batch softmax Jacobian, seed 000 (M = 100, Q = 5): block diagonal";
        o.row_axis = "output (m, i)";
        o.col_axis = "input (n, j)";
        o.symlog = 1e-6;  // most rows are nearly one-hot: a log colour scale shows every non-zero entry
        ad::plot::write_heatmap(argv[1], adt::seed000_batch_jacobian(), o);
    } catch (const std::exception& e) {
        std::cerr << "plot_seed000: " << e.what() << "\n";
        return 4;
    }
    return 0;
}
