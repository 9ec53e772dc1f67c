using System.Globalization;
using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>
/// Builds a <see cref="ModelSpec"/> from the fields of a model-spec YAML file or a Hugging Face config.json.
/// Both use Hugging Face names; the config.json path also maps each family's own names (Mixtral's
/// num_local_experts, DeepSeek's n_routed_experts, Qwen2-MoE's decoder_sparse_step, ...), reads the language
/// model of a multimodal checkpoint from its <c>text_config</c>, and fills what a config leaves out with its
/// family's transformers defaults (<see cref="ModelFamily"/>). For a model_type it does not know it uses generic
/// assumptions and reports every one of them (<see cref="AssumedField"/>).
/// </summary>
public static class ModelSpecReader
{
    /// <summary>Model types the config.json importer understands in full.</summary>
    public static IReadOnlyList<string> KnownModelTypes => ModelFamily.KnownModelTypes;

    /// <summary>Whether the importer knows the family's defaults.</summary>
    public static bool IsKnownFamily(string modelType) => ModelFamily.Of(modelType) is not null;

    private const long MaxDim = 1_000_000;

    /// <summary>Appended to the source of a spec imported from a multimodal checkpoint's text_config.</summary>
    public const string TextOnlySourceNote = " (text model only; vision tower excluded)";

    /// <summary>The model_type a spec gets when a config.json names none.</summary>
    public const string UnknownModelType = "unknown";

    /// <summary>Reads a spec. <paramref name="fromHf"/>: the fields come from a config.json (family defaults apply; unknown fields are ignored).</summary>
    public static ModelSpec? Read(IFieldReader r, string defaultName, bool fromHf, List<SpecError> errors) =>
        Read(r, defaultName, fromHf, errors, null);

