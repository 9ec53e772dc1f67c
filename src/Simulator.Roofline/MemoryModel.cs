using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// What one device of a deployment must hold: weights (its share under TP/PP/EP), the KV cache, the
/// activation working set of the largest step, and a framework reserve.
/// </summary>
/// <param name="WeightBytes">Weights on the busiest device (first or last pipeline stage).</param>
/// <param name="KvBytesPerToken">KV-cache bytes one token of context costs on one device, over all its layers.</param>
/// <param name="CapacityBytes">Main memory of the device.</param>
/// <param name="ReserveBytes">Held back for the framework, CUDA context and fragmentation.</param>
public sealed record MemoryFootprint(double WeightBytes, double KvBytesPerToken, double CapacityBytes, double ReserveBytes)
{
    /// <summary>Fraction of device memory a serving framework hands out (vLLM's default gpu_memory_utilization = 0.9).</summary>
    public const double UsableFraction = 0.9;

    /// <summary>Memory left for KV cache and activations after weights and reserve.</summary>
    public double FreeBytes => CapacityBytes - ReserveBytes - WeightBytes;

    /// <summary>Whether the weights fit at all.</summary>
    public bool WeightsFit => FreeBytes > 0;

    /// <summary>An engine's rule for sizing the KV pool (null: the generic engine, <see cref="UsableFraction"/> of memory less weights and activations).</summary>
    public KvMemoryRule? KvRule { get; init; }

    /// <summary>The fraction the engine's rule applies (see <see cref="KvMemoryRule"/>).</summary>
    public double KvFraction { get; init; } = UsableFraction;

    /// <summary>
    /// Bytes the KV cache may take on one device beside a step's <paramref name="activationBytes"/>: under the generic
    /// engine (and vLLM) total × fraction − weights − activations; SGLang total × fraction − weights (activations live
    /// outside the static fraction); TensorRT-LLM fraction × (total − weights − activations).
    /// </summary>
    public double KvBudgetBytes(double activationBytes) => KvRule switch
    {
        KvMemoryRule.StaticFraction => CapacityBytes * KvFraction - WeightBytes,
        KvMemoryRule.FreeAfterWeights => KvFraction * (CapacityBytes - WeightBytes - activationBytes),
        _ => CapacityBytes * KvFraction - WeightBytes - activationBytes,
    };

    /// <summary>
    /// Span in tokens of the local layers, when the model also has global layers: the sliding window (Gemma 2/3, gpt-oss)
    /// or the attention chunk (Llama 4, whose chunked layers keep at most one chunk); 0 otherwise. A model with a window
    /// on every layer keeps the whole context here, as before.
    /// </summary>
    public int SlidingWindow { get; init; }

    /// <summary>The part of <see cref="KvBytesPerToken"/> that belongs to local (sliding or chunked) layers (0 without <see cref="SlidingWindow"/>).</summary>
    public double SlidingKvBytesPerToken { get; init; }

    /// <summary>
    /// Fixed bytes every request holds on one device whatever its length: the linear-attention layers' recurrent and
    /// convolution state (Qwen3-Next); 0 for models without such layers.
    /// </summary>
    public double StateBytesPerRequest { get; init; }

    /// <summary>
    /// Attention data-parallel ranks of the replica (<see cref="Parallelism.Dp"/>): each holds the KV cache of its own
    /// requests, so the replica holds this many times what one device's figures say. 1 without attention DP.
    /// </summary>
    public int DataParallelRanks { get; init; } = 1;

    /// <summary>The part of <see cref="KvBytesPerToken"/> that belongs to layers keeping the whole context.</summary>
    public double GlobalKvBytesPerToken => KvBytesPerToken - SlidingKvBytesPerToken;

    /// <summary>KV-cache bytes for <paramref name="tokens"/> tokens of context on one device, every layer keeping every token.</summary>
    public double KvBytes(double tokens) => tokens * KvBytesPerToken;

