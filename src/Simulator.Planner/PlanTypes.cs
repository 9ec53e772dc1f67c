using Simulator.Core.Specs;
using Simulator.Roofline;

using Simulator.Serving;

namespace Simulator.Planner;

/// <summary>What the planner minimises.</summary>
public enum Objective
{
    /// <summary>Hourly rental cost (USD per hour).</summary>
    Cost,
    /// <summary>Purchase price of the devices paid for.</summary>
    Purchase,
    /// <summary>Board power of the devices paid for.</summary>
    Power,
    /// <summary>Number of devices paid for.</summary>
    Devices,
    /// <summary>Total cost of ownership over a period: purchase + energy + hosting (<see cref="TcoSettings"/>).</summary>
    Tco,
}

/// <summary>The traffic a plan must serve: request rate and mean prompt and output lengths.</summary>
public sealed record Demand(double RequestsPerSecond, double MeanInputTokens, double MeanOutputTokens)
{
    /// <summary>Mean prompt tokens a request finds in the prefix cache when caching is on and holds every prefix (0: no shared prefixes).</summary>
    public double MeanCachedTokens { get; init; }

    /// <summary>Acceptance models of the request classes with their share of output tokens (empty: the speculative setting's own).</summary>
    public IReadOnlyList<(double OutputShare, AcceptanceModel Acceptance)> ClassAcceptance { get; init; } = [];

    /// <summary>Expected tokens per verification of <paramref name="spec"/>, averaged over the classes' output tokens.</summary>
    public double ExpectedTokensPerStep(SpeculativeConfig spec)
    {
        if (ClassAcceptance.Count == 0) return spec.Acceptance.ExpectedTokens(spec.K);
        double w = ClassAcceptance.Sum(c => c.OutputShare);
        return ClassAcceptance.Sum(c => c.OutputShare * c.Acceptance.ExpectedTokens(spec.K)) / w;
    }
}

/// <summary>Whether the planner turns prefix caching on.</summary>
public enum PrefixCachingMode
{
    /// <summary>Considered both ways when the workload shares prefixes (the solver picks), off otherwise.</summary>
    Auto,
    /// <summary>Always on.</summary>
    On,
    /// <summary>Always off.</summary>
    Off,
}

/// <summary>
/// A candidate in the planner's search space: one way to run a replica (device, parallel plan, quantization, batch
/// limit and role). The checker turns a chosen one into the simulator's <see cref="Serving.ReplicaConfig"/>.
/// </summary>
public sealed record CandidateConfig(HardwareProfile Device, ClusterSpec Cluster, Parallelism Parallelism, QuantizationScheme Quant, int MaxBatch, ReplicaRole Role)
{
    /// <summary>The device's efficiency model (its calibration where it has one; null: the profile's constants).</summary>
    public IEfficiencyModel? Efficiency { get; init; }

    /// <summary>Replicas run automatic prefix caching.</summary>
    public bool PrefixCaching { get; init; }

    /// <summary>Replicas run speculative decoding (null: off).</summary>
    public SpeculativeConfig? Speculative { get; init; }

    public int Devices => Parallelism.Devices;
    public string Key => $"{Device.Name} {Parallelism} {Quant} b{MaxBatch} {Role.ToString().ToLowerInvariant()}"
        + (PrefixCaching ? " prefix-caching" : "") + (Speculative is { } s ? $" spec-{SpeculativeConfig.MethodName(s.Method)}-k{s.K}" : "");
    public override string ToString() => Key;
}

/// <summary>Why a configuration cannot serve at all (so the output can say what would bring it in).</summary>
public enum PruneCause
{
    /// <summary>The plan cannot exist (TP does not divide the heads, too many devices for the cluster, ...).</summary>
    Invalid,
    /// <summary>The weights do not fit in device memory.</summary>
    WeightsDoNotFit,
    /// <summary>The weights fit but not even one request's KV cache does.</summary>
    NoKvRoom,
    /// <summary>One prefill alone takes longer than the TTFT target.</summary>
    TtftAtBatchOne,
    /// <summary>One decode step at batch 1 takes longer than the TPOT target.</summary>
    TpotAtBatchOne,
    /// <summary>No load level meets both targets.</summary>
    NoLoadMeetsTargets,
    /// <summary>The objective needs an hourly price the device lacks.</summary>
    NoHourlyPrice,
    /// <summary>The objective needs a purchase price the device lacks.</summary>
    NoPurchasePrice,
}

