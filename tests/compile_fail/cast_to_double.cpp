// Reading an AD number as a double by a cast: it would drop the derivative; the message says to
// use ad::val (and to call math functions unqualified).
#include <vector>
#include "ad/adiff.hpp"
int main() {
    auto f = [](const auto& x) {
#ifdef ADIFF_FIXED
        const double v = ad::val(x[0]);  // the value, as a constant
#else
        const double v = static_cast<double>(x[0]);
#endif
        return x[0] * v;
    };
    return ad::gradient(f, std::vector<double>{3.0})[0] == 3.0 ? 0 : 1;
}