    /// <summary>
    /// KV-cache bytes on one device of one request with <paramref name="contextTokens"/> tokens of context:
    /// c × (global layers' bytes per token) + min(c, window) × (sliding layers' bytes per token), since a
    /// sliding-window layer keeps only the last window's worth (Gemma 2/3 on vLLM's hybrid KV cache manager).
    /// Without a mixed window that is c × <see cref="KvBytesPerToken"/>.
    /// </summary>
    public double RequestKvBytes(double contextTokens) =>
        (SlidingWindow > 0
            ? contextTokens * GlobalKvBytesPerToken + Math.Min(contextTokens, SlidingWindow) * SlidingKvBytesPerToken
            : KvBytes(contextTokens))
        + StateBytesPerRequest;

    /// <summary>KV-cache bytes of <paramref name="requests"/> requests with <paramref name="contextTokens"/> each, on one device.</summary>
    public double BatchKvBytes(int requests, double contextTokens) =>
        SlidingWindow > 0 || StateBytesPerRequest > 0 ? requests * RequestKvBytes(contextTokens) : KvBytes(contextTokens * requests);

    /// <summary>Whether weights, <paramref name="kvTokens"/> tokens of KV cache and <paramref name="activationBytes"/> fit.</summary>
    public bool Fits(double kvTokens, double activationBytes) =>
        KvRule is null ? KvBytes(kvTokens) + activationBytes <= FreeBytes : KvBytes(kvTokens) <= KvBudgetBytes(activationBytes);

    /// <summary>Whether <paramref name="requests"/> requests of <paramref name="contextTokens"/> each fit on one device beside weights and activations.</summary>
    public bool FitsBatch(int requests, double contextTokens, double activationBytes) =>
        SlidingWindow > 0 || StateBytesPerRequest > 0
            ? BatchKvBytes(requests, contextTokens) <= KvRoomBytes(activationBytes)
            : Fits(contextTokens * requests, activationBytes);

    /// <summary>
    /// Bytes left for the KV cache (and per-request state) beside the given activations: free memory less activations
    /// under the generic engine, else the engine's <see cref="KvBudgetBytes"/>.
    /// </summary>
    public double KvRoomBytes(double activationBytes) => KvRule is null ? FreeBytes - activationBytes : KvBudgetBytes(activationBytes);

    /// <summary>The most KV tokens (summed over requests) that fit beside weights and the given activations.</summary>
    public double MaxKvTokens(double activationBytes) => Math.Max(0, Math.Floor(KvRoomBytes(activationBytes) / KvBytesPerToken));

    /// <summary>
    /// The most KV tokens that fit on one device beside weights, the given activations and the fixed state of
    /// <paramref name="requests"/> requests (the linear-attention state; nothing for other models).
    /// </summary>
    public double MaxKvTokens(double activationBytes, int requests) =>
        StateBytesPerRequest > 0 ? Math.Max(0, Math.Floor((KvRoomBytes(activationBytes) - requests * StateBytesPerRequest) / KvBytesPerToken)) : MaxKvTokens(activationBytes);

    /// <summary>The most requests of <paramref name="contextTokens"/> tokens each whose KV cache fits on one device beside weights and activations.</summary>
    public int MaxRequests(double contextTokens, double activationBytes) =>
        Math.Max(0, (int)Math.Floor(SlidingWindow > 0 || StateBytesPerRequest > 0
            ? Math.Max(0, KvRoomBytes(activationBytes)) / RequestKvBytes(contextTokens)
            : MaxKvTokens(activationBytes) / contextTokens));
}