    /// <summary>
    /// Reads a spec; for a config.json of a model_type the importer does not know, adds every value it had to
    /// assume to <paramref name="assumed"/> (and lists them in the spec's notes).
    /// </summary>
    public static ModelSpec? Read(IFieldReader r, string defaultName, bool fromHf, List<SpecError> errors, List<AssumedField>? assumed)
    {
        int before = errors.Count;
        var outer = r;
        string? outerType = r.Str("model_type", required: !fromHf);
        string name = (fromHf ? null : r.Str("name", required: true)) ?? defaultName;
        string display = (fromHf ? null : r.Str("display_name")) ?? name;
        string? notes = fromHf ? null : r.Str("notes");
        if (fromHf) r.Ignore("name", "display_name", "source", "notes");

        // A multimodal checkpoint (Gemma 3 4B/12B/27B) nests its language model under text_config.
        string? textOnlyOf = null;
        if (fromHf && r is JsonFieldReader json && !r.Has("hidden_size") && json.Object("text_config") is { } text)
        {
            textOnlyOf = outerType ?? UnknownModelType;
            r = text;
        }
        string modelType = textOnlyOf is null
            ? outerType ?? UnknownModelType
            : r.Str("model_type") ?? (outerType == "gemma3" ? "gemma3_text" : textOnlyOf);
        var family = ModelFamily.Of(modelType);
        var fam = family ?? ModelFamily.Generic;
        bool report = fromHf && family is null;
        var assumptions = new List<AssumedField>();
        T Assume<T>(string field, T value, string reason)
        {
            if (report) assumptions.Add(new AssumedField(field, Text(value), reason));
            return value;
        }
        const string NotInConfig = "not in the config";

        string source = (fromHf ? null : r.Str("source", required: true)) ?? $"imported from {r.File}";

        int hidden = (int)(r.Int("hidden_size", required: true, max: MaxDim) ?? 0);
        int layers = (int)(r.Int("num_hidden_layers", required: true, max: 10_000) ?? 0);
        // Gemma 3's text_config leaves out what Gemma3TextConfig defaults (heads, vocabulary, ...); config.json only.
        int? Dim(string key, int? familyDefault, long max) =>
            (int?)r.Int(key, required: !(fromHf && familyDefault is not null), max: max) ?? (fromHf ? familyDefault : null);
        int heads = Dim("num_attention_heads", fam.AttentionHeads, 10_000) ?? 0;
        int vocab = Dim("vocab_size", fam.VocabSize, 100_000_000) ?? 0;
        int maxPos = (int)(r.Int("max_position_embeddings", max: 100_000_000) ?? (fromHf ? fam.MaxPositionEmbeddings : null) ?? 0);
        int kvHeads = (int?)r.Int("num_key_value_heads", max: 10_000) ?? fam.KeyValueHeads
            ?? Assume("num_key_value_heads", heads, "= num_attention_heads; " + NotInConfig);
        int? headDimField = (int?)r.Int("head_dim", max: MaxDim) ?? fam.HeadDim;
        string act = r.Str("hidden_act") ?? r.Str("hidden_activation") ?? Assume("hidden_act", fam.HiddenAct, NotInConfig);
        string? mlpKind = r.Str("mlp");

        // One bias flag for q, k, v and o under its own name (InternLM's "bias").
        bool? biasFlag = fromHf && fam.BiasKey is { } biasKey ? r.Bool(biasKey) : null;
        bool attnBias = r.Bool("attention_bias") ?? r.Bool("qkv_bias") ?? biasFlag ?? Assume("attention_bias", fam.AttentionBias, NotInConfig);
        bool attnOutBias = r.Bool("attention_output_bias") ?? biasFlag ?? fam.AttentionOutputBias
            ?? attnBias;
        if (report && !r.Has("attention_output_bias")) Assume("attention_output_bias", attnOutBias, "o_proj bias; config.json has no field for it");
        bool mlpBias = r.Bool("mlp_bias") ?? Assume("mlp_bias", fam.MlpBias, NotInConfig);
        bool lmHeadBias = r.Bool("lm_head_bias") ?? Assume("lm_head_bias", fam.LmHeadBias, NotInConfig);
        bool tie = r.Bool("tie_word_embeddings") ?? (textOnlyOf is null ? null : outer.Bool("tie_word_embeddings"))
            ?? Assume("tie_word_embeddings", fam.TieWordEmbeddings, NotInConfig);
        // use_qk_norm (Qwen3-Coder, GLM-4.5): per-head RMSNorm weights; in Llama 4 a weightless L2 norm, nothing to count.
        bool? useQkNorm = fromHf ? r.Bool("use_qk_norm") : null;
        bool qkNorm = r.Bool("qk_norm") ?? (fam.UseQkNormHasWeights ? useQkNorm : null) ?? Assume("qk_norm", fam.QkNorm, NotInConfig);
        bool sinks = r.Bool("attention_sinks") ?? fam.AttentionSinks;
        bool outputGate = r.Bool("attn_output_gate") ?? fam.AttentionOutputGate;
        bool parallel = r.Bool("parallel_residual") ?? Assume("parallel_residual", fam.ParallelResidual, NotInConfig);
        bool sandwich = r.Bool("sandwich_norm") ?? Assume("sandwich_norm", fam.SandwichNorm, "two norms per layer, before attention and before the MLP");
        double rotary = r.Number("partial_rotary_factor", min: 0, max: 1) ?? Assume("partial_rotary_factor", fam.PartialRotaryFactor, NotInConfig);
        string norm = r.Str("norm") ?? Assume("norm", fam.Norm == NormKind.LayerNorm ? "layernorm" : "rmsnorm", NotInConfig);

        var window = ReadWindow(r, fromHf, fam, layers, report ? assumptions : null, errors);

        string? dtypeText = r.Str("torch_dtype") ?? r.Str("dtype");
        if (dtypeText is null && textOnlyOf is not null) dtypeText = outer.Str("torch_dtype") ?? outer.Str("dtype");
        var dtype = DataType.Bf16;
        if (dtypeText is null) Assume("torch_dtype", "bfloat16", NotInConfig);
        else if (!DataTypes.TryParse(dtypeText, out dtype))
        {
            r.Error(r.Has("torch_dtype") ? "torch_dtype" : "dtype", $"unknown data type '{dtypeText}'; expected bfloat16, float16 or float32");
            dtype = DataType.Bf16;
        }

        // Mixture of experts, under any of the families' names.
        long? experts = r.Int("num_experts", min: 0, max: 100_000) ?? r.Int("num_local_experts", min: 0, max: 100_000) ?? r.Int("n_routed_experts", min: 0, max: 100_000);
        long? perTok = r.Int("num_experts_per_tok", max: 100_000) ?? (fromHf ? r.Int("experts_per_token", max: 100_000) : null);
        long? moeInter = r.Int("moe_intermediate_size", max: MaxDim);
        long? shared = r.Int("num_shared_experts", min: 0, max: 1000) ?? r.Int("n_shared_experts", min: 0, max: 1000);
        long? sharedInter = r.Int("shared_expert_intermediate_size", min: 0, max: MaxDim);
        long? firstDense = r.Int("first_k_dense_replace", min: 0, max: 10_000);
        long? freq = r.Int("moe_layer_freq", max: 10_000) ?? r.Int("decoder_sparse_step", max: 10_000);
        bool? routerBias = r.Bool("moe_router_bias");
        // Llama 4: intermediate_size is the expert's, intermediate_size_mlp the dense layers'; interleave_moe_layer_step k
        // makes layers k-1, 2k-1, ... MoE (Llama4TextConfig.moe_layers), i.e. k-1 dense layers first and then every k-th.
        long? denseMlp = null;
        if (fromHf && fam.Llama4Layout)
        {
            denseMlp = r.Int("intermediate_size_mlp", max: MaxDim);
            if (r.Int("interleave_moe_layer_step", max: 10_000) is long step)
            {
                freq = step;
                firstDense = step - 1;
            }
        }
        if (fromHf && r.IntList("mlp_only_layers").Count > 0)
            r.Error("mlp_only_layers", "dense-only layers listed by index are not supported; remove them or write the spec by hand");
        long? inter = r.Int("intermediate_size", required: experts is null or 0, max: MaxDim);
        if (denseMlp is not null)
        {
            moeInter ??= inter;
            inter = denseMlp;
        }
        shared ??= fromHf ? fam.SharedExperts : null;
        // The original Qwen (model_type "qwen") states intermediate_size as twice each MLP matrix's width.
        if (fromHf && modelType == "qwen" && inter is long qi) inter = qi / 2;

        // Multi-head latent attention.
        long? kvLora = r.Int("kv_lora_rank", max: MaxDim);
        long? qLora = r.Int("q_lora_rank", max: MaxDim);
        long? nope = r.Int("qk_nope_head_dim", max: MaxDim);
        long? rope = r.Int("qk_rope_head_dim", min: 0, max: MaxDim);
        long? vHead = r.Int("v_head_dim", max: MaxDim);
        long? mtp = r.Int("num_nextn_predict_layers", min: 0, max: 1000);

        var chunked = ReadChunked(r, fromHf, fam, layers, errors);
        var linear = ReadLinear(r, fromHf, fam, layers, errors);
        var (checkpointWeights, expertWeights) = ReadCheckpointFormat(outer, r, fromHf);

        if (!fromHf) r.Finish();
        if (errors.Count > before) return null;

        if (heads > 0 && kvHeads > heads)
            r.Error("num_key_value_heads", $"{kvHeads} key/value heads exceed {heads} attention heads");
        if (heads > 0 && kvHeads > 0 && heads % kvHeads != 0)
            r.Error("num_key_value_heads", $"{heads} attention heads are not a multiple of {kvHeads} key/value heads");
        int headDim = headDimField ?? (heads > 0 ? hidden / heads : 0);
        if (headDimField is null && heads > 0 && hidden % heads != 0)
            r.Error("head_dim", $"hidden_size {hidden} is not divisible by num_attention_heads {heads}; give head_dim explicitly");
        if (headDimField is null && kvLora is null) Assume("head_dim", headDim, "hidden_size / num_attention_heads; " + NotInConfig);

        bool gatedByAct = !(act.StartsWith("gelu", StringComparison.Ordinal) || act is "relu" or "relu2");
        bool gemmaNamed = modelType.StartsWith("gemma", StringComparison.Ordinal);
        bool gated = mlpKind switch
        {
            "gated" => true,
            "plain" => false,
            null => fam.AlwaysGated || (family is null && gemmaNamed) || gatedByAct,
            _ => Invalid(r, "mlp", $"expected gated or plain, got '{mlpKind}'"),
        };
        if (mlpKind is null)
            Assume("mlp", gated ? "gated" : "plain", gemmaNamed && !gatedByAct
                ? "gate, up and down projections, as Gemma-named families use GeGLU; config.json does not say"
                : $"from hidden_act '{act}'; config.json does not say whether the MLP has a gate");
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
            moe = new MoeConfig((int)experts, (int)(perTok ?? 1), (int)expertSize, (int)(shared ?? 0), (int)(sharedInter ?? 0), (int)(firstDense ?? 0), (int)(freq ?? 1))
            {
                RouterBias = routerBias ?? fam.RouterBias,
            };
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

        if (window.Window is not null && chunked.Size is not null)
            r.Error("attention_chunk_size", "a model has either sliding-window or chunked local attention layers, not both");
        if (linear.Config is not null && (window.Window is not null || chunked.Size is not null))
            r.Error("linear_attention_layers", "linear-attention layers together with sliding-window or chunked layers are not supported");
        if (linear.Config is not null && mla is not null)
            r.Error("linear_attention_layers", "linear-attention layers together with multi-head latent attention are not supported");

        if (errors.Count > before) return null;
        if (fromHf)
        {
            var parts = new List<string>();
            if (mtp is > 0)
                parts.Add($"{mtp} multi-token-prediction layer(s) (num_nextn_predict_layers) are in the checkpoint but not in the totals or the serving cost; an engine runs them only for speculative decoding");
            if (expertWeights is not null)
                parts.Add($"the checkpoint stores the routed experts as {expertWeights} and the rest in {dtypeText ?? "bfloat16"} (quantization_config)");
            else if (checkpointWeights is not null)
                parts.Add($"the checkpoint stores its linear weights as {checkpointWeights} (quantization_config)");
            if (textOnlyOf is not null)
                parts.Add($"text model only: the text_config of a multimodal '{textOnlyOf}' checkpoint; the vision tower (vision_config) and the multimodal projector are excluded");
            if (report) parts.Add("assumed: " + (assumptions.Count == 0 ? "nothing" : string.Join(", ", assumptions)));
            if (parts.Count > 0) notes = string.Join("; ", parts);
            if (textOnlyOf is not null) source += TextOnlySourceNote;
        }
        assumed?.AddRange(assumptions);
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
            SlidingWindow = window.Window,
            SlidingWindowLayers = window.Layers,
            Norm = normKind,
            QkNorm = qkNorm,
            ParallelResidual = parallel,
            SandwichNorm = sandwich,
            PartialRotaryFactor = rotary,
            Moe = moe,
            Mla = mla,
            NumNextnPredictLayers = (int)(mtp ?? 0),
            AttentionSinks = sinks,
            AttentionOutputGate = outputGate,
            AttentionChunkSize = chunked.Size,
            ChunkedAttentionLayers = chunked.Layers,
            LinearAttention = linear.Config,
            LinearAttentionLayers = linear.Layers,
            CheckpointWeights = checkpointWeights,
            ExpertWeights = expertWeights,
            NativeDType = dtype,
            Notes = notes,
            FilePath = r.File,
        };
    }

    /// <summary>
    /// The attention window and the layers that use it. A model-spec YAML states both (<c>sliding_window</c>,
    /// <c>sliding_window_layers</c>; no list = every layer). A config.json gives <c>layer_types</c>
    /// (sliding_attention / full_attention per layer), or the family decides: Gemma 2 alternates, Gemma 3 keeps one
    /// global layer in <c>sliding_window_pattern</c> (6), Qwen2/Qwen3 use the window only with use_sliding_window and
    /// from layer max_window_layers on, Mistral uses it on every layer (4096 when the key is absent).
    /// A list naming every layer becomes null (all), an empty one removes the window.
    /// </summary>
    private static (int? Window, LayerSet? Layers) ReadWindow(IFieldReader r, bool fromHf, ModelFamily fam, int numLayers, List<AssumedField>? assumed, List<SpecError> errors)
    {
        int before = errors.Count;
        bool? useSliding = r.Bool("use_sliding_window");
        long? windowField = r.Int("sliding_window", max: 100_000_000);
        int? window = (int?)windowField;
        IEnumerable<int>? layers = null;
        if (!fromHf)
        {
            if (useSliding == false) window = null;
            var list = r.IntList("sliding_window_layers");
            foreach (long l in list)
                if (l < 0 || l >= numLayers)
                    r.Error("sliding_window_layers", $"layer {l} is outside 0..{numLayers - 1} (layers are numbered from 0)");
            if (errors.Count > before) return (null, null);
            if (list.Count > 0)
            {
                if (window is null) r.Error("sliding_window_layers", "lists sliding layers but sliding_window gives no window size");
                layers = list.Select(l => (int)l);
            }
        }
        else
        {
            var types = r.StrList("layer_types");
            long? pattern = r.Int("sliding_window_pattern", max: 10_000);
            long? maxWindowLayers = r.Int("max_window_layers", min: 0, max: 10_000);
            if (windowField is null && !r.Mentions("sliding_window"))
            {
                window = fam.SlidingWindow;
                if (window is null) assumed?.Add(new AssumedField("sliding_window", "none", "not in the config; every layer attends the whole context"));
            }
            if (fam.WindowNeedsFlag ? useSliding != true : useSliding == false) window = null;
            if (window is not null)
            {
                if (types.Count > 0)
                {
                    if (types.Count != numLayers)
                        r.Error("layer_types", $"lists {types.Count} layers, but num_hidden_layers is {numLayers}");
                    foreach (var t in types.Distinct())
                        if (t is not ("sliding_attention" or "full_attention"))
                            r.Error("layer_types", $"unknown layer type '{t}'; expected sliding_attention or full_attention");
                    layers = types.Select((t, i) => (t, i)).Where(x => x.t == "sliding_attention").Select(x => x.i);
                }
                else if (fam.WindowNeedsFlag)
                {
                    int from = (int)(maxWindowLayers ?? fam.MaxWindowLayers);
                    layers = Enumerable.Range(Math.Min(from, numLayers), Math.Max(0, numLayers - from));
                }
                else if ((pattern is long p ? (int)p : fam.SlidingWindowPeriod) is int period and > 0)
                    layers = LayerSet.AllButEvery(period, numLayers).Layers;
                else
                    assumed?.Add(new AssumedField("layer_types", "sliding_attention on every layer", "the config gives a sliding_window but no layer_types"));
            }
        }
        if (errors.Count > before || window is null) return (null, null);
        if (layers is null) return (window, null);
        var set = new LayerSet(layers);
        if (set.Count == 0) return (null, null);
        return (window, set.Count == numLayers ? null : set);
    }

    /// <summary>
    /// Chunked local attention (Llama 4). A model-spec YAML states <c>attention_chunk_size</c> and optionally
    /// <c>chunked_attention_layers</c> (absent: every layer). A config.json gives <c>attention_chunk_size</c> (else the
    /// family's), and the chunked layers are the RoPE layers: <c>no_rope_layers</c> (1 = RoPE = chunked), a
    /// <c>layer_types</c> list with <c>chunked_attention</c>, else all but every <c>no_rope_layer_interval</c>-th layer (4),
    /// which are global NoPE layers (transformers' Llama4TextConfig).
    /// </summary>
    private static (int? Size, LayerSet? Layers) ReadChunked(IFieldReader r, bool fromHf, ModelFamily fam, int numLayers, List<SpecError> errors)
    {
        int before = errors.Count;
        int? size = (int?)r.Int("attention_chunk_size", max: 100_000_000);
        IEnumerable<int>? layers = null;
        if (!fromHf)
        {
            var list = r.IntList("chunked_attention_layers");
            foreach (long l in list)
                if (l < 0 || l >= numLayers)
                    r.Error("chunked_attention_layers", $"layer {l} is outside 0..{numLayers - 1} (layers are numbered from 0)");
            if (list.Count > 0)
            {
                if (size is null) r.Error("chunked_attention_layers", "lists chunked layers but attention_chunk_size gives no chunk size");
                layers = list.Select(l => (int)l);
            }
        }
        else
        {
            if (size is null && !r.Mentions("attention_chunk_size")) size = fam.AttentionChunkSize;
            if (size is null) return (null, null);
            var noRope = r.IntList("no_rope_layers");
            var types = r.StrList("layer_types");
            if (noRope.Count > 0)
            {
                if (noRope.Count != numLayers) r.Error("no_rope_layers", $"lists {noRope.Count} layers, but num_hidden_layers is {numLayers}");
                layers = noRope.Select((v, i) => (v, i)).Where(x => x.v != 0).Select(x => x.i);
            }
            else if (types.Contains("chunked_attention"))
                layers = types.Select((t, i) => (t, i)).Where(x => x.t == "chunked_attention").Select(x => x.i);
            else
            {
                long interval = r.Int("no_rope_layer_interval", max: 10_000) ?? fam.NoRopeLayerInterval;
                if (interval > 0) layers = LayerSet.AllButEvery((int)interval, numLayers).Layers;
            }
        }
        if (errors.Count > before || size is null) return (null, null);
        if (layers is null) return (size, null);
        var set = new LayerSet(layers);
        if (set.Count == 0) return (null, null);
        return (size, set.Count == numLayers ? null : set);
    }

    /// <summary>
    /// Linear-attention (Gated DeltaNet) layers (Qwen3-Next). A model-spec YAML gives the <c>linear_*</c> dimensions and
    /// <c>linear_attention_layers</c> (or <c>full_attention_interval</c>); a config.json gives the dimensions (else the
    /// family's) and <c>layer_types</c> with <c>linear_attention</c>, else <c>full_attention_interval</c> k: layer i is
    /// linear when (i + 1) mod k ≠ 0 (transformers' Qwen3NextConfig).
    /// </summary>
    private static (LinearAttentionConfig? Config, LayerSet? Layers) ReadLinear(IFieldReader r, bool fromHf, ModelFamily fam, int numLayers, List<SpecError> errors)
    {
        int before = errors.Count;
        long? kHeads = r.Int("linear_num_key_heads", max: 100_000), vHeads = r.Int("linear_num_value_heads", max: 100_000);
        long? kDim = r.Int("linear_key_head_dim", max: MaxDim), vDim = r.Int("linear_value_head_dim", max: MaxDim);
        long? kernel = r.Int("linear_conv_kernel_dim", max: 1000);
        string? stateType = r.Str("linear_state_dtype");
        long? interval = r.Int("full_attention_interval", max: 10_000);
        IReadOnlyList<string> types = fromHf ? r.StrList("layer_types") : [];
        IEnumerable<int>? layers = null;
        if (!fromHf)
        {
            var list = r.IntList("linear_attention_layers");
            foreach (long l in list)
                if (l < 0 || l >= numLayers)
                    r.Error("linear_attention_layers", $"layer {l} is outside 0..{numLayers - 1} (layers are numbered from 0)");
            if (list.Count > 0) layers = list.Select(l => (int)l);
        }
        else if (types.Contains("linear_attention"))
            layers = types.Select((t, i) => (t, i)).Where(x => x.t == "linear_attention").Select(x => x.i);
        if (layers is null && (interval ?? (fromHf ? fam.FullAttentionInterval : 0)) is long k and > 0)
            layers = LayerSet.AllButEvery((int)k, numLayers).Layers;
        bool any = kHeads is not null || vHeads is not null || kDim is not null || vDim is not null || kernel is not null;
        if (layers is null)
        {
            if (any && !fromHf) r.Error("linear_attention_layers", "linear-attention dimensions are given but no layer uses them; list linear_attention_layers");
            return (null, null);
        }
        var d = fam.LinearAttention;
        LinearAttentionConfig? cfg = null;
        long? Need(string key, long? value, int? familyDefault)
        {
            if (value is not null) return value;
            if (fromHf && familyDefault is not null) return familyDefault;
            r.Error(key, "required for linear-attention layers");
            return null;
        }
        var a = Need("linear_num_key_heads", kHeads, d?.NumKeyHeads);
        var b = Need("linear_num_value_heads", vHeads, d?.NumValueHeads);
        var c = Need("linear_key_head_dim", kDim, d?.KeyHeadDim);
        var e = Need("linear_value_head_dim", vDim, d?.ValueHeadDim);
        var f = Need("linear_conv_kernel_dim", kernel, d?.ConvKernel);
        double stateBytes = 4;
        if (stateType is not null)
        {
            if (DataTypes.TryParse(stateType, out var st) && st is DataType.Fp32 or DataType.Bf16 or DataType.Fp16) stateBytes = st.Bytes();
            else r.Error("linear_state_dtype", $"expected float32, bfloat16 or float16, got '{stateType}'");
        }
        if (errors.Count > before) return (null, null);
        cfg = new LinearAttentionConfig((int)a!, (int)b!, (int)c!, (int)e!, (int)f!) { StateBytesPerElement = stateBytes };
        var set = new LayerSet(layers);
        if (set.Count == 0) return (null, null);
        if (set.Count == numLayers) r.Error("linear_attention_layers", "every layer is linear attention; at least one softmax-attention layer is expected");
        return (cfg, set);
    }

    /// <summary>
    /// The published checkpoint's weight format. A model-spec YAML states <c>checkpoint_weights</c> and <c>expert_weights</c>;
    /// a config.json's <c>quantization_config</c> says it: quant_method fp8 with a weight_block_size is <c>fp8block</c>
    /// (DeepSeek, Kimi-K2); mxfp4 with the attention in modules_to_not_convert quantizes only the experts (gpt-oss).
    /// </summary>
    private static (string? Checkpoint, string? Experts) ReadCheckpointFormat(IFieldReader outer, IFieldReader r, bool fromHf)
    {
        if (!fromHf) return (r.Str("checkpoint_weights"), r.Str("expert_weights"));
        var q = (r as JsonFieldReader)?.Object("quantization_config") ?? (outer as JsonFieldReader)?.Object("quantization_config");
        if (q?.Str("quant_method") is not { } method) return (null, null);
        method = method.ToLowerInvariant();
        var skipped = q.StrList("modules_to_not_convert");
        if (method == "fp8" && q.IntList("weight_block_size").Count > 0) method = "fp8block";
        bool expertsOnly = skipped.Any(s => s.Contains("self_attn", StringComparison.Ordinal));
        return expertsOnly ? (null, method) : (method, null);
    }

    private static string Text<T>(T value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };

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
