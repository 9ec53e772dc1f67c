#!/usr/bin/env python3
"""Write moe-serving-published.csv: max-load output throughput of mixture-of-experts models as TensorRT-LLM publishes it.

Input: the researcher's transcription serving.csv (default /work/research/serving-bench/serving.csv; its SOURCES.md
describes every source). Output: rows in the measured-data schema with the optional columns pp, ep, dp and split.
Standard library only. Run from anywhere: python3 moe_serving.py [SERVING_CSV]
"""
import csv, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else '/work/research/serving-bench/serving.csv'
OUT = os.path.join(HERE, 'moe-serving-published.csv')

HEADER = ['benchmark', 'device', 'dtype', 'model', 'tp', 'm', 'n', 'k', 'bytes', 'batch', 'input_tokens', 'output_tokens',
          'context_tokens', 'metric', 'value', 'unit', 'source', 'pp', 'ep', 'dp', 'split']

# Model names in serving.csv -> shipped model specs. DeepSeek-R1-0528 has the DeepSeek-R1 (V3) architecture.
MODELS = {
    'deepseek-r1': 'deepseek-r1', 'deepseek-r1-0528': 'deepseek-r1',
    'gpt-oss-20b': 'gpt-oss-20b', 'gpt-oss-120b': 'gpt-oss-120b',
    'qwen3-235b-a22b': 'qwen3-235b-a22b', 'qwen3-30b-a3b': 'qwen3-30b-a3b',
    'llama-4-scout': 'llama-4-scout', 'llama-4-maverick': 'llama-4-maverick',
    'mixtral-8x7b': 'mixtral-8x7b', 'mixtral-8x22b': 'mixtral-8x22b',
}

# Device names in serving.csv -> shipped hardware profiles, where they differ. TensorRT-LLM's "RTX PRO 6000" rows are
# the Server Edition (its perf-overview names the SKU), which is the shipped rtx-pro-6000-blackwell profile.
DEVICES = {'rtx-pro-6000-server': 'rtx-pro-6000-blackwell'}


def split_of(r):
    """Held out: the TensorRT-LLM 1.2.0 perf-overview table, the DeepSeek-R1 best-practice blog, and in every other
    table the ISL/OSL pairs 500/2000 and 2048/2048 (so every model family keeps some). The split was fixed before any
    prediction was compared with any row; no parameter is fitted to either part."""
    s = r['source']
    if '1.2.0' in s or 'Best_perf' in s:
        return 'held-out'
    return 'held-out' if (r['input_tokens'], r['output_tokens']) in (('500', '2000'), ('2048', '2048')) else 'dev'


def dtype_of(r, model):
    d, kv, s = r['dtype'], r['kv_dtype'], r['source']
    if d == 'fp4':
        # TensorRT-LLM's FP4 on Blackwell: NVFP4 checkpoints (DeepSeek-R1-FP4, Llama-4, Qwen3 FP4); gpt-oss ships MXFP4.
        base = 'mxfp4' if model.startswith('gpt-oss') else 'nvfp4'
        return base + ('kv8' if kv == 'fp8' else '')
    if d == 'fp8':
        # v0.17 (TensorRT engine flow): "FP8 quantization also sets the KV cache to FP8"; 1.x tables say per row.
        if kv == 'fp8' or '258c7540' in s:
            return 'fp8kv8'
        return 'fp8'
    return d  # fp16, bf16


def main():
    rows = list(csv.DictReader(open(SRC, newline='')))
    out, skipped = [], {}
    for r in rows:
        def skip(why):
            skipped[why] = skipped.get(why, 0) + 1
        if r['engine'] != 'TensorRT-LLM' or r['model'] not in MODELS:
            continue
        blog = 'Best_perf' in r['source']
        if not (r['mode'] == 'max_throughput' or (blog and r['mode'] == 'concurrency')):
            continue
        if r['metric'] not in ('output_tokens_per_s', 'output_tokens_per_s_per_gpu'):
            continue
        if blog and r['metric'] == 'output_tokens_per_s_per_gpu':
            skip('blog per-GPU duplicate of the total row')
            continue
        if not r['input_tokens'] or not r['output_tokens']:
            skip('no ISL/OSL stated')
            continue
        model = MODELS[r['model']]
        n = int(r['num_devices'])
        tp, dp, ep, pp = int(r['tp'] or 1), int(r['dp'] or 1), int(r['ep'] or 1), int(r['pp'] or 1)
        note = []
        # DEPn is written tp 1, dp n, ep n; the DeepSeek blog writes "TP8 EP8 attention-DP" as tp 8, dp 8: attention TP 1.
        if dp > 1 and tp == dp:
            tp = 1
            note.append('TP8 with attention DP = attention DP8 with TP 1 per rank')
        if dp * tp * pp != n:
            skip('layout does not match the device count')
            continue
        value = float(r['value'])
        if r['metric'] == 'output_tokens_per_s_per_gpu':
            value *= n
            note.append(f'per-GPU figure {r["value"]} x {n} GPUs')
        batch = ''
        if r['max_batch']:
            # The blog's max_batch_size is per attention-DP rank.
            batch = str(int(r['max_batch']) * dp)
            note.append(f'max batch {r["max_batch"]} per rank x {dp} ranks; concurrency {r["concurrency"]}')
        note.append(f'{r["engine"]} {r["engine_version"]}; kv {r["kv_dtype"] or "not stated"}')
        out.append({
            'benchmark': 'serving-maxload', 'device': DEVICES.get(r['device'], r['device']), 'dtype': dtype_of(r, model), 'model': model,
            'tp': tp, 'm': '', 'n': '', 'k': '', 'bytes': '', 'batch': batch,
            'input_tokens': r['input_tokens'], 'output_tokens': r['output_tokens'], 'context_tokens': '',
            'metric': 'tokens_per_second', 'value': repr(value) if value != int(value) else str(int(value)), 'unit': 'tokens/s',
            'source': (r['source'] + ' [' + '; '.join(note) + ']').replace(',', ';').replace('"', "'"),
            'pp': pp, 'ep': ep if ep > 1 else '', 'dp': dp if dp > 1 else '', 'split': split_of(r),
        })
    with open(OUT, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=HEADER, lineterminator='\n')
        w.writeheader()
        w.writerows(out)
    print(f'wrote {OUT}: {len(out)} rows; skipped {skipped}')


if __name__ == '__main__':
    main()
