#!/usr/bin/env python3
"""Runs every command shown in the docs and compares its output with the output shown.

Usage: check_doc_outputs.py ADIFF_EXE FILE.md...

In a fenced block, a line `$ adiff ARGS` (or `$ build/cli/adiff ARGS`; a trailing `# comment`
is dropped) is a command; the lines after it, up to the next `$ ` line or the end of the block,
are its output: standard output, then standard error. Conventions of the shown output:
  - `[exit N]` at the end of a line: the command exits N (else it must exit 0);
  - a line that begins with `…` (after spaces) stands for any number of lines;
  - `…` inside a line stands for any text within that line.
A command whose shown output differs, or that exits otherwise, fails the check (exit 1), with
the difference printed. Nothing else is run: the commands are split like a shell would, without
a shell.
"""
import re
import shlex
import subprocess
import sys

ELLIPSIS = "\u2026"


def blocks(text):
    """(line number, command, expected lines) for every `$ ` command in fenced blocks."""
    out, fence, cur = [], False, None
    for no, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if cur: out.append(cur)
            cur, fence = None, not fence
            continue
        if not fence: continue
        if line.startswith("$ "):
            if cur: out.append(cur)
            cur = (no, line[2:], [])
        elif cur:
            cur[2].append(line)
    return out


def line_matches(pattern, actual):
    if ELLIPSIS not in pattern: return pattern.rstrip() == actual.rstrip()
    parts = [re.escape(p) for p in pattern.rstrip().split(ELLIPSIS)]
    return re.fullmatch(".*".join(parts), actual.rstrip()) is not None


def lines_match(expected, actual):
    """Matches with `…` lines standing for any number of lines (backtracking)."""
    memo = {}

    def go(i, j):
        key = (i, j)
        if key in memo: return memo[key]
        if i == len(expected): r = j == len(actual)
        elif expected[i].strip().startswith(ELLIPSIS):
            rest = expected[i].strip()[1:]
            # `…` alone: any lines; ` …]`: any lines, the last of them ending with what follows
            r = any(go(i + 1, k) and (not rest or (k > j and actual[k - 1].rstrip().endswith(rest)))
                    for k in range(j, len(actual) + 1))
        else: r = j < len(actual) and line_matches(expected[i], actual[j]) and go(i + 1, j + 1)
        memo[key] = r
        return r

    return go(0, 0)


def main():
    exe, files = sys.argv[1], sys.argv[2:]
    failures = checked = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for no, command, expected in blocks(text):
            args = shlex.split(command, comments=True)
            if not args or args[0] not in ("adiff", "build/cli/adiff"):
                continue
            want_code, shown = 0, []
            for line in expected:
                m = re.search(r"\s*\[exit (\d+)\]\s*$", line)
                if m:
                    want_code = int(m.group(1))
                    line = line[: m.start()]
                shown.append(line)
            while shown and not shown[-1].strip(): shown.pop()
            run = subprocess.run([exe] + args[1:], capture_output=True, text=True, timeout=300)
            actual = (run.stdout + run.stderr).splitlines()
            checked += 1
            if run.returncode != want_code or not lines_match(shown, actual):
                failures += 1
                print(f"{path}:{no}: $ {command}\n  exit {run.returncode} (shown: {want_code})\n  shown:")
                print("\n".join("    " + l for l in shown))
                print("  printed:")
                print("\n".join("    " + l for l in actual))
    print(f"{checked} commands checked, {failures} differ from the docs")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
