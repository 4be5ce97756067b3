// Heatmaps: the SVG text (colours, legend, labels, blocks, run-length cells), and its
// rendering by rsvg-convert, decoded back to pixels: the image has the SVG's size, is not
// blank, and the cells have the colours their values call for (positive red, negative blue,
// zero near-white, non-finite black).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "ad/plot/heatmap.hpp"
#include "ad/plot/softmax_plots.hpp"
#include "plot/png.hpp"
#include "plot/seed000.hpp"
#include "support/close.hpp"

namespace {

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

/// Numeric value of attribute `name` in the first tag found at or after `from`.
double attribute(const std::string& svg, const std::string& name, std::size_t from = 0) {
    const std::size_t p = svg.find(" " + name + "=\"", from);
    REQUIRE(p != std::string::npos);
    return std::stod(svg.substr(p + name.size() + 3));
}

/// The plot area (left, top, cell size) as written in the SVG: the background rect of the cells.
struct geometry {
    double left, top, cell;
};
geometry plot_area(const std::string& svg, std::size_t cols) {
    const std::size_t g = svg.find("<g shape-rendering=\"crispEdges\">");
    REQUIRE(g != std::string::npos);
    return {attribute(svg, "x", g), attribute(svg, "y", g), attribute(svg, "width", g) / double(cols)};
}

/// Renders `svg` with rsvg-convert and decodes the PNG (skips the test if rsvg-convert is absent).
adt::image render(const std::string& svg, const std::string& name) {
#ifdef ADIFF_RSVG_CONVERT
    const std::string dir = ADIFF_TEST_OUT_DIR;
    const std::string in = dir + "/" + name + ".svg", out = dir + "/" + name + ".png";
    std::remove(out.c_str());
    {
        std::ofstream f(in);
        f << svg;
    }
    const std::string cmd = std::string("\"") + ADIFF_RSVG_CONVERT + "\" -o \"" + out + "\" \"" + in + "\"";
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
    return adt::read_png(out);
#else
    (void)svg;
    (void)name;
    WARN("rsvg-convert not found: rendering not checked");
    return {};
#endif
}

struct colour {
    int r, g, b;
};
colour pixel(const adt::image& img, const geometry& geo, std::size_t i, std::size_t j) {
    const auto x = std::uint32_t(geo.left + geo.cell * (double(j) + 0.5));
    const auto y = std::uint32_t(geo.top + geo.cell * (double(i) + 0.5));
    REQUIRE(x < img.width);
    REQUIRE(y < img.height);
    return {img.at(x, y, 0), img.at(x, y, 1), img.at(x, y, 2)};
}

std::size_t distinct_colours(const adt::image& img) {
    std::set<std::uint32_t> seen;
    for (std::size_t k = 0; k + 3 < img.rgba.size(); k += 4)
        seen.insert((std::uint32_t(img.rgba[k]) << 16) | (std::uint32_t(img.rgba[k + 1]) << 8) | img.rgba[k + 2]);
    return seen.size();
}

/// softmax([1, 3, 5, 7]) Jacobian (seed 001) by the drivers.
ad::Array<double> seed001_jacobian() {
    auto softmax = [](const auto& z) {
        using X = std::decay_t<decltype(z[0])>;
        using std::exp;
        std::vector<X> e(z.size());
        for (std::size_t k = 0; k < z.size(); ++k) e[k] = exp(z[k]);
        const X s = ad::sum(e);
        for (X& v : e) v = v / s;
        return e;
    };
    return ad::jacobian(softmax, std::vector<double>{1, 3, 5, 7});
}

}  // namespace

