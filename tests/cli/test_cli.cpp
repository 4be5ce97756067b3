// The expression commands end to end: run the `adiff` binary, check its output and exit code.
#include <catch2/catch.hpp>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "support/close.hpp"

namespace {

struct Run {
    int code;
    std::string out;  // stdout and stderr together
};

// Runs `adiff ARGS` through the shell (ARGS is already quoted).
Run adiff(const std::string& args) {
    const std::string cmd = std::string("'") + ADIFF_EXE + "' " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int status = pclose(p);
    INFO("adiff " << args << "\n" << out);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Every number in a text, in order.
std::vector<double> numbers(const std::string& s) {
    static const std::regex num(R"([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)");
    std::vector<double> v;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), num); it != std::sregex_iterator(); ++it) v.push_back(std::stod(it->str()));
    return v;
}

// The numbers after `"key": ` in a one-line JSON document.
std::vector<double> json_numbers(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\": ");
    REQUIRE(at != std::string::npos);
    std::size_t end = at + key.size() + 4, depth = 0;
    for (; end < json.size(); ++end) {
        const char c = json[end];
        if (c == '[' || c == '{') ++depth;
        else if (c == ']' || c == '}') { if (depth == 0) break; --depth; if (depth == 0) { ++end; break; } }
        else if (c == ',' && depth == 0) break;
    }
    return numbers(json.substr(at + key.size() + 4, end - at - key.size() - 4));
}

std::string tmpfile(const std::string& name, const std::string& text) {
    const std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/adiff_test_cli_" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("eval: values, bindings, precision", "[cli]") {
    auto r = adiff("eval 's = softmax(z); diag(s) - outer(s, s)' --at z=[1,3,5,7] --format json");
    REQUIRE(r.code == 0);
    const auto v = json_numbers(r.out, "value");
    REQUIRE(v.size() == 16);
    ADT_CLOSE(v[0], 0.002139412009920546, 1e-15, 1e-12);  // seed 001's Jacobian of softmax([1,3,5,7])
    ADT_CLOSE(v[15], 0.11680793790035271, 1e-15, 1e-12);
    r = adiff("eval '0.1 + 0.2' --precision 50");
    CHECK(r.code == 0);
    CHECK(r.out == "0.3\n");  // read at 50 digits, not as doubles
    r = adiff("eval '0.1 + 0.2'");
    CHECK(r.out == "0.30000000000000004\n");
    r = adiff("eval 'x' --at x=1.5 --format json");
    CHECK(r.out == "{\"schema_version\": 1, \"command\": \"eval\", \"value\": 1.5, \"warnings\": []}\n");  // the guard's warnings: none
}

TEST_CASE("grad / jacobian / hessian agree in every mode and precision", "[cli]") {
    for (const char* mode : {"auto", "forward", "reverse", "symbolic"}) {
        INFO(mode);
        auto g = adiff(std::string("grad 'sum(exp(z)) + x^2' --at x=1.5 --at z=[1,2] --format json --mode ") + mode);
        REQUIRE(g.code == 0);
        CHECK(g.out.find("\"gradient\": {\"x\": 3, \"z\": [") != std::string::npos);
        const auto gz = json_numbers(g.out, "z");
        REQUIRE(gz.size() == 2);
        ADT_CLOSE(gz[1], std::exp(2.0), 1e-15, 1e-14);
        auto j = adiff(std::string("jacobian 'softmax(z)' --at z=[1,2,3] --format json --mode ") + mode);
        REQUIRE(j.code == 0);
        const auto J = json_numbers(j.out, "jacobian");
        REQUIRE(J.size() == 9);
        const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), s0 = e1 / (e1 + e2 + e3), s1 = e2 / (e1 + e2 + e3);
        ADT_CLOSE(J[0], s0 * (1 - s0), 1e-16, 1e-14);
        ADT_CLOSE(J[1], -s0 * s1, 1e-16, 1e-14);
        CHECK(j.out.find("\"wrt\": [\"z\"]") != std::string::npos);
        auto h = adiff(std::string("hessian 'x^2*y + sin(x*y)' --at x=1 --at y=2 --format json --mode ") + mode);
        REQUIRE(h.code == 0);
        const auto H = json_numbers(h.out, "hessian");
        REQUIRE(H.size() == 4);
        ADT_CLOSE(H[0], 4 - 4 * std::sin(2.0), 1e-14, 1e-13);
        ADT_CLOSE(H[1], 2 + std::cos(2.0) - 2 * std::sin(2.0), 1e-14, 1e-13);
        ADT_CLOSE(H[3], -std::sin(2.0), 1e-14, 1e-13);
    }
    for (const char* prec : {"long", "50", "100"}) {
        auto g = adiff(std::string("grad 'log(x)' --at x=3 --precision ") + prec + " --mode reverse");
        REQUIRE(g.code == 0);
        CHECK(g.out.find("x: 0.3333333333333333") != std::string::npos);
    }
    auto g = adiff("grad 'x*y' --at x=2 --at y=5 --wrt y");
    CHECK(g.out == "value: 10\ngradient:\n  y: 2\n");
}

