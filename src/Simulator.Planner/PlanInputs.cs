using Simulator.Core.Specs;
using Simulator.Serving;

namespace Simulator.Planner;

/// <summary>
/// What a user asks the planner, with every choice they did not make left null, so that <see cref="PlanRequestBuilder"/>
/// can fill in the defaults and say which ones it used. Names are already resolved to specs by the caller.
/// </summary>
public sealed record PlanInputs
{
    /// <summary>What the engine profile does not describe on some of the devices (said among the defaults).</summary>
    public IReadOnlyList<string> EngineCaveats { get; init; } = [];

    public required ModelSpec Model { get; init; }
    /// <summary>Candidate hardware, each with its cluster and efficiency model.</summary>
    public required IReadOnlyList<HardwareOption> Hardware { get; init; }
    /// <summary>Requests per second to serve (null with a fixed cluster: the planner finds the highest it serves).</summary>
    public double? Rate { get; init; }
    /// <summary>A fixed cluster whose devices are all there is (its device is <see cref="Hardware"/>[0]).</summary>
    public ClusterSpec? FixedCluster { get; init; }
    public double? TtftSloSeconds { get; init; }
    public double? TpotSloSeconds { get; init; }
    /// <summary>A workload preset (<see cref="Presets.Names"/>); its length distributions give the demand's means.</summary>
    public string? Workload { get; init; }
    /// <summary>
    /// A workload read from a file (instead of <see cref="Workload"/>): request classes, each with its rate or weight,
    /// lengths, prefix structure, sessions and targets; one cluster serves them all and every class is checked against
    /// its own targets. <see cref="WorkloadFileName"/> names it in messages.
    /// </summary>
    public WorkloadSpec? WorkloadFile { get; init; }
    /// <summary>The file <see cref="WorkloadFile"/> came from.</summary>
    public string? WorkloadFileName { get; init; }
    /// <summary>Every request starts with the same N-token system prompt (counted inside its prompt).</summary>
    public int? SharedPrefixTokens { get; init; }
    /// <summary>Whether plans may run prefix caching (null: auto, considered when the workload shares prefixes).</summary>
    public PrefixCachingMode? PrefixCaching { get; init; }
    /// <summary>Speculative decoding to consider for every plan (the planner decides on or off per configuration).</summary>
    public SpeculativeConfig? Speculative { get; init; }
    public int? InputTokens { get; init; }
    public int? OutputTokens { get; init; }
    public IReadOnlyList<QuantizationScheme>? Quantizations { get; init; }
    public IReadOnlyList<int>? MaxBatches { get; init; }
    public int? MaxDevices { get; init; }
    public IReadOnlyDictionary<string, int> Inventory { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, double> HourlyUsd { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, double> PurchaseUsd { get; init; } = new Dictionary<string, double>();
    public Objective Objective { get; init; } = Objective.Cost;
    public bool AllowDisaggregation { get; init; } = true;
    public bool? WholeNodes { get; init; }
    public double? PowerBudgetWatts { get; init; }
    public double? BudgetUsdPerHour { get; init; }
    public double? Headroom { get; init; }
    public int Top { get; init; } = 5;
    /// <summary>Check plans with the serving simulator (else the analytic model).</summary>
    public bool Simulate { get; init; } = true;
    public double? TcoPeriodSeconds { get; init; }
    public double? EnergyUsdPerKwh { get; init; }
    public double? Pue { get; init; }
    public double? HostingUsdPerKwMonth { get; init; }
    /// <summary>The serving engine the replicas run (null: the generic engine).</summary>
    public EngineProfile? Engine { get; init; }
}

/// <summary>A planning problem ready to run, the defaults it used (to print), and the workload the simulator checks plans with.</summary>
public sealed record BuiltPlan(PlanRequest Request, IReadOnlyList<string> Defaults, Func<Demand, WorkloadSpec>? Workload);

/// <summary>A request the planner cannot take (a problem with the inputs, not an infeasible plan).</summary>
public sealed class PlanInputException(string message) : Exception(message);

/// <summary>Turns <see cref="PlanInputs"/> into a <see cref="PlanRequest"/>, filling and recording defaults, and runs it.</summary>
public static class PlanRequestBuilder
{
    /// <summary>Default TTFT target at p90.</summary>
    public const double DefaultTtftSeconds = 1.0;
    /// <summary>Default TPOT target at p90.</summary>
    public const double DefaultTpotSeconds = 0.05;
    /// <summary>Default largest number of devices a plan may use.</summary>
    public const int DefaultMaxDevices = 64;
    /// <summary>Default batch limits searched (vLLM's max_num_seqs default is 256).</summary>
    public static readonly IReadOnlyList<int> DefaultMaxBatches = [32, 64, 128, 256];
    /// <summary>Requests each checking simulation runs (enough for a stable p90, few enough to check dozens of plans in seconds).</summary>
    public const int CheckRequests = 2000;

    /// <summary>Mean prompt and output tokens of a preset, from the same length distributions the simulator samples.</summary>
    public static (double Input, double Output) PresetMeans(string preset)
    {
        var c = Presets.Class(preset);
        return (c.Input.Mean, c.Output.Mean);
    }

    public static BuiltPlan Build(PlanInputs x)
    {
        var defaults = new List<string>();
        var m = x.Model;
        if (x.Hardware.Count == 0) throw new PlanInputException("no hardware to plan on");
        if (x.WorkloadFile is not null && x.Workload is not null) throw new PlanInputException("give a workload preset or a workload file, not both");
        var file = x.WorkloadFile;
        double? fileRate = file?.Arrivals switch
        {
            OpenArrivals open => open.RatePerSecond * file.RequestsPerArrival,
            _ => null,
        };
        if (file is not null && file.Arrivals is ClosedLoopArrivals) throw new PlanInputException($"{x.WorkloadFileName}: the planner sizes a cluster for a request rate; give the classes rates (or an open-loop arrival rate), not a closed loop");
        double rate = x.Rate ?? fileRate ?? (x.FixedCluster is not null ? 1 : throw new PlanInputException("--rate is required (requests per second), unless --cluster asks for the highest goodput or the workload file gives rates"));
        string workload = x.Workload ?? "chat";
        if (file is null && !Presets.IsPreset(workload)) throw new PlanInputException($"unknown workload '{workload}'; presets: {string.Join(", ", Presets.Names)}, or a workload YAML file");
        bool fixedLengths = x.InputTokens is not null || x.OutputTokens is not null;
        WorkloadSpec? spec = file;
        if (spec is null && x.SharedPrefixTokens is not null) spec = Presets.Get(workload, new PoissonArrivals(rate));
        if (spec is not null && x.SharedPrefixTokens is int shared) spec = spec.WithSharedPrefix(shared);
        if (spec is not null && fixedLengths) spec = spec.WithFixedLengths(x.InputTokens ?? 0, x.OutputTokens ?? 0);
        var (meanIn, meanOut) = spec is not null ? (spec.MeanInputTokens, spec.MeanOutputTokens) : PresetMeans(workload);
        var demand = new Demand(rate, spec is not null ? meanIn : x.InputTokens ?? meanIn, spec is not null ? meanOut : x.OutputTokens ?? meanOut);
        string what = file is not null ? $"workload file {x.WorkloadFileName}" : $"workload {workload}";
        if (file is not null)
        {
            defaults.Add($"{what}: {file.Classes.Count} class{(file.Classes.Count == 1 ? "" : "es")} ({string.Join(", ", file.Classes.Select(c => c.Name))}), {demand.MeanInputTokens:0} prompt / {demand.MeanOutputTokens:0} output tokens per request on average");
            if (x.Rate is null) defaults.Add($"rate {rate:0.###} requests/s from the workload file{(file.RequestsPerArrival > 1 ? $" ({file.RequestsPerArrival:0.##} requests per arrival: sessions)" : "")}");
        }
        else if (!fixedLengths) defaults.Add($"workload {workload} ({demand.MeanInputTokens:0} prompt / {demand.MeanOutputTokens:0} output tokens on average, from the preset's length distributions)");
        else if (x.InputTokens is null || x.OutputTokens is null)
            defaults.Add($"{(x.InputTokens is null ? "prompt" : "output")} length from workload {workload}: {(x.InputTokens is null ? demand.MeanInputTokens : demand.MeanOutputTokens):0} tokens");
        if (m.MaxPositionEmbeddings > 0 && demand.MeanInputTokens + demand.MeanOutputTokens > m.MaxPositionEmbeddings)
            throw new PlanInputException($"prompt + output ({demand.MeanInputTokens:0} + {demand.MeanOutputTokens:0} tokens) exceed {m.Name}'s context window of {m.MaxPositionEmbeddings:N0} tokens");
        var slo = new Slo(x.TtftSloSeconds ?? DefaultTtftSeconds, x.TpotSloSeconds ?? DefaultTpotSeconds);
        IReadOnlyList<RequestClass> classes = [];
        if (file is not null)
        {
            // Every class keeps its own targets; --ttft-slo and --tpot-slo replace them for all; a class without one gets the default.
            spec = spec!.WithSlo(x.TtftSloSeconds ?? double.NaN, x.TpotSloSeconds ?? double.NaN);
            spec = spec with
            {
                Classes = spec.Classes.Select(c => c with
                {
                    Slo = new Slo(double.IsNaN(c.Slo.TtftSeconds) ? DefaultTtftSeconds : c.Slo.TtftSeconds, double.IsNaN(c.Slo.TpotSeconds) ? DefaultTpotSeconds : c.Slo.TpotSeconds),
                }).ToArray(),
            };
            classes = spec.Classes;
            slo = new Slo(classes.Min(c => c.Slo.TtftSeconds), classes.Min(c => c.Slo.TpotSeconds));
            defaults.Add($"each class checked against its own targets ({string.Join("; ", classes.Select(c => $"{c.Name}: TTFT {Core.Units.Format.Seconds(c.Slo.TtftSeconds)}, TPOT {Core.Units.Format.Seconds(c.Slo.TpotSeconds)}"))}; the analytic ranking uses the tightest, p90)");
        }
        else
        {
            if (x.TtftSloSeconds is null) defaults.Add($"TTFT target {Core.Units.Format.Seconds(slo.TtftSeconds)} (p90)");
            if (x.TpotSloSeconds is null) defaults.Add($"TPOT target {Core.Units.Format.Seconds(slo.TpotSeconds)} (p90)");
        }
        if (spec is not null)
        {
            double outputs = spec.Classes.Sum(c => c.Weight * c.RequestsPerArrival * c.Output.Mean);
            demand = demand with
            {
                MeanCachedTokens = spec.MeanCachedTokens(16),
                ClassAcceptance = spec.Classes.Any(c => c.Acceptance is not null) && x.Speculative is { } sp
                    ? spec.Classes.Select(c => (c.Weight * c.RequestsPerArrival * c.Output.Mean / outputs, c.Acceptance ?? sp.Acceptance)).ToArray()
                    : [],
            };
        }
        var prefixMode = x.PrefixCaching ?? PrefixCachingMode.Auto;
        if (prefixMode == PrefixCachingMode.Auto && demand.MeanCachedTokens > 0)
            defaults.Add($"prefix caching considered on and off (the workload shares prefixes: up to {demand.MeanCachedTokens:0} of {demand.MeanInputTokens:0} prompt tokens per request); --prefix-caching on|off decides instead");
        if (x.Speculative is { } specDecode)
            defaults.Add($"speculative decoding ({specDecode.Describe()}) considered on and off for every configuration that decodes");
        if (x.Quantizations is null)
            defaults.Add(x.Hardware.Any(h => h.Device.Supports(DataType.Fp4))
                ? "quantizations: 16-bit, fp8 where the device has it, nvfp4 (AMD: mxfp4) where it has fp4, w4a16"
                : "quantizations: 16-bit, fp8 where the device has it, w4a16");
        defaults.AddRange(x.EngineCaveats);
        if (x.Engine is null)
            defaults.Add(EngineProfile.GenericDescription);
        var batches = x.MaxBatches ?? DefaultMaxBatches;
        if (x.MaxBatches is null) defaults.Add($"batch limits {string.Join(",", batches)}");

        // Prices and inventories name devices: each must be one of the devices asked for.
        var names = x.Hardware.Select(h => h.Device.Name).ToList();
        CheckNames("--price", x.HourlyUsd.Keys, names);
        CheckNames("--purchase-price", x.PurchaseUsd.Keys, names);
        CheckNames("--inventory", x.Inventory.Keys, names);

        var inventory = new Dictionary<string, int>(x.Inventory, StringComparer.OrdinalIgnoreCase);
        int maxDevices = x.MaxDevices ?? DefaultMaxDevices;
        bool whole = x.WholeNodes ?? true;
        var objective = x.Objective;
        if (x.FixedCluster is { } fc)
        {
            // A fixed cluster: its devices are all there is, and they are already bought, so whole nodes cost nothing extra.
            maxDevices = fc.TotalDevices;
            inventory[x.Hardware[0].Device.Name] = maxDevices;
            whole = false;
            objective = Objective.Devices;
        }
        else if (x.MaxDevices is null) defaults.Add($"at most {maxDevices} devices");
        if (x.FixedCluster is null && x.WholeNodes is null) defaults.Add("devices paid for in whole nodes (--whole-nodes off to pay per device)");
        if (x.Headroom is null) defaults.Add("no headroom: replicas may run at full capacity at the demanded rate (--headroom 0.2 keeps a fifth spare)");
        var limits = new Constraints(x.HourlyUsd, inventory, maxDevices, whole, x.PowerBudgetWatts ?? double.MaxValue, x.BudgetUsdPerHour ?? double.MaxValue)
        {
            PurchaseUsd = x.PurchaseUsd,
            Headroom = x.Headroom ?? 0,
        };
        var tcoDefault = TcoSettings.Default;
        var tco = new TcoSettings(x.TcoPeriodSeconds ?? tcoDefault.PeriodSeconds, x.EnergyUsdPerKwh ?? tcoDefault.EnergyUsdPerKwh, x.Pue ?? tcoDefault.Pue, x.HostingUsdPerKwMonth ?? tcoDefault.HostingUsdPerKwMonth);
        if (objective == Objective.Tco && (x.TcoPeriodSeconds is null || x.EnergyUsdPerKwh is null || x.Pue is null || x.HostingUsdPerKwMonth is null))
            defaults.Add($"TCO over {tco.PeriodSeconds / (365.25 * 86400):0.#} years at {tco.EnergyUsdPerKwh:0.###} USD/kWh, PUE {tco.Pue:0.##}, hosting {tco.HostingUsdPerKwMonth:0} USD/kW/month (sources: README, 'Total cost of ownership')");
        Func<Demand, WorkloadSpec>? check = !x.Simulate ? null : spec is not null ? d => spec.WithArrivals(new PoissonArrivals(d.RequestsPerSecond / spec.RequestsPerArrival)) : d =>
        {
            var w = Presets.Get(workload, new PoissonArrivals(d.RequestsPerSecond));
            return fixedLengths ? w.WithFixedLengths((int)Math.Round(d.MeanInputTokens), (int)Math.Round(d.MeanOutputTokens)) : w;
        };
        var req = new PlanRequest(m, x.Hardware, demand, slo, x.Quantizations, batches, limits, objective, x.AllowDisaggregation, Math.Max(1, x.Top))
        {
            Tco = tco,
            Engine = x.Engine,
            PrefixCaching = prefixMode,
            Speculative = x.Speculative,
            Classes = classes,
        };
        return new BuiltPlan(req, defaults, check);
    }

    private static void CheckNames(string option, IEnumerable<string> given, List<string> names)
    {
        foreach (var g in given)
            if (!names.Contains(g, StringComparer.OrdinalIgnoreCase))
                throw new PlanInputException($"{option}: '{g}' is not one of the hardware asked for ({string.Join(", ", names)}).{Core.Loading.NameMatcher.Suggest(g, names)}");
    }

    /// <summary>Runs a built plan: the cheapest plan for the rate, or with a fixed cluster the highest rate it serves within the targets.</summary>
    /// <returns>The result, the request it answers (with the rate found for a fixed cluster), and a line for the fixed-cluster search.</returns>
    public static (PlanResult Result, PlanRequest Request, string? FixedClusterNote) Run(BuiltPlan built, ClusterSpec? fixedCluster = null)
    {
        var req = built.Request;
        var capacity = new AnalyticCapacity(req.Model, req.Settings, req.Engine);
        IPlanChecker? checker = built.Workload is null ? null : new SimulatorChecker(req.Model, capacity, built.Workload, CheckRequests, perClass: req.Classes.Count > 0) { Engine = req.Engine };
        var planner = new Planner(capacity, checker);
        if (fixedCluster is null) return (planner.Plan(req), req, null);
        var (rate, result) = planner.HighestGoodput(req);
        req = req with { Demand = req.Demand with { RequestsPerSecond = Math.Round(rate, 3) } };
        return (result, req, $"fixed cluster {fixedCluster.Name} ({req.Limits.MaxDevicesTotal} devices): highest goodput found {rate:0.###} req/s within the targets; the plans below serve that rate");
    }
}
