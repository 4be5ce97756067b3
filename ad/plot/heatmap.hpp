#pragma once
/// \file heatmap.hpp
/// Jacobian heatmaps as SVG (plain text written by adiff; no dependency).
///
/// `heatmap_svg(J, options)` draws a matrix cell by cell:
///  - diverging colour scale (default): blue < 0 < red, white-ish at 0, symmetric in
///    [−vmax, vmax] with vmax = max |finite entry| unless given; suits Jacobians, whose sign
///    matters (softmax: positive diagonal, negative off-diagonal);
///  - sequential scale (viridis), optionally on log10: suits error maps |claim − AD|;
///  - a legend (colour bar with ticks on round values: powers of ten on a log scale, 0 and
///    ±10ᵏ on a symlog scale) and swatches for exact zeros (their own grey, never the colour of
///    a small value) and non-finite entries (black);
///  - row/column labels for small matrices (≤ `label_limit`), axis ticks otherwise;
///  - block structure: `block_rows`/`block_cols` draw block boundaries (automatic for a 4-d
///    batch Jacobian of shape (M, Q, M, Q), drawn as an (M·Q)×(M·Q) matrix with Q×Q blocks);
///    when the blocks are too small to see (under 10 px), an inset beside the legend shows the
///    first blocks enlarged, and a frame on the whole marks where they are.
/// Large matrices stay small on disk: runs of equal colour in a row become one rectangle and
/// the most frequent colour is the background (a 500×500 block-diagonal Jacobian is ~100 KB).
///
/// Typical use (one line in a CLI command):
///   ad::plot::write_heatmap("jacobian.svg", J, {.title = "softmax Jacobian"});
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ad/errors.hpp"
#include "ops/array/array.hpp"
#include "ops/rules/scalar_traits.hpp"

