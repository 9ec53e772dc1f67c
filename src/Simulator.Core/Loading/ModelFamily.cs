using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>
/// What a model family's configuration leaves unsaid and its code assumes: the defaults of the transformers
/// configuration class for that <c>model_type</c> (Gemma2Config ties the embeddings, Qwen2's attention always has
/// q/k/v biases, Gemma 3 alternates five sliding-window layers with one global layer, ...). A config.json that omits a
/// field means the class default, so the importer uses these for the families it knows; a model-spec YAML with a
/// known <c>model_type</c> gets the same defaults. Sources: src/transformers/models/&lt;family&gt;/configuration_*.py and
/// modeling_*.py in huggingface/transformers (remote-code families: the model repository's configuration file).
/// </summary>
public sealed record ModelFamily
{
    /// <summary>tie_word_embeddings when the config does not say.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Bias on the q, k and v projections when the config does not say (or always, for Qwen2 and Phi).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on the output projection; null: the same flag as the q/k/v bias (Llama, Qwen3, Gemma use one attention_bias for all four).</summary>
    public bool? AttentionOutputBias { get; init; } = false;
    public bool MlpBias { get; init; }
    public bool LmHeadBias { get; init; }
    /// <summary>hidden_act (or hidden_activation) when the config does not say.</summary>
    public string HiddenAct { get; init; } = "silu";
    /// <summary>Gated MLP (gate, up, down) whatever the activation (Gemma's GeGLU).</summary>
    public bool AlwaysGated { get; init; }
    public NormKind Norm { get; init; } = NormKind.RmsNorm;
    public bool QkNorm { get; init; }
    public bool ParallelResidual { get; init; }
    /// <summary>Four norms per layer (Gemma 2 and 3).</summary>
    public bool SandwichNorm { get; init; }
    public double PartialRotaryFactor { get; init; } = 1.0;
    /// <summary>head_dim when the config does not say; null: hidden_size / num_attention_heads.</summary>
    public int? HeadDim { get; init; }
    /// <summary>num_key_value_heads when the config does not say; null: num_attention_heads (MHA).</summary>
    public int? KeyValueHeads { get; init; }
    /// <summary>num_attention_heads when the config does not say (Gemma 3's text_config often omits it); null: required.</summary>
    public int? AttentionHeads { get; init; }
    /// <summary>vocab_size when the config does not say; null: required.</summary>
    public int? VocabSize { get; init; }
    public int? MaxPositionEmbeddings { get; init; }
    /// <summary>Attention window when the config has no sliding_window key at all (Mistral: 4096); null: none.</summary>
    public int? SlidingWindow { get; init; }
    /// <summary>
    /// Which layers use the window when the config lists no layer_types: 0 = every layer; k = all but every k-th
    /// layer, layer i sliding when (i + 1) mod k ≠ 0 (Gemma 2: k = 2, Gemma 3: sliding_window_pattern, default 6).
    /// </summary>
    public int SlidingWindowPeriod { get; init; }
    /// <summary>The window applies only with use_sliding_window true, and only from layer max_window_layers on (Qwen2, Qwen3).</summary>
    public bool WindowNeedsFlag { get; init; }
    /// <summary>max_window_layers when the config does not say (Qwen2/Qwen3: 28); layers below it attend globally.</summary>
    public int MaxWindowLayers { get; init; }
    /// <summary>The q/k/v/o bias flag has its own name (InternLM: "bias").</summary>
    public string? BiasKey { get; init; }
    /// <summary>
    /// <c>use_qk_norm</c> means per-head RMSNorm weights on q and k (Qwen3-MoE, GLM-4.5). False where the flag means a
    /// parameter-free L2 norm (Llama 4), which has no weights to count.
    /// </summary>
    public bool UseQkNormHasWeights { get; init; } = true;
    /// <summary>A learned sink logit per head and layer (gpt-oss).</summary>
    public bool AttentionSinks { get; init; }
    /// <summary>q_proj also emits a sigmoid output gate (Qwen3-Next's attn_output_gate, default true).</summary>
    public bool AttentionOutputGate { get; init; }
    /// <summary>
    /// The router (an nn.Linear) has a bias per expert (gpt-oss). DeepSeek-V3, Kimi-K2 and GLM-4.5 keep an
    /// e_score_correction_bias per expert instead; it steers selection only and is left out, as the shipped DeepSeek-V3
    /// spec always did (256 values per MoE layer, 0.000002% of the model).
    /// </summary>
    public bool RouterBias { get; init; }
    /// <summary>Shared experts of the routed experts' size when the config has no count for them (Llama 4: one).</summary>
    public int? SharedExperts { get; init; }
    /// <summary>Chunk of the chunked local attention when the config does not say (Llama 4: 8192); null: none.</summary>
    public int? AttentionChunkSize { get; init; }
    /// <summary>Every k-th layer is a global NoPE layer, the rest chunked, when the config has no no_rope_layers list (Llama 4: 4).</summary>
    public int NoRopeLayerInterval { get; init; }
    /// <summary>Every k-th layer is full attention, the rest linear attention (Qwen3-Next's full_attention_interval, 4); 0: none.</summary>
    public int FullAttentionInterval { get; init; }
    /// <summary>Linear-attention dimensions when the config does not say (Qwen3NextConfig defaults).</summary>
    public LinearAttentionConfig? LinearAttention { get; init; }
    /// <summary>
    /// The dense MLP's width is <c>intermediate_size_mlp</c> and <c>intermediate_size</c> is the expert's (Llama 4), and
    /// <c>interleave_moe_layer_step</c> k makes layers k-1, 2k-1, ... MoE (transformers' Llama4TextConfig.moe_layers).
    /// </summary>
    public bool Llama4Layout { get; init; }

