// ad::gradient of a lambda that takes doubles: the driver calls it with ad::Var.
#include <vector>
#include "ad/adiff.hpp"
int main() {
#ifdef ADIFF_FIXED
    auto f = [](const auto& x) { return x[0] * x[0]; };
#else
    auto f = [](const std::vector<double>& x) { return x[0] * x[0]; };
#endif
    return ad::gradient(f, std::vector<double>{1.0})[0] == 2.0 ? 0 : 1;
}
