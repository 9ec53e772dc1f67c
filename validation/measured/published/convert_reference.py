#!/usr/bin/env python3
"""Regenerates the converted files in this folder from /work/shared/reference (see README.md).

Writes mamf-achievable-matmul.csv, vidur-a100-gemm.csv, vidur-a40-gemm.csv and
vidur-allreduce.csv. e2e-published.csv is transcribed by hand and is not touched here.
Usage: python3 convert_reference.py [REFERENCE_DIR]
"""
import csv
from decimal import Decimal
import os
import sys

HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source").split(",")
HERE = os.path.dirname(os.path.abspath(__file__))
REF = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference"
VIDUR = "microsoft/vidur@7d47513 (2024-11-19)"
MAX_BYTES = 5 * 1024 * 1024

MAMF_DEVICES = {
    "nvidia-a100-sxm": "a100-80gb-sxm", "nvidia-a100-pcie": "a100-80gb-pcie",
    "nvidia-h100-sxm": "h100-sxm", "nvidia-h200-sxm": "h200-sxm", "nvidia-b200-sxm": "b200-sxm",
    "amd-mi300x": "mi300x", "amd-mi325x": "mi325x", "intel-gaudi2": "gaudi2",
    "intel-gaudi3": "gaudi3", "nvidia-gh200": "gh200",
}
VIDUR_MODELS = {
    "meta-llama/Meta-Llama-3-8B": "llama-3-8b", "meta-llama/Meta-Llama-3-70B": "llama-3-70b",
    "meta-llama/Llama-2-7b-hf": "llama-2-7b", "meta-llama/Llama-2-70b-hf": "llama-2-70b",
    "Qwen/Qwen-72B": "qwen-72b", "internlm/internlm-20b": "internlm-20b",
    "codellama/CodeLlama-34b-Instruct-hf": "codellama-34b", "microsoft/phi-2": "phi-2",
}
VIDUR_GPUS = {"a100": "a100-80gb-sxm", "a40": "a40"}
GEMM_OPS = ["attn_pre_proj", "attn_post_proj", "mlp_up_proj", "mlp_down_proj"]
ELEMENTWISE_OPS = ["input_layernorm", "post_attention_layernorm", "attn_rope", "mlp_act", "add"]
ALLREDUCE_NODES = {"a100_dgx": "a100-80gb-sxm", "h100_dgx": "h100-sxm"}


def row(**kw):
    return [str(kw.get(c, "")) for c in HEADER]


def ms_to_s(ms_text):
    """Exact decimal ms -> s conversion, plain notation (no exponent)."""
    v = Decimal(ms_text) / 1000
    out = format(v.normalize(), "f")
    return out


def write(name, rows):
    path = os.path.join(HERE, name)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def mamf():
    rows = []
    with open(os.path.join(REF, "mamf-achievable-matmul.csv"), newline="") as f:
        for r in csv.DictReader(f):
            r["device"] = MAMF_DEVICES[r["device"]]
            r["source"] += (" [shape MxNxK = C[M N] = A[M K] x B[K N] as in mamf-finder.py"
                            " since 2025-01-04; value = mean of 100 iters at best shape]")
            rows.append([r[c] for c in HEADER])
    print("mamf", len(rows), write("mamf-achievable-matmul.csv", rows))


def gemm_shapes(r):
    nh, nkv = int(r["n_head"]), int(r["n_kv_head"])
    e, f = int(r["n_embd"]), int(r["n_expanded_embd"])
    tp = int(r["num_tensor_parallel_workers"])
    hd = e // nh
    gated = r["use_gated_mlp"] == "True"
    for x in ((nh + 2 * nkv) * hd, nh * hd, f):
        assert x % tp == 0
    return {
        "attn_pre_proj": ((nh + 2 * nkv) * hd // tp, e),
        "attn_post_proj": (e, nh * hd // tp),
        "mlp_up_proj": ((2 * f if gated else f) // tp, e),
        "mlp_down_proj": (e, f // tp),
    }


def keep_subsampled(tokens):
    return tokens & (tokens - 1) == 0 or tokens % 512 == 0


def vidur_gemm(gpu):
    base = os.path.join(REF, "vidur-profiling/profiling/compute", gpu)
    all_rows, sub_rows, skipped = [], [], 0
    for org_model, model in VIDUR_MODELS.items():
        path = os.path.join(base, org_model, "mlp.csv")
        if not os.path.exists(path):
            continue
        rel = f"data/profiling/compute/{gpu}/{org_model}/mlp.csv"
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                tokens = int(r["num_tokens"])
                tp = int(r["num_tensor_parallel_workers"])
                shapes = gemm_shapes(r)
                for op in GEMM_OPS:
                    n, k = shapes[op]
                    src = f"{VIDUR} {rel} time_stats.{op}.median/1000 (fp16)"
                    out = row(benchmark="gemm", device=VIDUR_GPUS[gpu], dtype="fp16", model=model,
                              tp=tp, m=tokens, n=n, k=k, metric="seconds",
                              value=ms_to_s(r[f"time_stats.{op}.median"]), unit="s", source=src)
                    all_rows.append(out)
                    if keep_subsampled(tokens):
                        sub_rows.append(out)
                skipped += sum(1 for op in ELEMENTWISE_OPS if r.get(f"time_stats.{op}.median", "") != "")
    name = f"vidur-{gpu}-gemm.csv"
    path = write(name, all_rows)
    subsampled = os.path.getsize(path) > MAX_BYTES
    if subsampled:
        path = write(name, sub_rows)
    print(name, len(sub_rows if subsampled else all_rows), "of", len(all_rows),
          "subsampled" if subsampled else "full", "elementwise values skipped:", skipped)


def vidur_allreduce():
    rows, skipped_multi = [], 0
    for node, device in ALLREDUCE_NODES.items():
        rel = f"data/profiling/network/{node}/all_reduce.csv"
        with open(os.path.join(REF, "vidur-profiling/profiling/network", node, "all_reduce.csv"),
                  newline="") as f:
            for r in csv.DictReader(f):
                assert r["collective"] == "all_reduce"
                workers, per_node = int(r["num_workers"]), int(r["devices_per_node"])
                if per_node != workers:
                    skipped_multi += 1
                    continue
                src = (f"{VIDUR} {rel} time_stats.all_reduce.median/1000; bytes = size column"
                       f" (fp16 elements x 2); {workers} GPUs in one node; NCCL")
                rows.append(row(benchmark="allreduce", device=device, dtype="fp16", tp=workers,
                                bytes=int(r["size"]), metric="seconds", value=ms_to_s(r["time_stats.all_reduce.median"]),
                                unit="s", source=src))
    print("allreduce", len(rows), "skipped multi-node", skipped_multi,
          write("vidur-allreduce.csv", rows))


if __name__ == "__main__":
    mamf()
    vidur_gemm("a100")
    vidur_gemm("a40")
    vidur_allreduce()
