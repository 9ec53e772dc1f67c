namespace Simulator.Core.Specs;

/// <summary>Parameter counts of one model, split the way people quote them.</summary>
/// <param name="Embedding">Input token embedding table.</param>
/// <param name="LmHead">Output projection (0 when tied to the embedding).</param>
/// <param name="Attention">All layers' attention weights, biases and attention-internal norms.</param>
/// <param name="DenseMlp">All dense-MLP layers.</param>
/// <param name="MoeTotal">All MoE layers: routers, every routed expert, shared experts.</param>
/// <param name="MoeActive">All MoE layers counting only the experts one token passes through.</param>
/// <param name="Norms">Layer norms around attention/MLP and the final norm.</param>
public sealed record ParameterCounts(double Embedding, double LmHead, double Attention, double DenseMlp, double MoeTotal, double MoeActive, double Norms)
{
    /// <summary>Every parameter stored.</summary>
    public double Total => Embedding + LmHead + Attention + DenseMlp + MoeTotal + Norms;

    /// <summary>Parameters one token touches (routed experts counted top-k times, not all).</summary>
    public double Active => Embedding + LmHead + Attention + DenseMlp + MoeActive + Norms;
}

/// <summary>Derived figures of a model spec: parameter counts and KV-cache size. Pure arithmetic on the spec.</summary>
public static class ModelMath
{
    /// <summary>Weights and biases of one layer's attention block (projections, biases, MLA/QK norms).</summary>
    public static double AttentionParametersPerLayer(ModelSpec m)
    {
        double h = m.HiddenSize;
        double heads = m.NumAttentionHeads;
        if (m.Mla is { } mla)
        {
            double q = mla.QLoraRank is int r
                ? h * r + r /* q_a_layernorm */ + r * heads * mla.QkHeadDim
                : h * heads * mla.QkHeadDim;
            double kvA = h * (mla.KvLoraRank + mla.QkRopeHeadDim) + mla.KvLoraRank /* kv_a_layernorm */;
            double kvB = mla.KvLoraRank * heads * (mla.QkNopeHeadDim + mla.VHeadDim);
            double o = heads * mla.VHeadDim * h;
            return q + kvA + kvB + o;
        }
        double qDim = heads * m.HeadDim;
        double kvDim = (double)m.NumKeyValueHeads * m.HeadDim;
        // Qwen3-Next's q_proj also emits the output gate: twice the query width.
        double qOut = m.AttentionOutputGate ? 2 * qDim : qDim;
        double weights = h * qOut + 2 * h * kvDim + qDim * h;
        double bias = (m.AttentionBias ? qOut + 2 * kvDim : 0) + (m.AttentionOutputBias ? h : 0);
        double qkNorm = m.QkNorm ? 2.0 * m.HeadDim : 0;
        double sinks = m.AttentionSinks ? heads : 0;
        return weights + bias + qkNorm + sinks;
    }

    /// <summary>
    /// Weights of one Gated DeltaNet layer (transformers' Qwen3NextGatedDeltaNet): in_proj_qkvz (hidden → q, k, v and the
    /// output gate z), in_proj_ba (hidden → β and α per value head), the depthwise causal conv1d over q, k, v (no bias),
    /// A_log and dt_bias per value head, the gated RMSNorm of a value head's width, and out_proj.
    /// </summary>
    public static double LinearAttentionParametersPerLayer(ModelSpec m)
    {
        var la = m.LinearAttention ?? throw new InvalidOperationException($"{m.Name} has no linear-attention layers");
        double h = m.HiddenSize;
        double keyDim = (double)la.NumKeyHeads * la.KeyHeadDim, valueDim = (double)la.NumValueHeads * la.ValueHeadDim;
        double inQkvz = h * (2 * keyDim + 2 * valueDim);
        double inBa = h * 2.0 * la.NumValueHeads;
        double conv = (double)la.ConvDim * la.ConvKernel;
        double perHead = 2.0 * la.NumValueHeads; // A_log, dt_bias
        double norm = la.ValueHeadDim;
        double outProj = valueDim * h;
        return inQkvz + inBa + conv + perHead + norm + outProj;
    }

    /// <summary>Parameters of one MLP of the given intermediate size (gated: gate, up, down; plain: up, down).</summary>
    public static double MlpParameters(ModelSpec m, double intermediate)
    {
        double h = m.HiddenSize;
        double matrices = (m.GatedMlp ? 3 : 2) * h * intermediate;
        double bias = m.MlpBias ? (m.GatedMlp ? 2 : 1) * intermediate + h : 0;
        return matrices + bias;
    }

    /// <summary>Parameters of one MoE layer: total and active per token.</summary>
    public static (double Total, double Active) MoeParametersPerLayer(ModelSpec m)
    {
        var moe = m.Moe ?? throw new InvalidOperationException($"{m.Name} has no MoE layers");
        double h = m.HiddenSize;
        double expert = MlpParameters(m, moe.ExpertIntermediateSize);
        double router = h * moe.NumExperts + (moe.RouterBias ? moe.NumExperts : 0);
        double shared = moe.NumSharedExperts * expert;
        if (moe.SharedExpertIntermediateSize > 0)
            shared += MlpParameters(m, moe.SharedExpertIntermediateSize) + h /* shared_expert_gate */;
        return (router + shared + moe.NumExperts * expert, router + shared + moe.ExpertsPerToken * expert);
    }

