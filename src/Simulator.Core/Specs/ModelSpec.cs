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
    int LayerFrequency);

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
    /// <summary>Multi-token-prediction modules (DeepSeek-V3); not counted in totals, as the model card does not.</summary>
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

    /// <summary>Layers that attend the whole context.</summary>
    public int GlobalLayerCount => NumLayers - SlidingLayerCount;

    /// <summary>Sliding layers among layers <paramref name="first"/> .. first + count - 1 (a pipeline stage).</summary>
    public int SlidingLayerCountIn(int first, int count) =>
        SlidingWindow is null ? 0
        : SlidingWindowLayers is { } set ? set.CountIn(first, count)
        : Math.Max(0, Math.Min(first + count, NumLayers) - Math.Max(first, 0));

    /// <summary>Norms per layer around attention and MLP: 1 (parallel residual), 2 (pre-norm), 4 (sandwich).</summary>
    public int NormsPerLayer => ParallelResidual ? 1 : SandwichNorm ? 4 : 2;
}
