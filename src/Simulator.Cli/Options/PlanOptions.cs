using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Planner;
using Simulator.Serving;
using F = Simulator.Core.Units.Format;

using Simulator.Cli.Commands;

namespace Simulator.Cli.Options;

/// <summary>The options that describe a planning problem, shared by plan and report.</summary>
public sealed class PlanOptions
{
    private readonly Option<string> _model = new("--model", "-m") { Description = "Model name or file", Required = true };
    private readonly Option<string?> _hardware = new("--hardware", "-H") { Description = "Candidate hardware profiles or clusters, comma-separated (required unless --cluster)" };
    private readonly Option<double?> _rate = Opt.Number("--rate", "Requests per second to serve (required unless --cluster)", 0, 1e7, unitWord: "requests/s");
    private readonly Option<string?> _cluster = new("--cluster") { Description = "A fixed cluster (name or YAML): find the highest goodput it gives within the targets instead of the cheapest plan for a rate" };
    private readonly Option<double?> _ttft = Opt.Quantity("--ttft-slo", QuantityKind.Time, "TTFT target at p90", "1 s", max: 3600);
    private readonly Option<double?> _tpot = Opt.Quantity("--tpot-slo", QuantityKind.Time, "TPOT target at p90", "50 ms", max: 3600);
    private readonly Option<string?> _workload = new("--workload", "-w")
    {
        Description = $"Workload preset whose length distributions give the mean prompt and output lengths ({string.Join(", ", Serving.Presets.Names)}; default chat), or a workload YAML file with request classes (rates, lengths, prefixes, sessions, targets; docs/FORMATS.md): one cluster serves them all and each class is checked against its own targets",
    };
    private readonly Option<PrefixCachingMode> _prefixCaching = Opt.Choice("--prefix-caching", "Prefix caching in the plans: on, off, or auto (considered both ways when the workload shares prefixes; the solver picks)", PrefixCachingMode.Auto,
        ("auto", PrefixCachingMode.Auto), ("on", PrefixCachingMode.On), ("off", PrefixCachingMode.Off));
    private readonly Option<int?> _sharedPrefix = Opt.OptionalInt("--shared-prefix-tokens", "Every request starts with the same N-token system prompt, counted inside its prompt length", 1, MaxTokens);
    private readonly Option<Opt.SpeculativeChoice?> _speculative = Opt.Speculative("--speculative", "Speculative decoding to consider (the planner turns it on or off per configuration and says why), e.g. draft,k=4,acceptance=0.7,draft=llama-3.2-1b");
    private readonly Option<int?> _inputTokens = Opt.OptionalInt("--input-tokens", "Mean prompt tokens (overrides the workload)", 1, MaxTokens);
    private readonly Option<int?> _outputTokens = Opt.OptionalInt("--output-tokens", "Mean output tokens (overrides the workload)", 1, MaxTokens);
    private readonly Option<string?> _quant = new("--quant", "-q") { Description = "Quantizations to consider, comma-separated (default: 16-bit, fp8 where supported, w4a16)" };
    private readonly Option<int> _maxDevices = Opt.Int("--max-devices", "Most devices the plan may use", 1, Constraints.MaxDevicesLimit, PlanRequestBuilder.DefaultMaxDevices);
    private readonly Option<IReadOnlyDictionary<string, int>> _inventory = Opt.CountPairs("--inventory", "Devices available per type: h100-sxm=16,a100-80gb-sxm=32", Constraints.MaxDevicesLimit);
    private readonly Option<Objective> _objective = Opt.Choice("--objective", "What to minimise: hourly cost, purchase cost, power, devices, or total cost of ownership (tco)", Objective.Cost,
        ("cost", Objective.Cost), ("purchase", Objective.Purchase), ("power", Objective.Power), ("devices", Objective.Devices), ("tco", Objective.Tco));
    private readonly Option<Opt.Switch> _disagg = Opt.OnOff("--allow-disaggregation", "Consider separate prefill and decode pools", true);
    private readonly Option<IReadOnlyList<int>> _maxBatch = Opt.IntList("--max-batch", "Batch limits to consider, comma-separated", 1, 100_000, [.. PlanRequestBuilder.DefaultMaxBatches]);
    private readonly Option<IReadOnlyDictionary<string, double>> _price = Opt.Pairs("--price", QuantityKind.MoneyPerHour, "Hourly price per device, where the profile has none or to override it: 'h200-sxm=3.5 USD/h,mi300x=2.9 USD/h'", allowZero: false);
    private readonly Option<IReadOnlyDictionary<string, double>> _purchase = Opt.Pairs("--purchase-price", QuantityKind.Money, "Purchase price per device, where the profile has none or to override it: 'h200-sxm=32000 USD'", allowZero: false);
    private readonly Option<Opt.Switch> _wholeNodes = Opt.OnOff("--whole-nodes", "Pay for devices in whole nodes (on) or singly (off)", true);
    private readonly Option<double?> _power = Opt.Quantity("--power-budget", QuantityKind.Power, "Most power the plan's devices may draw, e.g. '20 kW'", max: 1e10);
    private readonly Option<double?> _budget = Opt.Quantity("--budget", QuantityKind.MoneyPerHour, "Most the plan may cost per hour, e.g. '100 USD/h'", max: 1e9);
    private readonly Option<double?> _headroom = Opt.Number("--headroom", "Spare capacity to keep as a fraction (0.2 = replicas at most 80% utilised at the rate)", 0, 0.95, allowZero: true, unitWord: "fraction");
    private readonly Option<int> _top = Opt.Int("--top", "Plans to show", 1, 100, 5);
    private readonly Option<CheckMethod> _check = Opt.Choice("--check", "How plans are checked: simulate (discrete-event simulation) or analytic", CheckMethod.Simulated, ("simulate", CheckMethod.Simulated), ("analytic", CheckMethod.Analytic));
    private readonly Option<double?> _tcoPeriod = Opt.Quantity("--tco-period", QuantityKind.Time, "Period of the total-cost-of-ownership view, e.g. '5 years'", "5 years", max: 50 * 365.25 * 86400);
    private readonly Option<double?> _energyPrice = Opt.Quantity("--energy-price", QuantityKind.EnergyPrice, "Price of electricity for the TCO view", "0.09 USD/kWh", max: 10);
    private readonly Option<double?> _pue = Opt.Number("--pue", "Power usage effectiveness of the data centre for the TCO view", 1, 5, 1.54);
    private readonly Option<string?> _engine = CommonOptions.Engine();
    private readonly Option<double?> _hosting = Opt.Quantity("--hosting-price", QuantityKind.HostingPrice, "Colocation price per kW of board power per month for the TCO view", "184 USD/kW/month", max: 1e5, allowZero: true);

