// The `adiff softmax` report's numeric core (cli/report/): every comparison agrees in double for
// the default and edge sizes, rows are produced for every quantity, hooks add methods, JSON is sane.
#include <set>

#include "cli/report/format.hpp"
#include "cli/report/softmax_report.hpp"
#include "array/helpers.hpp"

namespace rp = adiff::report;

TEST_CASE("softmax report in double: every quantity, every method agrees", "[check][report]") {
    for (auto [Q, M] : {std::pair<std::size_t, std::size_t>{5, 100}, {1, 1}, {2, 3}, {12, 7}}) {
        rp::options opt;
        opt.classes = Q;
        opt.batch = M;
        opt.seed = 3;
        std::vector<rp::row> rows;
        rp::run_precision<double>(opt, "double", rows);
        std::set<std::string> quantities;
        for (const auto& r : rows) {
            INFO(Q << "x" << M << ": " << r.quantity << " / " << r.method << ": max abs " << r.max_abs << ", max rel " << r.max_rel);
            CHECK(r.ok);
            quantities.insert(r.quantity);
        }
        CHECK(quantities.size() == 9);
        CHECK(rows.size() >= 30);
    }
}

TEST_CASE("softmax report: hooks add methods, text and JSON output", "[check][report]") {
    rp::method_hooks().push_back([](const rp::options&, const std::string& prec, std::vector<rp::row>& rows) {
        rp::row r;
        r.precision = prec, r.quantity = "Jacobian (Q,Q)", r.method = "test hook", r.ok = false;
        rows.push_back(r);
    });
    rp::options opt;
    opt.classes = 3;
    opt.batch = 2;
    rp::result res;
    res.opt = opt;
    rp::run_precision<double>(opt, "double", res.rows);
    rp::method_hooks().clear();
    for (const auto& r : res.rows) res.ok = res.ok && r.ok;
    CHECK_FALSE(res.ok);  // the hook's failing row makes the report fail
    CHECK(res.rows.back().method == "test hook");
    const std::string text = rp::to_text(res), json = rp::to_json(res);
    CHECK(text.find("DISAGREEMENT") != std::string::npos);
    CHECK(text.find("test hook") != std::string::npos);
    CHECK(json.find("\"ok\": false") != std::string::npos);
    CHECK(json.find("\"quantity\": \"batch Jacobian blocks (M,Q,Q)\"") != std::string::npos);
}
