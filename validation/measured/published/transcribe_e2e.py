#!/usr/bin/env python3
"""Writes e2e-published.csv from published tables transcribed below by hand (see README.md).

Every number below is copied as printed in its source; the only arithmetic is the unit
conversion named in each row's `source` cell (per-GPU -> total throughput, ms -> s,
tokens/s -> seconds).
"""
import csv
import os

HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source").split(",")
HERE = os.path.dirname(os.path.abspath(__file__))

# --- TensorRT-LLM v0.9.0 -------------------------------------------------------------
# https://github.com/NVIDIA/TensorRT-LLM/blob/v0.9.0/docs/source/performance.md
# ("All data was generated using version 0.9.0"). Static batching with gptSessionBenchmark
# (--batch_size B --input_output_len ISL,OSL); the build section names the models Llama2-7b
# and Llama2-70b. FP8 tables use quant_algo FP8 and kv_cache_quant_algo FP8.
TRT_DOC = "NVIDIA/TensorRT-LLM v0.9.0 docs/source/performance.md"
TRT_GPUS = {  # table heading -> (device profile, dtype)
    # The FP8 tables quantize the KV cache too (kv_cache_quant_algo FP8): fp8kv8 in llmsim's names (plain fp8 keeps a 16-bit KV cache).
    "H200 GPUs (FP8)": ("h200-sxm", "fp8kv8"),
    "H100 GPUs (FP8)": ("h100-sxm", "fp8kv8"),
    "L40S GPUs (FP8)": ("l40s", "fp8kv8"),
    "A100 GPUs (FP16)": ("a100-80gb-sxm", "fp16"),
}
TRT_MODELS = {"LLaMA 7B": "llama-2-7b", "LLaMA 70B": "llama-2-70b", "Mixtral 8x7B": "mixtral-8x7b"}
# Peak Throughput tables: (batch, tp, input, output, out tok/s/GPU)
TRT_THROUGHPUT = {
    "H200 GPUs (FP8)": {
        "LLaMA 7B": [(896, 1, 128, 128, 20618), (120, 1, 128, 2048, 8348),
                     (64, 1, 2048, 128, 2391), (56, 1, 2048, 2048, 3522)],
        "LLaMA 70B": [(1024, 1, 128, 128, 3989), (512, 2, 128, 2048, 3963),
                      (64, 1, 2048, 128, 418), (64, 1, 2048, 2048, 1458)],
        "Mixtral 8x7B": [(1024, 2, 128, 128, 5444), (256, 2, 128, 2048, 4973),
                         (64, 2, 2048, 128, 605), (64, 2, 2048, 2048, 1821)],
    },
    "H100 GPUs (FP8)": {
        "LLaMA 7B": [(896, 1, 128, 128, 19854), (120, 1, 128, 2048, 6944),
                     (84, 1, 2048, 128, 2163), (56, 1, 2048, 2048, 2826)],
        "LLaMA 70B": [(1024, 2, 128, 128, 3214), (512, 4, 128, 2048, 2725),
                      (96, 2, 2048, 128, 346), (64, 2, 2048, 2048, 1011)],
        "Mixtral 8x7B": [(512, 2, 128, 128, 5255), (128, 2, 128, 2048, 3408),
                         (64, 2, 2048, 128, 588), (32, 2, 2048, 2048, 1317)],
    },
    "L40S GPUs (FP8)": {
        "LLaMA 7B": [(256, 1, 128, 128, 5885), (64, 1, 128, 2048, 1654),
                     (32, 1, 2048, 128, 574), (16, 1, 2048, 2048, 537)],
        "LLaMA 70B": [(256, 2, 128, 128, 562), (256, 4, 128, 2048, 478),
                      (16, 2, 2048, 128, 49), (64, 4, 2048, 2048, 185)],
        "Mixtral 8x7B": [(256, 4, 128, 128, 1266), (256, 4, 128, 2048, 1490),
                         (64, 4, 2048, 128, 155), (32, 4, 2048, 2048, 412)],
    },
    "A100 GPUs (FP16)": {
        "LLaMA 7B": [(256, 1, 128, 128, 5390), (32, 1, 128, 2048, 1484),
                     (32, 1, 2048, 128, 533), (16, 1, 2048, 2048, 603)],
        "LLaMA 70B": [(1024, 4, 128, 128, 686), (512, 8, 128, 2048, 684),
                      (96, 4, 2048, 128, 80), (64, 4, 2048, 2048, 289)],
        "Mixtral 8x7B": [(512, 2, 128, 128, 2842), (128, 2, 128, 2048, 1724),
                         (64, 2, 2048, 128, 319), (32, 2, 2048, 2048, 801)],
    },
}
# Low Latency tables, batch size 1: (tp, input, 1st token latency ms); measured with OSL 1
TRT_TTFT = {
    "H200 GPUs (FP8)": {
        "LLaMA 7B": [(1, 128, "5.7"), (1, 2048, "30.2")],
        "LLaMA 70B": [(4, 128, "17.8"), (4, 2048, "103.0")],
        "Mixtral 8x7B": [(2, 128, "12.1"), (2, 2048, "87.7")],
    },
    "H100 GPUs (FP8)": {
        "LLaMA 7B": [(1, 128, "6.3"), (1, 2048, "30.8")],
        "LLaMA 70B": [(4, 128, "19.6"), (8, 2048, "85.1")],
        "Mixtral 8x7B": [(2, 128, "13.4"), (2, 2048, "89.5")],
    },
    "L40S GPUs (FP8)": {
        "LLaMA 7B": [(1, 128, "14.1"), (1, 2048, "80.1")],
        "LLaMA 70B": [(8, 128, "70.4"), (4, 2048, "673.3")],
        "Mixtral 8x7B": [(4, 128, "19.5"), (4, 2048, "165.6")],
    },
    "A100 GPUs (FP16)": {
        "LLaMA 7B": [(1, 128, "16.2"), (1, 2048, "132.4")],
        "LLaMA 70B": [(4, 128, "45.6"), (8, 2048, "249.2")],
        "Mixtral 8x7B": [(2, 128, "23.8"), (2, 2048, "160.9")],
    },
}

