// ad::jacobian_forward of a lambda that takes doubles: the driver calls it with ad::Dual.
#include <vector>
#include "ad/adiff.hpp"
int main() {
#ifdef ADIFF_FIXED
    auto f = [](const auto& x) { return x; };
#else
    auto f = [](const std::vector<double>& x) { return x; };
#endif
    return ad::jacobian_forward(f, std::vector<double>{1.0, 2.0})(0, 0) == 1.0 ? 0 : 1;
}
