using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim plan --format json</c>: the planning problem, the ranked plans, the alternatives and why they lost, the devices left out, the Pareto fronts.</summary>
public sealed record PlanOutput(
    [property: JsonPropertyOrder(-1)] string Model,
    [property: Description("Requests per second planned for (with --cluster: the highest found)")] double Rate,
    double MeanInputTokens,
    double MeanOutputTokens,
    double TtftSloSeconds,
    double TpotSloSeconds,
    [property: Description("cost, purchase, power, devices or tco")] string Objective,
    double Headroom,
    bool WholeNodes,
    [property: Description("Every default the planner used, in words")] IReadOnlyList<string> Defaults,
    string LatencyModel,
    string WhyFirst,
    IReadOnlyList<PlanEntry> Plans,
    [property: Description("Plans that lost, each with lostBecause")] IReadOnlyList<PlanEntry> Alternatives,
    IReadOnlyList<ExcludedDevice> Excluded,
    IReadOnlyList<PlanEntry> ParetoCostLatency,
    IReadOnlyList<PlanEntry> ParetoThroughputPerDeviceVsTokensPerUser,
    TcoSettingsOutput TcoSettings,
    SearchStatsOutput SearchStats)
{
    /// <summary>The serving engine planned for (--engine), right after the model, or "generic" without --engine.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Engine { get; init; }

    /// <summary>The scenario file the options came from (only with one).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScenarioOutput? Scenario { get; init; }
}

/// <summary>One plan.</summary>
public sealed record PlanEntry(
    bool Disaggregated,
    IReadOnlyList<PlanReplicas> Replicas,
    [property: Description("Device types, comma-separated")] string Hardware,
    PlanPool? PrefillPool,
    PlanPool? DecodePool,
    double? TtftP90Seconds,
    double? TpotP90Seconds,
    [property: Description("simulated or analytic")] string LatencyFrom,
    [property: Description("solver or single configuration")] string Origin,
    double Goodput,
    double CapacityRequestsPerSecond,
    double? Headroom,
    double CostPerHour,
    double? PurchaseUsd,
    double PowerWatts,
    int Devices,
    int BilledDevices,
    int Nodes,
    bool MeetsSlo,
    [property: Description("Each device type's prices with their provenance")] IReadOnlyDictionary<string, PlanPrice> Prices,
    PlanTco? Tco,
    string Note)
{
    /// <summary>Which serving features (prefix caching, speculative decoding) the plan uses and why (only when the request considered them).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FeatureChoice { get; init; }

    /// <summary>Each request class's p90 latency against its own targets (only with a workload file of classes).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PlanClassOutput>? Classes { get; init; }

    /// <summary>Why this alternative lost (alternatives only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LostBecause { get; init; }
}

/// <summary>A group of identical replicas in a plan.</summary>
public sealed record PlanReplicas([property: Description("aggregated, prefill or decode"), JsonPropertyOrder(-1)] string Role, [property: JsonPropertyOrder(-1)] string Hardware,
    [property: JsonPropertyOrder(-1)] int Count, [property: JsonPropertyOrder(-1)] int Tp, [property: JsonPropertyOrder(-1)] int Pp, [property: JsonPropertyOrder(-1)] int Ep,
    string Quantization, string KvCacheDtype, int MaxBatch, double CapacityRequestsPerSecond)
{
    /// <summary>Attention data-parallel ranks per replica; present only when above 1.</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Dp { get; init; }
    /// <summary>The cluster an attention-DP replica spans (present with dp).</summary>
    [JsonPropertyOrder(-1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Cluster { get; init; }
    /// <summary>Whether the replicas cache prefixes (present when the request considered prefix caching or speculative decoding).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? PrefixCaching { get; init; }
    /// <summary>Speculative decoding of the replicas in words (present when it is on).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Speculative { get; init; }
}

/// <summary>One request class of a plan against its own targets.</summary>
public sealed record PlanClassOutput(string Name, double? TtftSloSeconds, double? TpotSloSeconds, double? TtftP90Seconds, double? TpotP90Seconds, bool MeetsSlo);

/// <summary>A disaggregated plan's pool.</summary>
public sealed record PlanPool(string Hardware, int Count, int Devices);

/// <summary>A device's prices in force, with where each came from.</summary>
public sealed record PlanPrice(double? HourlyUsd, string HourlySource, double? PurchaseUsd, string PurchaseSource);

/// <summary>Total cost of ownership of a plan.</summary>
public sealed record PlanTco(double PeriodSeconds, double PurchaseUsd, double EnergyUsd, double HostingUsd, double TotalUsd, double AverageWatts, double? UsdPerMillionOutputTokens);

/// <summary>A device asked for that is in no plan.</summary>
public sealed record ExcludedDevice(string Hardware, string Reason, string Remedy);

/// <summary>The settings of the TCO view.</summary>
public sealed record TcoSettingsOutput(double PeriodSeconds, double EnergyUsdPerKwh, double Pue, double HostingUsdPerKwMonth);

/// <summary>How the search went; wallSeconds only with --timings, so the same inputs give the same bytes.</summary>
public sealed record SearchStatsOutput(int ConfigurationsConsidered, int Pruned, int Evaluated, int Checked, int CheckRounds, string SolverStatus)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WallSeconds { get; init; }
}