# --- llama.cpp llama-bench (XiongjieDai/GPU-Benchmarks-on-LLM-Inference) -------------------
# README.md @aa72e0e (2024-05-12) "LLaMA 3" tables (snapshots in May 2024); batch 1;
# all layers offloaded (-ngl 99); F16 GGUF of Meta Llama 3 8B / 70B.
# (table, table row label, model, device, notebook, llama.cpp build, backend,
#  tg512 t/s, pp512 t/s or None when left out)
XD_REPO = "XiongjieDai/GPU-Benchmarks-on-LLM-Inference README.md @aa72e0e (2024-05-12)"
LLAMACPP = [
    ("NVIDIA Gaming GPUs", "4090 24GB", "8B F16", "llama-3-8b", "rtx-4090",
     "LLaMA 3/Gaming GPUs/4090_v3.ipynb", "4426e298 (2824)", "CUDA", "54.84", "9382.00"),
    ("NVIDIA Professional GPUs", "A40 48GB", "8B F16", "llama-3-8b", "a40",
     "LLaMA 3/Professional GPUs/A40_v3.ipynb", "d46dbc76 (2833)", "CUDA", "34.26", "4203.75"),
    ("NVIDIA Professional GPUs", "L40S 48GB", "8B F16", "llama-3-8b", "l40s",
     "LLaMA 3/Professional GPUs/L40S_v3.ipynb", "befddd0f (2834)", "CUDA", "43.69", None),
    ("NVIDIA Professional GPUs", "A100 PCIe 80GB", "8B F16", "llama-3-8b", "a100-80gb-pcie",
     "LLaMA 3/Professional GPUs/A100_PCIe_v3.ipynb", "8c570c94 (2836)", "CUDA", "54.84", "7741.34"),
    ("NVIDIA Professional GPUs", "A100 SXM 80GB", "8B F16", "llama-3-8b", "a100-80gb-sxm",
     "LLaMA 3/Professional GPUs/A100_SXM_v3.ipynb", "d11afd66 (2837)", "CUDA", "53.49", None),
    ("NVIDIA Professional GPUs", "H100 PCIe 80GB", "8B F16", "llama-3-8b", "h100-pcie",
     "LLaMA 3/Professional GPUs/H100_PCIe_v3.ipynb", "e8496488 (2843)", "CUDA", "68.03", "10815.51"),
    ("Apple Silicon", "M2 Ultra 76-Core GPU 192GB", "8B F16", "llama-3-8b", "apple-m2-ultra",
     "LLaMA 3/Mac/M2ultra_192GB.ipynb", "b3a995b4 (2796)", "Metal", "36.90", "1175.40"),
    ("Apple Silicon", "M2 Ultra 76-Core GPU 192GB", "70B F16", "llama-3-70b", "apple-m2-ultra",
     "LLaMA 3/Mac/M2ultra_192GB.ipynb", "b3a995b4 (2796)", "Metal", "4.76", "147.58"),
]


