#!/usr/bin/env python3
"""Max-load throughput error per MoE model family and split, from `llmsim validate --rows --format json` on
moe-serving-published.csv (README, "Accuracy: MoE serving at max load"). Standard library only.

  llmsim validate --measured validation/measured/published/moe-serving-published.csv --rows --format json > v.json
  python3 validation/measured/published/moe_serving_report.py v.json
"""
import csv, json, os, statistics, sys
from collections import defaultdict

FAMILY = {'deepseek-r1': 'DeepSeek-R1', 'gpt-oss-20b': 'gpt-oss', 'gpt-oss-120b': 'gpt-oss', 'qwen3-235b-a22b': 'Qwen3 MoE',
          'qwen3-30b-a3b': 'Qwen3 MoE', 'llama-4-scout': 'Llama-4', 'llama-4-maverick': 'Llama-4', 'mixtral-8x7b': 'Mixtral',
          'mixtral-8x22b': 'Mixtral'}
here = os.path.dirname(os.path.abspath(__file__))
split = {i: r['split'] for i, r in enumerate(csv.DictReader(open(os.path.join(here, 'moe-serving-published.csv'), newline='')), start=2)}
rows = json.load(open(sys.argv[1]))['rows']
by = defaultdict(lambda: {'dev': [], 'held-out': [], 'rows': 0, 'skipped': 0})
for r in rows:
    f = by[FAMILY[r['model']]]
    f['rows'] += 1
    if r['predicted'] is None:
        f['skipped'] += 1
    else:
        f[split[r['line']]].append(r['signedPctError'])


def stats(e):
    if not e:
        return '–'
    a = sorted(abs(x) for x in e)
    p90 = statistics.quantiles(a, n=10, method='inclusive')[-1] if len(a) > 1 else a[0]
    return f"{len(e)}: {statistics.median(a):.0f} / {p90:.0f} / {statistics.median(e):+.0f}"


print('| family | rows (skipped) | dev: n: median / p90 abs % / bias | held-out: n: median / p90 abs % / bias |')
print('|---|---:|---|---|')
for fam in ['DeepSeek-R1', 'gpt-oss', 'Qwen3 MoE', 'Llama-4', 'Mixtral']:
    f = by[fam]
    print(f"| {fam} | {f['rows']} ({f['skipped']}) | {stats(f['dev'])} | {stats(f['held-out'])} |")
