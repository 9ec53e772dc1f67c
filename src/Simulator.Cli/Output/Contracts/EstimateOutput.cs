using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim estimate --format json</c>: one static batch (with --sweep, an array of these).</summary>
public sealed record EstimateOutput(
    [property: JsonPropertyOrder(-1)] string Model,
    [property: JsonPropertyOrder(-1)] string Hardware,
    [property: JsonPropertyOrder(-1)] string Quantization,
    [property: Description("KV-cache format"), JsonPropertyOrder(-1)] string KvCacheDtype,
    [property: JsonPropertyOrder(-1)] int Tp,
    [property: JsonPropertyOrder(-1)] int Pp,
    [property: JsonPropertyOrder(-1)] int Ep,
    int Devices,
    int Batch,
    int InputTokens,
    int OutputTokens,
    [property: Description("Prefill of the whole batch, seconds")] double TtftSeconds,
    [property: Description("A decode step at the average context, seconds")] double TpotSeconds,
    double E2eSeconds,
    [property: Description("Output tokens per second of the replica")] double TokensPerSecond,
    double TokensPerSecondPerDevice,
    [property: Description("Model FLOPs utilisation, 0..1")] double Mfu,
    [property: Description("Memory bandwidth utilisation, 0..1")] double Mbu,
    [property: Description("compute or memory")] string PrefillBound,
    [property: Description("compute or memory")] string DecodeBound,
    double WeightBytesPerDevice,
    [property: Description("KV cache of the whole batch per device, bytes")] double KvCacheBytes,
    double ActivationBytes,
    double ReserveBytes,
    double MemoryCapacityBytes,
    bool Fits,
    int MaxBatchAtThisContext,
    [property: Description("Which efficiency constants and calibrated parts apply")] string Efficiency,
    IReadOnlyList<string> Notes)
{
    /// <summary>Attention data-parallel ranks per replica; present only when above 1.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Dp { get; init; }
    /// <summary>Load of the busiest expert-parallel rank over the mean (--expert-imbalance); present only when not 1.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? ExpertImbalance { get; init; }
    /// <summary>Redundant expert replicas (--redundant-experts); present only when above 0.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? RedundantExperts { get; init; }

    /// <summary>The serving engine the estimate models (--engine), e.g. vllm@0.11, or "generic" without --engine.</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Engine { get; init; }
    /// <summary>How the engine sizes its KV pool (with --engine).</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KvMemoryRule { get; init; }
    /// <summary>The memory fraction the engine's rule applies (with --engine).</summary>
    [JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? KvMemoryFraction { get; init; }

    /// <summary>Range of measured TTFT consistent with the calibration's held-out GEMM errors (only with a calibration).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ErrorBand? TtftBandSeconds { get; init; }

    /// <summary>Range of measured TPOT consistent with the calibration's held-out memory (else GEMM) errors.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ErrorBand? TpotBandSeconds { get; init; }
}

/// <summary>A prediction's range from calibration residuals.</summary>
public sealed record ErrorBand(double Low, double High, [property: Description("Which residuals")] string From);
