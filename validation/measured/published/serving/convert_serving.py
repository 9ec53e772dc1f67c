#!/usr/bin/env python3
"""Writes trtllm-pytorch.csv and trtllm-engine.csv (the serving-benchmark schema of llmsim, docs/FORMATS.md) from the published serving
measurements collected in serving.csv (default /work/research/serving-bench/serving.csv; its SOURCES.md names every
table). Standard library only. Takes the dense models (Llama, Mistral) on devices and data types the simulator has
profiles for, renames the metrics to vLLM's result-file names, and writes each row's harness and the benchmark
settings the source states. Everything left out is counted on stderr with the reason.

usage: convert_serving.py [SERVING_CSV]   (writes both files beside this script)
trtllm-pytorch.csv: TensorRT-LLM's PyTorch backend (>= 0.19, 1.0, 1.2 pages), validated with engine-profiles/trtllm@1.0.yaml.
trtllm-engine.csv: the compiled TensorRT-engine flow (0.14 online table via Triton, 0.17 trtllm-bench), trtllm@0.14.yaml.
"""
import csv, sys, collections

SRC = sys.argv[1] if len(sys.argv) > 1 else "/work/research/serving-bench/serving.csv"
DENSE = {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.3-70b", "mistral-7b", "llama-2-70b"}
DEVICES = {"h100-sxm", "h200-sxm", "b200-sxm", "a100-80gb-sxm", "l40s"}
DTYPES = {"fp8", "bf16", "fp16"}
METRICS = {  # serving.csv name -> (vLLM result-file name, unit)
    "output_tokens_per_s": ("output_throughput", "tok/s"),
    "output_tokens_per_s_per_gpu": ("output_throughput_per_gpu", "tok/s"),
    "request_throughput": ("request_throughput", "req/s"),
    "total_tokens_per_s": ("total_token_throughput", "tok/s"),
    "ttft_mean": ("ttft_mean", "ms"),
    "itl_mean": ("itl_mean", "ms"),
}
HEADER = ("engine,engine_version,harness,device,num_devices,model,dtype,kv_dtype,tp,pp,mode,input_tokens,output_tokens,"
          "concurrency,request_rate,num_prompts,settings,metric,value,unit,source").split(",")

def settings_of(r):
    v = r["engine_version"]
    if "PyTorch" in v or v.startswith("1.") or v.startswith("post-1.0"):
        # The PyTorch-era pages run trtllm-bench with cuda_graph_config {enable_padding: true, batch sizes up to 8192}
        # and kv_cache_free_gpu_mem_fraction 0.95 'in many cases' (0.90 otherwise; the row does not say which).
        return "kv_fraction=0.95;graph_max_batch=8192;graph_padding=true"
    if v.startswith("0.17"):
        return "kv_fraction=0.95;backend=tensorrt-engine"
    if v.startswith("0.14"):
        return "backend=tensorrt-engine;frontend=triton"
    return ""

import os
here = os.path.dirname(os.path.abspath(__file__))
skipped = collections.Counter()
files = {k: open(os.path.join(here, f"trtllm-{k}.csv"), "w", newline="") for k in ("pytorch", "engine")}
writers = {k: csv.writer(f, lineterminator="\n") for k, f in files.items()}
for w in writers.values(): w.writerow(HEADER)
for r in csv.DictReader(open(SRC, newline="")):
    why = None
    if r["model"] not in DENSE: why = "MoE model or model without a spec (left to the frontier-models set)"
    elif r["engine"] != "TensorRT-LLM": why = f"engine {r['engine']}"
    elif r["device"] not in DEVICES: why = f"device {r['device']} has no hardware profile"
    elif r["dtype"] not in DTYPES: why = f"dtype '{r['dtype']}' (FP4 and unstated types are not modelled on this branch)"
    elif not r["input_tokens"] or not r["output_tokens"]: why = "no fixed input/output lengths"
    elif r["metric"] not in METRICS: why = f"metric {r['metric']}"
    if why:
        skipped[why] += 1
        continue
    name, unit = METRICS[r["metric"]]
    if r["unit"] not in ("tok/s", "req/s", "ms"): raise SystemExit(f"unexpected unit {r['unit']}")
    model = r["model"]
    source = r["source"]
    if model == "llama-3.3-70b":
        model = "llama-3.1-70b"  # same architecture (SOURCES.md); the source names the checkpoint
        source += " [Llama-3.3-70B: architecture of llama-3.1-70b]"
    harness = "server" if "Triton" in r["engine_version"] else "offline"
    settings = settings_of(r)
    writers["engine" if "tensorrt-engine" in settings else "pytorch"].writerow([r["engine"], r["engine_version"], harness, r["device"], r["num_devices"], model, r["dtype"], r["kv_dtype"],
                  r["tp"], r["pp"] or "1", r["mode"], r["input_tokens"], r["output_tokens"], r["concurrency"], r["request_rate"],
                  r["num_prompts"], settings, name, r["value"], unit, source])
for why, n in skipped.most_common():
    print(f"skipped {n}: {why}", file=sys.stderr)
for f in files.values(): f.close()
