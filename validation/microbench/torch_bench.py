#!/usr/bin/env python3
"""PyTorch benchmarks for the simulator's validation data: attention, one decoder layer, end to end.

All models are built from a spec's dimensions with random bf16 weights (nothing is downloaded).
Rows follow the measured-data CSV schema (validation/README.md):

  attention  F.scaled_dot_product_attention with the model's head configuration (GQA through
             enable_gqa): prefill (batch 1, causal, S query tokens over S keys) and decode
             (1 query token per request over context_tokens keys).
  layer      one Llama-like decoder layer (RMSNorm, fused QKV projection, RoPE, SDPA attention,
             o-proj, RMSNorm, fused gate/up projection, SiLU gate, down projection, residuals)
             at prefill and decode shapes, replayed from a CUDA graph.
  e2e        static-batch generation with the whole model: eager prefill of the batch plus the
             first token (ttft_seconds), decode steps replayed from one CUDA graph
             (tpot_seconds = mean step), tokens_per_second = batch*output_tokens / total time.
  allreduce  NCCL all-reduce across all visible GPUs (only when there is more than one).

Timing: torch.cuda.Event around CUDA-graph replays of several back-to-back calls, median over
samples; operands are rotated over several copies when they would fit in the L2 cache.
"""
import argparse
import math
import os
import statistics
import sys
import time
import warnings

import torch
import torch.nn.functional as F

HEADER = ("benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
          "context_tokens,metric,value,unit,source")
FIELDS = HEADER.split(",")

# Used when model-specs/<name>.yaml does not exist.
DEFAULT_SPECS = {
    "llama-3.1-8b": dict(hidden_size=4096, num_hidden_layers=32, num_attention_heads=32,
                         num_key_value_heads=8, head_dim=128, intermediate_size=14336,
                         vocab_size=128256, attention_bias=False, rope_theta=500000.0,
                         rms_norm_eps=1e-5),
    "qwen2.5-7b": dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28,
                       num_key_value_heads=4, head_dim=128, intermediate_size=18944,
                       vocab_size=152064, attention_bias=True, rope_theta=1000000.0,
                       rms_norm_eps=1e-6),
}
ROPE_THETA = {"llama-3": 500000.0, "qwen2": 1000000.0, "qwen3": 1000000.0}

