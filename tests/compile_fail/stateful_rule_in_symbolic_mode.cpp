// A user-defined rule with state applied to a symbolic Expr: symbolic mode re-creates a rule
// from its type (the call node keeps the type's number, not an object), so the parameter must
// be an input instead.
#include <string_view>
#include <vector>
#include "ad/adiff.hpp"
#include "ad/symbolic/expr.hpp"
#ifdef ADIFF_FIXED
struct scaled_cube {  // the scale is the second input
    static constexpr std::string_view name = "scaled_cube";
    template <class T> T value(const T& x, const T& c) const { return c * x * x * x; }
    template <class T> T da(const T& x, const T& c, const T&) const { return T(3) * c * x * x; }
    template <class T> T db(const T& x, const T&, const T&) const { return x * x * x; }
};
int main() {
    const ad::sym::Expr x = ad::sym::symbol("x");
    return ad::apply_rule(scaled_cube{}, x, 2.0).has_symbol() ? 0 : 1;
}
#else
struct scaled_cube {
    double c = 2;
    static constexpr std::string_view name = "scaled_cube";
    template <class T> T value(const T& x) const { return T(c) * x * x * x; }
    template <class T> T d(const T& x, const T&) const { return T(3 * c) * x * x; }
};
int main() {
    const ad::sym::Expr x = ad::sym::symbol("x");
    return ad::apply_rule(scaled_cube{}, x).has_symbol() ? 0 : 1;
}
#endif