namespace ad::plot {

/// Which colour map a heatmap uses.
enum class colour_scale {
    diverging,   ///< blue–white–red, symmetric around 0 (Jacobians)
    sequential,  ///< viridis from vmin to vmax (errors, magnitudes)
};

/// Options of `heatmap_svg`; every field has a sensible default (designated initialisers work).
struct heatmap_options {
    std::string title{};                               ///< drawn above the plot (may be empty)
    colour_scale scale = colour_scale::diverging;      ///< colour map
    bool log10 = false;                                ///< sequential only: colour by log10(value); values ≤ 0 get the lowest colour
    double symlog = 0;                                 ///< diverging only: if > 0, colour by sign(v)·log(1 + |v|/symlog) (linear below symlog), so tiny entries stay visible
    double vmin = std::numeric_limits<double>::quiet_NaN();  ///< sequential lower end (NaN: min finite value)
    double vmax = std::numeric_limits<double>::quiet_NaN();  ///< upper end (NaN: max |finite| for diverging, max for sequential)
    std::size_t block_rows = 0;                        ///< draw a boundary every block_rows rows (0: none, or automatic for 4-d input)
    std::size_t block_cols = 0;                        ///< draw a boundary every block_cols columns
    std::vector<std::string> row_labels{};             ///< labels of rows (default: indices when rows ≤ label_limit)
    std::vector<std::string> col_labels{};             ///< labels of columns (default: indices when cols ≤ label_limit)
    std::size_t label_limit = 40;                      ///< label every row/column up to this size; ticks beyond
    double cell = 0;                                   ///< pixels per cell (0: fit the larger side into ~600 px, 1–48 px per cell)
    std::string row_axis = "output i";                 ///< name of the row axis
    std::string col_axis = "input j";                  ///< name of the column axis
    std::string legend_label = "\u2202f\u1d62/\u2202x\u2c7c";  ///< caption above the colour bar
};

namespace detail {

/// An RGB colour.
struct rgb { unsigned char r, g, b; };

/// ColorBrewer RdBu (11 classes), from −1 (dark blue) through 0 (#f7f7f7) to +1 (dark red).
inline constexpr std::array<rgb, 11> diverging_stops{{
    {0x05, 0x30, 0x61}, {0x21, 0x66, 0xac}, {0x43, 0x93, 0xc3}, {0x92, 0xc5, 0xde}, {0xd1, 0xe5, 0xf0},
    {0xf7, 0xf7, 0xf7},
    {0xfd, 0xdb, 0xc7}, {0xf4, 0xa5, 0x82}, {0xd6, 0x60, 0x4d}, {0xb2, 0x18, 0x2b}, {0x67, 0x00, 0x1f}}};
/// viridis (10 stops), from low (dark purple) to high (yellow).
inline constexpr std::array<rgb, 10> sequential_stops{{
    {0x44, 0x01, 0x54}, {0x48, 0x28, 0x78}, {0x3e, 0x49, 0x89}, {0x31, 0x68, 0x8e}, {0x26, 0x82, 0x8e},
    {0x1f, 0x9e, 0x89}, {0x35, 0xb7, 0x79}, {0x6e, 0xce, 0x58}, {0xb5, 0xde, 0x2b}, {0xfd, 0xe7, 0x25}}};

/// Piecewise-linear interpolation of a colour map at t ∈ [0, 1] (clamped).
template <std::size_t K>
rgb interpolate(const std::array<rgb, K>& stops, double t) {
    t = std::clamp(t, 0.0, 1.0) * double(K - 1);
    const std::size_t k = std::min<std::size_t>(std::size_t(t), K - 2);
    const double f = t - double(k);
    auto mix = [f](unsigned char a, unsigned char b) {
        return static_cast<unsigned char>(std::lround(double(a) + f * (double(b) - double(a))));
    };
    return {mix(stops[k].r, stops[k + 1].r), mix(stops[k].g, stops[k + 1].g), mix(stops[k].b, stops[k + 1].b)};
}

/// "#rrggbb".
inline std::string hex(rgb c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
    return buf;
}

/// The colour of exact zeros: a mid grey that no colour map uses (not the white of a tiny
/// diverging value, not the purple of the smallest error).
inline constexpr const char* zero_colour = "#dedede";

/// A number with 3 significant digits ("0.25", "-1.2e-05").
inline std::string num(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", x);
    return buf;
}

/// A coordinate with at most 2 decimals, trailing zeros removed.
inline std::string px(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", x);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s == "-0" ? "0" : s;
}

/// Escapes &, <, >, " for SVG text and attributes.
inline std::string escape(const std::string& s) {
    std::string r;
    for (char c : s) {
        switch (c) {
            case '&': r += "&amp;"; break;
            case '<': r += "&lt;"; break;
            case '>': r += "&gt;"; break;
            case '"': r += "&quot;"; break;
            default: r += c;
        }
    }
    return r;
}

/// A "nice" tick step (1, 2 or 5 × 10^k, or a multiple of `block`) giving at most ~10 ticks over n.
inline std::size_t tick_step(std::size_t n, std::size_t block) {
    if (block > 1 && n / block <= 10) return block;
    const std::size_t unit = block > 1 ? block : 1;
    const std::size_t units = (n + unit - 1) / unit;
    std::size_t step = 1;
    for (std::size_t p = 1;; p *= 10) {
        for (std::size_t m : {1, 2, 5}) {
            step = m * p;
            if (units / step <= 10) return step * unit;
        }
    }
}

/// The colour bar's ticks as (position in [0, 1], label), on round values: on a log10 scale the
/// integer powers of ten in [lo, hi] (at most ~7, labelled "1e-16") and the two ends with their
/// values where they are clear of those; on a symlog scale 0, the ends ±hi and the powers ±10ᵏ between (at most
/// 3 a side, none within 14 px of another label); else lo, the middle and hi.
template <class Unit>
std::vector<std::pair<double, std::string>> legend_ticks(bool log, bool symlog, double lo, double hi, Unit&& unit, double height) {
    std::vector<std::pair<double, std::string>> t;
    if (log) {
        // a power within 1% of a decade beyond an end is drawn at that end (an error of 1.00009e-12)
        const int a = int(std::ceil(lo - 0.01)), b = int(std::floor(hi + 0.01));
        const int step = std::max(1, (b - a + 5) / 6);
        for (int k = b; k >= a; k -= step) t.emplace_back(unit(double(k)), "1e" + std::to_string(k));
        // the ends too, with their values, where they are clear of the powers (the range's extent)
        for (const auto& [u, v] : {std::pair{1.0, hi}, std::pair{0.0, lo}}) {
            bool clear = true;
            for (const auto& tick : t) clear = clear && std::abs(tick.first - u) * height >= 14;
            if (clear) t.emplace_back(u, num(std::pow(10.0, v)));
        }
        return t;
    }
    if (!symlog) return {{1.0, num(hi)}, {0.5, num(0.5 * (lo + hi))}, {0.0, num(lo)}};
    t = {{1.0, num(hi)}, {0.5, "0"}, {0.0, num(-hi)}};
    const int kmax = int(std::floor(std::log10(hi)));
    std::vector<double> taken{1.0, 0.5};
    int placed = 0;
    for (int k = kmax; k > kmax - 12 && placed < 3; --k) {
        const double v = std::pow(10.0, k), u = unit(v);
        if (u <= 0.5) break;
        bool clear = true;
        for (double w : taken) clear = clear && std::abs(w - u) * height >= 14;
        if (!clear) continue;
        taken.push_back(u);
        ++placed;
        t.emplace_back(u, num(v));
        t.emplace_back(1 - u, num(-v));
    }
    return t;
}

}  // namespace detail

/// The SVG text of a heatmap of J. 1-d arrays are drawn as one row; 2-d as is; n-d arrays
/// (n ≥ 3) as a matrix with the first ⌊n/2⌋ axes as rows and the rest as columns, and a 4-d
/// (M, Q, M, Q) batch Jacobian gets Q×Q block boundaries automatically. Throws ad::error on
/// an empty array.
inline std::string heatmap_svg(const Array<double>& J, const heatmap_options& o = {}) {
    using namespace detail;
    if (J.size() == 0) throw error("heatmap_svg: cannot draw an empty array of shape " + shape_string(J.shape()));
    std::size_t rows = 1, cols = J.size();
    std::size_t brows = o.block_rows, bcols = o.block_cols;
    if (J.ndim() == 2) rows = J.rows(), cols = J.cols();
    else if (J.ndim() >= 3) {
        const std::size_t half = J.ndim() / 2;
        rows = 1;
        for (std::size_t k = 0; k < half; ++k) rows *= J.extent(k);
        cols = J.size() / rows;
        if (J.ndim() == 4 && brows == 0 && bcols == 0) brows = J.extent(1), bcols = J.extent(3);
    }

    // ---- colour range
    const bool seq = o.scale == colour_scale::sequential;
    auto transform = [&](double v) { return seq && o.log10 ? (v > 0 ? std::log10(v) : -std::numeric_limits<double>::infinity()) : v; };
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, amax = 0;
    for (double v : J) {
        if (!std::isfinite(v)) continue;
        const double t = transform(v);
        if (std::isfinite(t)) lo = std::min(lo, t), hi = std::max(hi, t);
        amax = std::max(amax, std::abs(v));
    }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (seq) {
        if (!std::isnan(o.vmin)) lo = transform(o.vmin);
        if (!std::isnan(o.vmax)) hi = transform(o.vmax);
        if (!(hi > lo)) hi = lo + 1;
    } else {
        hi = std::isnan(o.vmax) ? amax : std::abs(o.vmax);
        if (!(hi > 0)) hi = 1;
        lo = -hi;
    }
    // Diverging with symlog: u(v) = sign(v)·log1p(|v|/c)/log1p(vmax/c) ∈ [−1, 1], inverse for ticks.
    const bool sym = !seq && o.symlog > 0;
    const double sym_norm = sym ? std::log1p(hi / o.symlog) : 1;
    auto unit = [&](double t) {  // position in [0, 1] of a (transformed) value
        if (sym) return 0.5 + 0.5 * std::clamp((t < 0 ? -1.0 : 1.0) * std::log1p(std::abs(t) / o.symlog) / sym_norm, -1.0, 1.0);
        return std::clamp((t - lo) / (hi - lo), 0.0, 1.0);
    };
    auto colour_index = [&](double v) -> int {  // 0..255 colour level, −1 for non-finite, −2 for an exact 0
        if (std::isnan(v) || std::isinf(v)) return -1;
        if (v == 0) return -2;
        const double t = transform(v);
        if (!std::isfinite(t)) return 0;  // log of a negative value: lowest colour
        return int(std::lround(unit(t) * 255.0));
    };
    auto colour_of = [&](int level) -> std::string {
        if (level == -2) return zero_colour;
        if (level < 0) return "#000000";
        const double t = level / 255.0;
        return hex(seq ? interpolate(sequential_stops, t) : interpolate(diverging_stops, t));
    };

    // ---- geometry
    const double cell = o.cell > 0 ? o.cell : std::clamp(600.0 / double(std::max(rows, cols)), 1.0, 48.0);
    const bool row_lab = rows <= o.label_limit, col_lab = cols <= o.label_limit;
    const double font = std::clamp(cell * 0.45, 7.0, 12.0);
    std::size_t longest = 1;
    for (std::size_t i = 0; i < rows && row_lab; ++i)
        longest = std::max(longest, i < o.row_labels.size() ? o.row_labels[i].size() : std::to_string(i).size());
    const double left = 34 + (row_lab ? double(longest) * font * 0.62 : 6 * 7.0);
    const double top = (o.title.empty() ? 16 : 40) + (col_lab ? font + 8 : 18);
    const double pw = cell * double(cols), ph = cell * double(rows);
    const double legend_x = left + pw + 24, legend_w = 16, legend_h = std::max(ph * 0.8, 120.0);
    const std::string legend_text = seq && o.log10 ? "log10 " + o.legend_label : (!seq && o.symlog > 0 ? o.legend_label + " (symlog)" : o.legend_label);
    std::size_t legend_chars = 0;  // UTF-8 code points, for the width of the caption
    for (unsigned char c : legend_text) legend_chars += (c & 0xC0) != 0x80;
    double width = std::max(legend_x + legend_w + 90, legend_x + 6.5 * double(legend_chars) + 10);
    // the inset: the first blocks enlarged, when blocks are too small to see in the whole
    const bool inset = brows > 1 && bcols > 1 && brows < rows && bcols < cols && cell * double(std::min(brows, bcols)) < 10;
    const std::size_t inset_blocks = inset ? std::clamp<std::size_t>(60 / std::max(brows, bcols), 1, 4) : 0;
    const std::size_t inset_rows = std::min(rows, inset_blocks * brows), inset_cols = std::min(cols, inset_blocks * bcols);
    const double inset_size = 220, inset_cell = inset ? inset_size / double(std::max(inset_rows, inset_cols)) : 0;
    const double inset_x = width + 10, inset_y = top + 4;
    if (inset) width = inset_x + inset_cell * double(inset_cols) + 20;
    const double height = top + std::max(ph, legend_h + 40) + 40;

    std::string s;
    s.reserve(4096 + rows * 64);
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(std::ceil(width)) + "\" height=\"" +
         px(std::ceil(height)) + "\" viewBox=\"0 0 " + px(std::ceil(width)) + " " + px(std::ceil(height)) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n";
    s += "<desc>adiff heatmap: " + std::to_string(rows) + " rows x " + std::to_string(cols) + " columns, " +
         (seq ? "sequential" : sym ? "diverging symlog" : "diverging") + " scale [" + num(seq && o.log10 ? std::pow(10.0, lo) : lo) + ", " +
         num(seq && o.log10 ? std::pow(10.0, hi) : hi) + "]</desc>\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    if (!o.title.empty())
        s += "<text x=\"" + px(left) + "\" y=\"24\" font-size=\"15\" font-weight=\"bold\">" + escape(o.title) + "</text>\n";

    // ---- cells: background = most frequent colour, then runs of equal colour per row
    std::vector<int> level(rows * cols);
    std::unordered_map<int, std::size_t> freq;
    for (std::size_t k = 0; k < level.size(); ++k) ++freq[level[k] = colour_index(J[k])];
    int bg = level[0];
    for (const auto& [lv, n] : freq)
        if (n > freq[bg] || (n == freq[bg] && lv < bg)) bg = lv;
    s += "<g shape-rendering=\"crispEdges\">\n";
    s += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(pw) + "\" height=\"" + px(ph) +
         "\" fill=\"" + colour_of(bg) + "\"/>\n";
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols;) {
            const int lv = level[i * cols + j];
            std::size_t e = j + 1;
            while (e < cols && level[i * cols + e] == lv) ++e;
            if (lv != bg)
                s += "<rect x=\"" + px(left + cell * double(j)) + "\" y=\"" + px(top + cell * double(i)) +
                     "\" width=\"" + px(cell * double(e - j)) + "\" height=\"" + px(cell) + "\" fill=\"" +
                     colour_of(lv) + "\"/>\n";
            j = e;
        }
    }
    s += "</g>\n";

    // ---- block boundaries (batch Jacobians): thin grey lines, or ticks only when too dense
    auto block_lines = [&](std::size_t b, std::size_t n, bool vertical) {
        if (b == 0 || b >= n) return;
        const bool dense = cell * double(b) < 8 || n / b > 40;  // too many lines would hide the cells
        for (std::size_t k = b; k < n; k += b) {
            const double p = (vertical ? left : top) + cell * double(k);
            if (vertical)
                s += "<line x1=\"" + px(p) + "\" y1=\"" + px(dense ? top + ph : top) + "\" x2=\"" + px(p) + "\" y2=\"" +
                     px(top + ph + (dense ? 3 : 0)) + "\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n";
            else
                s += "<line x1=\"" + px(dense ? left - 3 : left) + "\" y1=\"" + px(p) + "\" x2=\"" + px(dense ? left : left + pw) +
                     "\" y2=\"" + px(p) + "\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n";
        }
    };
    block_lines(bcols, cols, true);
    block_lines(brows, rows, false);
    s += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(pw) + "\" height=\"" + px(ph) +
         "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    if (inset) {
        // where the inset is, on the whole; then the inset: its cells, block lines and frame
        s += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(std::max(3.0, cell * double(inset_cols))) + "\" height=\"" +
             px(std::max(3.0, cell * double(inset_rows))) + "\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n";
        const double iw = inset_cell * double(inset_cols), ih = inset_cell * double(inset_rows);
        s += "<text x=\"" + px(inset_x) + "\" y=\"" + px(inset_y - 8 + 0) + "\" font-size=\"11\">first " + std::to_string(inset_blocks) +
             " block" + (inset_blocks == 1 ? "" : "s") + " (rows 0-" + std::to_string(inset_rows - 1) + ", ×" + num(inset_cell / cell) + ")</text>\n";
        s += "<g shape-rendering=\"crispEdges\">\n";
        for (std::size_t i = 0; i < inset_rows; ++i)
            for (std::size_t j = 0; j < inset_cols;) {
                const int lv = level[i * cols + j];
                std::size_t e = j + 1;
                while (e < inset_cols && level[i * cols + e] == lv) ++e;
                s += "<rect x=\"" + px(inset_x + inset_cell * double(j)) + "\" y=\"" + px(inset_y + inset_cell * double(i)) + "\" width=\"" +
                     px(inset_cell * double(e - j)) + "\" height=\"" + px(inset_cell) + "\" fill=\"" + colour_of(lv) + "\"/>\n";
                j = e;
            }
        s += "</g>\n";
        for (std::size_t k = bcols; k < inset_cols; k += bcols)
            s += "<line x1=\"" + px(inset_x + inset_cell * double(k)) + "\" y1=\"" + px(inset_y) + "\" x2=\"" + px(inset_x + inset_cell * double(k)) +
                 "\" y2=\"" + px(inset_y + ih) + "\" stroke=\"#888888\" stroke-width=\"0.75\"/>\n";
        for (std::size_t k = brows; k < inset_rows; k += brows)
            s += "<line x1=\"" + px(inset_x) + "\" y1=\"" + px(inset_y + inset_cell * double(k)) + "\" x2=\"" + px(inset_x + iw) + "\" y2=\"" +
                 px(inset_y + inset_cell * double(k)) + "\" stroke=\"#888888\" stroke-width=\"0.75\"/>\n";
        s += "<rect x=\"" + px(inset_x) + "\" y=\"" + px(inset_y) + "\" width=\"" + px(iw) + "\" height=\"" + px(ih) +
             "\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1.5\"/>\n";
    }

    // ---- labels or ticks
    const std::string fs = px(font);
    if (row_lab) {
        for (std::size_t i = 0; i < rows; ++i)
            s += "<text x=\"" + px(left - 4) + "\" y=\"" + px(top + cell * (double(i) + 0.5) + font * 0.35) +
                 "\" font-size=\"" + fs + "\" text-anchor=\"end\">" +
                 escape(i < o.row_labels.size() ? o.row_labels[i] : std::to_string(i)) + "</text>\n";
    } else {
        const std::size_t step = tick_step(rows, brows);
        for (std::size_t i = 0; i < rows; i += step)
            s += "<text x=\"" + px(left - 5) + "\" y=\"" + px(top + cell * double(i) + 4) + "\" font-size=\"10\" text-anchor=\"end\">" +
                 std::to_string(i) + "</text>\n";
    }
    if (col_lab) {
        for (std::size_t j = 0; j < cols; ++j)
            s += "<text x=\"" + px(left + cell * (double(j) + 0.5)) + "\" y=\"" + px(top - 5) + "\" font-size=\"" + fs +
                 "\" text-anchor=\"middle\">" + escape(j < o.col_labels.size() ? o.col_labels[j] : std::to_string(j)) +
                 "</text>\n";
    } else {
        const std::size_t step = tick_step(cols, bcols);
        for (std::size_t j = 0; j < cols; j += step)
            s += "<text x=\"" + px(left + cell * double(j)) + "\" y=\"" + px(top - 5) + "\" font-size=\"10\" text-anchor=\"middle\">" +
                 std::to_string(j) + "</text>\n";
    }
    s += "<text x=\"" + px(left + pw / 2) + "\" y=\"" + px(top + ph + 22) + "\" font-size=\"12\" text-anchor=\"middle\">" +
         escape(o.col_axis) + (bcols > 1 && bcols < cols ? " (blocks of " + std::to_string(bcols) + ")" : std::string()) + "</text>\n";
    s += "<text transform=\"translate(12 " + px(top + ph / 2) + ") rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">" +
         escape(o.row_axis) + (brows > 1 && brows < rows ? " (blocks of " + std::to_string(brows) + ")" : std::string()) + "</text>\n";

    // ---- legend: a colour bar (top = high) with its range, and the non-finite swatch
    s += "<defs><linearGradient id=\"adiff-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
    const std::size_t nstops = seq ? sequential_stops.size() : diverging_stops.size();
    for (std::size_t k = 0; k < nstops; ++k)
        s += "<stop offset=\"" + px(double(k) / double(nstops - 1)) + "\" stop-color=\"" +
             hex(seq ? sequential_stops[k] : diverging_stops[k]) + "\"/>\n";
    s += "</linearGradient></defs>\n";
    s += "<text x=\"" + px(legend_x) + "\" y=\"" + px(top - 8) + "\" font-size=\"11\">" +
         escape(legend_text) + "</text>\n";
    s += "<rect x=\"" + px(legend_x) + "\" y=\"" + px(top) + "\" width=\"" + px(legend_w) + "\" height=\"" + px(legend_h) +
         "\" fill=\"url(#adiff-scale)\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n";
    auto legend_tick = [&](double frac, const std::string& label) {
        const double y = top + legend_h * (1 - frac);
        s += "<line x1=\"" + px(legend_x + legend_w) + "\" y1=\"" + px(y) + "\" x2=\"" + px(legend_x + legend_w + 4) +
             "\" y2=\"" + px(y) + "\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n";
        s += "<text x=\"" + px(legend_x + legend_w + 7) + "\" y=\"" + px(y + 4) + "\" font-size=\"10\">" + label + "</text>\n";
    };
    for (const auto& [frac, label] : legend_ticks(seq && o.log10, sym, lo, hi, unit, legend_h)) legend_tick(frac, label);
    double swatch_y = top + legend_h + 14;
    auto swatch = [&](const std::string& colour, const std::string& label) {
        s += "<rect x=\"" + px(legend_x) + "\" y=\"" + px(swatch_y) + "\" width=\"" + px(legend_w) + "\" height=\"10\" fill=\"" + colour +
             "\" stroke=\"#333333\" stroke-width=\"0.5\"/>\n";
        s += "<text x=\"" + px(legend_x + legend_w + 7) + "\" y=\"" + px(swatch_y + 9) + "\" font-size=\"10\">" + label + "</text>\n";
        swatch_y += 16;
    };
    if (freq.count(-2)) swatch(zero_colour, "exact 0 (" + std::to_string(freq[-2]) + ")");
    if (freq.count(-1)) swatch("#000000", "non-finite (" + std::to_string(freq[-1]) + ")");
    s += "</svg>\n";
    return s;
}

