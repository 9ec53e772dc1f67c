using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary>
/// <c>llmsim simulate --format json</c>: the setup and everything one run measured. With --rate-sweep, an array of
/// these, each starting with its <see cref="Rate"/> and without <see cref="KvUsage"/>.
/// </summary>
public sealed record SimulationOutput
{
    /// <summary>The offered rate of this run of a rate sweep (only in a sweep).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Rate { get; init; }
    public required string Model { get; init; }
    public required string Hardware { get; init; }
    public required string Quantization { get; init; }
    public required string KvCacheDtype { get; init; }
    public required int Tp { get; init; }
    public required int Pp { get; init; }
    /// <summary>Attention data-parallel ranks per replica (only when above 1).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Dp { get; init; }
    /// <summary>Expert-parallel ranks (only with dp).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Ep { get; init; }
    /// <summary>How KV capacity is counted with attention DP (only with dp).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KvCapacityNote { get; init; }
    public required int Replicas { get; init; }
    [Description("static, continuous or chunked")] public required string Scheduler { get; init; }
    public required int MaxBatch { get; init; }
    public required int TokenBudget { get; init; }
    public required int BlockSize { get; init; }
    [Description("recompute or swap")] public required string Preemption { get; init; }
    [Description("round-robin, least-outstanding, least-kv or prefix-affinity")] public required string Router { get; init; }
    public required bool Disaggregated { get; init; }
    public required int Seed { get; init; }
    public required string Workload { get; init; }
    [Description("The arrival process in words")] public required string Arrivals { get; init; }
    /// <summary>The serving engine modelled (--engine), e.g. vllm@0.11, or "generic" without --engine.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Engine { get; init; }
    /// <summary>Whether the engine's API-server overheads are in TTFT and E2E (false with --offline); only with --engine.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? RequestOverheads { get; init; }
    /// <summary>Automatic prefix caching (only when on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? PrefixCaching { get; init; }
    /// <summary>Tokens of the prompt every request shares (--shared-prefix-tokens; only with it).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? SharedPrefixTokens { get; init; }
    /// <summary>The KV offload tier (only with --kv-offload).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public KvOffloadOutput? KvOffload { get; init; }
    /// <summary>Speculative decoding settings (only with --speculative).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SpeculativeOutput? Speculative { get; init; }
    /// <summary>Decode pool hardware (disaggregated only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? DecodeHardware { get; init; }
    /// <summary>Decode pool TP (disaggregated only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? DecodeTp { get; init; }
    /// <summary>Decode replicas (disaggregated only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? DecodeReplicas { get; init; }
    /// <summary>The link the KV cache crosses (disaggregated only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? KvLink { get; init; }
    [Description("Arrivals")] public required long Requests { get; init; }
    public required long Completed { get; init; }
    public required long Rejected { get; init; }
    public required IReadOnlyList<RejectReason> RejectReasons { get; init; }
    [Description("Simulated seconds from 0 to the last event")] public required double? DurationSeconds { get; init; }
    public required Percentiles Ttft { get; init; }
    public required Percentiles Tpot { get; init; }
    public required Percentiles Itl { get; init; }
    public required Percentiles E2e { get; init; }
    public required Percentiles QueueDelay { get; init; }
    public required double? ThroughputRequestsPerSecond { get; init; }
    [Description("Output tokens per second (the same as outputTokensPerSecond)")] public required double? ThroughputTokensPerSecond { get; init; }
    public required double? InputTokensPerSecond { get; init; }
    public required double? OutputTokensPerSecond { get; init; }
    public required long InputTokens { get; init; }
    public required long OutputTokens { get; init; }
    [Description("Completed requests per second that met every SLO of their class")] public required double? Goodput { get; init; }
    [Description("Requests that met every SLO / arrivals")] public required double? SloAttainment { get; init; }
    public required long MetSlo { get; init; }
    public required IReadOnlyList<ClassOutput> Classes { get; init; }
    public required double? DeviceBusyFraction { get; init; }
    public required long Preemptions { get; init; }
    public required long PreemptedRequests { get; init; }
    public required long KvTransfers { get; init; }
    public required double? KvTransferSecondsMean { get; init; }
    public required IReadOnlyList<PoolOutput> Pools { get; init; }
    public required int Devices { get; init; }
    public required double? EnergyJoules { get; init; }
    public required double? JoulesPerOutputToken { get; init; }
    [Description("Null when a device has no hourly price")] public required double? CostUsd { get; init; }
    public required double? CostUsdPerMillionOutputTokens { get; init; }
    public required long Steps { get; init; }
    /// <summary>KV usage over time (left out of rate sweeps).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<KvUsagePoint>? KvUsage { get; init; }
    /// <summary>Prefix caching over the run (only when on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PrefixCacheOutput? PrefixCache { get; init; }
    /// <summary>Speculative decoding over the run (only when on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public SpeculationOutput? Speculation { get; init; }
    /// <summary>The trace replayed (only with --trace).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TraceOutput? Trace { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
    /// <summary>The scenario file the options came from (only with one).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ScenarioOutput? Scenario { get; init; }
}

