using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Planner;

/// <summary>What the planner minimises.</summary>
public enum Objective { Cost, Purchase, Power, Devices }

/// <summary>A replica serves whole requests, or only prompts (prefill pool), or only generation (decode pool).</summary>
public enum Role { Aggregated, Prefill, Decode }

/// <summary>Latency targets, met at the 90th percentile.</summary>
public sealed record Slo(double TtftSeconds, double TpotSeconds);

/// <summary>The traffic a plan must serve: request rate and mean prompt and output lengths.</summary>
public sealed record Demand(double RequestsPerSecond, double MeanInputTokens, double MeanOutputTokens);

/// <summary>One way to run a replica: device, parallel plan, quantization, batch limit and role.</summary>
public sealed record ReplicaConfig(HardwareProfile Device, ClusterSpec Cluster, Parallelism Parallelism, QuantizationScheme Quant, int MaxBatch, Role Role)
{
    /// <summary>The device's efficiency model (its calibration where it has one; null: the profile's constants).</summary>
    public IEfficiencyModel? Efficiency { get; init; }

    public int Devices => Parallelism.Devices;
    public string Key => $"{Device.Name} {Parallelism} {Quant} b{MaxBatch} {Role.ToString().ToLowerInvariant()}";
    public override string ToString() => Key;
}

/// <summary>How much traffic one replica of a configuration sustains within the SLOs, and its latencies there.</summary>
/// <param name="RequestsPerSecond">Highest rate meeting the SLOs (0 when pruned).</param>
/// <param name="PrunedReason">Why the configuration cannot serve at all (null when it can).</param>
public sealed record Capacity(ReplicaConfig Config, double RequestsPerSecond, double TtftSeconds, double TpotSeconds, string? PrunedReason)
{
    public bool Usable => PrunedReason is null && RequestsPerSecond > 0;
}

/// <summary>Per-device-type prices and limits the solver respects.</summary>
/// <param name="HourlyUsd">Price per device-hour by profile name (NaN or absent: unknown).</param>
/// <param name="MaxDevices">Devices available per profile name (absent: unlimited up to the global cap).</param>
public sealed record Constraints(
    IReadOnlyDictionary<string, double> HourlyUsd,
    IReadOnlyDictionary<string, int> MaxDevices,
    int MaxDevicesTotal,
    bool WholeNodes,
    double PowerBudgetWatts,
    double BudgetUsdPerHour);

/// <summary>A chosen number of replicas of one configuration.</summary>
public sealed record PlanItem(Capacity Capacity, int Count);

/// <summary>A complete plan: replicas, their cost, and whether the checking step found it meets the SLOs.</summary>
public sealed record Plan(
    IReadOnlyList<PlanItem> Items,
    bool Disaggregated,
    double CostPerHour,
    double PurchaseUsd,
    double PowerWatts,
    int Devices,
    int Nodes,
    double CapacityRequestsPerSecond,
    double PredictedTtftP90Seconds,
    double PredictedTpotP90Seconds,
    bool MeetsSlo,
    string Note)
{
    /// <summary>Requests per second meeting every SLO at the demanded rate (the demand when met, else the part served).</summary>
    public double Goodput { get; init; }
}