    /// <summary>Parameter counts of the whole model (excluding multi-token-prediction modules).</summary>
    public static ParameterCounts Parameters(ModelSpec m)
    {
        double h = m.HiddenSize;
        double embedding = (double)m.VocabSize * h;
        double lmHead = m.TieWordEmbeddings ? 0 : embedding + (m.LmHeadBias ? m.VocabSize : 0);
        double attention = m.AttentionLayerCount * AttentionParametersPerLayer(m)
            + (m.LinearLayerCount > 0 ? m.LinearLayerCount * LinearAttentionParametersPerLayer(m) : 0);
        double dense = m.DenseLayerCount * MlpParameters(m, m.IntermediateSize);
        double moeTotal = 0, moeActive = 0;
        if (m.Moe is not null)
        {
            var (t, a) = MoeParametersPerLayer(m);
            moeTotal = m.MoeLayerCount * t;
            moeActive = m.MoeLayerCount * a;
        }
        double normSize = m.Norm == NormKind.LayerNorm ? 2 * h : h;
        // One norm per layer (parallel residual), two (pre-attention, pre-MLP) or four (Gemma 2/3 sandwich), plus the final norm.
        double norms = m.NumLayers * m.NormsPerLayer * normSize + normSize;
        return new ParameterCounts(embedding, lmHead, attention, dense, moeTotal, moeActive, norms);
    }

    /// <summary>
    /// Unique parameters of the multi-token-prediction modules (<see cref="ModelSpec.NumNextnPredictLayers"/>), counted
    /// apart as the DeepSeek-V3 README_WEIGHTS does (embedding and head are shared with the main model and not counted
    /// again). One module: enorm and hnorm, eh_proj (2 x hidden → hidden), one decoder layer like the model's last
    /// (attention, its MoE block or dense MLP, two norms) and the shared head's norm. Total and active per token.
    /// </summary>
    public static (double Total, double Active) MtpParameters(ModelSpec m)
    {
        if (m.NumNextnPredictLayers <= 0) return (0, 0);
        double h = m.HiddenSize;
        double normSize = m.Norm == NormKind.LayerNorm ? 2 * h : h;
        double common = 2 * normSize + 2 * h * h + AttentionParametersPerLayer(m) + m.NormsPerLayer * normSize + normSize;
        double total, active;
        if (m.Moe is not null && m.IsMoeLayer(m.NumLayers - 1)) (total, active) = MoeParametersPerLayer(m);
        else total = active = MlpParameters(m, m.IntermediateSize);
        return (m.NumNextnPredictLayers * (common + total), m.NumNextnPredictLayers * (common + active));
    }

    /// <summary>
    /// Elements stored in the KV cache per token, summed over the softmax-attention layers: 2 × KV heads × head_dim per
    /// layer (MHA/GQA/MQA), or the compressed latent plus the shared rotary key per layer (MLA). Linear-attention layers
    /// keep no per-token cache (<see cref="LinearStateBytesPerSequence"/>).
    /// </summary>
    public static double KvCacheElementsPerToken(ModelSpec m) =>
        m.Mla is { } mla
            ? (double)m.AttentionLayerCount * (mla.KvLoraRank + mla.QkRopeHeadDim)
            : 2.0 * m.AttentionLayerCount * m.NumKeyValueHeads * m.HeadDim;

    /// <summary>
    /// Bytes of the fixed per-sequence state of every linear-attention layer, whole model (0 without such layers):
    /// layers × (value heads × key dim × value dim × state bytes + conv channels × (kernel − 1) × 2 bytes).
    /// </summary>
    public static double LinearStateBytesPerSequence(ModelSpec m) =>
        m.LinearAttention is { } la ? m.LinearLayerCount * la.StateBytesPerSequence() : 0;

    /// <summary>KV-cache bytes per token at <paramref name="kvBits"/> bits per element (16 by default).</summary>
    public static double KvCacheBytesPerToken(ModelSpec m, int kvBits = 16) => KvCacheElementsPerToken(m) * kvBits / 8.0;

    /// <summary>
    /// KV-cache bytes of one sequence with <paramref name="contextTokens"/> tokens of context, whole model: the global
    /// layers keep every token, the local layers (sliding window, or Llama 4's chunked attention) of a model that also
    /// has global layers only the last span's worth: c × (global layers' bytes per token) + min(c, span) × (local
    /// layers' bytes per token), plus the fixed state of any linear-attention layers. A model with a window on every
    /// layer (Mistral 7B v0.1) or none is counted at c × bytes per token, as before.
    /// </summary>
    public static double KvCacheBytes(ModelSpec m, double contextTokens, int kvBits = 16)
    {
        double perToken = KvCacheBytesPerToken(m, kvBits);
        double state = LinearStateBytesPerSequence(m);
        int span = m.LocalAttentionSpan;
        if (span <= 0 || m.GlobalLayerCount == 0 || m.LocalLayerCount == 0) return contextTokens * perToken + state;
        double local = perToken * m.LocalLayerCount / m.AttentionLayerCount;
        return contextTokens * (perToken - local) + Math.Min(contextTokens, span) * local + state;
    }
}
