namespace Simulator.Core.Specs;

/// <summary>Normalisation layer type.</summary>
public enum NormKind { RmsNorm, LayerNorm }

/// <summary>How keys and values are shared among query heads.</summary>
public enum AttentionKind { Mha, Gqa, Mqa, Mla }

/// <summary>Multi-head latent attention (DeepSeek-V2/V3): queries and keys/values pass through low-rank latents.</summary>
/// <param name="QLoraRank">Rank of the query compression; null when queries are projected directly.</param>
/// <param name="KvLoraRank">Rank of the compressed KV latent, which is what the KV cache stores.</param>
public sealed record MlaConfig(int? QLoraRank, int KvLoraRank, int QkNopeHeadDim, int QkRopeHeadDim, int VHeadDim)
{
    /// <summary>Query/key head dimension: the no-position part plus the rotary part.</summary>
    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;
}

/// <summary>Mixture-of-experts layers.</summary>
/// <param name="NumExperts">Routed experts per MoE layer.</param>
/// <param name="ExpertsPerToken">Routed experts each token is sent to (top-k).</param>
/// <param name="ExpertIntermediateSize">Intermediate size of one routed expert.</param>
/// <param name="NumSharedExperts">Shared experts every token passes through, each of <see cref="ExpertIntermediateSize"/> (DeepSeek).</param>
/// <param name="SharedExpertIntermediateSize">Size of one always-on shared expert with a sigmoid gate (Qwen2-MoE); 0 if none.</param>
/// <param name="FirstDenseLayers">The first k layers use a dense MLP instead (DeepSeek's first_k_dense_replace).</param>
/// <param name="LayerFrequency">Every k-th layer (from the first MoE layer) is MoE.</param>
public sealed record MoeConfig(
    int NumExperts,
    int ExpertsPerToken,
    int ExpertIntermediateSize,
    int NumSharedExperts,
    int SharedExpertIntermediateSize,
    int FirstDenseLayers,
    int LayerFrequency)
{
    /// <summary>
    /// The router has a bias per expert: gpt-oss's router bias, or DeepSeek-V3 / Kimi-K2 / GLM-4.5's
    /// <c>e_score_correction_bias</c> (aux-loss-free balancing). E parameters per MoE layer; negligible, but counted.
    /// </summary>
    public bool RouterBias { get; init; }
}

/// <summary>
/// Linear attention of the Gated DeltaNet kind (Qwen3-Next; Yang, Kautz and Hatamizadeh, "Gated Delta Networks",
/// arXiv:2412.06464): instead of a KV cache growing with the context, each sequence keeps a fixed-size recurrent state
/// per value head (key head dim x value head dim) plus a short causal-convolution state, read and written every step.
/// Names follow Qwen3NextConfig (<c>linear_num_key_heads</c>, <c>linear_num_value_heads</c>, ...).
/// </summary>
/// <param name="NumKeyHeads">Query/key heads (<c>linear_num_key_heads</c>).</param>
/// <param name="NumValueHeads">Value heads (<c>linear_num_value_heads</c>); one state matrix each.</param>
/// <param name="KeyHeadDim">Dimension of a query/key head (<c>linear_key_head_dim</c>).</param>
/// <param name="ValueHeadDim">Dimension of a value head (<c>linear_value_head_dim</c>).</param>
/// <param name="ConvKernel">Width of the depthwise causal convolution over q, k and v (<c>linear_conv_kernel_dim</c>).</param>
public sealed record LinearAttentionConfig(int NumKeyHeads, int NumValueHeads, int KeyHeadDim, int ValueHeadDim, int ConvKernel)
{
    /// <summary>Bytes per element of the recurrent state (4: float32, as transformers and vLLM keep it by default).</summary>
    public double StateBytesPerElement { get; init; } = 4;

    /// <summary>Channels the causal convolution runs over: q and k (key heads x key dim each) and v (value heads x value dim).</summary>
    public int ConvDim => 2 * NumKeyHeads * KeyHeadDim + NumValueHeads * ValueHeadDim;

    /// <summary>Recurrent-state elements of one sequence in one layer: value heads x key dim x value dim.</summary>
    public double RecurrentStateElements => (double)NumValueHeads * KeyHeadDim * ValueHeadDim;

    /// <summary>Convolution-state elements of one sequence in one layer: the last kernel - 1 inputs of every channel.</summary>
    public double ConvStateElements => (double)ConvDim * (ConvKernel - 1);

    /// <summary>
    /// Bytes of one sequence's state in one layer: the recurrent state at <see cref="StateBytesPerElement"/> and the
    /// convolution state at <paramref name="activationBytes"/> (the model's 16-bit type).
    /// </summary>
    public double StateBytesPerSequence(double activationBytes = 2) =>
        RecurrentStateElements * StateBytesPerElement + ConvStateElements * activationBytes;
}

