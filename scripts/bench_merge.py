#!/usr/bin/env python3
"""Merges a subset run of the suite into the full results: every benchmark of a workload the
subset ran (all its contenders and sizes, so each table still comes from one run) replaces that
workload's entries in the full results.  Usage: bench_merge.py full.json subset.json"""
import json
import sys

full_path, subset_path = sys.argv[1], sys.argv[2]
with open(full_path) as f:
    full = json.load(f)
with open(subset_path) as f:
    subset = json.load(f)


def workload(b):
    return b.get("run_name", b["name"]).split("/")[0]


redone = {workload(b) for b in subset["benchmarks"]}
full["benchmarks"] = [b for b in full["benchmarks"] if workload(b) not in redone] + subset["benchmarks"]
full.setdefault("context", {})["merged"] = ", ".join(sorted(redone)) + " re-run on " + subset["context"].get("date", "?")
with open(full_path, "w") as f:
    json.dump(full, f, indent=1)
print(f"bench_merge: {', '.join(sorted(redone))} from {subset_path} into {full_path}")
