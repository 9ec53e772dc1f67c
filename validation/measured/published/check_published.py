#!/usr/bin/env python3
"""Checks every CSV in this folder against the measured-data schema. Exit status 1 on error."""
import csv
import glob
import math
import os
import sys

HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source").split(",")
INT_COLS = ["tp", "m", "n", "k", "bytes", "batch", "input_tokens", "output_tokens", "context_tokens", "pp", "ep", "dp"]
# Serving rows may add these after the 17 schema columns (moe-serving-published.csv).
OPTIONAL = ["pp", "ep", "dp", "split"]
UNITS = {"seconds": "s", "tflops": "TFLOP/s", "gbps": "GB/s", "ttft_seconds": "s",
         "tpot_seconds": "s", "tokens_per_second": "tokens/s"}
BENCHMARKS = {"gemm", "membw", "launch", "attention", "layer", "e2e", "allreduce", "serving-maxload"}
# Every shipped hardware profile, by file name (the profile's name), read from hardware-profiles/.
_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "hardware-profiles")
DEVICES = {os.path.splitext(os.path.basename(f))[0]
           for kind in ("gpu", "npu", "tpu", "cpu", "fpga") for f in glob.glob(os.path.join(_ROOT, kind, "*.yaml"))}
MODELS = set("""llama-2-7b llama-2-13b llama-2-70b llama-3-8b llama-3-70b llama-3.1-8b llama-3.1-70b
llama-3.1-405b llama-3.2-1b mistral-7b mixtral-8x7b mixtral-8x22b qwen2.5-7b qwen2.5-72b
qwen1.5-1.8b qwen-72b deepseek-v3 phi-2 codellama-34b internlm-20b llama-7b llama-3.2-3b deepseek-r1 gpt-oss-20b
gpt-oss-120b qwen3-235b-a22b qwen3-30b-a3b llama-4-scout llama-4-maverick""".split())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    errors, notes = 0, []
    for path in sorted(glob.glob(os.path.join(here, "*.csv"))):
        name = os.path.basename(path)
        unknown_devices = set()
        with open(path, newline="") as f:
            raw = f.read()
        lines = raw.split("\n")
        header = lines[0].split(",")
        if header[:17] != HEADER or any(c not in OPTIONAL for c in header[17:]):
            print(f"{name}:1: header differs"); errors += 1
        width = len(header)
        count = 0
        for lineno, line in enumerate(lines[1:], start=2):
            if line == "":
                continue
            count += 1
            cells = line.split(",")  # plain split on purpose: no cell may contain a comma
            def bad(msg):
                nonlocal errors
                print(f"{name}:{lineno}: {msg}"); errors += 1
            if len(cells) != width:
                bad(f"{len(cells)} cells"); continue
            r = dict(zip(header, cells))
            for c in OPTIONAL:
                r.setdefault(c, "")
            if r["split"] not in ("", "dev", "held-out"): bad(f"split {r['split']}")
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
