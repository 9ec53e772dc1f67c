using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary>One row of <c>llmsim models list --format json</c> (an array of these).</summary>
public sealed record ModelListRow(string Name, string DisplayName, string ModelType, [property: Description("e.g. GQA+SW4096 on 26/62, MoE 2/8")] string Attention, int Layers, int HiddenSize,
    double? TotalParameters, double? ActiveParameters, [property: Description("16-bit KV cache")] double? KvCacheBytesPerToken);

/// <summary><c>llmsim models show NAME --format json</c>: the spec's main fields and derived counts.</summary>
public sealed record ModelShowOutput(
    string Name,
    string DisplayName,
    string ModelType,
    [property: Description("mha, gqa, mqa or mla")] string Attention,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int NumKeyValueHeads,
    int HeadDim,
    int IntermediateSize,
    int VocabSize,
    bool GatedMlp,
    bool TieWordEmbeddings,
    int? SlidingWindow,
    double TotalParameters,
    double ActiveParameters,
    double EmbeddingParameters,
    [property: Description("16-bit KV cache, bytes per token")] double KvCacheBytesPerToken,
    double KvCacheBytesPerToken8Bit,
    string Source)
{
    /// <summary>The layers that use the window, when only some do (Gemma 2/3).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<int>? SlidingWindowLayers { get; init; }
    /// <summary>Layers attending the whole context, when only some use the window.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? GlobalLayers { get; init; }
    /// <summary>Chunk of local attention (Llama 4's chunked layers), tokens.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? AttentionChunkSize { get; init; }
    /// <summary>Layers that attend only inside their chunk.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ChunkedLayers { get; init; }
    /// <summary>Linear-attention (Gated DeltaNet) layers of a hybrid model (Qwen3-Next).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? LinearAttentionLayers { get; init; }
    /// <summary>Recurrent state of the linear layers per sequence, bytes (constant in context length).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? LinearStateBytesPerSequence { get; init; }
    /// <summary>Shape of the linear-attention layers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public LinearAttentionOutput? LinearAttention { get; init; }
    /// <summary>Learned attention sinks (gpt-oss).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? AttentionSinks { get; init; }
    /// <summary>Multi-token-prediction layers, counted apart from totalParameters as the model cards do.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? MtpLayers { get; init; }
    /// <summary>Parameters of the MTP layers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MtpParameters { get; init; }
    /// <summary>Active parameters of the MTP layers per token.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? MtpActiveParameters { get; init; }
    /// <summary>Format of the released checkpoint's weights (e.g. fp8 block-scaled), when the spec states it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CheckpointWeights { get; init; }
    /// <summary>Format of the released checkpoint's expert weights, when it differs (gpt-oss: mxfp4).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ExpertWeights { get; init; }
    /// <summary>The spec's notes (what an import assumed), when it has any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Notes { get; init; }
    /// <summary>Mixture of experts (MoE models only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public MoeOutput? Moe { get; init; }
    /// <summary>Multi-head latent attention (MLA models only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public MlaOutput? Mla { get; init; }
}

/// <summary>A model's mixture of experts.</summary>
public sealed record MoeOutput(int NumExperts, int ExpertsPerToken, int ExpertIntermediateSize, int NumSharedExperts, int SharedExpertIntermediateSize, int FirstDenseLayers, int MoeLayers);

/// <summary>Shape of a model's linear-attention layers.</summary>
public sealed record LinearAttentionOutput(int NumKeyHeads, int NumValueHeads, int KeyHeadDim, int ValueHeadDim, int ConvKernel, double StateBytesPerElement);

/// <summary>A model's multi-head latent attention.</summary>
public sealed record MlaOutput(int? QLoraRank, int KvLoraRank, int QkNopeHeadDim, int QkRopeHeadDim, int VHeadDim);