TEST_CASE("diff prints a derivative that parses back and equals forward and reverse mode", "[cli][symbolic]") {
    auto d = adiff("diff 'softmax(z)' --wrt z --size z=4");
    REQUIRE(d.code == 0);
    // softmax = exp(d − logsumexp d), d = z − stop_gradient(max z): stable at any logits
    CHECK(d.out.find("t0 = stop_gradient(max([z[0], z[1], z[2], z[3]]));") != std::string::npos);
    CHECK(d.out.find("t5 = logsumexp([t1, t2, t3, t4]);") != std::string::npos);
    const std::string path = tmpfile("diff.txt", d.out);
    auto back = adiff("eval @" + path + " --at z=[0.5,-1,2,0.25] --format json");
    REQUIRE(back.code == 0);
    const auto Jb = json_numbers(back.out, "value");
    for (const char* mode : {"forward", "reverse"}) {
        auto j = adiff(std::string("jacobian 'softmax(z)' --at z=[0.5,-1,2,0.25] --format json --mode ") + mode);
        const auto J = json_numbers(j.out, "jacobian");
        REQUIRE(J.size() == Jb.size());
        for (std::size_t k = 0; k < J.size(); ++k) ADT_CLOSE(Jb[k], J[k], 1e-16, 1e-13);
    }
    auto json = adiff("diff 'x^2*sin(x)' --wrt x --format json");
    CHECK(json.code == 0);
    CHECK(json.out.find("\"bindings\": [], \"derivative\": [[\"x^2*cos(x) + sin(x)*(2*x)\"]]") != std::string::npos);
    auto latex = adiff("diff 'exp(x)/x' --wrt x --latex");
    CHECK(latex.out.find("\\frac{e^{x}}{x}") != std::string::npos);
    auto c = adiff("diff 'softmax(z)' --size z=3 --c");
    CHECK(c.out.find("void adiff_derivative(const double z[3], double out[9])") != std::string::npos);
    CHECK(c.out.find("const double t4 = adiff_logsumexp(3, (const double[]){t1, t2, t3});") != std::string::npos);
    auto q50 = adiff("diff 'softmax(z)' --size z=50 --format json");
    REQUIRE(q50.code == 0);
    const auto ops = json_numbers(q50.out, "operations");
    REQUIRE(ops.size() == 1);
    CHECK(ops[0] <= 3000);
}

TEST_CASE("diff --latex fits a page and defines its notation", "[cli][latex]") {
    // up to 10 columns: one pmatrix (amsmath's limit)
    const auto small = adiff("diff 'softmax(z)' --wrt z --size z=3 --latex");
    REQUIRE(small.code == 0);
    CHECK(small.out.find("\\frac{\\partial f}{\\partial z} &= \\begin{pmatrix}") != std::string::npos);
    CHECK(small.out.find("\\end{aligned}\n") != std::string::npos);
    // 12 columns: one line per nonzero entry, the zeros said once
    const auto wide = adiff("diff 'z*z' --wrt z --size z=12 --latex");
    REQUIRE(wide.code == 0);
    CHECK(wide.out.find("pmatrix") == std::string::npos);
    CHECK(wide.out.find("% 12 x 12 entries, one per line (too wide for one matrix); the 132 entries not listed are 0") != std::string::npos);
    CHECK(wide.out.find("\\left(\\frac{\\partial f}{\\partial z}\\right)_{11,11} &= 2 \\cdot z_{11}") != std::string::npos);
    // 8 columns whose rows run past ~150 characters: one line per entry too
    const auto longrow = adiff("diff 'exp(z)*sum(z*z)' --wrt z --size z=8 --latex");
    REQUIRE(longrow.code == 0);
    CHECK(longrow.out.find("pmatrix") == std::string::npos);
    CHECK(longrow.out.find("% 8 x 8 entries, one per line (too wide for one matrix), indices from 0") != std::string::npos);
    // max's derivative: an Iverson bracket over the number of maxima, with a legend line
    const auto mx = adiff("diff 'max(z)' --wrt z --size z=3 --latex");
    REQUIRE(mx.code == 0);
    CHECK(mx.out.find("max\\_weight") == std::string::npos);
    CHECK(mx.out.find("\\operatorname{arg\\,max}") != std::string::npos);
    CHECK(mx.out.find("% [P] is 1 where P holds") != std::string::npos);
    const auto st = adiff("diff 'abs(x)' --wrt x --latex");
    REQUIRE(st.code == 0);
    CHECK(st.out.find("% \\operatorname{sgn}(x)") != std::string::npos);
    const auto sg = adiff("diff 'x*stop_gradient(x)' --wrt x --latex");
    REQUIRE(sg.code == 0);
    CHECK(sg.out.find("% \\operatorname{stop\\_gradient}(x) = x") != std::string::npos);
}

