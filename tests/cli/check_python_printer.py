#!/usr/bin/env python3
"""`adiff diff --python` prints Python that computes the same derivative as adiff.

Every primitive of the registry (`adiff functions --format json`) at each of its declared test
points, so a new primitive is checked with no edit here; and the cases below, which use every
array operation of the language (a new one without a case fails) and the points where a
convention decides (kinks, ties, C's round of halves, guards): the printed NumPy function is run and its entries
are compared with `adiff jacobian --format json` (forward/reverse mode, double) to 2e-14
relative (1e-300 absolute; NumPy/SciPy round differently from libm and adiff in the last bits). The printed code is also run on NumPy arrays of points (elementwise
evaluation), and `--name` names the function. With `--with-value` the printed function returns
(value, derivative): the value is compared with the value `adiff jacobian` prints beside the
Jacobian (the one `adiff eval` prints: every mode's values are bitwise the same) and the
derivative must be the same as without it. When a C++ compiler is given, the `--cpp
--with-value` function of some cases is compiled, run and compared the same way.

usage: check_python_printer.py ADIFF [CXX]
"""
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np  # noqa: F401  (the printed code imports them itself; fail early if missing)
import scipy.special  # noqa: F401

ADIFF = sys.argv[1]
CXX = sys.argv[2] if len(sys.argv) > 2 else None

# (expression, {variable: value}) — arrays as lists; every derivative is w.r.t. every variable.
CASES = [
    ("exp(x)*log(y) + sqrt(x*y)", {"x": 0.7, "y": 2.5}),
    ("sin(x)*cos(y) + tan(x/3)", {"x": 0.7, "y": -1.2}),
    ("sinh(x) + cosh(x)*tanh(y)", {"x": 0.4, "y": 1.3}),
    ("asin(x) + acos(x/2) + atan(x*y)", {"x": 0.3, "y": 2.0}),
    ("abs(x)*x + abs(y)", {"x": -1.5, "y": 0.0}),
    ("sigmoid(x) + softplus(x*y) + stop_gradient(x)*x", {"x": 0.8, "y": -3.0}),
    ("log1p(x) + expm1(x) + log2(y) + log10(y) + exp2(x)", {"x": 0.2, "y": 7.0}),
    ("cbrt(x) + asinh(x) + acosh(y) + atanh(x/2)", {"x": -0.6, "y": 2.0}),
    ("erf(x) + erfc(x*y)", {"x": 0.5, "y": 1.5}),
    ("floor(x)*x + ceil(x)*y + trunc(y)*x", {"x": -1.7, "y": 2.5}),
    ("round(x)*x + round(y)*y", {"x": 2.5, "y": -0.5}),  # C's round: 3 and -1 (np.round: 2, -0)
    ("round(x)*x", {"x": 0.49999999999999994}),
    ("hypot(x, y) + atan2(y, x) + fmod(x, y)", {"x": -2.5, "y": 1.5}),
    ("fmax(x, y)*x + fmin(x, y)*y", {"x": 1.25, "y": 1.25}),
    ("maximum(x, y)*x + minimum(x, y)*y", {"x": 0.5, "y": 2.0}),
    ("polygamma(1, x) + lgamma(x*y) + digamma(y)", {"x": 1.7, "y": 2.5}),
    ("lgamma(x) + digamma(x)", {"x": -2.5}),
    ("sign(x)*x + heaviside(x)*x^2 + heaviside(y)*y", {"x": -0.75, "y": 0.0}),
    ("pow(x, y) + x^3 + y^-2", {"x": 1.3, "y": 0.6}),
    ("sum(exp(z)) + max(z) + mean(z*z)", {"z": [0.5, -1.0, 2.0]}),
    ("max(z)", {"z": [2.0, -1.0, 2.0]}),  # a tie: ½ each
    ("min(z)*sum(z)", {"z": [1.0, 3.0, 1.0, 4.0]}),
    ("dot(z, w) + sum(outer(z, w)*outer(w, z))", {"z": [0.5, -1.0], "w": [2.0, 0.25]}),
    ("sum(diag(z) @ transpose(A) @ z)", {"z": [0.5, -1.0], "A": [[1.0, 2.0], [3.0, -4.0]]}),
    ("softmax(z)", {"z": [1.0, 2.0, 3.0]}),
    ("-sum(y * log_softmax(z))", {"z": [0.3, -1.2, 2.0], "y": [0.0, 1.0, 0.0]}),
    ("logsumexp(z) + max_weight(z, 0)*z[0] + max_weight(z, 2)", {"z": [1.0, 1.0, -3.0]}),
    ("log(sum(exp(W @ x)))", {"W": [[1.0, -0.5], [0.25, 2.0], [0.0, 1.0]], "x": [0.3, -0.7]}),
    ("sqrt(x)*x + log(x)*x", {"x": 2.0}),
    ("x * pi + e^x", {"x": 0.5}),
    ("x/3 + x^2/7", {"x": 0.9}),
]