/// <summary>Computes <see cref="MemoryFootprint"/>s.</summary>
public static class MemoryModel
{
    /// <summary>The per-device footprint of a deployment.</summary>
    public static MemoryFootprint For(Deployment d)
    {
        var m = d.Model;
        var q = d.Quant;
        int tp = d.Parallelism.Tp;
        double w = q.WeightBytesPerElement;
        double h = m.HiddenSize;

        // Linear weights of one layer on one device. MLA's down-projections are replicated on every TP rank.
        double attn = ModelMath.AttentionParametersPerLayer(m);
        // Linear-attention layers (Qwen3-Next) have their own weights: the mean over the model's layers stands for a layer.
        if (m.LinearLayerCount > 0)
            attn = (m.AttentionLayerCount * attn + m.LinearLayerCount * ModelMath.LinearAttentionParametersPerLayer(m)) / m.NumLayers;
        double replicated = 0;
        if (m.Mla is { } mla)
            replicated = h * ((mla.QLoraRank ?? 0) + mla.KvLoraRank + mla.QkRopeHeadDim);
        // With attention data parallelism each DP rank holds the whole attention block (split over its TP devices).
        double attnPerDevice = (attn - replicated) / tp + replicated;
        double dense = ModelMath.MlpParameters(m, m.IntermediateSize) / tp;
        double moe = 0, router = 0, moeBytes = 0;
        var par = d.Parallelism;
        if (m.Moe is { } me)
        {
            var (total, _) = ModelMath.MoeParametersPerLayer(m);
            router = h * me.NumExperts + (me.RouterBias ? me.NumExperts : 0);
            double expert = ModelMath.MlpParameters(m, me.ExpertIntermediateSize);
            double shared = total - router - me.NumExperts * expert;
            double routedPerDevice;
            if (par.Dp == 1 && d.Experts.RedundantExperts == 0)
                routedPerDevice = me.NumExperts * expert / tp; // experts spread over EP ranks and split TP/EP ways: 1/TP of them per device
            else
            {
                // Routed experts over the Tp x Dp devices of the MoE group: ceil((E + redundant) / EP) experts per EP rank,
                // each split (Tp x Dp) / EP ways; the shared experts are per DP rank, split over its TP devices.
                double split = (double)par.StageDevices / par.Ep;
                routedPerDevice = d.Experts.ExpertsPerRank(me.NumExperts, par.Ep) * expert / split;
            }
            moe = routedPerDevice + shared / tp;
            // Mixed precision: routed experts in the experts' format, shared experts in the dense MLP's.
            moeBytes = q.Modules is null ? moe * w : routedPerDevice * d.WeightBytesOf(QuantModule.Experts) + shared / tp * d.WeightBytesOf(QuantModule.Mlp);
        }
        int stageLayers = d.LayersPerStage;
        double moeFraction = m.NumLayers == 0 ? 0 : (double)m.MoeLayerCount / m.NumLayers;
        double layerBytes = stageLayers * (attnPerDevice * d.WeightBytesOf(QuantModule.Attention) + (1 - moeFraction) * dense * d.WeightBytesOf(QuantModule.Mlp) + moeFraction * (moeBytes + router * 2));
        double norms = stageLayers * (m.SandwichNorm ? 4 : 2) * h * 2;
        // Embedding on the first stage, LM head on the last; 16-bit unless the format quantizes them (GGUF), and
        // vocab-parallel over TP. A tied table is the head's (llama.cpp quantizes it as the output tensor).
        double embedding = (double)m.VocabSize * h * (q.EmbeddingBitsPerElement / 8) / tp;
        double head = (double)m.VocabSize * h * (q.HeadBitsPerElement / 8) / tp;
        double ends = d.Parallelism.Pp == 1 ? (m.TieWordEmbeddings ? head : embedding + head) : Math.Max(embedding, head);
        double weights = layerBytes + norms + ends;

        // KV only in softmax-attention layers: size for the pipeline stage with the most of them.
        int kvLayers = stageLayers, linearInStage = 0;
        if (m.LinearLayerCount > 0)
        {
            kvLayers = 0;
            for (int first = 0; first < m.NumLayers; first += stageLayers)
            {
                int count = Math.Min(stageLayers, m.NumLayers - first);
                int linear = m.LinearLayerCountIn(first, count);
                kvLayers = Math.Max(kvLayers, count - linear);
                linearInStage = Math.Max(linearInStage, linear);
            }
        }
        double kvPerToken = m.Mla is { } ml
            ? kvLayers * (double)(ml.KvLoraRank + ml.QkRopeHeadDim) * q.KvBytesPerElement
            : kvLayers * 2.0 * d.KvHeadsPerDevice * m.HeadDim * q.KvBytesPerElement;
        double capacity = d.Device.MemoryCapacityBytes;
        var footprint = new MemoryFootprint(weights, kvPerToken, capacity, capacity * (1 - MemoryFootprint.UsableFraction));
        if (par.Dp > 1) footprint = footprint with { DataParallelRanks = par.Dp };
        if (m.LinearAttention is { } la && linearInStage > 0)
            footprint = footprint with { StateBytesPerRequest = linearInStage * la.StateBytesPerSequence(d.ActBytes) / tp };
        int span = m.LocalAttentionSpan;
        if (span <= 0 || m.GlobalLayerCount == 0 || m.LocalLayerCount == 0 || stageLayers == 0) return footprint;
        // Mixed local/global layers: size for the pipeline stage with the most global layers (it holds the most KV
        // at long context); its other layers count as local.
        int globalInStage = 0;
        for (int first = 0; first < m.NumLayers; first += stageLayers)
        {
            int count = Math.Min(stageLayers, m.NumLayers - first);
            globalInStage = Math.Max(globalInStage, count - m.LocalLayerCountIn(first, count));
        }
        return footprint with { SlidingWindow = span, SlidingKvBytesPerToken = kvPerToken * (stageLayers - globalInStage) / stageLayers };
    }