/// <summary>
/// A transformer decoder model. Field names follow Hugging Face <c>config.json</c>; derived figures
/// (parameter counts, KV-cache bytes per token) come from <see cref="ModelMath"/>.
/// </summary>
public sealed record ModelSpec
{
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public required string Source { get; init; }
    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    /// <summary>Intermediate size of a dense MLP layer (0 for an all-MoE model without dense layers).</summary>
    public required int IntermediateSize { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; }
    public bool GatedMlp { get; init; } = true;
    public string HiddenAct { get; init; } = "silu";
    public bool AttentionBias { get; init; }
    public bool AttentionOutputBias { get; init; }
    public bool MlpBias { get; init; }
    public bool LmHeadBias { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Sliding-window size in tokens of the layers that use one; null for full attention everywhere.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>
    /// The layers (0-based) that attend only to the last <see cref="SlidingWindow"/> tokens; the others attend the
    /// whole context. Null means every layer when <see cref="SlidingWindow"/> is set (Mistral 7B v0.1). Gemma 2
    /// alternates (layers 0, 2, 4, ...), Gemma 3 has five sliding layers for every global one.
    /// </summary>
    public LayerSet? SlidingWindowLayers { get; init; }
    public NormKind Norm { get; init; } = NormKind.RmsNorm;
    /// <summary>Per-head RMSNorm on queries and keys (Qwen3).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Attention and MLP read the same normalised input (GPT-J / Phi style): one norm per layer.</summary>
    public bool ParallelResidual { get; init; }
    /// <summary>
    /// Norms on the outputs of attention and MLP as well as on their inputs (Gemma 2 and 3: input, post-attention,
    /// pre-feedforward and post-feedforward RMSNorm), so four norms per layer instead of two.
    /// </summary>
    public bool SandwichNorm { get; init; }
    /// <summary>Fraction of each head's dimensions that get rotary embedding (Phi-2: 0.4).</summary>
    public double PartialRotaryFactor { get; init; } = 1.0;
    public MoeConfig? Moe { get; init; }
    public MlaConfig? Mla { get; init; }
    /// <summary>
    /// A learned sink logit per attention head and layer (gpt-oss): one extra "key" every query attends, with no value;
    /// it changes the softmax only. Heads x layers parameters.
    /// </summary>
    public bool AttentionSinks { get; init; }
    /// <summary>
    /// The query projection also produces a sigmoid gate on the attention output (Qwen3-Next's <c>attn_output_gate</c>),
    /// so q_proj is twice as wide.
    /// </summary>
    public bool AttentionOutputGate { get; init; }
    /// <summary>
    /// Chunked local attention (Llama 4's <c>attention_chunk_size</c>): in the layers that use it each query attends only
    /// the keys of its own aligned chunk of this many tokens (positions floor(p / chunk) x chunk .. p). Null: none.
    /// </summary>
    public int? AttentionChunkSize { get; init; }
    /// <summary>
    /// The layers (0-based) with chunked local attention; null means every layer when <see cref="AttentionChunkSize"/> is
    /// set. Llama 4 keeps a global NoPE layer every fourth layer (3, 7, 11, ...), the rest are chunked.
    /// </summary>
    public LayerSet? ChunkedAttentionLayers { get; init; }
    /// <summary>Linear-attention (Gated DeltaNet) layers' dimensions; null when the model has none.</summary>
    public LinearAttentionConfig? LinearAttention { get; init; }
    /// <summary>
    /// The layers (0-based) that use <see cref="LinearAttention"/> instead of softmax attention; they keep a fixed state per
    /// sequence and no KV cache. Qwen3-Next: all but every fourth (full_attention_interval 4).
    /// </summary>
    public LayerSet? LinearAttentionLayers { get; init; }
    /// <summary>
    /// Format of the published checkpoint's linear weights, as a quantization name (<c>fp8block</c>: DeepSeek's FP8 with
    /// 128 x 128 block scales); null when the checkpoint is in <see cref="NativeDType"/>. Informational: the cost model
    /// prices the quantization the deployment asks for.
    /// </summary>
    public string? CheckpointWeights { get; init; }
    /// <summary>
    /// Format of the routed experts' weights in the published checkpoint when only they are quantized (gpt-oss:
    /// <c>mxfp4</c>, with attention, router, embedding and head in 16-bit); null otherwise.
    /// </summary>
    public string? ExpertWeights { get; init; }
    /// <summary>
    /// Multi-token-prediction modules (DeepSeek-V3/R1, GLM-4.5); not counted in totals, as the model cards do not
    /// (<see cref="ModelMath.MtpParameters"/> counts them separately), and not in serving cost: an engine loads and runs
    /// them only for speculative decoding.
    /// </summary>
    public int NumNextnPredictLayers { get; init; }
    /// <summary>The data type the weights are published in (torch_dtype).</summary>
    public DataType NativeDType { get; init; } = DataType.Bf16;
    /// <summary>Free text kept with the spec: what was left out, what the importer assumed.</summary>
    public string? Notes { get; init; }
    /// <summary>The file it was loaded from (for messages).</summary>
    public string? FilePath { get; init; }

    /// <summary>MHA, GQA, MQA or MLA.</summary>
    public AttentionKind AttentionKind =>
        Mla is not null ? AttentionKind.Mla
        : NumKeyValueHeads == NumAttentionHeads ? AttentionKind.Mha
        : NumKeyValueHeads == 1 ? AttentionKind.Mqa
        : AttentionKind.Gqa;

    /// <summary>Whether layer <paramref name="layer"/> (0-based) is a mixture-of-experts layer.</summary>
    public bool IsMoeLayer(int layer) =>
        Moe is { } m && layer >= m.FirstDenseLayers && (layer - m.FirstDenseLayers) % m.LayerFrequency == 0;

    /// <summary>Number of MoE layers.</summary>
    public int MoeLayerCount
    {
        get
        {
            int n = 0;
            for (int i = 0; i < NumLayers; i++) if (IsMoeLayer(i)) n++;
            return n;
        }
    }

    /// <summary>Number of layers with a dense MLP.</summary>
    public int DenseLayerCount => NumLayers - MoeLayerCount;

    /// <summary>Whether layer <paramref name="layer"/> (0-based) attends only within <see cref="SlidingWindow"/>.</summary>
    public bool IsSlidingLayer(int layer) =>
        SlidingWindow is not null && layer >= 0 && layer < NumLayers && (SlidingWindowLayers is null || SlidingWindowLayers.Contains(layer));

    /// <summary>Layers that attend within the sliding window (0 without a window, all of them when no list is given).</summary>
    public int SlidingLayerCount => SlidingWindow is null ? 0 : SlidingWindowLayers?.Count ?? NumLayers;

    /// <summary>Whether layer <paramref name="layer"/> (0-based) uses chunked local attention.</summary>
    public bool IsChunkedLayer(int layer) =>
        AttentionChunkSize is not null && layer >= 0 && layer < NumLayers && (ChunkedAttentionLayers is null || ChunkedAttentionLayers.Contains(layer));

    /// <summary>Layers with chunked local attention (0 without a chunk size, all of them when no list is given).</summary>
    public int ChunkedLayerCount => AttentionChunkSize is null ? 0 : ChunkedAttentionLayers?.Count ?? NumLayers;

    /// <summary>Whether layer <paramref name="layer"/> (0-based) is a linear-attention layer (no KV cache).</summary>
    public bool IsLinearLayer(int layer) => LinearAttention is not null && LinearAttentionLayers is { } set && set.Contains(layer);

    /// <summary>Linear-attention layers.</summary>
    public int LinearLayerCount => LinearAttention is not null && LinearAttentionLayers is { } set ? set.Count : 0;

    /// <summary>Layers with softmax attention (and a KV cache): all but the linear-attention layers.</summary>
    public int AttentionLayerCount => NumLayers - LinearLayerCount;

    /// <summary>
    /// Span in tokens of the local attention layers: the sliding window, else the attention chunk; 0 when every
    /// attention layer sees the whole context.
    /// </summary>
    public int LocalAttentionSpan => SlidingWindow ?? AttentionChunkSize ?? 0;

    /// <summary>Whether the local layers attend chunk-aligned (Llama 4) rather than a sliding window (Mistral, Gemma).</summary>
    public bool LocalAttentionIsChunked => SlidingWindow is null && AttentionChunkSize is not null;

    /// <summary>Attention layers that see only a local span: the sliding-window layers, else the chunked ones.</summary>
    public int LocalLayerCount => SlidingWindow is not null ? SlidingLayerCount : ChunkedLayerCount;

    /// <summary>Layers that attend the whole context: attention layers that are not local.</summary>
    public int GlobalLayerCount => NumLayers - LinearLayerCount - LocalLayerCount;

    /// <summary>Sliding layers among layers <paramref name="first"/> .. first + count - 1 (a pipeline stage).</summary>
    public int SlidingLayerCountIn(int first, int count) =>
        SlidingWindow is null ? 0
        : SlidingWindowLayers is { } set ? set.CountIn(first, count)
        : Math.Max(0, Math.Min(first + count, NumLayers) - Math.Max(first, 0));

    /// <summary>Local (sliding or chunked) layers among layers <paramref name="first"/> .. first + count - 1.</summary>
    public int LocalLayerCountIn(int first, int count) =>
        SlidingWindow is not null ? SlidingLayerCountIn(first, count)
        : AttentionChunkSize is null ? 0
        : ChunkedAttentionLayers is { } set ? set.CountIn(first, count)
        : Math.Max(0, Math.Min(first + count, NumLayers) - Math.Max(first, 0));

    /// <summary>Linear-attention layers among layers <paramref name="first"/> .. first + count - 1.</summary>
    public int LinearLayerCountIn(int first, int count) =>
        LinearAttention is not null && LinearAttentionLayers is { } set ? set.CountIn(first, count) : 0;

    /// <summary>Norms per layer around attention and MLP: 1 (parallel residual), 2 (pre-norm), 4 (sandwich).</summary>
    public int NormsPerLayer => ParallelResidual ? 1 : SandwichNorm ? 4 : 2;
}