def shape_text(v):
    a = np.asarray(v, dtype=float)
    return "scalar" if a.ndim == 0 else "x".join(str(n) for n in a.shape)


def at_text(v):
    return json.dumps(v).replace(" ", "")


def run(args):
    p = subprocess.run([ADIFF] + args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit(f"adiff {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def close(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 2e-14 * max(abs(a), abs(b)) or abs(a - b) <= 1e-300


failures = []
functions = json.loads(run(["functions", "--format", "json"]))
names = sorted(functions["array_operations"])
covered = set()
REGISTRY_CASES = []
# ADIFF_PRINTER_ONE_POINT=1 (the sanitizer stage, where every adiff process starts ~20x slower):
# each primitive at its first test point only (every printer path still runs; stage 1 runs all)
ONE_POINT = os.environ.get("ADIFF_PRINTER_ONE_POINT") == "1"
for p in functions["primitives"]:
    variables = ["x"] if p["call"] == "-x" or p["call"].endswith("(x)") else ["a", "b"]  # "a + b", "pow(a, b)"
    for point in p["points"][:1] if ONE_POINT else p["points"]:
        REGISTRY_CASES.append((p["call"], dict(zip(variables, point))))
for expr, values in REGISTRY_CASES + CASES:
    wrt = ",".join(values)
    size = sum((["--size", f"{k}={shape_text(v)}"] for k, v in values.items()), [])
    at = sum((["--at", f"{k}={at_text(v)}"] for k, v in values.items()), [])
    code = run(["diff", expr, "--wrt", wrt, "--python", "--name", "derivative"] + size)
    covered |= {n for n in names if re.search(r"\b" + n + r"\(", expr)}
    scope = {}
    exec(compile(code, f"<adiff diff --python {expr}>", "exec"), scope)
    got = np.asarray(scope["derivative"](**values), dtype=float).reshape(-1)
    jac = json.loads(run(["jacobian", expr, "--wrt", wrt, "--format", "json"] + at))
    want = np.asarray(jac["jacobian"], dtype=float).reshape(-1)
    if got.shape != want.shape:
        failures.append(f"{expr}: {got.size} entries printed, {want.size} from adiff jacobian")
        continue
    for k, (g, w) in enumerate(zip(got, want)):
        if not close(float(g), float(w)):
            failures.append(f"{expr} at {values}: entry {k}: Python {g!r}, adiff {w!r}")
    # --with-value: (value, derivative), the value as adiff prints it, the derivative unchanged
    code_v = run(["diff", expr, "--wrt", wrt, "--python", "--with-value", "--name", "both"] + size)
    exec(compile(code_v, f"<adiff diff --python --with-value {expr}>", "exec"), scope)
    value_v, deriv_v = scope["both"](**values)
    want_value = np.asarray(jac["value"], dtype=float).reshape(-1)
    got_value = np.asarray(value_v, dtype=float).reshape(-1)
    if got_value.shape != want_value.shape or not all(close(float(g), float(w)) for g, w in zip(got_value, want_value)):
        failures.append(f"{expr} --with-value: value {got_value.tolist()}, adiff {want_value.tolist()}")
    if not np.array_equal(np.asarray(deriv_v, dtype=float).reshape(-1), got, equal_nan=True):
        failures.append(f"{expr} --with-value: the derivative differs from the one printed without it")
    # elementwise over arrays of points: a scalar-only expression evaluated at 3 points at once
    if all(np.ndim(v) == 0 for v in values.values()):
        pts = {k: np.array([v, v, v]) for k, v in values.items()}
        many = np.asarray(scope["derivative"](**pts), dtype=float)
        one = np.asarray(scope["derivative"](**values), dtype=float)
        if many.reshape(-1, 3).shape[0] != one.size or not np.array_equal(many.reshape(-1, 3)[:, 1], one.reshape(-1), equal_nan=True):
            failures.append(f"{expr}: elementwise evaluation over an array of points differs from the single point")

# C++: `--cpp --with-value` compiles (with -Wall -Werror), and its value[] and out[] are adiff's.
CPP_CASES = [CASES[0], CASES[24], CASES[25], CASES[27]]  # scalars; softmax; cross-entropy; W @ x
if CXX:
    for expr, values in CPP_CASES:
        wrt = ",".join(values)
        size = sum((["--size", f"{k}={shape_text(v)}"] for k, v in values.items()), [])
        at = sum((["--at", f"{k}={at_text(v)}"] for k, v in values.items()), [])
        code = run(["diff", expr, "--wrt", wrt, "--cpp", "--with-value", "--name", "both"] + size)
        jac = json.loads(run(["jacobian", expr, "--wrt", wrt, "--format", "json"] + at))
        want_value = np.asarray(jac["value"], dtype=float).reshape(-1)
        want = np.asarray(jac["jacobian"], dtype=float).reshape(-1)
        params = re.search(r"void both\(([^)]*)\)", code).group(1)  # the function's own argument order
        order = [re.search(r"(\w+)(\[\d+\])?$", a.strip()).group(1) for a in params.split(",")][:-2]
        decls, args = [], []
        for k in order:
            v = values[k]
            a = np.asarray(v, dtype=float).reshape(-1)
            if np.ndim(v) == 0:
                args.append(repr(float(v)))
            else:
                decls.append(f"    const double {k}[{a.size}] = {{{', '.join(repr(float(t)) for t in a)}}};")
                args.append(k)
        main = "\n".join([code, "#include <cstdio>", "int main() {"] + decls + [
            f"    double value[{want_value.size}], out[{want.size}];",
            f"    both({', '.join(args + ['value', 'out'])});",
            f"    for (double v : value) std::printf(\"%.17g\\n\", v);",
            f"    for (double v : out) std::printf(\"%.17g\\n\", v);",
            "}"])
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "both.cpp"), os.path.join(d, "both")
            open(src, "w").write(main)
            c = subprocess.run([CXX, "-std=c++17", "-Wall", "-Wextra", "-Werror", "-O1", src, "-o", exe, "-lm"], capture_output=True, text=True)
            if c.returncode != 0:
                failures.append(f"{expr}: the --cpp --with-value code does not compile:\n{c.stderr}")
                continue
            printed = [float(t) for t in subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split()]
        got_all, want_all = printed, list(want_value) + list(want)
        if len(got_all) != len(want_all) or not all(close(g, float(w)) for g, w in zip(got_all, want_all)):
            failures.append(f"{expr}: C++ value and derivative {got_all}, adiff {want_all}")

missing = sorted(set(names) - covered)
if missing:
    failures.append("no case uses " + ", ".join(missing) + " (add one to CASES)")
print(f"check_python_printer: {len(functions['primitives'])} primitives at {len(REGISTRY_CASES)} registry points, "
      f"{len(CASES)} expressions using {len(covered)} of {len(names)} array operations"
      + (f", {len(CPP_CASES)} compiled as C++" if CXX else ""))
if failures:
    print("\n".join(failures))
    sys.exit(1)