    /// <summary>
    /// The footprint under an engine's KV-memory rule (<see cref="EngineMemory"/>); null engine: <see cref="For(Deployment)"/>.
    /// SGLang's automatic <c>mem_fraction_static</c> needs the step budget (the engine's token budget, its
    /// chunked_prefill_size) and the largest captured graph batch, both of the engine resolved for the device.
    /// </summary>
    public static MemoryFootprint For(Deployment d, EngineProfile? engine)
    {
        var f = For(d);
        if (engine is null) return f;
        var m = engine.Memory;
        double fraction = double.IsNaN(m.Fraction)
            ? SglangStaticFraction(f.CapacityBytes, engine.Scheduler.TokenBudget, engine.Graphs.MaxSize, d.Parallelism.Tp, d.Parallelism.Pp)
            : m.Fraction;
        double reserve = m.Rule == KvMemoryRule.FreeAfterWeights
            ? (1 - fraction) * Math.Max(0, f.CapacityBytes - f.WeightBytes)
            : f.CapacityBytes * (1 - fraction);
        return f with { KvRule = m.Rule, KvFraction = fraction, ReserveBytes = reserve };
    }

    /// <summary>
    /// SGLang v0.5.4's automatic <c>mem_fraction_static</c> (server_args.py L741-797), with memory in MiB as torch reports
    /// it: reserved = 512 + 1.5 × max(chunked_prefill_size, 2048) + 2 × cuda_graph_max_bs + 1024 × tp × pp / 8, at least
    /// 10,240 on devices above 60 GiB; fraction = round((memory − reserved) / memory, 3).
    /// </summary>
    public static double SglangStaticFraction(double capacityBytes, int chunkTokens, int graphMaxBatch, int tp, int pp)
    {
        double mb = capacityBytes / (1 << 20);
        double reserved = 512 + Math.Max(chunkTokens, 2048) * 1.5 + graphMaxBatch * 2 + tp * pp / 8.0 * 1024;
        if (mb > 60 * 1024) reserved = Math.Max(reserved, 10240);
        return Math.Round((mb - reserved) / mb, 3);
    }

    /// <summary>
    /// Peak activation bytes of a step with <paramref name="tokens"/> new tokens and <paramref name="outputRows"/>
    /// LM-head rows: the widest intermediate (QKV or the MLP's up projection) held twice (input and output of
    /// a kernel), plus fp32 logits.
    /// </summary>
    public static double ActivationBytes(Deployment d, double tokens, double outputRows)
    {
        var m = d.Model;
        int tp = d.Parallelism.Tp;
        double inter = Math.Max(m.IntermediateSize, m.Moe is { } me ? me.ExpertIntermediateSize * me.ExpertsPerToken : 0) / (double)tp;
        double widest = Math.Max(Math.Max(m.HiddenSize, 2 * inter), (double)(m.NumAttentionHeads + 2 * m.NumKeyValueHeads) * m.HeadDim / tp);
        return 2 * tokens * widest * d.ActBytes + outputRows * (double)m.VocabSize / tp * 4;
    }
}
