using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>
/// Builds a <see cref="ModelSpec"/> from the fields of a model-spec YAML file or a Hugging Face config.json.
/// Both use Hugging Face names; the config.json path also maps each family's own names (Mixtral's
/// num_local_experts, DeepSeek's n_routed_experts, Qwen2-MoE's decoder_sparse_step, ...) and its implicit
/// defaults (Qwen2 always has q/k/v biases; Qwen3 normalises q and k per head).
/// </summary>
public static class ModelSpecReader
{
    /// <summary>Model types the config.json importer understands in full.</summary>
    public static IReadOnlyList<string> KnownModelTypes { get; } =
        ["llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "deepseek_v3", "deepseek_v2", "phi", "phi3", "internlm", "internlm2", "gemma", "gemma2", "qwen"];

    private const long MaxDim = 1_000_000;

    /// <summary>Reads a spec. <paramref name="fromHf"/>: the fields come from a config.json (family defaults apply; unknown fields are ignored).</summary>
    public static ModelSpec? Read(IFieldReader r, string defaultName, bool fromHf, List<SpecError> errors)
    {
        int before = errors.Count;
        string modelType = r.Str("model_type", required: !fromHf) ?? "llama";
        string name = (fromHf ? null : r.Str("name", required: true)) ?? defaultName;
        string display = (fromHf ? null : r.Str("display_name")) ?? name;
        string source = (fromHf ? null : r.Str("source", required: true)) ?? $"imported from {r.File}";
        if (fromHf) r.Ignore("name", "display_name", "source");

        int hidden = (int)(r.Int("hidden_size", required: true, max: MaxDim) ?? 0);
        int layers = (int)(r.Int("num_hidden_layers", required: true, max: 10_000) ?? 0);
        int heads = (int)(r.Int("num_attention_heads", required: true, max: 10_000) ?? 0);
        int kvHeads = (int)(r.Int("num_key_value_heads", max: 10_000) ?? heads);
        int vocab = (int)(r.Int("vocab_size", required: true, max: 100_000_000) ?? 0);
        int maxPos = (int)(r.Int("max_position_embeddings", max: 100_000_000) ?? 0);
        int? headDimField = (int?)r.Int("head_dim", max: MaxDim);
        string act = r.Str("hidden_act") ?? r.Str("hidden_activation") ?? "silu";
        string? mlpKind = r.Str("mlp");

        bool isQwen2 = modelType is "qwen2" or "qwen2_moe";
        bool isPhi = modelType == "phi";
        bool isQwen3 = modelType is "qwen3" or "qwen3_moe";
        // InternLM's config names its q/k/v/o bias flag plain "bias".
        bool? internBias = fromHf && modelType == "internlm" ? r.Bool("bias") : null;
        bool attnBias = r.Bool("attention_bias") ?? r.Bool("qkv_bias") ?? internBias ?? (isQwen2 || isPhi);
        bool attnOutBias = r.Bool("attention_output_bias") ?? internBias ?? isPhi;
        bool mlpBias = r.Bool("mlp_bias") ?? isPhi;
        bool lmHeadBias = r.Bool("lm_head_bias") ?? isPhi;
        bool tie = r.Bool("tie_word_embeddings") ?? false;
        bool qkNorm = r.Bool("qk_norm") ?? isQwen3;
        bool parallel = r.Bool("parallel_residual") ?? isPhi;
        double rotary = r.Number("partial_rotary_factor", min: 0, max: 1) ?? 1.0;
        string norm = r.Str("norm") ?? (isPhi ? "layernorm" : "rmsnorm");

        // Qwen2 configs carry a sliding_window value but only use it when use_sliding_window is true.
        bool? useSliding = r.Bool("use_sliding_window");
        long? sliding = r.Int("sliding_window", max: 100_000_000);
        if (useSliding == false) sliding = null;

        string? dtypeText = r.Str("torch_dtype") ?? r.Str("dtype");
        var dtype = DataType.Bf16;
        if (dtypeText is not null && !DataTypes.TryParse(dtypeText, out dtype))
        {
            r.Error(r.Has("torch_dtype") ? "torch_dtype" : "dtype", $"unknown data type '{dtypeText}'; expected bfloat16, float16 or float32");
            dtype = DataType.Bf16;
        }

        // Mixture of experts, under any of the families' names.
        long? experts = r.Int("num_experts", min: 0, max: 100_000) ?? r.Int("num_local_experts", min: 0, max: 100_000) ?? r.Int("n_routed_experts", min: 0, max: 100_000);
        long? perTok = r.Int("num_experts_per_tok", max: 100_000);
        long? moeInter = r.Int("moe_intermediate_size", max: MaxDim);
        long? shared = r.Int("num_shared_experts", min: 0, max: 1000) ?? r.Int("n_shared_experts", min: 0, max: 1000);
        long? sharedInter = r.Int("shared_expert_intermediate_size", min: 0, max: MaxDim);
        long? firstDense = r.Int("first_k_dense_replace", min: 0, max: 10_000);
        long? freq = r.Int("moe_layer_freq", max: 10_000) ?? r.Int("decoder_sparse_step", max: 10_000);
        if (fromHf)
        {
            var mlpOnly = (r as JsonFieldReader)?.IntList("mlp_only_layers") ?? [];
            if (mlpOnly.Count > 0)
                r.Error("mlp_only_layers", "dense-only layers listed by index are not supported; remove them or write the spec by hand");
        }
        long? inter = r.Int("intermediate_size", required: experts is null or 0, max: MaxDim);
        // The original Qwen (model_type "qwen") states intermediate_size as twice each MLP matrix's width.
        if (fromHf && modelType == "qwen" && inter is long qi) inter = qi / 2;

        // Multi-head latent attention.
        long? kvLora = r.Int("kv_lora_rank", max: MaxDim);
        long? qLora = r.Int("q_lora_rank", max: MaxDim);
        long? nope = r.Int("qk_nope_head_dim", max: MaxDim);
        long? rope = r.Int("qk_rope_head_dim", min: 0, max: MaxDim);
        long? vHead = r.Int("v_head_dim", max: MaxDim);
        long? mtp = r.Int("num_nextn_predict_layers", min: 0, max: 1000);

        if (!fromHf) r.Finish();
        if (errors.Count > before) return null;

        if (heads > 0 && kvHeads > heads)
            r.Error("num_key_value_heads", $"{kvHeads} key/value heads exceed {heads} attention heads");
        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
            r.Error("num_key_value_heads", $"{heads} attention heads are not a multiple of {kvHeads} key/value heads");
        int headDim = headDimField ?? (heads > 0 ? hidden / heads : 0);
        if (headDimField is null && heads > 0 && hidden % heads != 0)
            r.Error("head_dim", $"hidden_size {hidden} is not divisible by num_attention_heads {heads}; give head_dim explicitly");

        bool gated = mlpKind switch
        {
            "gated" => true,
            "plain" => false,
            null => !(act.StartsWith("gelu", StringComparison.Ordinal) || act is "relu" or "relu2") || modelType.StartsWith("gemma", StringComparison.Ordinal),
            _ => Invalid(r, "mlp", $"expected gated or plain, got '{mlpKind}'"),
        };
        var normKind = norm.ToLowerInvariant() switch
        {
            "rmsnorm" or "rms" => NormKind.RmsNorm,
            "layernorm" or "layer_norm" => NormKind.LayerNorm,
            _ => InvalidNorm(r, norm),
        };

        MoeConfig? moe = null;
        if (experts is > 0)
        {
            if (perTok is null) r.Error("num_experts_per_tok", "required for a mixture-of-experts model");
            else if (perTok > experts) r.Error("num_experts_per_tok", $"{perTok} experts per token exceed {experts} experts");
            // Mixtral names its expert size intermediate_size; the others use moe_intermediate_size.
            long expertSize = moeInter ?? inter ?? 0;
            if (expertSize <= 0) r.Error("moe_intermediate_size", "required for a mixture-of-experts model");
            moe = new MoeConfig((int)experts, (int)(perTok ?? 1), (int)expertSize, (int)(shared ?? 0), (int)(sharedInter ?? 0), (int)(firstDense ?? 0), (int)(freq ?? 1));
            if (moe.FirstDenseLayers > 0 && inter is null)
                r.Error("intermediate_size", "needed for the dense layers before the first MoE layer (first_k_dense_replace)");
        }

        MlaConfig? mla = null;
        if (kvLora is > 0)
        {
            if (nope is null) r.Error("qk_nope_head_dim", "required with kv_lora_rank (multi-head latent attention)");
            if (rope is null) r.Error("qk_rope_head_dim", "required with kv_lora_rank (multi-head latent attention)");
            if (vHead is null) r.Error("v_head_dim", "required with kv_lora_rank (multi-head latent attention)");
            mla = new MlaConfig((int?)qLora, (int)kvLora, (int)(nope ?? 0), (int)(rope ?? 0), (int)(vHead ?? 0));
        }

        if (errors.Count > before) return null;
        return new ModelSpec
        {
            Name = name,
            DisplayName = display,
            Source = source,
            ModelType = modelType,
            HiddenSize = hidden,
            NumLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = mla is null ? kvHeads : heads,
            HeadDim = mla is null ? headDim : mla.QkHeadDim,
            IntermediateSize = (int)(inter ?? 0),
            VocabSize = vocab,
            MaxPositionEmbeddings = maxPos,
            GatedMlp = gated,
            HiddenAct = act,
            AttentionBias = attnBias,
            AttentionOutputBias = attnOutBias,
            MlpBias = mlpBias,
            LmHeadBias = lmHeadBias,
            TieWordEmbeddings = tie,
            SlidingWindow = (int?)sliding,
            Norm = normKind,
            QkNorm = qkNorm,
            ParallelResidual = parallel,
            PartialRotaryFactor = rotary,
            Moe = moe,
            Mla = mla,
            NumNextnPredictLayers = (int)(mtp ?? 0),
            NativeDType = dtype,
            FilePath = r.File,
        };
    }

    private static bool Invalid(IFieldReader r, string key, string message)
    {
        r.Error(key, message);
        return true;
    }

    private static NormKind InvalidNorm(IFieldReader r, string text)
    {
        r.Error("norm", $"expected rmsnorm or layernorm, got '{text}'");
        return NormKind.RmsNorm;
    }
}
