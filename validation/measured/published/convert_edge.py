#!/usr/bin/env python3
"""Imports /work/shared/reference/published-edge/measured.csv (654 published figures on CPUs, Apple silicon, NPUs,
Gaudi, TPU, FPGAs and consumer GPUs) into the measured-data schema.

Writes, next to this script:
  edge-published.csv  the rows the static-batch predictor can express, with device and model mapped to shipped
                      profiles and specs, dtype to a quantization name, and tokens/s definitions converted to the
                      metric the predictor computes (see README.md, "edge-published.csv");
  edge-skipped.tsv    every other source row with its line in the source file and the reason it was not imported.

Every source row lands in exactly one of the two files. Standard library only; run with no arguments, or give the
folder holding measured.csv.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DEFAULT_SOURCE = "/work/shared/reference/published-edge"
HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source").split(",")

# Source device label -> shipped profile. Labels not here have no profile.
DEVICES = {
    "gaudi2": "gaudi2", "gaudi3": "gaudi3", "tpu-v5e": "tpu-v5e", "alveo-u280": "alveo-u280",
    "apple-m2-ultra": "apple-m2-ultra", "apple-m3-ultra": "apple-m3-ultra",
    "snapdragon-8-elite-hexagon": "snapdragon-8-elite-hexagon", "snapdragon-8-gen3-hexagon": "snapdragon-8-gen3-hexagon",
    "xeon-8480-spr": "xeon-8480-spr", "rtx-4090": "rtx-4090", "l40s": "l40s", "h100-pcie": "h100-pcie",
    "a100-sxm-80gb": "a100-80gb-sxm",
}
# Devices with a near profile that is not the same part: say why they are not mapped.
NEAR_MISS = {
    "ryzen-ai-7-350-xdna2-npu": "no profile for the Ryzen AI 7 350 (ryzen-ai-xdna2 is the Ryzen AI 9 HX 370: same 50-TOPS XDNA 2 NPU, different memory)",
    "xeon-6972p-gnr": "no profile for the Xeon 6972P (xeon-6980p is a different SKU: 128 vs 96 cores, 2.0 vs 2.4 GHz base)",
    "snapdragon-8-elite-gen5-hexagon": "no profile for the Snapdragon 8 Elite Gen 5 (snapdragon-8-elite-hexagon is the first-generation 8 Elite)",
}
# Source model label -> spec name where they differ.
MODELS = {"mistral-7b-v0.1": "mistral-7b"}
# Source dtype -> quantization scheme name (QuantizationScheme.Parse).
DTYPES = {
    "q4_k_m": "q4_k_m", "q4_0": "q4_0", "q8_0": "q8_0", "f16": "fp16", "fp16": "fp16", "bf16": "bf16",
    # Intel's Gaudi fp8 runs keep the KV cache in fp8 too: with a 16-bit cache the published batches do not fit
    # (Llama-2-7B, batch 1230 x 256 tokens x 512 KiB = 165 GB on a 96 GB Gaudi 2; in fp8 82.5 GB + 6.7 GB of weights).
    "fp8": "fp8kv8",
    "w4a16": "w4a16",
    # AI Hub's "w4" rows are its w4a16 recipe (w4a16 with some w8a16 layers), as the source column says.
    "w4": "w4a16",
}


def family(label):
    """Device family for the accuracy table (README): CPU, Apple, NPU, Gaudi, TPU, FPGA, consumer GPU, data-centre GPU."""
    if label.endswith("-cpu") or label.startswith(("xeon", "epyc", "graviton", "threadripper", "ryzen-5", "ryzen-9", "ryzen-ai-5",
                                                   "ampereone", "raspberry", "riscv", "intel-n150", "core2", "cix-", "minisforum",
                                                   "zcu106-arm")):
        return "CPU"
    if label.startswith("apple-"):
        return "Apple"
    if "hexagon" in label or "xdna" in label:
        return "NPU"
    if label.startswith("gaudi"):
        return "Gaudi"
    if label.startswith("tpu"):
        return "TPU"
    if label in ("alveo-u280", "zcu106"):
        return "FPGA"
    if label.startswith(("rtx-", "arc-", "core-ultra")):
        return "consumer GPU"
    return "data-centre GPU"


def clean(text):
    """The folder's CSVs hold no comma or quote in any cell (check_published.py splits on commas)."""
    return text.replace('"', "'").replace(",", ";")


def fmt(x):
    return f"{x:.9g}"


def e2e_published_keys():
    """(device, model, dtype, metric, input, output) of rows already in e2e-published.csv."""
    keys = set()
    with open(os.path.join(HERE, "e2e-published.csv"), newline="") as f:
        for r in csv.DictReader(f):
            keys.add((r["device"], r["model"], r["dtype"], r["metric"], r["input_tokens"], r["output_tokens"]))
    return keys


