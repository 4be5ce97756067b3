#!/usr/bin/env python3
"""docs/functions.md holds the table `adiff functions --format markdown` prints (generated from the
rule registry): the table between `<!-- functions:begin -->` and `<!-- functions:end -->` must be
the command's output exactly (regenerate it with `--write`), and it must list every primitive that
`adiff functions --format json` lists.

usage: check_functions_doc.py ADIFF DOCS_DIR [--write]
"""
import json
import subprocess
import sys

ADIFF, DOCS = sys.argv[1], sys.argv[2]
WRITE = "--write" in sys.argv[3:]
BEGIN, END = "<!-- functions:begin -->\n", "<!-- functions:end -->"


def run(args):
    p = subprocess.run([ADIFF] + args, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit(f"adiff {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


failures = []
table = run(["functions", "--format", "markdown"])
path = f"{DOCS}/functions.md"
doc = open(path).read()
if BEGIN not in doc or END not in doc:
    raise SystemExit(f"{path}: no {BEGIN.strip()} … {END} section")
head, rest = doc.split(BEGIN, 1)
body, tail = rest.split(END, 1)
if WRITE:
    open(path, "w").write(head + BEGIN + table + END + tail)
    print(f"check_functions_doc: wrote the table into {path}")
elif body != table:
    failures.append(f"{path} is not `adiff functions --format markdown` (regenerate: {sys.argv[0]} ADIFF docs --write)")

primitives = json.loads(run(["functions", "--format", "json"]))["primitives"]
for p in primitives:
    if f"`{p['call']}`" not in table:
        failures.append(f"the Markdown table has no row for {p['call']}")
print(f"check_functions_doc: {len(primitives)} primitives in the table of {path}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
