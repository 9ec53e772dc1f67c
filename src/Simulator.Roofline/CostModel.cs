using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// The roofline cost of one engine step of a deployment: per-operator FLOPs and bytes on one device, turned
/// into time by max(FLOPs / (peak x compute efficiency), bytes / (bandwidth x memory efficiency)) + launch
/// overhead, plus alpha-beta collectives. Operators are listed per layer with the number of layers that run
/// them, so a 126-layer model costs no more to evaluate than a 2-layer one.
/// An instance reuses one scratch buffer and allocates nothing per step; it is not thread-safe (make one per
/// thread or per simulation; construction is cheap).
/// </summary>
public sealed class CostModel
{
    private readonly OperatorCost[] _ops = new OperatorCost[64];
    private OpBlock _block;
    private int _count;
    private readonly Deployment _d;
    private readonly ModelSpec _m;

    // Per-deployment constants (per device after tensor parallelism).
    private readonly double _h, _a, _kvb, _launch;
    private readonly double _qDim, _kvDim, _interDense;
    private readonly int _tp, _ep, _dp;
    // Mixed precision (QuantizationScheme.Modules): weight bytes, compute type and peak of attention, dense-MLP and
    // routed-expert matrices; all equal to the scheme's own without per-module formats. Embedding and LM head bytes.
    private readonly double _wAttn, _wMlp, _wExperts, _embeddingBytes, _headBytes;
    private readonly DataType _tAttn, _tMlp, _tExperts;
    private readonly double _peakAttn, _peakMlp, _peakExperts;
    // Layers whose attention sees the whole context, and layers that see only the sliding window or their own chunk.
    // A model with a window on every layer (Mistral) has no global layers; one without a window has no local layers.
    // Linear-attention layers (Qwen3-Next) have neither: they keep a fixed state per sequence.
    private readonly int _globalLayers, _slidingLayers, _attentionLayers, _linearLayers;
    // MoE: the busiest expert rank's routed tokens over the mean; bytes per element of dispatched and combined tokens.
    private readonly double _expertImbalance, _dispatchBytes, _combineBytes;

    public CostModel(Deployment deployment)
    {
        _d = deployment;
        _m = deployment.Model;
        _h = _m.HiddenSize;
        _a = deployment.ActBytes;
        (_wAttn, _tAttn, _peakAttn) = (deployment.WeightBytesOf(QuantModule.Attention), deployment.GemmTypeOf(QuantModule.Attention), deployment.GemmPeakOf(QuantModule.Attention));
        (_wMlp, _tMlp, _peakMlp) = (deployment.WeightBytesOf(QuantModule.Mlp), deployment.GemmTypeOf(QuantModule.Mlp), deployment.GemmPeakOf(QuantModule.Mlp));
        (_wExperts, _tExperts, _peakExperts) = (deployment.WeightBytesOf(QuantModule.Experts), deployment.GemmTypeOf(QuantModule.Experts), deployment.GemmPeakOf(QuantModule.Experts));
        _embeddingBytes = deployment.Quant.EmbeddingBitsPerElement / 8;
        _headBytes = deployment.Quant.HeadBitsPerElement / 8;
        _kvb = deployment.Quant.KvBytesPerElement;
        _launch = deployment.Device.LaunchOverheadSeconds;
        _tp = deployment.Parallelism.Tp;
        _ep = deployment.Parallelism.Ep;
        _qDim = (double)deployment.HeadsPerDevice * _m.HeadDim;
        _kvDim = (double)deployment.KvHeadsPerDevice * _m.HeadDim;
        _interDense = (double)_m.IntermediateSize / _tp;
        _slidingLayers = _m.LocalLayerCount;
        _linearLayers = _m.LinearLayerCount;
        _attentionLayers = _m.AttentionLayerCount;
        _globalLayers = _attentionLayers - _slidingLayers;
        _dp = deployment.Parallelism.Dp;
        _expertImbalance = deployment.ExpertImbalance;
        // DeepEP dispatches FP8 (one byte plus an fp32 scale per 128 elements) when the activations are FP8, else 16-bit;
        // it combines in BF16. Used for the attention-data-parallel all-to-all only: the TP-group EP path keeps its formula.
        double act = deployment.Quant.ActivationBytesPerElement;
        _dispatchBytes = act < 2 ? act + 4.0 / 128 : _a;
        _combineBytes = _a;
    }