TEST_CASE("diff --latex with symbolic sizes: matrix notation, index notation, JSON", "[cli][latex][tensor]") {
    const auto m = adiff("diff 'softmax(z)' --wrt z --size z=n --latex");
    REQUIRE(m.code == 0);
    CHECK(m.out.find("% d(softmax(z))/d(z), shape n x n, for every n\n\\begin{aligned}\ns &= \\operatorname{softmax}\\left(z\\right) \\\\\n") == 0);
    CHECK(m.out.find("\\frac{\\partial f}{\\partial z} &= \\operatorname{diag}\\left(s\\right) - s s^{\\top}\n\\end{aligned}") != std::string::npos);
    // rank 3: index notation in LaTeX, subscripts for the result's axes, no size name as an index
    const auto r3 = adiff("diff 'softmax(W @ x)' --wrt W --size 'W=n x k' --size x=k --latex");
    REQUIRE(r3.code == 0);
    CHECK(r3.out.find("\\left(\\frac{\\partial f}{\\partial W}\\right)_{ijl} &= ") != std::string::npos);
    CHECK(r3.out.find("\\delta_{ij}") != std::string::npos);
    CHECK(r3.out.find("_{n}") == std::string::npos);
    // the second derivative's head, and JSON carrying both forms
    const auto h = adiff("diff 'x @ A @ x' --wrt x,x --size x=n --size 'A=n x n' --latex --format json");
    REQUIRE(h.code == 0);
    CHECK(h.out.find("\"derivative\": \"A + transpose(A)\"") != std::string::npos);
    CHECK(h.out.find("\"latex\": \"\\\\begin{aligned}\\n\\\\frac{\\\\partial^{2} f}{\\\\partial x^{2}} &= A + A^{\\\\top}\\n\\\\end{aligned}\"") != std::string::npos);
}

TEST_CASE("check agrees on true identities", "[cli][check]") {
    auto r = adiff("check 'softmax(z)' --claim 's = softmax(z); diag(s) - outer(s, s)' --wrt z --size z=3 --random 20");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("agrees: the claim matches the 3 x 3 Jacobian", 0) == 0);
    // ∂CE/∂z = p − onehot (seed 002)
    r = adiff("check '(-log_softmax(z)[2])' --claim 'softmax(z) - [0, 0, 1]' --wrt z --size z=3 --random 10 --format json");
    CHECK(r.code == 0);
    CHECK(r.out.find("\"verdict\": \"agrees\", \"ok\": true, \"points\": 10") != std::string::npos);
    // seed 003: h = softmax(Wᵀx), ∂h_i/∂W_jk = h_i(δ_ik − h_k) x_j
    std::string claim = "h = softmax(transpose(W) @ x); D = diag(h) - outer(h, h); [";
    for (int i = 0; i < 5; ++i) claim += std::string(i ? ", " : "") + "[x[0]*D[" + std::to_string(i) + "], x[1]*D[" + std::to_string(i) + "], x[2]*D[" + std::to_string(i) + "]]";
    claim += "]";
    r = adiff("check 'softmax(transpose(W) @ x)' --claim '" + claim + "' --wrt W --at x=[0.1,0.5,0.4] "
              "--at 'W=[[0.1,0.2,0.3,0.4,0.5],[0.6,0.7,0.8,0.9,0.1],[0.11,0.12,0.13,0.14,0.15]]'");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("agrees: the claim matches the 5 x 15 Jacobian", 0) == 0);
    r = adiff("check 'softmax(transpose(W) @ x)' --claim '" + claim + "' --wrt W --size W=3x5 --size x=3 --random 5 --precision 100");
    CHECK(r.code == 0);
    CHECK(r.out.find("100 digits: max abs error") != std::string::npos);
}

