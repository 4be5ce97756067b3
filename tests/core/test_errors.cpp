// Bad input at the core: size mismatches name both sizes, IEEE domain behaviour by default,
// and checked mode names the first primitive that produced a non-finite value.
#include <cmath>

#include "ad/adiff.hpp"
#include "support/close.hpp"

TEST_CASE("size mismatches throw size_error naming both sizes", "[errors][drivers]") {
    auto f = [](const auto& x) { return std::vector{x[0] * x[1], x[0] + x[1]}; };
    const std::vector<double> x{1.0, 2.0};
    CHECK_THROWS_AS(ad::jvp(f, x, std::vector<double>{1.0}), ad::size_error);
    CHECK_THROWS_WITH(ad::jvp(f, x, std::vector<double>{1.0}), Catch::Contains("expected size 2, got 1"));
    CHECK_THROWS_WITH(ad::vjp(f, x, std::vector<double>{1.0, 2.0, 3.0}), Catch::Contains("expected size 2, got 3"));
    CHECK_THROWS_WITH(ad::gradient(f, x), Catch::Contains("one scalar output") && Catch::Contains("got 2"));
    CHECK_THROWS_AS(ad::hessian(f, x), ad::size_error);
    CHECK_THROWS_AS(ad::max(std::vector<double>{}), ad::size_error);
    CHECK_THROWS_AS(ad::Array<double>(ad::Shape{2, 3}, std::vector<double>(5)), ad::size_error);
    const ad::Array<double> a(ad::Shape{2, 2});
    CHECK_THROWS_AS(a(2, 0), ad::shape_error);
    CHECK_THROWS_WITH(a(0), Catch::Contains("1 subscripts") && Catch::Contains("(2, 2)"));
}

TEST_CASE("domain errors follow IEEE by default", "[errors][rules]") {
    using ad::Dual;
    CHECK(std::isnan(ad::log(Dual<double>(-1.0, 1.0)).v));
    CHECK(std::isinf(ad::log(Dual<double>(0.0, 1.0)).v));
    CHECK(std::isinf((Dual<double>(1.0, 1.0) / 0.0).v));
    const auto g = ad::gradient([](const auto& x) { return ad::sqrt(x[0]); }, std::vector<double>{0.0});
    CHECK(std::isinf(g[0]));
}

TEST_CASE("checked mode names the first primitive that produced a non-finite value", "[errors][checked]") {
    auto f = [](const auto& x) { using std::log, std::sqrt, std::exp; return exp(x[0]) + log(x[1]) * sqrt(x[0]); };
    ad::checked_scope checked;
    // fine where everything is finite
    CHECK_NOTHROW(ad::gradient(f, std::vector<double>{1.0, 2.0}));
    // log(-1) is the first non-finite value: reverse and forward both name it
    CHECK_THROWS_AS(ad::gradient(f, std::vector<double>{1.0, -1.0}), ad::domain_error);
    CHECK_THROWS_WITH(ad::gradient(f, std::vector<double>{1.0, -1.0}), Catch::Contains("'log'"));
    CHECK_THROWS_WITH(ad::jacobian_forward(f, std::vector<double>{1.0, -1.0}), Catch::Contains("'log'"));
    // sqrt at 0: finite value, infinite derivative
    CHECK_THROWS_WITH(ad::gradient(f, std::vector<double>{0.0, 2.0}), Catch::Contains("'sqrt'") && Catch::Contains("derivative"));
    // exp overflow
    CHECK_THROWS_WITH(ad::gradient(f, std::vector<double>{1000.0, 2.0}), Catch::Contains("'exp'"));
    // division by zero
    CHECK_THROWS_WITH(ad::gradient([](const auto& x) { return 1.0 / x[0]; }, std::vector<double>{0.0}), Catch::Contains("'div'"));
    try {
        ad::gradient(f, std::vector<double>{1.0, -1.0});
    } catch (const ad::domain_error& e) {
        CHECK(e.op == "log");
    }
}

TEST_CASE("checked mode is scoped and off by default", "[errors][checked]") {
    {
        ad::checked_scope on;
        CHECK_THROWS(ad::log(ad::Dual<double>(-1.0, 1.0)));
    }
    CHECK_NOTHROW(ad::log(ad::Dual<double>(-1.0, 1.0)));
}
