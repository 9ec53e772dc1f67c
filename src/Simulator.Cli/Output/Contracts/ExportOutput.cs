using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim export --format json</c> (and what <c>plan --export</c> wrote): the deployment and the files.</summary>
public sealed record ExportOutput(
    [property: Description("The model spec's name")] string Model,
    [property: Description("What the engines load: a Hugging Face id or a path")] string ModelId,
    [property: Description("Where the deployment came from")] string Origin,
    [property: Description("The folder written")] string Folder,
    int Devices,
    IReadOnlyList<ExportGroupOutput> Groups,
    IReadOnlyList<ExportFileOutput> Files);

/// <summary>One replica group as exported.</summary>
public sealed record ExportGroupOutput(
    [property: Description("serve-N, prefill-N or decode-N: the group's name in scripts and manifests")] string Key,
    [property: Description("aggregated, prefill or decode")] string Role,
    string Hardware,
    int Count,
    int Tp,
    int Pp,
    int Ep,
    int Dp,
    string Quantization,
    string KvCacheDtype,
    int MaxBatch,
    int MaxBatchedTokens,
    int DevicesPerReplica,
    int NodesPerReplica)
{
    /// <summary>Speculative decoding the plan counts on, in words; the launch files do not configure it (they say so in a note).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Speculative { get; init; }
}

/// <summary>One file written.</summary>
public sealed record ExportFileOutput(
    string Path,
    [property: Description("The engine flag list its flags were checked against, e.g. 'vllm 0.11.0'")] string? CheckedAgainst,
    [property: Description("Engine commands it holds")] int Commands);
