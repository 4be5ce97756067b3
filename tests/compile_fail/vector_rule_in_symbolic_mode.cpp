// A user-defined vector rule applied to symbolic Exprs (symbolic mode knows the registry's rules only).
#include <span>
#include <string_view>
#include <vector>
#include "ad/adiff.hpp"
#include "ad/symbolic/expr.hpp"
struct twice {
    static constexpr std::string_view name = "twice";
    std::size_t outputs(std::size_t n) const { return n; }
    template <class T> void value(std::span<const T> x, std::span<T> y) const { for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] + x[i]; }
    template <class T> void jvp(std::span<const T>, std::span<const T>, std::span<const T> dx, std::span<T> dy) const { for (std::size_t i = 0; i < dx.size(); ++i) dy[i] = dx[i] + dx[i]; }
    template <class T> void vjp(std::span<const T>, std::span<const T>, std::span<const T> dy, std::span<T> dx) const { for (std::size_t i = 0; i < dy.size(); ++i) dx[i] = dy[i] + dy[i]; }
};
int main() {
#ifdef ADIFF_FIXED
    const auto g = ad::gradient([](const auto& x) { return ad::apply_rule(twice{}, x)[0]; }, std::vector<double>{2.0});
    return g[0] == 2.0 ? 0 : 1;
#else
    const std::vector<ad::sym::Expr> x{ad::sym::symbol("x")};
    return ad::apply_rule(twice{}, x)[0].has_symbol() ? 0 : 1;
#endif
}
