// A user-defined rule applied to a symbolic Expr (symbolic mode knows the registry's rules only).
#include <string_view>
#include <vector>
#include "ad/adiff.hpp"
#include "ad/symbolic/expr.hpp"
struct cube {
    static constexpr std::string_view name = "cube";
    template <class T> T value(const T& x) const { return x * x * x; }
    template <class T> T d(const T& x, const T&) const { return T(3) * x * x; }
};
int main() {
#ifdef ADIFF_FIXED
    const auto g = ad::gradient([](const auto& x) { return ad::apply_rule(cube{}, x[0]); }, std::vector<double>{2.0});
    return g[0] == 12.0 ? 0 : 1;
#else
    const ad::sym::Expr x = ad::sym::symbol("x");
    return ad::apply_rule(cube{}, x).has_symbol() ? 0 : 1;
#endif
}