    public Deployment Deployment => _d;

    /// <summary>The operators of one step (valid until the next call on this instance).</summary>
    public ReadOnlySpan<OperatorCost> Operators(in BatchShape shape)
    {
        Build(shape);
        return _ops.AsSpan(0, _count);
    }

    /// <summary>Seconds one step takes on the replica: every layer in sequence (all pipeline stages) plus stage transfers.</summary>
    public double StepSeconds(in BatchShape shape)
    {
        Build(shape);
        double t = 0;
        for (int i = 0; i < _count; i++) t += _ops[i].TotalSeconds;
        return t;
    }

    /// <summary>
    /// One step split the way an engine sees it: seconds of kernel work without launch costs, the number of kernel
    /// launches (a per-layer operator launches once per layer; fused residual adds and collectives launch none of their
    /// own here), the attention kernels among them, and the launch overhead the device charges eagerly. Work + overhead
    /// equals <see cref="StepSeconds"/> up to rounding. Allocation-free.
    /// </summary>
    public StepParts Parts(in BatchShape shape)
    {
        Build(shape);
        double work = 0, kernels = 0, attention = 0, overhead = 0;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var op = ref _ops[i];
            work += (op.Seconds - op.OverheadSeconds) * op.Layers;
            if (op.OverheadSeconds <= 0) continue;
            kernels += op.Layers;
            overhead += op.OverheadSeconds * op.Layers;
            if (op.Kind == OpKind.Attention) attention += op.Layers;
        }
        return new StepParts(work, kernels, attention, overhead);
    }

    /// <summary>Seconds of one pipeline stage (layers / PP), the interval at which a full pipeline emits micro-batches.</summary>
    public double StageSeconds(in BatchShape shape)
    {
        Build(shape);
        double perLayer = 0, perModel = 0;
        for (int i = 0; i < _count; i++)
        {
            ref readonly var op = ref _ops[i];
            if (op.Block == OpBlock.Pipeline) continue;
            if (op.Scope == OpScope.PerLayer) perLayer += op.TotalSeconds; else perModel += op.TotalSeconds;
        }
        return perLayer / _d.Parallelism.Pp + perModel;
    }

    private void Build(in BatchShape all)
    {
        _count = 0;
        if (all.NewTokens <= 0) return;
        // With attention data parallelism every rank attends its own share of the batch; the busiest rank (the one
        // with ceil(sequences / DP) of each kind) sets the step's pace, since all ranks meet at every MoE layer.
        BatchShape s = _dp > 1 ? RankShare(all, _dp) : all;
        double T = s.NewTokens;
        int L = _m.NumLayers;

        // Embedding lookup: gather T rows of the table (16-bit unless the format quantizes it), write T activations.
        _block = OpBlock.Model;
        Elementwise("embedding", OpKind.Embedding, 1, flops: 0, weightBytes: T * _h * _embeddingBytes, actBytes: T * _h * _a);

        // ---- attention block (every layer; linear-attention layers run their own kind)
        _block = OpBlock.Attention;
        Norm("input_norm", L, T);
        if (_m.Mla is { } mla) MlaAttention(s, mla, L);
        else StandardAttention(s, _attentionLayers);
        if (_linearLayers > 0) LinearAttention(s, _m.LinearAttention!, _linearLayers);
        Residual("attn_residual", L, T);
        AllReduce("attn_allreduce", L, T * _h * _a);

        // Gemma 2/3 also normalise the attention output before the residual add.
        if (_m.SandwichNorm) Norm("attn_output_norm", L, T);

        // ---- MLP block
        _block = OpBlock.Mlp;
        if (!_m.ParallelResidual) Norm("post_attention_norm", L, T);
        int dense = _m.DenseLayerCount, moeLayers = _m.MoeLayerCount;
        if (dense > 0) Mlp("mlp", dense, T, _interDense, 1.0);
        _block = OpBlock.Moe;
        if (moeLayers > 0) Moe(moeLayers, T, all.NewTokens, decodeOnly: all.PrefillSequences == 0);
        _block = OpBlock.Mlp;
        if (_m.SandwichNorm) Norm("mlp_output_norm", L, T);
        Residual("mlp_residual", L, T);
        if (_ep > 1 || _dp > 1)
        {
            if (dense > 0) AllReduce("mlp_allreduce", dense, T * _h * _a);
        }
        else AllReduce("mlp_allreduce", L, T * _h * _a);

        // ---- head: final norm over all tokens, LM head only for rows that emit a token.
        _block = OpBlock.Model;
        Norm("final_norm", 1, T);
        double outRows = Math.Max(s.OutputTokens, 0);
        if (outRows > 0)
        {
            double vocabPerDevice = (double)_m.VocabSize / _tp;
            // The LM head is kept in 16-bit by the common quantizers (AWQ, GPTQ, FP8 recipes); GGUF stores it in Q6_K/Q8_0.
            Gemm("lm_head", 1, outRows, vocabPerDevice, _h, weightBytesPerElement: _headBytes);
            if (_tp > 1 && _d.TpLink is { } link)
                Comm("logits_gather", 1, outRows * _m.VocabSize * _a, Collectives.AllGather(outRows * _m.VocabSize * _a, _tp, link));
        }

        // ---- pipeline: activations cross PP-1 stage boundaries.
        _block = OpBlock.Pipeline;
        if (_d.Parallelism.Pp > 1 && _d.PpLink is { } pl)
        {
            double bytes = T * _h * _a;
            Comm("pp_transfer", 1, bytes * (_d.Parallelism.Pp - 1), (_d.Parallelism.Pp - 1) * Collectives.SendRecv(bytes, pl));
        }
    }

    private void StandardAttention(in BatchShape s, int L)
    {
        double T = s.NewTokens;
        double hd = _m.HeadDim;
        double heads = _d.HeadsPerDevice, kvHeads = _d.KvHeadsPerDevice;
        // Qwen3-Next's q_proj also produces the output gate (twice the query width).
        double qkvN = (_m.AttentionOutputGate ? 2 * _qDim : _qDim) + 2 * _kvDim;
        Gemm("qkv_proj", L, T, qkvN, _h, bias: _m.AttentionBias ? qkvN : 0);
        if (_m.QkNorm) Elementwise("qk_norm", OpKind.Norm, L, flops: 4 * T * (_qDim + _kvDim), weightBytes: 2 * hd * 2, actBytes: 2 * T * (_qDim + _kvDim) * _a);
        double rotDims = (_qDim + _kvDim) * _m.PartialRotaryFactor;
        Elementwise("rotary", OpKind.Elementwise, L, flops: 3 * T * rotDims, weightBytes: 0, actBytes: 2 * T * rotDims * _a);
        KvWrite("kv_cache_write", L, T * 2 * _kvDim * _kvb, T * 2 * _kvDim * _a);

        // Attention proper, prefill and decode separately (different kernels). Global layers attend the whole
        // context; sliding-window layers at most the window (their own entries, "_local", when the model has both).
        double kvPerToken = 2 * _kvDim * _kvb;
        bool mixed = _globalLayers > 0 && _slidingLayers > 0;
        if (s.PrefillSequences > 0)
        {
            if (_globalLayers > 0)
                AttentionOps(prefill: true, local: false, _globalLayers, s.PrefillTokens, s.PrefillPairsFull, s.PrefillScoreElementsFull, s.PrefillKvTokensFull * kvPerToken, heads, hd, hd);
            if (_slidingLayers > 0)
                AttentionOps(prefill: true, local: mixed, _slidingLayers, s.PrefillTokens, s.PrefillPairs, s.PrefillScoreElements, s.PrefillKvTokens * kvPerToken, heads, hd, hd);
        }
        if (s.DecodeSequences > 0)
        {
            if (_globalLayers > 0)
                AttentionOps(prefill: false, local: false, _globalLayers, s.DecodeSequences, s.DecodePairsFull, s.DecodePairsFull, s.DecodeKvTokensFull * kvPerToken, heads, hd, hd);
            if (_slidingLayers > 0)
                AttentionOps(prefill: false, local: mixed, _slidingLayers, s.DecodeSequences, s.DecodePairs, s.DecodePairs, s.DecodeKvTokens * kvPerToken, heads, hd, hd);
        }
        _ = kvHeads;
        if (_m.AttentionOutputGate)
            Elementwise("attn_output_gate", OpKind.Elementwise, L, flops: 5 * T * _qDim, weightBytes: 0, actBytes: 3 * T * _qDim * _a);
        Gemm("o_proj", L, T, _h, _qDim, bias: _m.AttentionOutputBias ? _h : 0);
    }

    /// <summary>
    /// Multi-head latent attention as vLLM and FlashMLA run it: the down-projections (q_a, kv_a) are replicated
    /// on every TP rank; prefill expands the cached latent into per-head K and V with kv_b and runs ordinary
    /// attention (head dim nope + rope); decode absorbs kv_b into the query and output, so attention reads only
    /// the latent (kv_lora + rope per token). DeepSeek-V2 paper, section 2.1; vLLM MLA backend.
    /// </summary>
    private void MlaAttention(in BatchShape s, MlaConfig mla, int L)
    {
        double T = s.NewTokens;
        double heads = _d.HeadsPerDevice;
        double latent = mla.KvLoraRank + mla.QkRopeHeadDim;
        double qIn = mla.QLoraRank ?? _h;
        double downN = (mla.QLoraRank ?? 0) + latent;
        Gemm("qkv_a_proj", L, T, downN, _h);
        if (mla.QLoraRank is not null) Norm("q_a_norm", L, T, mla.QLoraRank.Value);
        Norm("kv_a_norm", L, T, mla.KvLoraRank);
        Gemm("q_b_proj", L, T, heads * mla.QkHeadDim, qIn);
        Elementwise("rotary", OpKind.Elementwise, L, flops: 3 * T * (heads + 1) * mla.QkRopeHeadDim, weightBytes: 0, actBytes: 2 * T * (heads + 1) * mla.QkRopeHeadDim * _a);
        KvWrite("kv_cache_write", L, T * latent * _kvb, T * latent * _a);
        if (s.PrefillSequences > 0)
        {
            // Expand the latent of every token prefill attends to into per-head K (nope part) and V.
            Gemm("kv_b_proj", L, s.PrefillKvTokens, heads * (mla.QkNopeHeadDim + mla.VHeadDim), mla.KvLoraRank);
            AttentionOps(prefill: true, local: false, L, s.PrefillTokens, s.PrefillPairs, s.PrefillScoreElements, s.PrefillKvTokens * latent * _kvb, heads, mla.QkHeadDim, mla.VHeadDim);
        }
        if (s.DecodeSequences > 0)
        {
            double d = s.DecodeSequences;
            // Absorbed: q_nope x W_UK per head, attention over the latent, then x W_UV per head.
            Gemm("q_absorb", L, d, heads * mla.KvLoraRank, mla.QkNopeHeadDim, weightElements: heads * mla.QkNopeHeadDim * mla.KvLoraRank);
            AttentionOps(prefill: false, local: false, L, d, s.DecodePairs, s.DecodePairs, s.DecodeKvTokens * latent * _kvb, heads, latent, mla.KvLoraRank);
            Gemm("v_absorb", L, d, heads * mla.VHeadDim, mla.KvLoraRank, weightElements: heads * mla.VHeadDim * mla.KvLoraRank);
        }
        Gemm("o_proj", L, T, _h, heads * mla.VHeadDim);
    }

    /// <summary>
    /// Attention for <paramref name="queries"/> query tokens in <paramref name="L"/> layers: fused (flash) or score,
    /// softmax and value products. <paramref name="local"/> names the entries of a model's sliding-window layers
    /// (<c>attention_decode_local</c>, ...) when it also has global ones.
    /// </summary>
    private void AttentionOps(bool prefill, bool local, int L, double queries, double pairs, double scoreElements, double kvReadBytes, double heads, double qkDim, double vDim)
    {
        double scoreFlops = 2 * pairs * heads * qkDim;
        double valueFlops = 2 * pairs * heads * vDim;
        double softmaxFlops = 5 * pairs * heads; // max, subtract, exp, sum, scale per score
        // gpt-oss's attention sinks: one more logit per query and head in the softmax (no key, no value): negligible, counted.
        if (_m.AttentionSinks) softmaxFlops += 5 * queries * heads;
        double qBytes = queries * heads * qkDim * _a, outBytes = queries * heads * vDim * _a;
        // Names are constants so a step allocates nothing.
        if (_d.FlashAttention)
        {
            // FlashAttention (Dao et al. 2022): scores stay on chip; Q, K, V read once, O written once.
            string name = prefill ? (local ? "attention_prefill_local" : "attention_prefill") : (local ? "attention_decode_local" : "attention_decode");
            AttentionOp(name, L, scoreFlops + valueFlops + softmaxFlops, qBytes + outBytes, kvReadBytes);
            return;
        }
        // Unfused: the score matrix (the full rectangle the kernel computes, masked or not) goes through memory twice.
        double scores = scoreElements * heads * _a;
        double kShare = qkDim / (qkDim + vDim);
        AttentionOp(prefill ? (local ? "attn_score_prefill_local" : "attn_score_prefill") : (local ? "attn_score_decode_local" : "attn_score_decode"),
            L, scoreFlops, qBytes + scores, kvReadBytes * kShare);
        Elementwise(prefill ? (local ? "softmax_prefill_local" : "softmax_prefill") : (local ? "softmax_decode_local" : "softmax_decode"),
            OpKind.Elementwise, L, softmaxFlops, 0, 2 * scores);
        AttentionOp(prefill ? (local ? "attn_value_prefill_local" : "attn_value_prefill") : (local ? "attn_value_decode_local" : "attn_value_decode"),
            L, valueFlops, scores + outBytes, kvReadBytes * (1 - kShare));
    }

    private void Mlp(string name, int layers, double T, double interPerDevice, double weightShare)
    {
        bool gated = _m.GatedMlp;
        // Names are constants so a step allocates nothing.
        bool shared = name == "shared_expert";
        Gemm(gated ? (shared ? "shared_expert_gate_up" : "mlp_gate_up") : (shared ? "shared_expert_up" : "mlp_up"), layers, T, (gated ? 2 : 1) * interPerDevice, _h,
            bias: _m.MlpBias ? (gated ? 2 : 1) * interPerDevice : 0, weightElements: (gated ? 2 : 1) * interPerDevice * _h * weightShare);
        Elementwise(shared ? "shared_expert_act" : "mlp_act", OpKind.Elementwise, layers, flops: 5 * T * interPerDevice, weightBytes: 0,
            actBytes: (gated ? 3 : 2) * T * interPerDevice * _a);
        Gemm(shared ? "shared_expert_down" : "mlp_down", layers, T, _h, interPerDevice, bias: _m.MlpBias ? _h : 0, weightElements: interPerDevice * _h * weightShare);
    }

    /// <summary>
    /// Mixture of experts: a replicated router, then each token's top-k experts. Routed expert weights are read
    /// only for experts some token in the batch picked: with T tokens choosing k of E experts independently, the
    /// expected number of distinct experts touched is E(1 - (1 - k/E)^T). With EP the E experts are spread over
    /// EP ranks (each whole, split TP/EP ways); tokens travel by all-to-all. With attention data parallelism the router
    /// and shared experts run on each rank's own <paramref name="rankTokens"/>, while the routed experts see all
    /// <paramref name="allTokens"/> of the replica: the busiest expert rank computes and receives
    /// <see cref="Deployment.ExpertImbalance"/> times the mean share.
    /// </summary>
    private void Moe(int layers, double rankTokens, double allTokens, bool decodeOnly)
    {
        var moe = _m.Moe!;
        double T = rankTokens;
        double E = moe.NumExperts, k = moe.ExpertsPerToken;
        Gemm("moe_router", layers, T, E, _h, weightBytesPerElement: 2);
        int group = _tp * _dp;                            // devices of the MoE group (the TP group without DP)
        double split = (double)group / _ep;               // ways each expert is split
        double localExperts = _d.Experts.RedundantExperts > 0 ? _d.Experts.ExpertsPerRank(moe.NumExperts, _ep) : E / _ep;
        double touched = localExperts * (1 - Math.Pow(1 - k / E, allTokens));
        double inter = moe.ExpertIntermediateSize / split;
        double tokensPerDevice = allTokens * k / _ep * _expertImbalance; // routed token-expert pairs the busiest device computes
        double tokensPerExpert = touched > 0 ? tokensPerDevice / touched : 0;
        bool gated = _m.GatedMlp;
        double upN = (gated ? 2 : 1) * inter;
        // Grouped GEMM: per-expert M = tokens routed to it; FLOPs over all routed pairs; weights of touched experts.
        GemmExplicit("experts_gate_up", layers, flops: 2 * tokensPerDevice * upN * _h, weightElements: touched * upN * _h,
            actBytes: tokensPerDevice * (_h + upN) * _a, m: tokensPerExpert, n: upN, k: _h);
        Elementwise("experts_act", OpKind.Elementwise, layers, flops: 5 * tokensPerDevice * inter, weightBytes: 0, actBytes: (gated ? 3 : 2) * tokensPerDevice * inter * _a);
        GemmExplicit("experts_down", layers, flops: 2 * tokensPerDevice * inter * _h, weightElements: touched * inter * _h,
            actBytes: tokensPerDevice * (inter + _h) * _a, m: tokensPerExpert, n: _h, k: inter);
        if (moe.NumSharedExperts > 0) Mlp("shared_expert", layers, T, moe.NumSharedExperts * (double)moe.ExpertIntermediateSize / _tp, 1.0);
        if (moe.SharedExpertIntermediateSize > 0) Mlp("shared_expert", layers, T, (double)moe.SharedExpertIntermediateSize / _tp, 1.0);
        if (_dp == 1)
        {
            if (_ep > 1 && _d.TpLink is { } link)
            {
                double bytes = T * k * _h * _a / _ep * _expertImbalance; // this device's share of routed token copies
                Comm("moe_dispatch", layers, bytes, Collectives.AllToAll(bytes, _ep, link));
                Comm("moe_combine", layers, bytes, Collectives.AllToAll(bytes, _ep, link));
            }
            return;
        }
        var cluster = _d.Cluster;
        if (_ep > 1)
        {
            // DEP / wide EP: each device sends its tokens' k copies to the expert ranks and the busiest expert rank receives
            // imbalance x the mean; the all-to-all takes as long as the larger of the two buffers.
            double copies = Math.Max(T / _tp, allTokens / _ep * _expertImbalance) * k * _h;
            double dispatch = copies * _dispatchBytes, combine = copies * _combineBytes;
            Comm("moe_dispatch", layers, dispatch, Collectives.ExpertAllToAll(dispatch, _ep, cluster.DevicesPerNode, cluster.IntraNode, cluster.InterNode, decodeOnly));
            Comm("moe_combine", layers, combine, Collectives.ExpertAllToAll(combine, _ep, cluster.DevicesPerNode, cluster.IntraNode, cluster.InterNode, decodeOnly));
        }
        else if (_d.MoeLink is { } moeLink)
        {
            // Attention DP with a tensor-parallel MoE: gather every rank's tokens before the experts, reduce-scatter after.
            double bytes = allTokens * _h * _a;
            Comm("moe_gather", layers, bytes, Collectives.AllGather(bytes, group, moeLink));
            Comm("moe_reduce_scatter", layers, bytes, Collectives.ReduceScatter(bytes, group, moeLink));
        }
    }

    /// <summary>
    /// Gated DeltaNet layers (Qwen3-Next; Yang et al., "Gated Delta Networks", arXiv:2412.06464), heads split over TP.
    /// Per token: in_proj_qkvz and in_proj_ba (GEMMs), a depthwise causal conv over q, k, v (kernel width), the delta-rule
    /// recurrence S ← α S (I − β k kᵀ) + β v kᵀ, o = S q over each value head's key-dim x value-dim state: about 7 FLOPs per
    /// state element per token (S k and S q: 2 each; the rank-one update: 2; the decay: 1), the gated RMSNorm, out_proj.
    /// Each sequence's state (and conv state) is read and written once per step: every decode step, and once per prefill
    /// chunk (the chunked algorithm keeps it on chip within the chunk). It never grows with the context.
    /// </summary>
    private void LinearAttention(in BatchShape s, LinearAttentionConfig la, int layers)
    {
        double T = s.NewTokens;
        double keyDim = (double)la.NumKeyHeads * la.KeyHeadDim / _tp, valueDim = (double)la.NumValueHeads * la.ValueHeadDim / _tp;
        double vHeads = (double)la.NumValueHeads / _tp;
        double convDim = la.ConvDim / (double)_tp;
        Gemm("linear_in_proj", layers, T, 2 * keyDim + 2 * valueDim + 2 * vHeads, _h);
        Elementwise("linear_conv", OpKind.Elementwise, layers, flops: 2 * T * convDim * la.ConvKernel, weightBytes: convDim * la.ConvKernel * 2, actBytes: 2 * T * convDim * _a);
        double stateElements = la.RecurrentStateElements / _tp;
        double stateBytes = la.StateBytesPerSequence(_a) / _tp;
        double ioPerToken = (2 * keyDim + 2 * valueDim) * _a;
        if (s.PrefillSequences > 0)
            LinearRecurrence("linear_attention_prefill", layers, s.PrefillTokens, s.PrefillSequences, stateElements, stateBytes, ioPerToken);
        if (s.DecodeSequences > 0)
            LinearRecurrence("linear_attention_decode", layers, s.DecodeSequences, s.DecodeSequences, stateElements, stateBytes, ioPerToken);
        Elementwise("linear_gated_norm", OpKind.Norm, layers, flops: 6 * T * valueDim, weightBytes: la.ValueHeadDim * 2, actBytes: 3 * T * valueDim * _a);
        Gemm("linear_out_proj", layers, T, _h, valueDim);
    }

    private void LinearRecurrence(string name, int layers, double tokens, double sequences, double stateElements, double stateBytes, double ioPerToken) =>
        Add(name, OpKind.Attention, layers, 7 * tokens * stateElements, 0, tokens * ioPerToken, sequences * stateBytes, sequences * stateBytes, 0,
            DataType.Fp32, 7 * tokens * stateElements / _d.VectorPeak);

    /// <summary>
    /// The busiest attention-data-parallel rank's share of a step: sequences are dealt round-robin, so it holds
    /// ceil(n / DP) of the n prefill and of the n decode sequences, and that fraction of their tokens and attention work.
    /// </summary>
    private static BatchShape RankShare(in BatchShape s, int dp)
    {
        var r = s;
        int p = (s.PrefillSequences + dp - 1) / dp, d = (s.DecodeSequences + dp - 1) / dp;
        double fp = s.PrefillSequences > 0 ? (double)p / s.PrefillSequences : 0;
        double fd = s.DecodeSequences > 0 ? (double)d / s.DecodeSequences : 0;
        r.PrefillSequences = p;
        r.PrefillTokens = (long)Math.Ceiling(s.PrefillTokens * fp);
        r.PrefillPairs = s.PrefillPairs * fp;
        r.PrefillPairsFull = s.PrefillPairsFull * fp;
        r.PrefillScoreElements = s.PrefillScoreElements * fp;
        r.PrefillScoreElementsFull = s.PrefillScoreElementsFull * fp;
        r.PrefillKvTokens = s.PrefillKvTokens * fp;
        r.PrefillKvTokensFull = s.PrefillKvTokensFull * fp;
        r.DecodeSequences = d;
        r.DecodePairs = s.DecodePairs * fd;
        r.DecodePairsFull = s.DecodePairsFull * fd;
        r.DecodeKvTokens = s.DecodeKvTokens * fd;
        r.DecodeKvTokensFull = s.DecodeKvTokensFull * fd;
        r.NewTokens = r.PrefillTokens + d;
        r.Sequences = p + d;
        r.OutputTokens = (int)Math.Ceiling((s.OutputTokens - s.DecodeSequences) * fp) + d;
        return r;
    }

    // ---------------------------------------------------------------- operator builders

    /// <summary>
    /// A GEMM. Its weights use the attention module's format inside the attention block and the dense MLP's elsewhere
    /// (shared experts included); a GEMM given its own bytes per weight (LM head, router) keeps the scheme's compute type.
    /// </summary>
    private void Gemm(string name, int layers, double m, double n, double k, double bias = 0, double weightElements = double.NaN, double weightBytesPerElement = double.NaN)
    {
        bool own = double.IsNaN(weightBytesPerElement);
        bool attention = _block == OpBlock.Attention;
        var type = !own ? _d.GemmType : attention ? _tAttn : _tMlp;
        double peak = !own ? _d.GemmPeak : attention ? _peakAttn : _peakMlp;
        double we = double.IsNaN(weightElements) ? n * k : weightElements;
        double wb = !own ? weightBytesPerElement : attention ? _wAttn : _wMlp;
        double flops = 2 * m * n * k + m * bias;
        double weights = we * wb + bias * 2;
        double act = (m * k + m * n) * _a;
        Add(name, OpKind.Gemm, layers, flops, weights, act, 0, 0, 0, type, flops / (peak * _d.Efficiency.Gemm(type, m, n, k)));
    }

    /// <summary>The routed experts' grouped GEMM, in the experts' format.</summary>
    private void GemmExplicit(string name, int layers, double flops, double weightElements, double actBytes, double m, double n, double k)
    {
        double eff = _d.Efficiency.Gemm(_tExperts, Math.Max(m, 1), n, k);
        Add(name, OpKind.Gemm, layers, flops, weightElements * _wExperts, actBytes, 0, 0, 0, _tExperts, flops / (_peakExperts * eff));
    }

    private void AttentionOp(string name, int layers, double flops, double actBytes, double kvRead) =>
        Add(name, OpKind.Attention, layers, flops, 0, actBytes, kvRead, 0, 0, _d.AttentionType,
            flops / (_d.AttentionPeak * _d.Efficiency.Attention(_d.AttentionType, flops)));

    private void KvWrite(string name, int layers, double kvBytes, double actBytes) =>
        Add(name, OpKind.Elementwise, layers, 0, 0, actBytes, 0, kvBytes, 0, _d.AttentionType, 0);

    private void Norm(string name, int layers, double T, double width = double.NaN)
    {
        double w = double.IsNaN(width) ? _h : width;
        // RMSNorm: square, sum, rsqrt, scale, weight: ~4 FLOPs per element (LayerNorm ~5, same order).
        Elementwise(name, OpKind.Norm, layers, flops: 4 * T * w, weightBytes: w * 2, actBytes: 2 * T * w * _a);
    }

    /// <summary>Residual add. Serving engines fuse it into the next norm (vLLM's fused_add_rms_norm), so it moves
    /// bytes but launches no kernel of its own.</summary>
    private void Residual(string name, int layers, double T)
    {
        Elementwise(name, OpKind.Elementwise, layers, flops: T * _h, weightBytes: 0, actBytes: 3 * T * _h * _a);
        _ops[_count - 1] = _ops[_count - 1] with { OverheadSeconds = 0 };
    }

    private void Elementwise(string name, OpKind kind, int layers, double flops, double weightBytes, double actBytes) =>
        Add(name, kind, layers, flops, weightBytes, actBytes, 0, 0, 0, DataType.Fp32, flops / _d.VectorPeak);

    private void AllReduce(string name, int layers, double bytes)
    {
        if (_tp <= 1 || _d.TpLink is not { } link) return;
        Comm(name, layers, bytes, Collectives.AllReduce(bytes, _tp, link));
    }

    private void Comm(string name, int layers, double networkBytes, double seconds)
    {
        if (_count >= _ops.Length) throw new InvalidOperationException("operator buffer overflow");
        _ops[_count++] = new OperatorCost(name, OpKind.Communication, layers, 0, 0, 0, 0, 0, networkBytes, _d.AttentionType, 0, 0, seconds, 0) { Block = _block };
    }

    private void Add(string name, OpKind kind, int layers, double flops, double weights, double act, double kvRead, double kvWrite, double network, DataType type, double computeSeconds)
    {
        if (layers <= 0) return;
        if (_count >= _ops.Length) throw new InvalidOperationException("operator buffer overflow");
        double bytes = weights + act + kvRead + kvWrite;
        double memorySeconds = bytes / (_d.Bandwidth * _d.Efficiency.Memory(bytes));
        _ops[_count++] = new OperatorCost(name, kind, layers, flops, weights, act, kvRead, kvWrite, network, type, computeSeconds, memorySeconds, 0, _launch) { Block = _block };
    }
}

/// <summary>A step's kernel work and launches (see <see cref="CostModel.Parts"/>).</summary>
/// <param name="WorkSeconds">Seconds of kernel work without launch costs.</param>
/// <param name="Kernels">Kernel launches.</param>
/// <param name="AttentionKernels">Launches of attention kernels (those a piecewise CUDA graph leaves outside the graph).</param>
/// <param name="EagerOverheadSeconds">Launch overhead when every kernel is launched eagerly.</param>
public readonly record struct StepParts(double WorkSeconds, double Kernels, double AttentionKernels, double EagerOverheadSeconds);
