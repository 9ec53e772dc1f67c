using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Simulator.Cli.Output.Contracts;

/// <summary><c>llmsim day --format json</c>: a day of traffic served by an autoscaled fleet and by a fixed fleet sized for the peak.</summary>
public sealed record DayOutput(
    string Model,
    [property: Description("Where the traffic profile came from")] string Traffic,
    int Hours,
    [property: Description("Highest rate of any minute, requests/s")] double PeakRate,
    double TtftSloSeconds,
    double TpotSloSeconds,
    DayPolicyOutput Policy,
    DayReplicaOutput Replica,
    [property: Description("simulated (p90 of simulated requests) or analytic (means)")] string LatencyFrom,
    [property: Description("p90 latency of one replica against its utilisation")] IReadOnlyList<DayCurvePoint> LatencyCurve,
    DayFleetOutput Autoscaled,
    DayFleetOutput Fixed,
    [property: Description("1 - autoscaled cost / fixed cost; null without prices")] double? Saving,
    IReadOnlyList<DayHourOutput> HourlyDetail,
    [property: Description("Defaults the planner used")] IReadOnlyList<string> Defaults,
    IReadOnlyList<string> Notes)
{
    /// <summary>The serving engine the replicas were costed as (--engine), or "generic".</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Engine { get; init; }

    /// <summary>The scenario file the options came from (omitted without one).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScenarioOutput? Scenario { get; init; }
}

/// <summary>The autoscaling policy in force.</summary>
public sealed record DayPolicyOutput(double TargetUtilization, double ScaleUpDelaySeconds, double ModelLoadSeconds, int MinReplicas, double ScaleDownDelaySeconds, int MaxReplicas);

/// <summary>The replica the autoscaler adds and removes.</summary>
public sealed record DayReplicaOutput(string Hardware, int Tp, int Pp, int Ep, string Quantization, int MaxBatch, int Devices,
    [property: Description("Requests/s one replica serves within the targets")] double CapacityRequestsPerSecond,
    [property: Description("USD per hour for its devices; null without a price")] double? CostPerHour);

/// <summary>One load level of the latency curve.</summary>
public sealed record DayCurvePoint(double Utilization, double RatePerSecond, double? TtftP90Seconds, double? TpotP90Seconds);

/// <summary>A fleet's day: cost and SLO misses.</summary>
public sealed record DayFleetOutput(
    [property: Description("What the fleet is")] string Description,
    [property: Description("USD over the period (devices paid for per hour); null without prices")] double? CostUsd,
    double ReplicaHours,
    double Requests,
    [property: Description("Requests beyond capacity or behind a backlog longer than the TTFT target")] double SloMisses,
    [property: Description("Of those, in minutes while replicas were starting")] double SloMissesDuringScaleUp,
    double? SloAttainment);

/// <summary>One hour of the autoscaled day.</summary>
public sealed record DayHourOutput(int Hour, double RatePerSecond, double PeakRatePerSecond, int ReadyMin, int ReadyMax, int ProvisionedMax, double ReplicaHours,
    double? CostUsd, [property: Description("Highest per-minute p90 TTFT of the hour; null when no replica served")] double? TtftP90Seconds, double? TpotP90Seconds,
    double Requests, double SloMisses, double SloMissesDuringScaleUp, int FixedReplicas, double FixedSloMisses);

/// <summary>A scenario file an output's options came from.</summary>
public sealed record ScenarioOutput(string Name, string File, [property: Description("SHA-256 of the file's text (BOM dropped, \\n line ends)")] string Sha256);
