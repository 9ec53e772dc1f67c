#!/usr/bin/env python3
"""Checks every CSV in this folder against the measured-data schema. Exit status 1 on error."""
import csv
import glob
import math
import os
import sys

HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source").split(",")
INT_COLS = ["tp", "m", "n", "k", "bytes", "batch", "input_tokens", "output_tokens", "context_tokens"]
UNITS = {"seconds": "s", "tflops": "TFLOP/s", "gbps": "GB/s", "ttft_seconds": "s",
         "tpot_seconds": "s", "tokens_per_second": "tokens/s"}
BENCHMARKS = {"gemm", "membw", "launch", "attention", "layer", "e2e", "allreduce"}
DEVICES = set("""a100-40gb-sxm a100-80gb-sxm a100-80gb-pcie h100-sxm h100-pcie h200-sxm b200-sxm
l40s l4 a40 rtx-4090 v100-sxm2-32gb mi300x mi325x gaudi2 gaudi3 tpu-v5e xeon-8480-spr
epyc-9654-genoa apple-m2-ultra alveo-u280 versal-vhk158 snapdragon-8-gen3-hexagon
apple-m3-ultra snapdragon-8-elite-hexagon""".split())
MODELS = set("""llama-2-7b llama-2-13b llama-2-70b llama-3-8b llama-3-70b llama-3.1-8b llama-3.1-70b
llama-3.1-405b llama-3.2-1b mistral-7b mixtral-8x7b mixtral-8x22b qwen2.5-7b qwen2.5-72b
qwen1.5-1.8b qwen-72b deepseek-v3 phi-2 codellama-34b internlm-20b llama-7b llama-3.2-3b""".split())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    errors, notes = 0, []
    for path in sorted(glob.glob(os.path.join(here, "*.csv"))):
        name = os.path.basename(path)
        unknown_devices = set()
        with open(path, newline="") as f:
            raw = f.read()
        lines = raw.split("\n")
        if lines[0] != ",".join(HEADER):
            print(f"{name}:1: header differs"); errors += 1
        count = 0
        for lineno, line in enumerate(lines[1:], start=2):
            if line == "":
                continue
            count += 1
            cells = line.split(",")  # plain split on purpose: no cell may contain a comma
            def bad(msg):
                nonlocal errors
                print(f"{name}:{lineno}: {msg}"); errors += 1
            if len(cells) != 17:
                bad(f"{len(cells)} cells"); continue
            r = dict(zip(HEADER, cells))
            if r["benchmark"] not in BENCHMARKS: bad(f"benchmark {r['benchmark']}")
            if r["device"] not in DEVICES: unknown_devices.add(r["device"])
            if r["model"] and r["model"] not in MODELS: bad(f"model {r['model']}")
            for c in INT_COLS:
                if r[c] and not r[c].isdigit(): bad(f"{c}={r[c]} not a non-negative integer")
            try:
                v = float(r["value"])
                if not math.isfinite(v) or v <= 0: bad(f"value {r['value']}")
            except ValueError:
                bad(f"value {r['value']} not numeric")
            if UNITS.get(r["metric"]) != r["unit"]: bad(f"unit {r['unit']} for metric {r['metric']}")
            if not r["source"]: bad("empty source")
            if '"' in line: bad("quote character")
        print(f"{name}: {count} rows" + (f"; unknown devices {sorted(unknown_devices)}" if unknown_devices else ""))
    print("errors:", errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