    /// <summary>Largest prompt or output length accepted on the command line (the model's context window is checked too).</summary>
    public const int MaxTokens = Serving.WorkloadFile.MaxTokens;

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _model, _hardware, _rate, _cluster, _ttft, _tpot, _workload, _inputTokens, _outputTokens, _quant, _maxDevices, _inventory, _objective, _disagg,
                     _maxBatch, _price, _purchase, _wholeNodes, _power, _budget, _headroom, _top, _check, _tcoPeriod, _energyPrice, _pue, _hosting, _engine, _prefixCaching, _sharedPrefix, _speculative })
            cmd.Options.Add(o);
        cmd.Arguments.Add(Scenario.Argument());
    }

    private static bool Given(ParseResult r, Option o) => r.GetResult(o) is { Implicit: false };

    /// <summary>Whether the command line (or scenario) gave --rate, --cluster, --headroom or --whole-nodes.</summary>
    public bool GivesRate(ParseResult r) => Given(r, _rate);
    /// <summary>Whether a fixed cluster was asked for.</summary>
    public bool GivesCluster(ParseResult r) => Given(r, _cluster);
    /// <summary>Whether --headroom was given.</summary>
    public bool GivesHeadroom(ParseResult r) => Given(r, _headroom);
    /// <summary>Whether --allow-disaggregation was given.</summary>
    public bool GivesDisaggregation(ParseResult r) => Given(r, _disagg);

    /// <summary>The planning problem with its defaults recorded, and the fixed cluster when one was given.</summary>
    public (BuiltPlan Built, ClusterSpec? FixedCluster) Resolve(ParseResult r, Core.Loading.SpecLibrary lib, Core.Loading.EngineLibrary? engines = null)
    {
        var (inputs, fixedCluster) = Inputs(r, lib, engines);
        try { return (PlanRequestBuilder.Build(inputs), fixedCluster); }
        catch (PlanInputException e) { throw new CliException(e.Message); }
    }

    /// <summary>What the options ask the planner, before defaults are filled in (a verb may adjust it before building).</summary>
    public (PlanInputs Inputs, ClusterSpec? FixedCluster) Inputs(ParseResult r, Core.Loading.SpecLibrary lib, Core.Loading.EngineLibrary? engines = null)
    {
        var m = lib.Model(r.GetValue(_model)!);
        var engine = r.GetValue(_engine) is { } engineName
            ? (engines ?? throw new CliException("--engine: no engine profiles available here")).Get(engineName)
            : null;
        var resolver = new Validation.DeviceResolver(lib);
        string? fixedName = r.GetValue(_cluster);
        string? hwList = fixedName ?? r.GetValue(_hardware);
        if (hwList is null) throw new CliException("--hardware is required (or --cluster for a fixed cluster)");
        if (fixedName is not null && !lib.IsCluster(fixedName)) throw new CliException($"--cluster: '{fixedName}' is not a cluster; 'llmsim hardware list' names them");
        if (fixedName is not null && Given(r, _hardware)) throw new CliException("give --hardware (candidates) or --cluster (a fixed cluster), not both");
        var hw = new List<HardwareOption>();
        var caveats = new List<string>();
        ClusterSpec? fixedCluster = null;
        foreach (var name in hwList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var resolved = lib.IsCluster(name) ? resolver.ResolveCluster(lib.Cluster(name)) : resolver.Resolve(lib.Hardware(name));
            if (engine?.Support(resolved.Device) is { } support)
            {
                if (!support.Supported) throw new CliException($"--engine {engine.Name}: {support.Why}; leave {name} out or choose another --engine");
                caveats.Add(support.Why);
            }
            if (fixedName is not null) fixedCluster = resolved.Cluster;
            hw.Add(new HardwareOption(resolved.Device, resolved.Cluster) { Efficiency = engine is null ? resolved.Efficiency : Roofline.EngineEfficiency.Wrap(resolved.Efficiency, engine) });
        }
        if (hw.Count == 0) throw new CliException("--hardware lists no hardware");
        // --workload: a preset name, else a workload file.
        string? workloadName = r.GetValue(_workload);
        Serving.WorkloadSpec? workloadFile = null;
        if (workloadName is not null && !Serving.Presets.IsPreset(workloadName))
        {
            if (!File.Exists(workloadName) && !workloadName.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !workloadName.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"--workload: '{workloadName}' is neither a preset ({string.Join(", ", Serving.Presets.Names)}) nor a workload file.{Core.Loading.NameMatcher.Suggest(workloadName, Serving.Presets.Names)}");
            bool arrivalGiven;
            try { (workloadFile, arrivalGiven) = Serving.WorkloadBuilder.ReadWorkloadFile(workloadName); }
            catch (Serving.SetupException e) { throw new CliException(e.Message); }
            if (!arrivalGiven && r.GetValue(_rate) is null && fixedName is null)
                throw new CliException($"--rate is required: {workloadName} gives no rates (give each class a rate:, or the file an arrival: rate)");
        }
        Serving.SpeculativeConfig? speculative = r.GetValue(_speculative) is { } sc
            ? new Serving.SpeculativeConfig(sc.Method, sc.EffectiveK, sc.Acceptance) { DraftModel = sc.Draft is { } dn ? lib.Model(dn) : null }
            : null;
        List<QuantizationScheme>? quants = r.GetValue(_quant) is { } ql
            ? ql.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(q => engine is null ? DeploymentOptions.ParseQuant(q, m) : engine.ResolveKvCache(DeploymentOptions.ParseQuant(q, m), Core.Specs.EngineProfile.NamesKvType(q)).Scheme).ToList()
            : null;
        var inputs = new PlanInputs
        {
            Model = m,
            Hardware = hw,
            Rate = r.GetValue(_rate),
            FixedCluster = fixedCluster,
            TtftSloSeconds = Given(r, _ttft) ? r.GetValue(_ttft) : null,
            TpotSloSeconds = Given(r, _tpot) ? r.GetValue(_tpot) : null,
            Workload = workloadFile is null ? workloadName : null,
            WorkloadFile = workloadFile,
            WorkloadFileName = workloadFile is null ? null : workloadName,
            SharedPrefixTokens = r.GetValue(_sharedPrefix),
            PrefixCaching = Given(r, _prefixCaching) ? r.GetValue(_prefixCaching) : null,
            Speculative = speculative,
            InputTokens = r.GetValue(_inputTokens),
            OutputTokens = r.GetValue(_outputTokens),
            Quantizations = quants,
            MaxBatches = Given(r, _maxBatch) ? r.GetValue(_maxBatch) : null,
            MaxDevices = Given(r, _maxDevices) ? r.GetValue(_maxDevices) : null,
            Inventory = r.GetValue(_inventory)!,
            HourlyUsd = r.GetValue(_price)!,
            PurchaseUsd = r.GetValue(_purchase)!,
            Objective = r.GetValue(_objective),
            AllowDisaggregation = r.GetValue(_disagg),
            WholeNodes = Given(r, _wholeNodes) ? r.GetValue(_wholeNodes).IsOn : null,
            PowerBudgetWatts = r.GetValue(_power),
            BudgetUsdPerHour = r.GetValue(_budget),
            Headroom = r.GetValue(_headroom),
            Top = r.GetValue(_top),
            Simulate = r.GetValue(_check) == CheckMethod.Simulated,
            TcoPeriodSeconds = Given(r, _tcoPeriod) ? r.GetValue(_tcoPeriod) : null,
            EnergyUsdPerKwh = Given(r, _energyPrice) ? r.GetValue(_energyPrice) : null,
            Pue = Given(r, _pue) ? r.GetValue(_pue) : null,
            HostingUsdPerKwMonth = Given(r, _hosting) ? r.GetValue(_hosting) : null,
            Engine = engine,
            EngineCaveats = caveats,
        };
        if (fixedCluster is not null && Given(r, _rate)) throw new CliException("--rate and --cluster ask different questions: give one (--cluster finds the highest rate a fixed cluster serves)");
        return (inputs, fixedCluster);
    }
}
