// A user-defined rule without its derivative d(x, y).
#include <cmath>
#include <string_view>
#include <vector>
#include "ad/adiff.hpp"
struct cube {
    static constexpr std::string_view name = "cube";
    template <class T> T value(const T& x) const { return x * x * x; }
#ifdef ADIFF_FIXED
    template <class T> T d(const T& x, const T&) const { return T(3) * x * x; }
#endif
};
int main() {
    return ad::gradient([](const auto& x) { return ad::apply_rule(cube{}, x[0]); }, std::vector<double>{2.0})[0] == 12.0 ? 0 : 1;
}