/// <summary>How much traffic one replica of a configuration sustains within the SLOs, and its latencies there.</summary>
/// <param name="RequestsPerSecond">Highest rate meeting the SLOs (0 when pruned).</param>
/// <param name="PrunedReason">Why the configuration cannot serve at all (null when it can).</param>
public sealed record Capacity(CandidateConfig Config, double RequestsPerSecond, double TtftSeconds, double TpotSeconds, string? PrunedReason)
{
    public bool Usable => PrunedReason is null && RequestsPerSecond > 0;

    /// <summary>The kind of reason it was pruned (null when usable).</summary>
    public PruneCause? Cause { get; init; }
}

/// <summary>
/// What owning hardware costs over a period, beyond buying it: energy at a tariff (device board power, scaled by the
/// data centre's power usage effectiveness) and hosting (colocation priced per kW of provisioned power per month).
/// Defaults are documented in <see cref="Default"/>.
/// </summary>
/// <param name="PeriodSeconds">The period the hardware is owned and used (its amortisation period).</param>
/// <param name="EnergyUsdPerKwh">Price of electricity.</param>
/// <param name="Pue">Power usage effectiveness: facility power / IT power (1.0 = no cooling overhead).</param>
/// <param name="HostingUsdPerKwMonth">Colocation price per kW of provisioned (board) power per month.</param>
public sealed record TcoSettings(double PeriodSeconds, double EnergyUsdPerKwh, double Pue, double HostingUsdPerKwMonth)
{
    /// <summary>Seconds in a month (a twelfth of a 365.25-day year).</summary>
    public const double SecondsPerMonth = 365.25 * 86400 / 12;

    /// <summary>
    /// Defaults, each an assumption with its source: 5 years, within the 5–6 year useful lives hyperscalers state for
    /// servers in their 2025 filings (Amazon shortened part of its fleet from 6 to 5 years citing AI hardware turnover;
    /// Meta 5.5; Microsoft and Alphabet 6); 0.09 USD/kWh, rounded from the 2023 commercial and industrial averages of the
    /// main US data-centre states in the EIA Electric Power Annual 2023 (Virginia 8.9–9.0 cents, Texas 6.6–8.8,
    /// Georgia 6.9–10.7, Oregon 7.5–9.9); PUE 1.54, the Uptime Institute Global Data Center Survey 2025 average;
    /// 184 USD per kW per month, CBRE's North America primary-market average asking rate for 250–500 kW at the end of
    /// 2024 (North America Data Center Trends H2 2024). Every one can be overridden on the command line.
    /// </summary>
    public static TcoSettings Default { get; } = new(5 * 365.25 * 86400, 0.09, 1.54, 184);

    /// <summary>Hours in the period.</summary>
    public double Hours => PeriodSeconds / 3600;

    /// <summary>Months in the period.</summary>
    public double Months => PeriodSeconds / SecondsPerMonth;

    /// <summary>Energy plus hosting over the period for one device drawing <paramref name="averageWatts"/> with <paramref name="boardWatts"/> provisioned.</summary>
    public double RunningUsd(double averageWatts, double boardWatts) =>
        averageWatts / 1000 * Pue * Hours * EnergyUsdPerKwh + boardWatts / 1000 * Months * HostingUsdPerKwMonth;
}