/// <summary>Requests turned away for one reason.</summary>
public sealed record RejectReason(string Reason, long Count);

/// <summary>A latency's summary, seconds (null where no request has the metric).</summary>
public sealed record Percentiles(double? Mean, double? P50, double? P90, double? P95, double? P99, double? Max, long Count);

/// <summary>One request class's outcome.</summary>
public sealed record ClassOutput(string Name, double Weight, [property: Description("Prompt length distribution in words")] string Input,
    [property: Description("Output length distribution in words")] string Output, double? TtftSlo, double? TpotSlo, long Requests, long Completed, long Rejected, long MetSlo, double? SloAttainment)
{
    /// <summary>TTFT of the class's completed requests (only when the workload has several classes).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Percentiles? Ttft { get; init; }
    /// <summary>TPOT of the class's completed requests (only when the workload has several classes).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Percentiles? Tpot { get; init; }
}

/// <summary>One pool of identical replicas.</summary>
public sealed record PoolOutput([property: Description("unified, prefill or decode")] string Role, string Hardware, string Parallelism, string Quantization, string KvCacheDtype,
    int Replicas, int DevicesPerReplica, long KvCapacityTokens, double? BusyFraction, double? MeanKvUsage, double? PeakKvUsage, long Steps, long Preemptions,
    double? EnergyJoules, double? CostUsd);

/// <summary>KV usage at one time: the mean over replicas and the fullest replica, fractions.</summary>
public sealed record KvUsagePoint(double Time, double Mean, double Max);

/// <summary>The trace a run replayed.</summary>
public sealed record TraceOutput(string File, [property: Description("burstgpt or azure")] string Format, int Rows, int BrokenRows, IReadOnlyList<BrokenLine> FirstBroken);

/// <summary>A trace row that was skipped.</summary>
public sealed record BrokenLine(int Line, string Reason);

/// <summary>A host-memory (and SSD) tier for KV blocks.</summary>
public sealed record KvOffloadOutput(double HostBytes, double SsdBytes, double SsdBandwidthBytesPerSecond, [property: Description("The device-to-host link blocks cross")] string? Link);

/// <summary>Speculative decoding as configured.</summary>
public sealed record SpeculativeOutput([property: Description("draft, eagle, mtp or ngram")] string Method, [property: Description("Draft tokens per step")] int K,
    [property: Description("Acceptance probability of the i-th draft token given the ones before")] IReadOnlyList<double> Acceptance, string? DraftModel);

/// <summary>What prefix caching did over a run.</summary>
public sealed record PrefixCacheOutput(long Lookups, long PromptTokens, long HitTokens, double? TokenHitRate, long PromptBlocks, long HitBlocks, double? BlockHitRate,
    [property: Description("Prompt tokens not prefilled thanks to the cache")] long PrefillTokensSaved, long HostHitBlocks, long SsdHitBlocks, long EvictedBlocks,
    double? OffloadLoadSeconds, double? MeanOccupancy, double? PeakOccupancy, IReadOnlyList<KvUsagePoint> Occupancy);

/// <summary>What speculative decoding did over a run.</summary>
public sealed record SpeculationOutput(string Method, int K, long Verifications, long AcceptedDrafts, double? AcceptanceRate, double? TokensPerVerification,
    double? ExpectedTokensPerVerification, double? DraftSeconds);