/// heatmap_svg of an array of any scalar (multiprecision, AD types): entries become double via val().
template <class T>
std::string heatmap_svg(const Array<T>& J, const heatmap_options& o = {}) {
    std::vector<double> d;
    d.reserve(J.size());
    for (const T& x : J) d.push_back(static_cast<double>(val(x)));
    return heatmap_svg(Array<double>(J.shape(), std::move(d)), o);
}

/// Writes heatmap_svg(J, o) to `path`; throws ad::error naming the path if it cannot be written.
template <class T>
void write_heatmap(const std::string& path, const Array<T>& J, const heatmap_options& o = {}) {
    const std::string svg = heatmap_svg(J, o);
    std::ofstream f(path, std::ios::binary);
    if (!f) throw error("write_heatmap: cannot open '" + path + "' for writing");
    f << svg;
    if (!f.flush()) throw error("write_heatmap: failed writing '" + path + "'");
}

/// |claim − reference| element-wise (same shape, else shape_error): the error map of `check`.
template <class T>
Array<double> abs_error(const Array<T>& claim, const Array<T>& reference) {
    if (claim.shape() != reference.shape()) throw shape_error("abs_error(claim, reference)", claim.shape(), reference.shape());
    Array<double> e(claim.shape());
    for (std::size_t k = 0; k < e.size(); ++k) {
        using std::abs;
        e[k] = static_cast<double>(abs(val(claim[k]) - val(reference[k])));
    }
    return e;
}

/// Options for an error heatmap: sequential viridis on log10, labelled |claim − AD|.
inline heatmap_options error_options(std::string title = "|claim \u2212 AD|") {
    heatmap_options o;
    o.title = std::move(title);
    o.scale = colour_scale::sequential;
    o.log10 = true;
    o.legend_label = "|claim \u2212 AD|";
    return o;
}

/// Writes the error heatmap |claim − reference| (log10 viridis) to `path`.
template <class T>
void write_error_heatmap(const std::string& path, const Array<T>& claim, const Array<T>& reference,
                         heatmap_options o = error_options()) {
    write_heatmap(path, abs_error(claim, reference), o);
}

}  // namespace ad::plot