/// <summary>Per-device-type prices and limits the solver respects.</summary>
/// <param name="HourlyUsd">Hourly price per device by profile name, overriding the profile (--price).</param>
/// <param name="MaxDevices">Devices available per profile name (absent: unlimited up to the global cap).</param>
public sealed record Constraints(
    IReadOnlyDictionary<string, double> HourlyUsd,
    IReadOnlyDictionary<string, int> MaxDevices,
    int MaxDevicesTotal,
    bool WholeNodes,
    double PowerBudgetWatts,
    double BudgetUsdPerHour)
{
    /// <summary>Purchase price per device by profile name, overriding the profile (--purchase-price).</summary>
    public IReadOnlyDictionary<string, double> PurchaseUsd { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// Spare capacity to keep (0 = plan to run at full capacity; 0.2 = the plan's capacity is at least the rate ÷ 0.8,
    /// so replicas run at most 80% utilised at the demanded rate).
    /// </summary>
    public double Headroom { get; init; }

    /// <summary>
    /// At most one quantization per device type in a plan: two replica groups of the same model on the same hardware
    /// in different precisions would give users different answers depending on where the router sends them.
    /// </summary>
    public bool OneQuantizationPerDeviceType { get; init; } = true;

    /// <summary>Largest device limit accepted (keeps the integer program's arithmetic in range).</summary>
    public const int MaxDevicesLimit = 1_000_000;
}

/// <summary>A chosen number of replicas of one configuration.</summary>
public sealed record PlanItem(Capacity Capacity, int Count);

/// <summary>Where a plan came from.</summary>
public enum PlanOrigin
{
    /// <summary>The integer program's answer (a mix of configurations).</summary>
    Solver,
    /// <summary>One configuration alone, sized for the demand (an alternative for the Pareto fronts and the "why not").</summary>
    Homogeneous,
}

/// <summary>How a plan's latencies were obtained.</summary>
public enum CheckMethod
{
    /// <summary>By the discrete-event serving simulator at the demanded rate (p90 of simulated requests).</summary>
    Simulated,
    /// <summary>By the analytic capacity model (queueing arithmetic on the cost model).</summary>
    Analytic,
}

/// <summary>Total cost of ownership of a plan over <see cref="TcoSettings.PeriodSeconds"/>.</summary>
/// <param name="AverageWatts">Average board power at the demanded rate: idle power plus the busy share of the rest.</param>
public sealed record TcoBreakdown(double PurchaseUsd, double EnergyUsd, double HostingUsd, double AverageWatts, double PeriodSeconds)
{
    /// <summary>Purchase + energy + hosting.</summary>
    public double TotalUsd => PurchaseUsd + EnergyUsd + HostingUsd;
}

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

    /// <summary>Devices paid for: the devices used, rounded up to whole nodes per device type when billing is per node.</summary>
    public int BilledDevices { get; init; }

    /// <summary>Whether the solver or a single configuration produced it.</summary>
    public PlanOrigin Origin { get; init; }

    /// <summary>How its latencies were obtained.</summary>
    public CheckMethod Check { get; init; }

    /// <summary>Total cost of ownership over the request's period (null when a device in it has no purchase price).</summary>
    public TcoBreakdown? Tco { get; init; }

    /// <summary>Which serving features the plan runs and why (null when the request considered none).</summary>
    public string? FeatureChoice { get; init; }

    /// <summary>Each request class's check (empty for a single class judged by the plan's own targets).</summary>
    public IReadOnlyList<ClassCheck> Classes { get; init; } = [];

    /// <summary>Spare capacity at the demanded rate: 1 − rate ÷ capacity.</summary>
    public double HeadroomAt(double rate) => CapacityRequestsPerSecond > 0 ? 1 - rate / CapacityRequestsPerSecond : double.NaN;

    /// <summary>Device types in the plan.</summary>
    public IEnumerable<string> DeviceNames => Items.Select(i => i.Capacity.Config.Device.Name).Distinct();
}

/// <summary>One request class's latencies in a plan's check against its own targets.</summary>
/// <param name="TtftP90Seconds">p90 TTFT of the class's requests (the worst replica group's).</param>
/// <param name="TpotP90Seconds">p90 TPOT of the class's requests.</param>
public sealed record ClassCheck(string Name, Slo Slo, double TtftP90Seconds, double TpotP90Seconds, bool Meets);

/// <summary>What checking a plan found: p90 TTFT and TPOT (the worst over replica groups and classes), goodput, and per class when there are several.</summary>
public sealed record PlanCheck(double TtftP90, double TpotP90, double Goodput, IReadOnlyList<ClassCheck> Classes);

/// <summary>A device the user asked for that is in no plan and no alternative: why, and what would bring it in.</summary>
public sealed record Exclusion(string Hardware, string Reason, string Remedy);