TEST_CASE("check refutes wrong formulas with a counterexample", "[cli][check]") {
    auto r = adiff("check 'softmax(z)' --claim 's = softmax(z); diag(s) + outer(s, s)' --wrt z --size z=3 --random 20");
    CHECK(r.code == 1);
    CHECK(r.out.rfind("refuted: the claim differs from the 3 x 3 Jacobian of softmax(z) w.r.t. z at 20 of 20 points", 0) == 0);
    CHECK(r.out.find("counterexample: z = [") != std::string::npos);
    // seed 000's vectorised batch Jacobian copies each diagonal block into the off-diagonal blocks
    const std::string broken =
        "S = softmax(Z); A = diag(S[0]) - outer(S[0], S[0]); B = diag(S[1]) - outer(S[1], S[1]);"
        "[[A[0], A[0]], [A[1], A[1]], [A[2], A[2]], [B[0], B[0]], [B[1], B[1]], [B[2], B[2]]]";
    r = adiff("check 'softmax(Z)' --claim '" + broken + "' --wrt Z --size Z=2x3 --random 3 --format json");
    CHECK(r.code == 1);
    CHECK(r.out.find("\"verdict\": \"refuted\"") != std::string::npos);
    CHECK(r.out.find("\"worst\": {\"point\": {\"Z\": [[") != std::string::npos);
    // ... while the block-diagonal form agrees
    const std::string fixed =
        "S = softmax(Z); A = diag(S[0]) - outer(S[0], S[0]); B = diag(S[1]) - outer(S[1], S[1]); O = 0*A[0];"
        "[[A[0], O], [A[1], O], [A[2], O], [O, B[0]], [O, B[1]], [O, B[2]]]";
    r = adiff("check 'softmax(Z)' --claim '" + fixed + "' --wrt Z --size Z=2x3 --random 3");
    CHECK(r.code == 0);
}

TEST_CASE("bad input: messages and exit codes", "[cli][errors]") {
    auto r = adiff("eval '2 * (x + ' --at x=1");
    CHECK(r.code == 2);
    CHECK(r.out.find("parse error: expected a number, a name, '(' or '[', found end of input at line 1, column 10") != std::string::npos);
    CHECK(r.out.find("\n  2 * (x + \n           ^") != std::string::npos);
    r = adiff("eval 'sofmax(z)' --at z=[1,2]");
    CHECK(r.code == 2);
    CHECK(r.out.find("unknown function 'sofmax'") != std::string::npos);
    CHECK(r.out.find("did you mean 'softmax'") != std::string::npos);
    r = adiff("eval 'exp(xx)' --at x=1");
    CHECK(r.code == 2);
    CHECK(r.out.find("unknown variable 'xx'") != std::string::npos);
    CHECK(r.out.find("did you mean 'x'") != std::string::npos);
    r = adiff("eval 'z + w' --at z=[1,2,3] --at w=[1,2]");
    CHECK(r.code == 2);
    CHECK(r.out.find("incompatible shapes (3,) and (2,)") != std::string::npos);
    r = adiff("grad 'z' --at z=[1,2]");
    CHECK(r.code == 2);
    CHECK(r.out.find("needs a scalar expression") != std::string::npos);
    r = adiff("eval 'x' --at 'x=[1,[2]]'");
    CHECK(r.code == 2);
    CHECK(r.out.find("ragged array") != std::string::npos);
    r = adiff("eval 'x' --mode sideways");
    CHECK(r.code == 2);
    r = adiff("check 'softmax(z)' --claim 'softmax(z)' --wrt z --random 2");
    CHECK(r.code == 2);
    CHECK(r.out.find("the claim has 3 values but the Jacobian") != std::string::npos);
    const std::string deep = tmpfile("deep.txt", std::string(100000, '(') + "x" + std::string(100000, ')'));
    r = adiff("eval @" + deep + " --at x=1");
    CHECK(r.code == 2);
    CHECK(r.out.find("nested too deeply") != std::string::npos);
}

TEST_CASE("non-finite results exit 3 and name the operation", "[cli][errors]") {
    auto r = adiff("eval 'log(x - 1)' --at x=1");
    CHECK(r.code == 3);
    CHECK(r.out.find("non-finite result in 'log'") != std::string::npos);
    for (const char* mode : {"forward", "reverse", "symbolic"}) {
        r = adiff(std::string("grad 'sqrt(x)' --at x=0 --mode ") + mode);
        INFO(mode << ": " << r.out);
        CHECK(r.code == 3);
        CHECK(r.out.find("non-finite result in '") != std::string::npos);
    }
    r = adiff("eval '1/x' --at x=0");
    CHECK(r.code == 3);
}

