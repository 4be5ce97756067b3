#pragma once
/// \file format.hpp
/// Text table and JSON for the softmax report.
#include <cstdio>
#include <sstream>
#include <string>

#include "cli/report/softmax_report.hpp"

namespace adiff::report {

namespace detail {
inline std::string sci(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2e", v);
    return buf;
}
inline std::string json_str(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        r += c;
    }
    return r + "\"";
}
inline std::string json_num(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6e", v);
    return buf;
}
/// Pads s to `w` display columns (UTF-8 aware enough for the symbols used here).
inline std::string pad(const std::string& s, std::size_t w) {
    std::size_t cols = 0;
    for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
    return cols >= w ? s + " " : s + std::string(w - cols, ' ');
}
}  // namespace detail

/// The human-readable table: one line per quantity × method × precision, then a verdict.
inline std::string to_text(const result& r) {
    using detail::pad, detail::sci;
    std::ostringstream os;
    os << "adiff softmax — softmax from exp/sum/divide, derivatives by reverse mode, forward mode,\n"
          "the symbolic DAG and central differences, each compared with the closed form (Q = " << r.opt.classes << ", M = " << r.opt.batch
       << ", seed = " << r.opt.seed << ")\n\n";
    os << pad("precision", 11) << pad("quantity", 32) << pad("method", 36) << pad("max abs", 10) << pad("max rel", 10)
       << pad("mean %", 10) << pad("ULPs", 10) << pad("tolerance", 10) << "ok\n";
    std::string last;
    for (const row& x : r.rows) {
        if (x.precision + x.quantity != last && !last.empty()) os << "\n";
        last = x.precision + x.quantity;
        os << pad(x.precision, 11) << pad(x.quantity, 32) << pad(x.method, 36);
        if (!x.note.empty() && x.note != "shape mismatch") {
            os << x.note << "\n";
            continue;
        }
        os << pad(sci(x.max_abs), 10) << pad(sci(x.max_rel), 10) << pad(sci(x.mean_pct), 10) << pad(sci(x.max_ulps), 10)
           << pad(sci(x.tol_rel), 10) << (x.ok ? "yes" : "NO") << (x.note.empty() ? "" : "  (" + x.note + ")") << "\n";
    }
    std::size_t bad = 0;
    for (const row& x : r.rows) bad += !x.ok;
    os << "\nreference: closed form (or the 100-digit value for the softmax value); tolerance: |a−b| ≤ tol·(max(1, max|ref|) "
          "+ max(|a|,|b|)) per entry;\nULPs in units of ε at each entry's magnitude (entries below 1e-8 of the largest are "
          "judged by the absolute error).\n";
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", r.seconds);
    os << (r.ok ? "ALL AGREE" : "DISAGREEMENT") << ": " << r.rows.size() - bad << "/" << r.rows.size()
       << " comparisons within tolerance (" << secs << " s)\n";
    return os.str();
}

/// The report as one JSON object {"classes", "batch", "seed", "precision", "ok", "seconds", "rows": [...]}.
inline std::string to_json(const result& r) {
    using detail::json_num, detail::json_str;
    std::ostringstream os;
    os << "{\"schema_version\": 1, \"command\": \"softmax\", \"verdict\": " << (r.ok ? "\"agrees\"" : "\"disagrees\"")
       << ", \"classes\": " << r.opt.classes << ", \"batch\": " << r.opt.batch << ", \"seed\": " << r.opt.seed
       << ", \"precision\": " << json_str(std::string(cli::precision_name(r.opt.precision))) << ", \"ok\": " << (r.ok ? "true" : "false")
       << ", \"seconds\": " << json_num(r.seconds) << ", \"rows\": [";
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        const row& x = r.rows[i];
        os << (i ? ",\n  " : "\n  ") << "{\"precision\": " << json_str(x.precision) << ", \"quantity\": " << json_str(x.quantity)
           << ", \"method\": " << json_str(x.method) << ", \"reference\": " << json_str(x.reference)
           << ", \"max_abs\": " << json_num(x.max_abs) << ", \"max_rel\": " << json_num(x.max_rel)
           << ", \"mean_pct\": " << json_num(x.mean_pct) << ", \"max_ulps\": " << json_num(x.max_ulps)
           << ", \"tol_abs\": " << json_num(x.tol_abs) << ", \"tol_rel\": " << json_num(x.tol_rel)
           << ", \"ok\": " << (x.ok ? "true" : "false") << ", \"note\": " << json_str(x.note) << "}";
    }
    os << "\n]}\n";
    return os.str();
}

}  // namespace adiff::report