TEST_CASE("small Jacobian heatmap: labels, legend, diverging colours, rendered by rsvg-convert", "[plot][svg][png]") {
    const ad::Array<double> J = seed001_jacobian();
    ad::plot::heatmap_options o;
    o.title = "softmax([1,3,5,7]) Jacobian <seed 001>";
    const std::string svg = ad::plot::heatmap_svg(J, o);

    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("</svg>") != std::string::npos);
    CHECK(svg.find("&lt;seed 001&gt;") != std::string::npos);        // title escaped
    CHECK(svg.find("linearGradient") != std::string::npos);          // legend colour bar
    CHECK(count(svg, "font-size=\"12\" text-anchor=\"end\">") == 4);  // 4 row labels
    CHECK(count(svg, "text-anchor=\"middle\">3</text>") == 1);        // column label 3
    // vmax = max |J| = J(3,3) = s3(1 − s3): the legend's top label.
    const double s3 = std::exp(7.0) / (std::exp(1.0) + std::exp(3.0) + std::exp(5.0) + std::exp(7.0));
    char top[32];
    std::snprintf(top, sizeof top, ">%.3g</text>", s3 * (1 - s3));
    CHECK(svg.find(top) != std::string::npos);
    CHECK(svg.find("non-finite") == std::string::npos);

    const adt::image img = render(svg, "seed001");
    if (img.width == 0) return;
    CHECK(double(img.width) == attribute(svg, "width"));
    CHECK(double(img.height) == attribute(svg, "height"));
    CHECK(distinct_colours(img) > 20);  // not blank: cells, text, gradient
    const geometry geo = plot_area(svg, 4);
    const colour diag = pixel(img, geo, 3, 3);  // the largest positive value: darkest red
    CHECK(diag.r > 90);
    CHECK(diag.b < 60);
    CHECK(diag.g < 30);
    const colour off = pixel(img, geo, 2, 3);  // −s2·s3 ≈ −0.10: blue side
    CHECK(off.b > off.r);
    const colour small = pixel(img, geo, 0, 1);  // −s0·s1 ≈ −3e-5: near the zero colour #f7f7f7
    CHECK(std::abs(small.r - 0xf7) <= 4);
    CHECK(std::abs(small.b - 0xf7) <= 4);
}

