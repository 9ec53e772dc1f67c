#!/usr/bin/env python3
"""Error per device family on edge-published.csv, and a held-out check of one fitted factor per runtime and metric.

Usage:
  llmsim validate --measured validation/measured/published/edge-published.csv --format json > edge.json
  python3 validation/measured/published/edge_accuracy.py edge.json

Prints two Markdown tables (the README's):
  1. per device family: rows imported and predicted, rows skipped at import, median / p90 absolute % error and the
     median signed error (bias) of the uncalibrated predictions;
  2. held out: for each runtime group, one factor per metric (TTFT, TPOT, throughput) and weight format = the median
     of measured / predicted over the FIT devices only, applied to the HELD-OUT devices, whose error is reported before
     and after. One number per (group, metric, format) cannot memorise rows; the held-out devices never enter the fit.
Standard library only.
"""
import csv
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

FAMILY = {
    "a100-80gb-sxm": "data-centre GPU", "l40s": "data-centre GPU", "h100-pcie": "data-centre GPU",
    "rtx-4090": "consumer GPU", "apple-m2-ultra": "Apple", "apple-m3-ultra": "Apple", "gaudi2": "Gaudi", "gaudi3": "Gaudi",
    "snapdragon-8-elite-hexagon": "NPU", "snapdragon-8-gen3-hexagon": "NPU", "tpu-v5e": "TPU", "alveo-u280": "FPGA",
    "xeon-8480-spr": "CPU",
}
FAMILIES = ["CPU", "Apple", "NPU", "Gaudi", "TPU", "FPGA", "consumer GPU", "data-centre GPU"]

# Runtime groups: (name, fit devices, held-out devices). Same runtime in a group, so one efficiency factor is meaningful.
GROUPS = [
    ("llama.cpp CUDA", ["a100-80gb-sxm", "l40s"], ["h100-pcie", "rtx-4090"]),
    ("llama.cpp Metal", ["apple-m2-ultra"], ["apple-m3-ultra"]),
    ("optimum-habana fp8", ["gaudi2"], ["gaudi3"]),
    ("QNN w4a16 (AI Hub)", ["snapdragon-8-gen3-hexagon"], ["snapdragon-8-elite-hexagon"]),
]


def p90(xs):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = 0.9 * (len(xs) - 1)
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats(errors):
    if not errors:
        return "–", "–", "–"
    a = [abs(e) for e in errors]
    return f"{statistics.median(a):.1f}", f"{p90(a):.1f}", f"{statistics.median(errors):+.1f}"


def main():
    data = json.load(open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin)
    rows = [r for r in data["rows"] if r.get("predicted") is not None]
    unpredicted = [r for r in data["rows"] if r.get("predicted") is None]
    skipped = {}
    with open(os.path.join(HERE, "edge-skipped.tsv"), newline="") as f:
        for s in csv.DictReader(f, delimiter="\t"):
            skipped[s["family"]] = skipped.get(s["family"], 0) + 1

    print("| family | predicted rows | skipped at import | median abs % error | p90 abs % error | bias (median signed %) |")
    print("|---|---:|---:|---:|---:|---:|")
    for fam in FAMILIES:
        errs = [r["signedPctError"] for r in rows if FAMILY.get(r["device"]) == fam]
        med, p, bias = stats(errs)
        print(f"| {fam} | {len(errs)} | {skipped.get(fam, 0)} | {med} | {p} | {bias} |")
    if unpredicted:
        print(f"\n{len(unpredicted)} imported rows not predicted: " + "; ".join(f"line {r['line']}: {r['skipped']}" for r in unpredicted))

    print()
    print("| runtime group | fit on (rows) | held out (rows) | metric | format | factor measured/predicted | held-out median / p90 abs % before | after |")
    print("|---|---|---|---|---|---:|---:|---:|")
    for name, fit, held in GROUPS:
        for metric, dtype in sorted({(r["metric"], r["dtype"]) for r in rows if r["device"] in fit + held}):
            fit_rows = [r for r in rows if r["device"] in fit and r["metric"] == metric and r["dtype"] == dtype]
            held_rows = [r for r in rows if r["device"] in held and r["metric"] == metric and r["dtype"] == dtype]
            if not held_rows and not fit_rows:
                continue
            if fit_rows:
                factor = statistics.median(r["measured"] / r["predicted"] for r in fit_rows)
                after = [(r["predicted"] * factor - r["measured"]) / r["measured"] * 100 for r in held_rows]
                fstr = f"{factor:.3f}"
            else:
                factor, after, fstr = 1.0, [], "no fit rows"
            before = [r["signedPctError"] for r in held_rows]
            b = stats(before)
            a = stats(after)
            print(f"| {name} | {', '.join(fit)} ({len(fit_rows)}) | {', '.join(held)} ({len(held_rows)}) | {metric} | {dtype} | {fstr} | "
                  f"{b[0]} / {b[1]} | {a[0]} / {a[1]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