def g(x, digits=6):
    return f"{x:.{digits}g}"


def row(**kw):
    return [str(kw.get(c, "")) for c in HEADER]


def trt_rows():
    out = []
    for table, models in TRT_THROUGHPUT.items():
        device, dtype = TRT_GPUS[table]
        for label, entries in models.items():
            for batch, tp, isl, osl, per_gpu in entries:
                src = (f"{TRT_DOC} Peak Throughput table '{table}' row '{label}' B={batch} TP={tp}"
                       f" ISL={isl} OSL={osl}: {per_gpu} out tok/s/GPU; value = {per_gpu} x TP {tp}"
                       f" (whole static batch; gptSessionBenchmark)")
                if dtype == "fp8kv8":
                    src += "; FP8 weights+activations and FP8 KV cache"
                out.append(row(benchmark="e2e", device=device, dtype=dtype, model=TRT_MODELS[label],
                               tp=tp, batch=batch, input_tokens=isl, output_tokens=osl,
                               metric="tokens_per_second", value=per_gpu * tp, unit="tokens/s",
                               source=src))
    for table, models in TRT_TTFT.items():
        device, dtype = TRT_GPUS[table]
        for label, entries in models.items():
            for tp, isl, ms in entries:
                src = (f"{TRT_DOC} Low Latency table '{table}' row '{label}' B=1 TP={tp} ISL={isl}:"
                       f" 1st Token Latency {ms} ms (gptSessionBenchmark run with OSL 1); value = ms/1000")
                if dtype == "fp8kv8":
                    src += "; FP8 weights+activations and FP8 KV cache"
                out.append(row(benchmark="e2e", device=device, dtype=dtype, model=TRT_MODELS[label],
                               tp=tp, batch=1, input_tokens=isl, output_tokens=1,
                               metric="ttft_seconds", value=g(float(ms) / 1000), unit="s", source=src))
    return out


def llamacpp_rows():
    out = []
    for table, label, mlabel, model, device, nb, build, backend, tg, pp in LLAMACPP:
        base = (f"{XD_REPO} LLaMA 3 '{table}' table row '{label} {mlabel}'; notebook '{nb}';"
                f" llama.cpp llama-bench build {build} {backend} batch 1")
        out.append(row(benchmark="e2e", device=device, dtype="fp16", model=model, tp=1, batch=1,
                       input_tokens=0, output_tokens=512, metric="tpot_seconds",
                       value=g(1 / float(tg)), unit="s",
                       source=f"{base}; tg 512 = {tg} t/s (512 tokens generated from an empty"
                              f" context); value = 1/{tg}"))
        if pp is not None:
            out.append(row(benchmark="e2e", device=device, dtype="fp16", model=model, tp=1, batch=1,
                           input_tokens=512, output_tokens=1, metric="ttft_seconds",
                           value=g(512 / float(pp)), unit="s",
                           source=f"{base}; pp 512 = {pp} t/s (one 512-token prompt; no token"
                                  f" sampled); value = 512/{pp} (prefill time taken as TTFT)"))
    return out


if __name__ == "__main__":
    rows = trt_rows() + llamacpp_rows()
    with open(os.path.join(HERE, "e2e-published.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
    print("e2e-published.csv", len(rows))
