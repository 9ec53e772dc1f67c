using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim roofline --format json</c>: one step, operator by operator, per device and summed over layers.</summary>
public sealed record RooflineOutput(
    [property: JsonPropertyOrder(-1)] string Model,
    [property: JsonPropertyOrder(-1)] string Hardware,
    [property: JsonPropertyOrder(-1)] string Quantization,
    [property: JsonPropertyOrder(-1)] string KvCacheDtype,
    [property: JsonPropertyOrder(-1)] int Tp,
    [property: Description("prefill or decode")] string Phase,
    int Batch,
    int Seq,
    int Context,
    bool FlashAttention,
    [property: Description("Always true: figures are per device")] bool PerDevice,
    string Efficiency,
    IReadOnlyList<string> Notes,
    IReadOnlyList<RooflineOperator> Operators,
    IReadOnlyList<RooflineCommunication> Communication,
    RooflineTotals Totals)
{
    /// <summary>Attention data-parallel ranks; present only when above 1.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Dp { get; init; }
    /// <summary>Expert-parallel ranks; present with dp.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Ep { get; init; }
}

/// <summary>One operator, summed over the layers it appears in.</summary>
public sealed record RooflineOperator(
    string Name,
    string Kind,
    int Layers,
    double? Flops,
    double? Bytes,
    double? WeightBytes,
    double? ActivationBytes,
    double? KvReadBytes,
    double? KvWriteBytes,
    [property: Description("FLOPs per byte; null when the operator moves no bytes")] double? Intensity,
    [property: Description("compute, memory or communication")] string Bound,
    double? ComputeSeconds,
    double? MemorySeconds,
    double? OverheadSeconds,
    double? Seconds,
    [property: Description("The data type it computes in (after any device fallback)")] string Dtype);

/// <summary>One collective, summed over layers.</summary>
public sealed record RooflineCommunication(string Name, int Layers, double? NetworkBytes, double? Seconds);

/// <summary>The step's totals.</summary>
public sealed record RooflineTotals(double Flops, double Bytes, double Seconds, double OverheadSeconds, double Intensity);
