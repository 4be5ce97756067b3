#!/usr/bin/env python3
"""Merges a subset run of the suite into the full results: every benchmark of a workload the
subset ran (all its contenders and sizes, so each table still comes from one run) replaces that
workload's entries in the full results.  Usage: bench_merge.py full.json subset.json
With --append (bench.sh's second process of one run: the GMM workloads), the subset's
benchmarks are added and the results keep their context (no "re-run" note)."""
import json
import sys

args = sys.argv[1:]
append = args[0] == "--append"
if append:
    args = args[1:]
full_path, subset_path = args[0], args[1]
with open(full_path) as f:
    full = json.load(f)
with open(subset_path) as f:
    subset = json.load(f)


def workload(b):
    return b.get("run_name", b["name"]).split("/")[0]


redone = {workload(b) for b in subset["benchmarks"]}
full["benchmarks"] = [b for b in full["benchmarks"] if workload(b) not in redone] + subset["benchmarks"]
if not append:
    # when each workload was last re-run; the note groups them by run, oldest first
    ctx = full.setdefault("context", {})
    runs = ctx.get("merged_runs", {})
    for w in redone:
        runs[w] = subset["context"].get("date", "?")
    runs = {w: d for w, d in runs.items() if any(workload(b) == w for b in full["benchmarks"])}
    ctx["merged_runs"] = runs
    ctx["merged"] = "; ".join(", ".join(sorted(w for w in runs if runs[w] == d)) + " re-run on " + d
                              for d in sorted(set(runs.values())))
with open(full_path, "w") as f:
    json.dump(full, f, indent=1)
print(f"bench_merge: {', '.join(sorted(redone))} from {subset_path} into {full_path}")