DTYPE = torch.bfloat16
DEV = "cuda"  # the self-check can run on "cpu"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------- specs
class Spec:
    def __init__(self, name, d, origin):
        self.name = name
        self.origin = origin
        self.hidden = int(d["hidden_size"])
        self.layers = int(d["num_hidden_layers"])
        self.heads = int(d["num_attention_heads"])
        self.kv_heads = int(d.get("num_key_value_heads") or self.heads)
        self.head_dim = int(d.get("head_dim") or self.hidden // self.heads)
        self.inter = int(d["intermediate_size"])
        self.vocab = int(d["vocab_size"])
        self.bias = bool(d.get("attention_bias", False))
        theta = d.get("rope_theta")
        if theta is None:
            theta = next((v for k, v in ROPE_THETA.items() if name.startswith(k)), 10000.0)
        self.theta = float(theta)
        self.eps = float(d.get("rms_norm_eps", 1e-5))

    def __str__(self):
        return (f"{self.name} ({self.origin}): hidden {self.hidden}, {self.layers} layers, "
                f"{self.heads} heads / {self.kv_heads} KV heads x {self.head_dim}, "
                f"intermediate {self.inter}, vocab {self.vocab}, qkv bias {self.bias}")


def load_spec(name, spec_dir):
    path = os.path.join(spec_dir, name + ".yaml") if spec_dir else None
    if path and os.path.exists(path):
        import yaml
        with open(path) as f:
            d = yaml.safe_load(f)
        defaults = DEFAULT_SPECS.get(name, {})
        for key in ("rope_theta", "rms_norm_eps"):
            if key not in d and key in defaults:
                d[key] = defaults[key]
        return Spec(name, d, os.path.relpath(path))
    if name in DEFAULT_SPECS:
        return Spec(name, DEFAULT_SPECS[name], "built-in dimensions")
    raise SystemExit(f"torch_bench: no spec for {name} (looked for {path})")


# ----------------------------------------------------------------------------------- timing
def cuda_graph_time(fn, inner, samples, warmup=2):
    """Median seconds per call of fn(i), replaying a CUDA graph of `inner` calls."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for i in range(warmup):
            fn(i)
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for i in range(inner):
            fn(i)
    g.replay()
    torch.cuda.synchronize()
    times = []
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(samples):
        e0.record()
        g.replay()
        e1.record()
        e1.synchronize()
        times.append(e0.elapsed_time(e1) * 1e-3 / inner)
    del g
    return statistics.median(times)


def eager_time(fn, reps=3):
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn(0)
    torch.cuda.synchronize()
    e0.record()
    for i in range(reps):
        fn(i)
    e1.record()
    e1.synchronize()
    return e0.elapsed_time(e1) * 1e-3 / reps


def timed(fn, target_sample_s=2e-3, max_inner=64, min_inner=1, budget_s=0.4):
    """Estimate eagerly, then time graph replays of enough calls for ~target_sample_s each."""
    est = eager_time(fn)
    inner = max(min_inner, min(max_inner, math.ceil(target_sample_s / est)))
    samples = int(max(5, min(25, budget_s / (est * inner))))
    return cuda_graph_time(fn, inner, samples), inner, samples


# ----------------------------------------------------------------------------------- csv
class Csv:
    def __init__(self, path, device, source):
        self.f = open(path, "a") if path else sys.stdout
        self.device = device
        self.source = source

    def row(self, note="", **kw):
        cells = {k: "" for k in FIELDS}
        cells["device"] = self.device
        cells["source"] = (self.source + ("; " + note if note else "")).replace(",", ";")
        for k, v in kw.items():
            assert k in cells, k
            if isinstance(v, float):
                v = format(v, ".6g")
            cells[k] = "" if v is None else str(v)
        line = ",".join(_csv_field(cells[k]) for k in FIELDS)
        self.f.write(line + "\n")
        self.f.flush()


def _csv_field(s):
    if any(c in s for c in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def device_slug(name):
    if "H100" in name and "PCIe" in name:
        return "h100-pcie"
    if "H100" in name and ("HBM3" in name or "SXM" in name):
        return "h100-sxm"
    if "H200" in name:
        return "h200-sxm"
    if "A100" in name and "SXM4-80GB" in name:
        return "a100-80gb-sxm"
    if "A100" in name and "PCIe" in name and "80GB" in name:
        return "a100-80gb-pcie"
    return name


# ----------------------------------------------------------------------------------- model
def rms_norm(x, w, eps):
    if hasattr(F, "rms_norm"):
        return F.rms_norm(x, (x.shape[-1],), w, eps)
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def rope_tables(spec, max_pos, device):
    inv = 1.0 / (spec.theta ** (torch.arange(0, spec.head_dim, 2, device=device,
                                             dtype=torch.float32) / spec.head_dim))
    t = torch.arange(max_pos, device=device, dtype=torch.float32)
    freqs = torch.outer(t, inv)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(DTYPE), emb.sin().to(DTYPE)


def apply_rope(x, cos, sin):
    # x [B, S, n, d]; cos/sin [S, d]
    cos = cos[None, :, None, :]
    sin = sin[None, :, None, :]
    x1, x2 = x.chunk(2, dim=-1)
    rot = torch.cat((-x2, x1), dim=-1)
    return x * cos + rot * sin


def randn(shape, gen, std=0.02):
    return torch.randn(shape, device=DEV, dtype=DTYPE, generator=gen) * std


class DecoderLayer:
    """Llama/Qwen2 decoder layer with fused QKV and gate/up weights ([out, in] like nn.Linear)."""

    def __init__(self, spec, gen):
        s = spec
        self.s = s
        qkv_out = (s.heads + 2 * s.kv_heads) * s.head_dim
        self.w_qkv = randn((qkv_out, s.hidden), gen)
        self.b_qkv = randn((qkv_out,), gen) if s.bias else None
        self.w_o = randn((s.hidden, s.heads * s.head_dim), gen)
        self.w_gate_up = randn((2 * s.inter, s.hidden), gen)
        self.w_down = randn((s.hidden, s.inter), gen)
        self.ln1 = 1.0 + randn((s.hidden,), gen, 0.05)
        self.ln2 = 1.0 + randn((s.hidden,), gen, 0.05)

    def _qkv(self, x, cos, sin):
        s = self.s
        B, S, _ = x.shape
        h = rms_norm(x, self.ln1, s.eps)
        qkv = F.linear(h, self.w_qkv, self.b_qkv)
        q, k, v = qkv.split([s.heads * s.head_dim, s.kv_heads * s.head_dim,
                             s.kv_heads * s.head_dim], dim=-1)
        q = apply_rope(q.view(B, S, s.heads, s.head_dim), cos, sin).transpose(1, 2)
        k = apply_rope(k.view(B, S, s.kv_heads, s.head_dim), cos, sin).transpose(1, 2)
        v = v.view(B, S, s.kv_heads, s.head_dim).transpose(1, 2)
        return q, k, v  # [B, n, S, d]

    def _rest(self, x, attn):
        s = self.s
        B, S, _ = x.shape
        x = x + F.linear(attn.transpose(1, 2).reshape(B, S, s.heads * s.head_dim), self.w_o)
        h = rms_norm(x, self.ln2, s.eps)
        gate, up = F.linear(h, self.w_gate_up).chunk(2, dim=-1)
        return x + F.linear(F.silu(gate) * up, self.w_down)

    def prefill(self, x, cos, sin, kc, vc):
        """x [B, S, H]: S new tokens per request, no earlier context; fills kc/vc[:, :, :S]."""
        S = x.shape[1]
        q, k, v = self._qkv(x, cos, sin)
        kc[:, :, :S].copy_(k)
        vc[:, :, :S].copy_(v)
        attn = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        return self._rest(x, attn)

    def decode_exact(self, x, cos, sin, kc, vc):
        """One new token per request at position L-1 of a full cache kc [B, nkv, L, d]."""
        L = kc.shape[2]
        q, k, v = self._qkv(x, cos, sin)
        kc[:, :, L - 1:L].copy_(k)
        vc[:, :, L - 1:L].copy_(v)
        attn = F.scaled_dot_product_attention(q, kc, vc, enable_gqa=True)
        return self._rest(x, attn)

    def decode_masked(self, x, cos, sin, kc, vc, pos, mask):
        """One new token per request at device position `pos` of a static cache of capacity L;
        attends over the whole cache with a boolean mask (keys <= pos), so one CUDA graph
        serves every step. The query heads of each KV group are laid out as query rows."""
        s = self.s
        B = x.shape[0]
        G = s.heads // s.kv_heads
        q, k, v = self._qkv(x, cos, sin)
        kc.index_copy_(2, pos, k)
        vc.index_copy_(2, pos, v)
        qg = q.reshape(B, s.kv_heads, G, s.head_dim)
        attn = F.scaled_dot_product_attention(qg, kc, vc, attn_mask=mask)
        return self._rest(x, attn.reshape(B, s.heads, 1, s.head_dim))


class Model:
    def __init__(self, spec, seed=0):
        gen = torch.Generator(device=DEV)
        gen.manual_seed(seed)
        self.s = spec
        self.embed = randn((spec.vocab, spec.hidden), gen, 1.0)
        self.layers = [DecoderLayer(spec, gen) for _ in range(spec.layers)]
        self.norm = 1.0 + randn((spec.hidden,), gen, 0.05)
        self.lm_head = randn((spec.vocab, spec.hidden), gen)

    def params(self):
        s = self.s
        per_layer = ((s.heads + 2 * s.kv_heads) * s.head_dim * s.hidden
                     + s.hidden * s.heads * s.head_dim + 3 * s.hidden * s.inter)
        return s.layers * per_layer + 2 * s.vocab * s.hidden


class Generator:
    """Static-batch greedy generation with a static KV cache of capacity input+output."""

    def __init__(self, model, batch, input_tokens, output_tokens):
        s = model.s
        self.m = model
        self.B, self.S, self.O = batch, input_tokens, output_tokens
        self.L = input_tokens + output_tokens
        self.kc = [torch.zeros(batch, s.kv_heads, self.L, s.head_dim, device=DEV, dtype=DTYPE)
                   for _ in range(s.layers)]
        self.vc = [torch.zeros_like(t) for t in self.kc]
        self.cos, self.sin = rope_tables(s, self.L, DEV)
        self.arange_L = torch.arange(self.L, device=DEV)
        self.tok = torch.zeros(batch, 1, device=DEV, dtype=torch.long)
        self.pos = torch.zeros(1, device=DEV, dtype=torch.long)
        self.graph = None
        self.backends = None  # SDPA backends for the masked decode attention (None: default)

    def prefill(self, prompt):
        m = self.m
        x = F.embedding(prompt, m.embed)
        cos, sin = self.cos[:self.S], self.sin[:self.S]
        for i, layer in enumerate(m.layers):
            x = layer.prefill(x, cos, sin, self.kc[i], self.vc[i])
        x = rms_norm(x[:, -1:], m.norm, m.s.eps)
        logits = F.linear(x[:, -1], m.lm_head)
        self.tok.copy_(logits.argmax(-1).view(self.B, 1))
        self.pos.fill_(self.S)

    def step(self):
        m = self.m
        x = F.embedding(self.tok, m.embed)
        cos = self.cos.index_select(0, self.pos)
        sin = self.sin.index_select(0, self.pos)
        mask = (self.arange_L <= self.pos).view(1, 1, 1, self.L)
        if self.backends is not None:
            from torch.nn.attention import sdpa_kernel
            ctx = sdpa_kernel(self.backends)
        else:
            import contextlib
            ctx = contextlib.nullcontext()
        with ctx:
            for i, layer in enumerate(m.layers):
                x = layer.decode_masked(x, cos, sin, self.kc[i], self.vc[i], self.pos, mask)
        x = rms_norm(x, m.norm, m.s.eps)
        logits = F.linear(x[:, -1], m.lm_head)
        self.logits = logits
        self.tok.copy_(logits.argmax(-1).view(self.B, 1))
        self.pos.add_(1)

    def capture(self):
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):
                self.step()
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.step()
        torch.cuda.synchronize()

    def run(self, prompt):
        """Returns (ttft_s, decode_s) for one generation of O tokens per request."""
        e0, e1, e2 = (torch.cuda.Event(enable_timing=True) for _ in range(3))
        torch.cuda.synchronize()
        e0.record()
        self.prefill(prompt)
        e1.record()
        for _ in range(self.O - 1):
            self.graph.replay()
        e2.record()
        e2.synchronize()
        if int(self.pos.item()) != self.L - 1:
            raise RuntimeError(f"decode ended at position {int(self.pos.item())}, "
                               f"expected {self.L - 1}")
        return e0.elapsed_time(e1) * 1e-3, e1.elapsed_time(e2) * 1e-3


# ----------------------------------------------------------------------------------- benches
def bytes_of(*tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


def n_copies(nbytes, l2, cap=32):
    return max(1, min(cap, math.ceil(4 * l2 / max(nbytes, 1))))


def bench_attention(csv, spec, quick, l2, torch_note):
    s = spec
    prefill = [512, 2048] if quick else [512, 2048, 8192, 16384]
    decode = ([(1, 512), (32, 8192)] if quick else
              [(b, c) for b in (1, 8, 32, 128) for c in (512, 2048, 8192)])
    for S in prefill:
        shape_q = (1, s.heads, S, s.head_dim)
        shape_kv = (1, s.kv_heads, S, s.head_dim)
        nbytes = 2 * (2 * math.prod(shape_q) + 2 * math.prod(shape_kv))  # q, o, k, v
        c = n_copies(nbytes, l2)
        qs = [torch.randn(shape_q, device="cuda", dtype=DTYPE) for _ in range(c)]
        ks = [torch.randn(shape_kv, device="cuda", dtype=DTYPE) for _ in range(c)]
        vs = [torch.randn(shape_kv, device="cuda", dtype=DTYPE) for _ in range(c)]

        def fn(i):
            j = i % c
            return F.scaled_dot_product_attention(qs[j], ks[j], vs[j], is_causal=True,
                                                  enable_gqa=True)
        sec, inner, samples = timed(fn, min_inner=c)
        flops = 4.0 * s.heads * s.head_dim * S * (S + 1) / 2  # causal: QK^T and PV
        note = (f"{torch_note}; F.scaled_dot_product_attention causal enable_gqa {s.heads}/"
                f"{s.kv_heads} heads x {s.head_dim}; prefill; graph of {inner} calls over {c} "
                f"copies, median of {samples}")
        common = dict(benchmark="attention", dtype="bf16", model=s.name, tp=1, bytes=nbytes,
                      batch=1, input_tokens=S, context_tokens=S)
        csv.row(note, metric="seconds", value=sec, unit="s", **common)
        csv.row(note, metric="tflops", value=flops / sec / 1e12, unit="TFLOP/s", **common)
        log(f"  attention prefill {s.name} S={S:6d}  {sec * 1e6:10.1f} us  "
            f"{flops / sec / 1e12:6.1f} TFLOP/s")
        del qs, ks, vs
    for B, ctx in decode:
        shape_q = (B, s.heads, 1, s.head_dim)
        shape_kv = (B, s.kv_heads, ctx, s.head_dim)
        nbytes = 2 * (2 * math.prod(shape_q) + 2 * math.prod(shape_kv))
        c = n_copies(nbytes, l2)
        qs = [torch.randn(shape_q, device="cuda", dtype=DTYPE) for _ in range(c)]
        ks = [torch.randn(shape_kv, device="cuda", dtype=DTYPE) for _ in range(c)]
        vs = [torch.randn(shape_kv, device="cuda", dtype=DTYPE) for _ in range(c)]

        def fn(i):
            j = i % c
            return F.scaled_dot_product_attention(qs[j], ks[j], vs[j], enable_gqa=True)
        sec, inner, samples = timed(fn, min_inner=c)
        note = (f"{torch_note}; F.scaled_dot_product_attention enable_gqa {s.heads}/"
                f"{s.kv_heads} heads x {s.head_dim}; decode (1 query token over the whole "
                f"context); graph of {inner} calls over {c} copies, median of {samples}")
        common = dict(benchmark="attention", dtype="bf16", model=s.name, tp=1, bytes=nbytes,
                      batch=B, input_tokens=1, context_tokens=ctx)
        csv.row(note, metric="seconds", value=sec, unit="s", **common)
        csv.row(note, metric="gbps", value=nbytes / sec / 1e9, unit="GB/s", **common)
        log(f"  attention decode  {s.name} B={B:4d} ctx={ctx:6d}  {sec * 1e6:10.1f} us  "
            f"{nbytes / sec / 1e9:7.1f} GB/s")
        del qs, ks, vs
    torch.cuda.empty_cache()


def bench_layer(csv, spec, quick, torch_note):
    s = spec
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1)
    layer = DecoderLayer(s, gen)
    prefill = [512, 2048] if quick else [512, 2048, 8192]
    decode = ([(1, 512), (32, 2048)] if quick else
              [(b, c) for b in (1, 8, 32, 128) for c in (512, 2048, 8192)])
    for S in prefill:
        cos, sin = rope_tables(s, S, "cuda")
        x = torch.randn(1, S, s.hidden, device="cuda", dtype=DTYPE)
        kc = torch.zeros(1, s.kv_heads, S, s.head_dim, device="cuda", dtype=DTYPE)
        vc = torch.zeros_like(kc)
        sec, inner, samples = timed(lambda i: layer.prefill(x, cos, sin, kc, vc))
        note = (f"{torch_note}; one decoder layer, random weights; prefill, causal SDPA; "
                f"CUDA graph of {inner} calls, median of {samples}")
        csv.row(note, benchmark="layer", dtype="bf16", model=s.name, tp=1, batch=1,
                input_tokens=S, context_tokens=S, metric="seconds", value=sec, unit="s")
        log(f"  layer prefill {s.name} S={S:6d}  {sec * 1e6:10.1f} us")
        del x, kc, vc
    for B, ctx in decode:
        cos_t, sin_t = rope_tables(s, ctx, "cuda")
        cos, sin = cos_t[ctx - 1:ctx], sin_t[ctx - 1:ctx]
        x = torch.randn(B, 1, s.hidden, device="cuda", dtype=DTYPE)
        kc = torch.randn(B, s.kv_heads, ctx, s.head_dim, device="cuda", dtype=DTYPE)
        vc = torch.randn_like(kc)
        sec, inner, samples = timed(lambda i: layer.decode_exact(x, cos, sin, kc, vc))
        note = (f"{torch_note}; one decoder layer, random weights; decode, 1 new token per "
                f"request attending over context_tokens keys (SDPA enable_gqa, no mask); "
                f"CUDA graph of {inner} calls, median of {samples}")
        csv.row(note, benchmark="layer", dtype="bf16", model=s.name, tp=1, batch=B,
                input_tokens=1, context_tokens=ctx, metric="seconds", value=sec, unit="s")
        log(f"  layer decode  {s.name} B={B:4d} ctx={ctx:6d}  {sec * 1e6:10.1f} us")
        del x, kc, vc
    del layer
    torch.cuda.empty_cache()


def pick_masked_backend(spec, B, L):
    """Times the masked decode attention of one layer under each SDPA backend that accepts it;
    returns (name, backends list or None for PyTorch's own choice, seconds)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    import contextlib
    s = spec
    G = s.heads // s.kv_heads
    q = torch.randn(B, s.kv_heads, G, s.head_dim, device="cuda", dtype=DTYPE)
    k = torch.randn(B, s.kv_heads, L, s.head_dim, device="cuda", dtype=DTYPE)
    v = torch.randn_like(k)
    mask = (torch.arange(L, device="cuda") <= L - 2).view(1, 1, 1, L)
    best = None
    timings = []
    for name, backends in (("default", None), ("efficient", [SDPBackend.EFFICIENT_ATTENTION]),
                           ("cudnn", [SDPBackend.CUDNN_ATTENTION])):
        ctx = sdpa_kernel(backends) if backends else contextlib.nullcontext()
        try:
            with warnings.catch_warnings(), ctx:
                warnings.simplefilter("ignore")
                t = cuda_graph_time(lambda i: F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
                                    inner=16, samples=5)
        except Exception as e:  # noqa: BLE001 - a backend that refuses the shape is skipped
            timings.append(f"{name} no ({type(e).__name__})")
            continue
        timings.append(f"{name} {t * 1e6:.1f} us")
        if best is None or t < best[2]:
            best = (name, backends, t)
    log(f"    masked decode attention B={B} L={L}: " + "; ".join(timings) + f" -> {best[0]}")
    return best


def bench_e2e(csv, spec, configs, runs, torch_note):
    t0 = time.time()
    model = Model(spec)
    torch.cuda.synchronize()
    log(f"  e2e {spec.name}: {model.params() / 1e9:.2f} B parameters built in "
        f"{time.time() - t0:.1f} s")
    for B, S, O in configs:
        t0 = time.time()
        gen = Generator(model, B, S, O)
        prompt = torch.randint(0, spec.vocab, (B, S), device="cuda")
        name, gen.backends, _ = pick_masked_backend(spec, B, gen.L)
        gen.prefill(prompt)  # warm-up (allocator, cuBLAS handles, SDPA kernels)
        gen.capture()
        results = [gen.run(prompt) for _ in range(runs)]
        ttft = statistics.median(r[0] for r in results)
        dec = statistics.median(r[1] for r in results)
        tpot = dec / (O - 1)
        total = statistics.median(r[0] + r[1] for r in results)
        tps = B * O / total
        note = (f"{torch_note}; random-init {spec.name} bf16 built from {spec.origin}; own "
                f"PyTorch Llama (fused QKV and gate/up; SDPA causal+GQA prefill); eager "
                f"prefill; decode = one CUDA graph per step with SDPA over the static KV cache "
                f"(capacity input+output) under a mask ({name} backend: fastest of those timed); greedy argmax; LM head on the last "
                f"position only; median of {runs} runs")
        common = dict(benchmark="e2e", dtype="bf16", model=spec.name, tp=1, batch=B,
                      input_tokens=S, output_tokens=O)
        csv.row(note, metric="ttft_seconds", value=ttft, unit="s", **common)
        csv.row(note, metric="tpot_seconds", value=tpot, unit="s", **common)
        csv.row(note, metric="tokens_per_second", value=tps, unit="tokens/s", **common)
        log(f"  e2e {spec.name} B={B:3d} in={S:5d} out={O:4d}: TTFT {ttft * 1e3:8.2f} ms  "
            f"TPOT {tpot * 1e3:7.3f} ms  {tps:9.1f} tok/s  ({time.time() - t0:.1f} s)")
        del gen, prompt
        torch.cuda.empty_cache()
    del model
    torch.cuda.empty_cache()


def _allreduce_worker(rank, world, port, sizes, q):
    import torch.distributed as dist
    torch.cuda.set_device(rank)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    out = []
    for nbytes in sizes:
        x = torch.randn(nbytes // 2, device="cuda", dtype=DTYPE)
        for _ in range(5):
            dist.all_reduce(x)
        torch.cuda.synchronize()
        times = []
        for _ in range(20):
            dist.barrier()
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(10):
                dist.all_reduce(x)
            e1.record()
            e1.synchronize()
            times.append(e0.elapsed_time(e1) * 1e-3 / 10)
        out.append((nbytes, statistics.median(times)))
    if rank == 0:
        q.put(out)
    dist.destroy_process_group()


def bench_allreduce(csv, quick, torch_note):
    world = torch.cuda.device_count()
    if world < 2:
        log(f"  allreduce: skipped, {world} GPU visible (needs 2 or more)")
        return
    import torch.multiprocessing as mp
    sizes = [1 << p for p in range(10, 31, 4 if quick else 2)]
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    port = 29500 + os.getpid() % 1000
    procs = [ctx.Process(target=_allreduce_worker, args=(r, world, port, sizes, q))
             for r in range(world)]
    for p in procs:
        p.start()
    out = q.get()
    for p in procs:
        p.join()
    for nbytes, sec in out:
        note = (f"{torch_note}; torch.distributed NCCL all_reduce (sum) over {world} GPUs, bf16; "
                f"median of 20 x 10 back-to-back calls")
        csv.row(note, benchmark="allreduce", dtype="bf16", tp=world, bytes=nbytes,
                metric="seconds", value=sec, unit="s")
        log(f"  allreduce {world} GPUs {nbytes:12d} B  {sec * 1e6:10.1f} us")


def self_check():
    """Checks the model code on a tiny random model in float32: greedy generation through the
    static-cache masked decode step must give the same logits as recomputing the whole
    sequence with prefill, and the exact-length decode of a layer must match too."""
    global DTYPE
    saved = DTYPE
    DTYPE = torch.float32
    try:
        spec = Spec("tiny", dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=8,
                                 num_key_value_heads=2, head_dim=32, intermediate_size=512,
                                 vocab_size=1000, attention_bias=True, rope_theta=10000.0),
                    "self-check")
        model = Model(spec, seed=3)
        B, S, O = 2, 12, 6
        gen = Generator(model, B, S, O)
        prompt = torch.randint(0, spec.vocab, (B, S), device=DEV)
        gen.prefill(prompt)
        seq = torch.cat([prompt, gen.tok.clone()], dim=1)
        worst = 0.0
        worst_logits = 0.0
        for _ in range(O - 1):
            # logits of the cached step versus a full recompute of the sequence so far
            p = int(gen.pos.item())
            gen.step()
            full = Generator(model, B, seq.shape[1], 1)
            xs = F.embedding(seq, model.embed)
            cos, sin = full.cos[:seq.shape[1]], full.sin[:seq.shape[1]]
            for i, layer in enumerate(model.layers):
                xs = layer.prefill(xs, cos, sin, full.kc[i], full.vc[i])
            ref = F.linear(rms_norm(xs[:, -1], model.norm, spec.eps), model.lm_head)
            ref_tok = ref.argmax(-1).view(B, 1)
            worst_logits = max(worst_logits, ((gen.logits - ref).norm() / ref.norm()).item())
            # the cached path's K/V for the new token must equal the recomputed ones
            for i in range(spec.layers):
                d = (gen.kc[i][:, :, :p + 1] - full.kc[i][:, :, :p + 1]).abs().max().item()
                worst = max(worst, d)
            if not torch.equal(ref_tok, gen.tok):
                raise SystemExit(f"self-check FAILED: cached decode chose {gen.tok.flatten().tolist()}, "
                                 f"recompute chose {ref_tok.flatten().tolist()}")
            seq = torch.cat([seq, gen.tok.clone()], dim=1)
        if worst > 1e-4 or not worst_logits < 1e-4:
            raise SystemExit(f"self-check FAILED: KV cache differs from recompute by {worst:.3g}, "
                             f"logits by {worst_logits:.3g} (relative)")
        # exact-length decode of one layer versus prefill of the whole sequence
        layer = model.layers[0]
        L = 10
        cos, sin = rope_tables(spec, L, DEV)
        xs = torch.randn(B, L, spec.hidden, device=DEV, dtype=DTYPE)
        kc = torch.zeros(B, spec.kv_heads, L, spec.head_dim, device=DEV, dtype=DTYPE)
        vc = torch.zeros_like(kc)
        ref = layer.prefill(xs, cos, sin, kc, vc)[:, -1:]
        got = layer.decode_exact(xs[:, -1:], cos[L - 1:L], sin[L - 1:L], kc, vc)
        rel = ((got - ref).norm() / ref.norm()).item()
        if not rel < 1e-4:
            raise SystemExit(f"self-check FAILED: decode_exact differs from prefill by {rel:.3g}")
        log(f"[torch_bench] self-check ok on {DEV}: {O - 1} cached decode steps match recompute "
            f"(KV max diff {worst:.2g}, logits rel. diff {worst_logits:.2g}); decode_exact rel. diff {rel:.2g}")
    finally:
        DTYPE = saved


def probe_sdpa(spec):
    """Reports which SDPA backends accept the shapes used here and how fast (diagnostics)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    s = spec
    B, L = 8, 640
    G = s.heads // s.kv_heads

    def t(*shape):
        return torch.randn(*shape, device="cuda", dtype=DTYPE)
    qp, kp, vp = t(1, s.heads, 2048, s.head_dim), t(1, s.kv_heads, 2048, s.head_dim), t(1, s.kv_heads, 2048, s.head_dim)
    qd, kd, vd = t(B, s.heads, 1, s.head_dim), t(B, s.kv_heads, L, s.head_dim), t(B, s.kv_heads, L, s.head_dim)
    qg = t(B, s.kv_heads, G, s.head_dim)
    mask = (torch.arange(L, device="cuda") <= 600).view(1, 1, 1, L)
    cases = {
        "prefill S=2048 causal gqa": lambda i: F.scaled_dot_product_attention(
            qp, kp, vp, is_causal=True, enable_gqa=True),
        f"decode B={B} L={L} exact gqa": lambda i: F.scaled_dot_product_attention(
            qd, kd, vd, enable_gqa=True),
        f"decode B={B} L={L} masked grouped": lambda i: F.scaled_dot_product_attention(
            qg, kd, vd, attn_mask=mask),
    }
    backends = [("flash", SDPBackend.FLASH_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION),
                ("cudnn", SDPBackend.CUDNN_ATTENTION), ("math", SDPBackend.MATH)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cname, fn in cases.items():
            res = []
            for bname, b in backends:
                try:
                    with sdpa_kernel([b]):
                        tt = cuda_graph_time(fn, inner=10, samples=5)
                    res.append(f"{bname} {tt * 1e6:.1f} us")
                except Exception as e:  # noqa: BLE001 - diagnostics
                    res.append(f"{bname} no ({type(e).__name__})")
            tt = cuda_graph_time(fn, inner=10, samples=5)
            log(f"  sdpa probe {cname}: default {tt * 1e6:.1f} us; " + "; ".join(res))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", "-o", help="append CSV rows here (default stdout)")
    ap.add_argument("--header", action="store_true", help="write the CSV header first")
    ap.add_argument("--device", help="device column (default: from the GPU name)")
    ap.add_argument("--source", help="source column prefix")
    ap.add_argument("--quick", action="store_true", help="fewer shapes")
    ap.add_argument("--benches", default="attention,layer,e2e,allreduce")
    ap.add_argument("--spec-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "..", "..", "model-specs"))
    ap.add_argument("--models", default="llama-3.1-8b,qwen2.5-7b",
                    help="models for attention and layer (comma-separated)")
    ap.add_argument("--e2e-models", default="llama-3.1-8b,qwen2.5-7b")
    ap.add_argument("--e2e-runs", type=int, default=5)
    ap.add_argument("--probe", action="store_true", help="print which SDPA backends work")
    ap.add_argument("--self-check", action="store_true",
                    help="check the model code on a tiny float32 model first")
    ap.add_argument("--self-check-cpu", action="store_true",
                    help="only run the self-check, on the CPU (no GPU needed)")
    a = ap.parse_args()
    if a.self_check_cpu:
        global DEV
        DEV = "cpu"
        self_check()
        return

    if not torch.cuda.is_available():
        raise SystemExit("torch_bench: no CUDA device visible to PyTorch")
    props = torch.cuda.get_device_properties(0)
    l2 = getattr(props, "L2_cache_size", 50 << 20)
    torch_note = f"PyTorch {torch.__version__} (CUDA {torch.version.cuda})"
    log(f"[torch_bench] {props.name}, {props.multi_processor_count} SMs, L2 {l2 >> 20} MiB, "
        f"{props.total_memory / 2**30:.1f} GiB; {torch_note}; cuDNN {torch.backends.cudnn.version()}")
    device = a.device or device_slug(props.name)
    source = a.source or f"validation/microbench/torch_bench.py on {props.name}"
    if a.header and a.out:
        with open(a.out, "a") as f:
            f.write(HEADER + "\n")
    csv = Csv(a.out, device, source)
    if a.header and not a.out:
        print(HEADER)
    torch.backends.cuda.matmul.allow_tf32 = False
    benches = set(a.benches.split(","))
    models = [load_spec(n, a.spec_dir) for n in a.models.split(",") if n]
    for sp in models:
        log(f"[torch_bench] {sp}")
    if a.self_check:
        self_check()
    if a.probe:
        probe_sdpa(models[0])
    t_all = time.time()
    if "attention" in benches:
        t0 = time.time()
        for sp in models:
            bench_attention(csv, sp, a.quick, l2, torch_note)
        log(f"[torch_bench] attention done in {time.time() - t0:.1f} s")
    if "layer" in benches:
        t0 = time.time()
        for sp in models:
            bench_layer(csv, sp, a.quick, torch_note)
        log(f"[torch_bench] layer done in {time.time() - t0:.1f} s")
    if "e2e" in benches:
        t0 = time.time()
        configs = ([(1, 512, 16), (32, 2048, 16)] if a.quick else
                   [(b, s, 128) for s in (512, 2048) for b in (1, 8, 32)])
        runs = 1 if a.quick else a.e2e_runs
        e2e_models = [n for n in a.e2e_models.split(",") if n]
        if a.quick:
            e2e_models = e2e_models[:1]
        for name in e2e_models:
            sp = load_spec(name, a.spec_dir)
            log(f"[torch_bench] e2e {sp}")
            bench_e2e(csv, sp, configs, runs, torch_note)
        log(f"[torch_bench] e2e done in {time.time() - t0:.1f} s")
    if "allreduce" in benches:
        bench_allreduce(csv, a.quick, torch_note)
    log(f"[torch_bench] all done in {time.time() - t_all:.1f} s")


if __name__ == "__main__":
    main()