TEST_CASE("seed-000 batch Jacobian heatmap: 500x500, block diagonal, compact SVG", "[plot][svg][png][batch]") {
    const ad::Array<double> J = adt::seed000_batch_jacobian();
    REQUIRE(J.shape() == ad::Shape{100, 5, 100, 5});
    // Sanity of the data itself: off-diagonal blocks are exactly zero, diagonal ones are not.
    double off_max = 0, diag_max = 0;
    for (std::size_t m = 0; m < 100; ++m)
        for (std::size_t n = 0; n < 100; ++n)
            for (std::size_t i = 0; i < 5; ++i)
                for (std::size_t j = 0; j < 5; ++j)
                    (m == n ? diag_max : off_max) = std::max(m == n ? diag_max : off_max, std::abs(J(m, i, n, j)));
    CHECK(off_max == 0.0);
    CHECK(diag_max > 0.1);

    const std::string svg = ad::plot::heatmap_svg(J, {.title = "seed 000 batch Jacobian"});
    CHECK(svg.find("500 rows x 500 columns") != std::string::npos);
    CHECK(svg.find("(blocks of 5)") != std::string::npos);  // 4-d input: Q×Q blocks found
    CHECK(count(svg, "<line") >= 2 * 99);                   // one boundary mark per block
    CHECK(count(svg, "<rect") < 2600);                      // ≤ 5 runs per row, not 250,000 cells
    CHECK(svg.size() < 400'000);
    // 1.2 px per cell hides the 5x5 blocks: an inset shows the first 4 enlarged, framed on the whole
    CHECK(svg.find("first 4 blocks (rows 0-19") != std::string::npos);
    CHECK(svg.find("exact 0 (247500)") != std::string::npos);  // every off-diagonal-block entry

    const adt::image img = render(svg, "seed000_batch");
    if (img.width == 0) return;
    CHECK(double(img.width) == attribute(svg, "width"));
    CHECK(double(img.height) == attribute(svg, "height"));
    CHECK(img.width > 600);
    CHECK(distinct_colours(img) > 20);
    const geometry geo = plot_area(svg, 500);
    // Far from the diagonal: the exact-zero grey (not the white of a tiny value); a diagonal
    // entry with a clear positive value: red.
    const colour zero = pixel(img, geo, 10, 400);
    CHECK(zero.r == 0xde);
    CHECK(zero.g == 0xde);
    CHECK(zero.b == 0xde);
    std::size_t red = 0, checked = 0;
    for (std::size_t k = 0; k < 500; ++k) {
        const std::size_t m = k / 5, i = k % 5;
        if (J(m, i, m, i) > 0.5 * diag_max) {
            const colour c = pixel(img, geo, k, k);
            ++checked;
            red += c.r > c.b + 60;
        }
    }
    CHECK(checked > 0);
    CHECK(red == checked);

    // symlog colours: every non-zero entry of the diagonal blocks is off the zero colour.
    ad::plot::heatmap_options sym;
    sym.symlog = 1e-6;
    const std::string svg2 = ad::plot::heatmap_svg(J, sym);
    CHECK(svg2.find("diverging symlog scale") != std::string::npos);
    CHECK(svg2.find("(symlog)") != std::string::npos);
    // symlog ticks on round values: 0 and ±10^k (|J| ≤ 0.25: 0.1, 0.01, ...), never 0.000499
    CHECK(svg2.find(">0</text>") != std::string::npos);
    CHECK(svg2.find(">0.1</text>") != std::string::npos);
    CHECK(svg2.find(">-0.1</text>") != std::string::npos);
    CHECK(svg2.find(">0.01</text>") != std::string::npos);
    const adt::image img2 = render(svg2, "seed000_batch_symlog");
    const geometry geo2 = plot_area(svg2, 500);
    std::size_t coloured = 0, nonzero = 0;
    for (std::size_t k = 0; k < 500; ++k) {
        const std::size_t m = k / 5, i = k % 5;
        if (std::abs(J(m, i, m, i)) > 1e-5) {
            const colour c = pixel(img2, geo2, k, k);
            ++nonzero;
            coloured += std::abs(c.r - 0xf7) + std::abs(c.g - 0xf7) + std::abs(c.b - 0xf7) > 30;
        }
    }
    CHECK(nonzero > 100);
    CHECK(coloured == nonzero);
}

TEST_CASE("error heatmap: sequential log scale, non-finite cells black and counted", "[plot][svg][png][check]") {
    ad::Array<double> claim(ad::Shape{3, 3}, std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    ad::Array<double> ad_result = claim;
    ad_result(0, 1) += 1e-12;
    ad_result(2, 2) += 1e-2;
    claim(1, 1) = std::numeric_limits<double>::quiet_NaN();
    const ad::Array<double> err = ad::plot::abs_error(claim, ad_result);
    ADT_CLOSE(err(2, 2), 1e-2, 1e-15, 1e-9);
    CHECK(err(0, 0) == 0.0);
    CHECK(std::isnan(err(1, 1)));

    const std::string svg = ad::plot::heatmap_svg(err, ad::plot::error_options("error of a claimed Jacobian"));
    CHECK(svg.find("sequential scale") != std::string::npos);
    CHECK(svg.find("non-finite (1)") != std::string::npos);
    CHECK(svg.find("first ") == std::string::npos);  // no blocks, no inset
    CHECK(svg.find(">1e-2</text>") != std::string::npos);   // top of the log10 colour bar
    CHECK(svg.find(">1e-12</text>") != std::string::npos);  // bottom
    CHECK(svg.find(">1e-6</text>") != std::string::npos);   // ticks on powers of ten between
    CHECK(svg.find("1e-2.") == std::string::npos);          // never a fractional exponent
    CHECK(svg.find("exact 0 (6)") != std::string::npos);    // zeros have their own swatch

    const adt::image img = render(svg, "error3x3");
    if (img.width == 0) return;
    const geometry geo = plot_area(svg, 3);
    const colour nan = pixel(img, geo, 1, 1);
    CHECK(nan.r + nan.g + nan.b < 30);
    const colour worst = pixel(img, geo, 2, 2);  // viridis top: yellow
    CHECK(worst.r > 200);
    CHECK(worst.g > 200);
    CHECK(worst.b < 80);
    const colour exact = pixel(img, geo, 0, 0);  // error exactly 0 → its own grey, not viridis' lowest purple
    CHECK(exact.r == 0xde);
    CHECK(exact.g == 0xde);
    CHECK(exact.b == 0xde);
    const colour tiny = pixel(img, geo, 0, 1);  // the smallest nonzero error: viridis' dark purple
    CHECK(tiny.r < 100);
    CHECK(tiny.g < 30);
    CHECK(tiny.b > 60);
}

TEST_CASE("heatmap shapes and errors", "[plot][errors]") {
    // A 1-d array is one row; a 3-d array splits its axes as 1 | 2.
    const std::string row = ad::plot::heatmap_svg(ad::Array<double>{1.0, -2.0, 3.0});
    CHECK(row.find("1 rows x 3 columns") != std::string::npos);
    const std::string cube = ad::plot::heatmap_svg(ad::Array<double>(ad::Shape{2, 3, 4}, 1.0));
    CHECK(cube.find("2 rows x 12 columns") != std::string::npos);
    // Custom labels, explicit vmax, multiprecision input through val().
    ad::plot::heatmap_options o;
    o.row_labels = {"a<b", "c"};
    o.vmax = 10;
    const std::string lab = ad::plot::heatmap_svg(ad::Array<ad::mp50>(ad::Shape{2, 2}, ad::mp50(1)), o);
    CHECK(lab.find(">a&lt;b</text>") != std::string::npos);
    CHECK(lab.find(">10</text>") != std::string::npos);
    CHECK(lab.find(">-10</text>") != std::string::npos);

    CHECK_THROWS_AS(ad::plot::heatmap_svg(ad::Array<double>(ad::Shape{0, 3})), ad::error);
    CHECK_THROWS_AS(ad::plot::abs_error(ad::Array<double>(ad::Shape{2, 2}), ad::Array<double>(ad::Shape{2, 3})),
                    ad::shape_error);
    CHECK_THROWS_AS(ad::plot::write_heatmap("/nonexistent-dir/x.svg", ad::Array<double>{1.0}), ad::error);
}

TEST_CASE("softmax report plots: row Jacobian, batch Jacobian and its error against the closed form", "[plot][softmax]") {
    const std::string dir = std::string(ADIFF_TEST_OUT_DIR) + "/softmax_plots";
    const std::vector<double> z = adt::seed000_inputs(1000, 5);
    const ad::Array<double> Z(ad::Shape{1000, 5}, z);
    const auto files = ad::plot::write_softmax_plots(dir, Z);
    REQUIRE(files.size() == 3);
    std::vector<std::string> svgs;
    for (const auto& f : files) {
        std::ifstream in(f);
        REQUIRE(in);
        svgs.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(svgs.back().find("</svg>") != std::string::npos);
    }
    CHECK(svgs[0].find("5 rows x 5 columns") != std::string::npos);
    CHECK(svgs[1].find("1000 rows x 1000 columns") != std::string::npos);  // 200 rows of 5: capped at 1000
    CHECK(svgs[1].find("(first 200 of 1000 rows)") != std::string::npos);
    CHECK(svgs[1].find("(blocks of 5)") != std::string::npos);
    // AD equals the closed form to rounding: the error map's range tops out below 1e-15.
    const std::size_t d = svgs[2].find("sequential scale [");
    REQUIRE(d != std::string::npos);
    const double top = std::stod(svgs[2].substr(svgs[2].find(", ", d) + 2));
    CHECK(top < 1e-15);
    CHECK(top > 0);
    const adt::image img = render(svgs[1], "softmax_plots_batch");
    if (img.width == 0) return;
    CHECK(distinct_colours(img) > 20);
    CHECK_THROWS_AS(ad::plot::write_softmax_plots(dir, ad::Array<double>{1.0, 2.0}), ad::shape_error);
}