def convert(r, specs, existing):
    """(row dict for edge-published.csv, None) or (None, reason)."""
    label = r["device"]
    src = r["source"]
    if r["benchmark"] == "serving-maxload":
        return None, "max-load serving throughput (a request stream with per-request lengths, continuous batching): not a static batch, which is all the e2e predictor expresses"
    if r["metric"] == "latency_seconds":
        return None, "ambiguous metric: the page's 'Latency (ms)' does not say first-token or per-token latency"
    if "request rate" in src:
        return None, "fixed request rate on ShareGPT lengths: a serving run (needs the serving simulator and the request lengths), not a static batch"
    device = DEVICES.get(label)
    if device is None:
        return None, NEAR_MISS.get(label, f"no hardware profile for '{label}'")
    if r["dtype"] == "unspecified":
        return None, "weight format not stated by the source, so bytes per weight are unknown"
    quant = DTYPES.get(r["dtype"])
    if quant is None:
        return None, f"no quantization scheme for '{r['dtype']}' (supported: {', '.join(sorted(set(DTYPES)))})"
    model = MODELS.get(r["model"], r["model"])
    if model not in specs:
        return None, f"no model spec for '{r['model']}'"

    out = dict(r)
    out.update(device=device, model=model, dtype=quant)
    inp, outp, batch = r["input_tokens"], r["output_tokens"], r["batch"]
    value = float(r["value"])
    note = f"published-edge/measured.csv line {{line}}; device {label}" + (f" -> {device}" if device != label else "") + \
           (f"; model {r['model']} -> {model}" if model != r["model"] else "") + f"; dtype {r['dtype']} -> {quant}"
    if r["metric"] == "tokens_per_second":
        if inp and outp and batch:
            # Static batch (optimum-habana): generated tokens / end-to-end time, the schema's definition.
            note += "; static-batch throughput kept as published (assumed to count generated tokens only)"
        elif outp and not inp:
            # llama-bench tg N: N tokens generated one at a time from an empty context.
            out.update(metric="tpot_seconds", unit="s", value=fmt(1 / value), input_tokens="0")
            note += f"; tg {outp} = {r['value']} t/s -> tpot_seconds = 1/{r['value']}"
        elif inp and not outp:
            # llama-bench pp N: one N-token prompt in one pass; its time is the TTFT (no token sampled).
            out.update(metric="ttft_seconds", unit="s", value=fmt(int(inp) / value), output_tokens="1")
            note += f"; pp {inp} = {r['value']} t/s -> ttft_seconds = {inp}/{r['value']}"
        elif not inp and not outp and any(w in src for w in ("Eval Rate", "response rate", "decode")):
            # Decode tokens/s of one user, lengths not stated: predicted as TPOT at a short context.
            out.update(metric="tpot_seconds", unit="s", value=fmt(1 / value))
            note += f"; decode {r['value']} t/s per user -> tpot_seconds = 1/{r['value']}; lengths not stated, predicted at a short context"
        else:
            return None, "tokens_per_second definition not recognised for a static batch"
    elif r["metric"] == "ttft_seconds":
        # AI Hub TTFT for a prompt of input_tokens (one prompt-processor pass for 128; the full context otherwise).
        out.update(output_tokens="1")
        note += "; TTFT as published"
    elif r["metric"] == "tpot_seconds":
        note += "; TPOT as published"
    else:
        return None, f"metric {r['metric']} not modelled"
    key = (out["device"], out["model"], out["dtype"], out["metric"], out["input_tokens"], out["output_tokens"])
    if key in existing:
        return None, "already in e2e-published.csv (same device, model, dtype, metric and lengths)"
    out["source"] = clean(src) + " [" + clean(note) + "]"
    return out, None


def main():
    source_dir = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    specs = {f[:-5] for f in os.listdir(os.path.join(ROOT, "model-specs")) if f.endswith(".yaml")}
    existing = e2e_published_keys()
    imported, skipped = [], []
    with open(os.path.join(source_dir, "measured.csv"), newline="") as f:
        reader = csv.DictReader(f)
        for r in reader:
            line = reader.line_num
            row, reason = convert(r, specs, existing)
            if row is None:
                skipped.append((line, family(r["device"]), r["device"], r["model"], r["dtype"], r["metric"], r["value"], reason))
            else:
                row["source"] = row["source"].replace("{line}", str(line))
                imported.append(row)
    with open(os.path.join(HERE, "edge-published.csv"), "w", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        for row in imported:
            f.write(",".join(row[h] for h in HEADER) + "\n")
    with open(os.path.join(HERE, "edge-skipped.tsv"), "w", newline="") as f:
        f.write("line\tfamily\tdevice\tmodel\tdtype\tmetric\tvalue\treason\n")
        for s in skipped:
            f.write("\t".join(str(x) for x in s) + "\n")
    print(f"imported {len(imported)}, skipped {len(skipped)}, total {len(imported) + len(skipped)}")
    by = {}
    for s in skipped:
        by[s[7].split(":")[0].split(" (")[0].split(" for ")[0]] = by.get(s[7].split(":")[0].split(" (")[0].split(" for ")[0], 0) + 1
    for k, v in sorted(by.items(), key=lambda x: -x[1]):
        print(f"  {v:4d}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