    private static readonly ModelFamily Llama = new() { AttentionOutputBias = null };
    private static readonly ModelFamily Gemma = new()
    {
        TieWordEmbeddings = true, AttentionOutputBias = null, HiddenAct = "gelu_pytorch_tanh", AlwaysGated = true,
        HeadDim = 256, KeyValueHeads = 16, VocabSize = 256_000, MaxPositionEmbeddings = 8192,
    };
    private static readonly ModelFamily Gemma2 = Gemma with
    {
        SandwichNorm = true, KeyValueHeads = 4, AttentionHeads = 8, SlidingWindow = 4096, SlidingWindowPeriod = 2,
    };
    private static readonly ModelFamily Gemma3Text = Gemma2 with
    {
        QkNorm = true, VocabSize = 262_208, MaxPositionEmbeddings = 131_072, SlidingWindowPeriod = 6,
    };

    private static readonly ModelFamily Llama4Text = new()
    {
        AttentionOutputBias = null, HeadDim = 128, KeyValueHeads = 8, VocabSize = 202_048, SharedExperts = 1,
        AttentionChunkSize = 8192, NoRopeLayerInterval = 4, UseQkNormHasWeights = false, Llama4Layout = true,
    };

    private static readonly Dictionary<string, ModelFamily> Known = new(StringComparer.Ordinal)
    {
        // LlamaConfig: attention_bias (q, k, v and o) false, mlp_bias false, untied; head_dim None -> hidden / heads.
        ["llama"] = Llama,
        // MistralConfig: num_key_value_heads 8, sliding_window 4096 on every layer, no biases.
        ["mistral"] = new() { KeyValueHeads = 8, SlidingWindow = 4096 },
        // MixtralConfig: num_key_value_heads 8, sliding_window None.
        ["mixtral"] = new() { KeyValueHeads = 8 },
        // Qwen2Attention: q/k/v always biased, o not; use_sliding_window false; window from layer max_window_layers (28).
        ["qwen2"] = new() { AttentionBias = true, KeyValueHeads = 32, SlidingWindow = 4096, WindowNeedsFlag = true, MaxWindowLayers = 28 },
        ["qwen2_moe"] = new() { AttentionBias = true, KeyValueHeads = 16, SlidingWindow = 4096, WindowNeedsFlag = true, MaxWindowLayers = 28 },
        // Qwen3Config: head_dim 128, per-head q/k RMSNorm, attention_bias false for q, k, v and o.
        ["qwen3"] = new() { AttentionOutputBias = null, QkNorm = true, HeadDim = 128, KeyValueHeads = 32, SlidingWindow = 4096, WindowNeedsFlag = true, MaxWindowLayers = 28 },
        ["qwen3_moe"] = new() { AttentionOutputBias = null, QkNorm = true, KeyValueHeads = 4, SlidingWindow = 4096, WindowNeedsFlag = true },
        ["deepseek_v2"] = Llama,
        ["deepseek_v3"] = Llama,
        // Kimi-K2 ships DeepseekV3ForCausalLM under its own model_type (remote code): the same defaults.
        ["kimi_k2"] = Llama,
        // GptOssConfig: biases on q, k, v and o (attention_bias), on the router and on every expert (mlp_bias: the model
        // has no dense MLP); a sink logit per head;
        // head_dim 64; window 128 on layers 0, 2, 4, ... (layer_types: sliding first, alternating); untied.
        ["gpt_oss"] = new()
        {
            AttentionBias = true, AttentionOutputBias = null, AttentionSinks = true, RouterBias = true, MlpBias = true,
            HeadDim = 64, KeyValueHeads = 8, SlidingWindow = 128, SlidingWindowPeriod = 2,
        },
        // Llama4TextConfig (the text_config of Llama4ForConditionalGeneration): head_dim 128, 8 KV heads, one shared expert
        // of the routed experts' size, chunked local attention of 8192 tokens with a global NoPE layer every 4th layer;
        // use_qk_norm is a weightless L2 norm.
        ["llama4_text"] = Llama4Text,
        // Llama4Config (multimodal, Llama4ForConditionalGeneration): the language model is its text_config.
        ["llama4"] = Llama4Text,
        // Glm4MoeConfig: attention_bias covers q, k and v only (o_proj has none); partial rotary 0.5; use_qk_norm per head.
        ["glm4_moe"] = new() { HeadDim = 128, PartialRotaryFactor = 0.5 },
        // Qwen3NextConfig: head_dim 256, q/k norms, gated attention output, one full-attention layer every 4
        // (the rest Gated DeltaNet: 16 key heads, 32 value heads, dims 128, conv kernel 4), shared expert with a gate.
        ["qwen3_next"] = new()
        {
            AttentionOutputBias = null, QkNorm = true, HeadDim = 256, KeyValueHeads = 2, PartialRotaryFactor = 0.25,
            AttentionOutputGate = true, FullAttentionInterval = 4, LinearAttention = new LinearAttentionConfig(16, 32, 128, 128, 4),
        },
        // PhiConfig: biases on q, k, v, dense, fc1, fc2 and lm_head; gelu_new; LayerNorm; parallel residual; partial_rotary_factor 0.5.
        ["phi"] = new()
        {
            AttentionBias = true, AttentionOutputBias = true, MlpBias = true, LmHeadBias = true, HiddenAct = "gelu_new",
            Norm = NormKind.LayerNorm, ParallelResidual = true, PartialRotaryFactor = 0.5,
        },
        ["phi3"] = new(),
        // Remote code (InternLMConfig / InternLM2Config): one "bias" flag for q, k, v and o, default true.
        ["internlm"] = new() { AttentionBias = true, AttentionOutputBias = null, BiasKey = "bias" },
        ["internlm2"] = new() { AttentionBias = true, AttentionOutputBias = null, BiasKey = "bias" },
        // Remote code (QWenAttention): c_attn (q, k, v) has a bias; c_proj and the MLP follow no_bias (true).
        ["qwen"] = new() { AttentionBias = true },
        // GemmaConfig: tied, head_dim 256, GeGLU (gelu_pytorch_tanh), 16 KV heads.
        ["gemma"] = Gemma,
        // Gemma2Config: four norms per layer, 4 KV heads, window 4096 on layers 0, 2, 4, ... (layer_types).
        ["gemma2"] = Gemma2,
        // Gemma3TextConfig: as Gemma 2 plus q/k norms, vocab 262208, window on five of every six layers.
        ["gemma3_text"] = Gemma3Text,
        // Gemma3Config (multimodal, Gemma3ForConditionalGeneration): the language model is its text_config, a Gemma3TextConfig.
        ["gemma3"] = Gemma3Text,
    };


    /// <summary>The importer's assumptions for a model_type it does not know (each one is reported when used).</summary>
    public static ModelFamily Generic { get; } = new();

    /// <summary>Model types whose defaults are known, sorted.</summary>
    public static IReadOnlyList<string> KnownModelTypes { get; } = Known.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The family of a model_type, or null when the importer does not know it.</summary>
    public static ModelFamily? Of(string modelType) => Known.GetValueOrDefault(modelType);
}