TEST_CASE("kinks are reported: abs at 0 and ties of max", "[cli][errors]") {
    auto r = adiff("grad 'abs(x) + max(z)' --at x=0 --at z=[1,1] --format json");
    CHECK(r.code == 0);
    CHECK(r.out.find("note: abs is not differentiable where its argument is 0") != std::string::npos);
    CHECK(r.out.find("note: max has a tie of 2 entries here") != std::string::npos);
    CHECK(r.out.find("\"gradient\": {\"x\": 0, \"z\": [0.5, 0.5]}") != std::string::npos);
    r = adiff("grad 'abs(x) + max(z)' --at x=0.5 --at z=[1,2]");
    CHECK(r.code == 0);
    CHECK(r.out.find("note:") == std::string::npos);
}

TEST_CASE("plot option writes SVG heatmaps: the Jacobian, the check error, the report Jacobians", "[cli][plot]") {
    const std::string dir = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/adiff_test_cli_plot";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto slurp = [](const std::string& path) {
        std::ifstream f(path);
        return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    };
    auto r = adiff("jacobian 'softmax(z)' --at z=[1,2,3] --plot " + dir + "/j.svg");
    CHECK(r.code == 0);
    const std::string j = slurp(dir + "/j.svg");
    CHECK(j.find("<svg") != std::string::npos);
    CHECK(j.find("Jacobian of softmax(z)") != std::string::npos);
    CHECK(j.find("</svg>") != std::string::npos);
    r = adiff("check 'softmax(z)' --claim 's = softmax(z); diag(s) + outer(s, s)' --wrt z --random 3 --plot " + dir + "/e.svg");
    CHECK(r.code == 1);
    CHECK(slurp(dir + "/e.svg").find("claim - AD") != std::string::npos);
    r = adiff("softmax --classes 3 --batch 4 --plot " + dir + "/report");
    CHECK(r.code == 0);
    CHECK(std::filesystem::exists(dir + "/report/softmax_jacobian.svg"));
    CHECK(std::filesystem::exists(dir + "/report/batch_jacobian.svg"));
    // a directory that cannot be created is bad input, not a crash
    r = adiff("softmax --classes 3 --batch 4 --plot /proc/adiff_cannot_write_here");
    CHECK(r.code == 2);
    CHECK(r.out.find("cannot create directory") != std::string::npos);
}

TEST_CASE("diff --c output compiles with a C compiler and equals the reverse-mode Jacobian", "[cli][symbolic][c]") {
    // every helper the printer can emit (logsumexp, stop_gradient, max_n, max_weight, sigmoid,
    // maximum/minimum, sign, heaviside) appears in one of these expressions
    const std::vector<std::string> exprs = {"softmax(z) + max(z)", "log_softmax(z) * sigmoid(z) + maximum(z, 0.5) - minimum(z, 0)",
                                            "abs(z) + sum(z^2) + logsumexp(z)"};
    const std::string at = "[0.5,-1,2.25]";
    for (const std::string& e : exprs) {
        INFO(e);
        auto c = adiff("diff '" + e + "' --wrt z --size z=3 --c");
        REQUIRE(c.code == 0);
        const std::string src = c.out +
                                "\n#include <stdio.h>\nint main(void) { const double z[3] = {0.5, -1, 2.25}; double out[9];\n"
                                "  adiff_derivative(z, out); for (int i = 0; i < 9; ++i) printf(\"%.17g \", out[i]); return 0; }\n";
        const std::string path = tmpfile("deriv.c", src), exe = path + ".exe";
        REQUIRE(std::system(("cc -std=c99 -Wall -Werror -o '" + exe + "' '" + path + "' -lm").c_str()) == 0);
        FILE* p = popen(("'" + exe + "'").c_str(), "r");
        REQUIRE(p != nullptr);
        std::string out;
        std::array<char, 4096> buf;
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
        REQUIRE(pclose(p) == 0);
        const auto got = numbers(out);
        auto j = adiff("jacobian '" + e + "' --at z=" + at + " --format json --mode reverse");
        REQUIRE(j.code == 0);
        const auto want = json_numbers(j.out, "jacobian");
        REQUIRE(got.size() == 9);
        REQUIRE(want.size() == 9);
        for (std::size_t k = 0; k < 9; ++k) ADT_CLOSE(got[k], want[k], 1e-15, 1e-13);
    }
}
