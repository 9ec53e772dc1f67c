using Simulator.Core.Specs;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace Simulator.Core.Loading;

/// <summary>Writes a <see cref="ModelSpec"/> as a model-spec YAML file (the format <see cref="ModelSpecReader"/> reads).</summary>
public static class ModelSpecWriter
{
    /// <summary>The YAML text, with a header comment that names where the spec came from.</summary>
    public static string ToYaml(ModelSpec m)
    {
        var d = new Dictionary<string, object?>
        {
            ["name"] = m.Name,
            ["display_name"] = m.DisplayName,
            ["source"] = m.Source,
            ["model_type"] = m.ModelType,
            ["hidden_size"] = m.HiddenSize,
            ["num_hidden_layers"] = m.NumLayers,
            ["num_attention_heads"] = m.NumAttentionHeads,
            ["num_key_value_heads"] = m.NumKeyValueHeads,
            ["head_dim"] = m.HeadDim,
            ["intermediate_size"] = m.IntermediateSize,
            ["vocab_size"] = m.VocabSize,
        };
        if (m.MaxPositionEmbeddings > 0) d["max_position_embeddings"] = m.MaxPositionEmbeddings;
        d["hidden_act"] = m.HiddenAct;
        d["mlp"] = m.GatedMlp ? "gated" : "plain";
        // A flag is written when it is on, or when reading the file back would otherwise give the family's default instead.
        var fam = ModelFamily.Of(m.ModelType) ?? ModelFamily.Generic;
        void Flag(string key, bool value, bool defaultOnRead)
        {
            if (value || value != defaultOnRead) d[key] = value;
        }
        d["attention_bias"] = m.AttentionBias;
        Flag("attention_output_bias", m.AttentionOutputBias, fam.AttentionOutputBias ?? m.AttentionBias);
        Flag("mlp_bias", m.MlpBias, fam.MlpBias);
        Flag("lm_head_bias", m.LmHeadBias, fam.LmHeadBias);
        d["tie_word_embeddings"] = m.TieWordEmbeddings;
        if (m.SlidingWindow is int w)
        {
            d["sliding_window"] = w;
            if (m.SlidingWindowLayers is { } layers) d["sliding_window_layers"] = layers.Layers;
        }
        if (m.AttentionChunkSize is int chunk)
        {
            d["attention_chunk_size"] = chunk;
            if (m.ChunkedAttentionLayers is { } chunked) d["chunked_attention_layers"] = chunked.Layers;
        }
        Flag("attention_sinks", m.AttentionSinks, fam.AttentionSinks);
        Flag("attn_output_gate", m.AttentionOutputGate, fam.AttentionOutputGate);
        if (m.LinearAttention is { } la && m.LinearAttentionLayers is { } linearLayers)
        {
            d["linear_num_key_heads"] = la.NumKeyHeads;
            d["linear_num_value_heads"] = la.NumValueHeads;
            d["linear_key_head_dim"] = la.KeyHeadDim;
            d["linear_value_head_dim"] = la.ValueHeadDim;
            d["linear_conv_kernel_dim"] = la.ConvKernel;
            d["linear_state_dtype"] = la.StateBytesPerElement switch { 2 => "bfloat16", _ => "float32" };
            d["linear_attention_layers"] = linearLayers.Layers;
        }
        d["norm"] = m.Norm == NormKind.LayerNorm ? "layernorm" : "rmsnorm";
        Flag("qk_norm", m.QkNorm, fam.QkNorm);
        Flag("parallel_residual", m.ParallelResidual, fam.ParallelResidual);
        Flag("sandwich_norm", m.SandwichNorm, fam.SandwichNorm);
        if (m.PartialRotaryFactor < 1 || m.PartialRotaryFactor != fam.PartialRotaryFactor) d["partial_rotary_factor"] = m.PartialRotaryFactor;
        d["torch_dtype"] = m.NativeDType switch { DataType.Fp16 => "float16", DataType.Fp32 => "float32", _ => "bfloat16" };
        if (m.Moe is { } moe)
        {
            d["num_experts"] = moe.NumExperts;
            d["num_experts_per_tok"] = moe.ExpertsPerToken;
            d["moe_intermediate_size"] = moe.ExpertIntermediateSize;
            if (moe.NumSharedExperts > 0) d["num_shared_experts"] = moe.NumSharedExperts;
            if (moe.SharedExpertIntermediateSize > 0) d["shared_expert_intermediate_size"] = moe.SharedExpertIntermediateSize;
            if (moe.FirstDenseLayers > 0) d["first_k_dense_replace"] = moe.FirstDenseLayers;
            if (moe.LayerFrequency != 1) d["moe_layer_freq"] = moe.LayerFrequency;
            Flag("moe_router_bias", moe.RouterBias, fam.RouterBias);
        }
        if (m.Mla is { } mla)
        {
            d.Remove("head_dim");
            if (mla.QLoraRank is int q) d["q_lora_rank"] = q;
            d["kv_lora_rank"] = mla.KvLoraRank;
            d["qk_nope_head_dim"] = mla.QkNopeHeadDim;
            d["qk_rope_head_dim"] = mla.QkRopeHeadDim;
            d["v_head_dim"] = mla.VHeadDim;
        }
        if (m.NumNextnPredictLayers > 0) d["num_nextn_predict_layers"] = m.NumNextnPredictLayers;
        if (m.CheckpointWeights is { } cw) d["checkpoint_weights"] = cw;
        if (m.ExpertWeights is { } ew) d["expert_weights"] = ew;
        if (m.Notes is { Length: > 0 } notes) d["notes"] = notes;
        var p = ModelMath.Parameters(m);
        string window = m.SlidingWindow is int sw && m.GlobalLayerCount > 0
            ? $"\n# {m.SlidingLayerCount} of {m.NumLayers} layers attend only the last {sw} tokens (sliding window); the rest the whole context."
            : m.AttentionChunkSize is int ck && m.GlobalLayerCount > 0
            ? $"\n# {m.ChunkedLayerCount} of {m.NumLayers} layers attend only within their own {ck}-token chunk (chunked local attention); the rest the whole context."
            : "";
        if (m.LinearLayerCount > 0)
            window += $"\n# {m.LinearLayerCount} of {m.NumLayers} layers are linear attention: {ModelMath.LinearStateBytesPerSequence(m):0} bytes of fixed state per sequence instead of a KV cache.";
        var (mtpTotal, mtpActive) = ModelMath.MtpParameters(m);
        if (mtpTotal > 0)
            window += $"\n# Multi-token prediction (not in the totals above): {mtpTotal / 1e9:0.###}B parameters, {mtpActive / 1e9:0.###}B active (embedding and head shared).";
        string header = $"# Model spec written by llmsim.\n# Derived: {p.Total / 1e9:0.###}B parameters in total, {p.Active / 1e9:0.###}B active per token, "
            + $"{ModelMath.KvCacheBytesPerToken(m):0} KV-cache bytes per token at 16-bit.{window}\n";
        return header + new SerializerBuilder().WithEventEmitter(next => new FlowLists(next)).Build().Serialize(d);
    }

    /// <summary>Lists (the sliding layers) on one line, <c>[0, 2, 4]</c>, rather than one item per line.</summary>
    private sealed class FlowLists(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(SequenceStartEventInfo eventInfo, IEmitter emitter)
        {
            eventInfo.Style = SequenceStyle.Flow;
            base.Emit(eventInfo, emitter);
        }
    }
}
