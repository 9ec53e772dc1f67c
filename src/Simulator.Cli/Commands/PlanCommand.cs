using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Planner;
using Simulator.Serving;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim plan</c>: the cheapest cluster that serves a request rate within latency targets.</summary>
public static class PlanCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("plan", "Find the cheapest mix of replicas (device, TP/PP/EP, quantization, batch, disaggregation) that serves a rate within TTFT/TPOT targets");
        var opts = new PlanOptions();
        opts.AddTo(cmd);
        var format = CommonOptions.Format();
        var plot = CommonOptions.Plot("Pareto chart of cost against TTFT (.png or .svg)");
        var timings = new Option<bool>("--timings") { Description = "Also print the search's wall time (left out by default so the same inputs give the same bytes)" };
        var export = new Option<string?>("--export") { Description = "Also write the chosen plan's launch commands and Kubernetes manifests into this folder (llmsim export has the choices)" };
        cmd.Options.Add(format);
        cmd.Options.Add(plot);
        cmd.Options.Add(timings);
        cmd.Options.Add(export);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string? plotPath = CommonOptions.CheckPlotPath(r.GetValue(plot));
            if (r.GetValue(export) is { } exportTo && File.Exists(exportTo)) throw new CliException($"--export: '{exportTo}' is a file; give a folder to write the export into");
            var (built, fixedCluster) = opts.Resolve(r, lib, ctx.Engines);
            using var progress = ctx.Progress($"planning {built.Request.Model.Name} on {string.Join(", ", built.Request.Hardware.Select(h => h.Device.Name))}");
            var (result, req, note) = Run(built, fixedCluster);
            progress.Dispose();
            var defaults = built.Defaults.ToList();
            if (note is not null) defaults.Insert(0, note);
            Render(ctx, req, result, r.GetValue(format), defaults, built.Workload is not null, r.GetValue(timings));
            if (plotPath is not null)
            {
                ChartOutput.Save(ParetoPlot(req, result), plotPath);
                ctx.Err.WriteLine($"wrote {plotPath}");
            }
            if (r.GetValue(export) is { } folder)
            {
                var choices = new ExportCommand.Choices();
                var d = Deploy.Export.DeploymentSpec.FromPlan(req.Model, result.Plans[0], modelId: choices.ModelId(ctx, req.Model));
                ExportCommand.Render(ctx, choices.Write(ctx, d, folder, "llmsim plan (plan #1)", "--export"), OutputFormat.Table, summaryOnStdout: false);
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Runs the planner; bad inputs exit 2, an impossible demand exits 4 with the planner's "infeasible" message.</summary>
    public static (PlanResult Result, PlanRequest Request, string? Note) Run(BuiltPlan built, ClusterSpec? fixedCluster = null)
    {
        try { return PlanRequestBuilder.Run(built, fixedCluster); }
        catch (InfeasibleException e) { throw new CliException(e.Message, Cli.Infeasible); }
    }

    /// <summary>How latencies in the output were obtained.</summary>
    public static string LatencyModel(bool simulated) => simulated
        ? $"p90 from the discrete-event simulator ({PlanRequestBuilder.CheckRequests} Poisson requests per plan checked); other alternatives analytic means"
        : "analytic means (cost model + queueing); --check analytic";

    /// <summary>
    /// Cost against TTFT for every plan found, with the Pareto front, the chosen plan (the first) marked, and each
    /// plan marked as checked by simulation or estimated analytically (from how the planner obtained its latencies).
    /// </summary>
    public static ScottPlot.Plot ParetoPlot(PlanRequest req, PlanResult result)
    {
        var front = new HashSet<Plan>(result.ParetoCostLatency, ReferenceEqualityComparer.Instance);
        var chosen = result.Plans[0];
        // The front may hold plans ranked below the alternatives shown; they belong on the chart too.
        var plans = result.Plans.Concat(result.Alternatives.Select(a => a.Plan)).Concat(result.ParetoCostLatency).Distinct(ReferenceEqualityComparer.Instance).Cast<Plan>()
            .Select(p => new Plotting.ParetoPoint(Label(p), p.CostPerHour, p.PredictedTtftP90Seconds, p.Check == CheckMethod.Simulated, front.Contains(p), ReferenceEquals(p, chosen)))
            .ToList();
        return Plotting.ParetoChart.Build(plans, $"{req.Model.Name} at {req.Demand.RequestsPerSecond} req/s: cost vs TTFT");
    }

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
            ClusterSpec? fixedCluster = null;
            foreach (var name in hwList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var resolved = lib.IsCluster(name) ? resolver.ResolveCluster(lib.Cluster(name)) : resolver.Resolve(lib.Hardware(name));
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
            };
            if (fixedCluster is not null && Given(r, _rate)) throw new CliException("--rate and --cluster ask different questions: give one (--cluster finds the highest rate a fixed cluster serves)");
            return (inputs, fixedCluster);
        }
    }

    /// <summary>The scenario an output's options came from (null without one).</summary>
    internal static ScenarioOutput? ScenarioOutputOf(CliContext ctx) => ctx.Scenario is { } s ? new ScenarioOutput(s.Name, s.File, s.Hash) : null;

    /// <summary>The scenario line of a table output (null without one).</summary>
    internal static string? ScenarioLine(CliContext ctx) => ctx.Scenario is { } s ? $"scenario: {s.Name} ({s.File}, sha256 {s.Hash[..16]}...)" : null;

    internal static string Label(Plan p) => string.Join(" + ", p.Items.Select(i =>
    {
        var c = i.Capacity.Config;
        string par = (c.Parallelism.Dp > 1 ? $"DP{c.Parallelism.Dp} " : "") + $"TP{c.Parallelism.Tp}" + (c.Parallelism.Pp > 1 ? $" PP{c.Parallelism.Pp}" : "") + (c.Parallelism.Ep > 1 ? $" EP{c.Parallelism.Ep}" : "");
        string role = c.Role == ReplicaRole.Aggregated ? "" : " " + c.Role.ToString().ToLowerInvariant();
        string features = (c.PrefixCaching ? " +prefix-cache" : "") + (c.Speculative is { } sp ? $" +spec {Serving.SpeculativeConfig.MethodName(sp.Method)} k{sp.K}" : "");
        return $"{i.Count}x {c.Device.Name} {par} {c.Quant.Label} b{c.MaxBatch}{role}{features}";
    }));

    /// <summary>One replica group of a plan; <c>dp</c> and <c>cluster</c> appear for attention-data-parallel layouts only.</summary>
    private static PlanReplicas Replicas(PlanRequest req, PlanItem i)
    {
        var c = i.Capacity.Config;
        bool dp = c.Parallelism.Dp > 1;
        return new PlanReplicas(c.Role.ToString().ToLowerInvariant(), c.Device.Name, i.Count, c.Parallelism.Tp, c.Parallelism.Pp, c.Parallelism.Ep,
            c.Quant.Name, c.Quant.KvCacheName, c.MaxBatch, i.Capacity.RequestsPerSecond)
        {
            Dp = dp ? c.Parallelism.Dp : null,
            Cluster = dp ? c.Cluster.Name : null,
            // The serving features appear only when the request considered them.
            PrefixCaching = req.ConsidersFeatures ? c.PrefixCaching : null,
            Speculative = req.ConsidersFeatures ? c.Speculative?.Describe() : null,
        };
    }

    /// <summary>The price quotes a plan's devices are costed at, with their provenance.</summary>
    internal static Dictionary<string, PlanPrice> Prices(PlanRequest req, Plan p)
    {
        var o = new Dictionary<string, PlanPrice>(StringComparer.Ordinal);
        foreach (var d in p.Items.Select(i => i.Capacity.Config.Device).DistinctBy(d => d.Name))
            o[d.Name] = new PlanPrice(JsonOutput.N(Planner.Planner.Hourly(req, d)), PriceWords(req.Limits.HourlyUsd.ContainsKey(d.Name), d.Price.Hourly),
                JsonOutput.N(Planner.Planner.Purchase(req, d)), PriceWords(req.Limits.PurchaseUsd.ContainsKey(d.Name), d.Price.Purchase));
        return o;
    }

    /// <summary>"user", "list 2026-09", "assumption 2020-05", "unstated" or "none".</summary>
    internal static string PriceWords(bool user, PriceQuote? q) => user ? "user (command line)" : q is null ? "none" : q.Provenance;

    /// <summary>One plan as the JSON output writes it (field names are part of the CLI's contract; schema docs/schemas/plan.schema.json).</summary>
    internal static PlanEntry Entry(PlanRequest req, Plan p) => new(
        p.Disaggregated,
        p.Items.Select(i => Replicas(req, i)).ToList(),
        string.Join(",", p.DeviceNames),
        p.Disaggregated ? Pool(p, ReplicaRole.Prefill) : null,
        p.Disaggregated ? Pool(p, ReplicaRole.Decode) : null,
        JsonOutput.N(p.PredictedTtftP90Seconds),
        JsonOutput.N(p.PredictedTpotP90Seconds),
        p.Check == CheckMethod.Simulated ? "simulated" : "analytic",
        p.Origin == PlanOrigin.Solver ? "solver" : "single configuration",
        p.Goodput,
        p.CapacityRequestsPerSecond,
        JsonOutput.N(p.HeadroomAt(req.Demand.RequestsPerSecond)),
        p.CostPerHour,
        JsonOutput.N(p.PurchaseUsd),
        p.PowerWatts,
        p.Devices,
        p.BilledDevices,
        p.Nodes,
        p.MeetsSlo,
        Prices(req, p),
        p.Tco is { } t ? new PlanTco(t.PeriodSeconds, t.PurchaseUsd, t.EnergyUsd, t.HostingUsd, t.TotalUsd, t.AverageWatts, JsonOutput.N(TcoPerMillion(req, t))) : null,
        p.Note)
    {
        FeatureChoice = p.FeatureChoice,
        Classes = p.Classes.Count == 0 ? null : p.Classes.Select(c => new PlanClassOutput(c.Name, JsonOutput.N(c.Slo.TtftSeconds), JsonOutput.N(c.Slo.TpotSeconds),
            JsonOutput.N(c.TtftP90Seconds), JsonOutput.N(c.TpotP90Seconds), c.Meets)).ToList(),
    };

    /// <summary>TCO per million output tokens served at the demanded rate over the whole period.</summary>
    internal static double TcoPerMillion(PlanRequest req, TcoBreakdown t)
    {
        double tokens = req.Demand.RequestsPerSecond * req.Demand.MeanOutputTokens * t.PeriodSeconds;
        return tokens > 0 ? t.TotalUsd / tokens * 1e6 : double.NaN;
    }

    private static PlanPool Pool(Plan p, ReplicaRole role)
    {
        var items = p.Items.Where(i => i.Capacity.Config.Role == role).ToList();
        return new PlanPool(string.Join(",", items.Select(i => i.Capacity.Config.Device.Name).Distinct()), items.Sum(i => i.Count), items.Sum(i => i.Count * i.Capacity.Config.Devices));
    }

    private static string DevicesText(Plan p) => p.BilledDevices > p.Devices ? $"{p.Devices} ({p.BilledDevices} billed)" : p.Devices.ToString();

    private static void Render(CliContext ctx, PlanRequest req, PlanResult result, OutputFormat format, List<string> defaults, bool simulated, bool timings)
    {
        if (format == OutputFormat.Json)
        {
            var stats = new SearchStatsOutput(result.Stats.Considered, result.Stats.Pruned, result.Stats.Evaluated, result.Stats.Checked, result.Stats.CheckRounds, result.Stats.SolverStatus)
            {
                WallSeconds = timings ? result.Stats.WallSeconds : null,
            };
            var output = new PlanOutput(req.Model.Name, req.Demand.RequestsPerSecond, req.Demand.MeanInputTokens, req.Demand.MeanOutputTokens, req.Slo.TtftSeconds, req.Slo.TpotSeconds,
                req.Objective.ToString().ToLowerInvariant(), req.Limits.Headroom, req.Limits.WholeNodes, [.. defaults], LatencyModel(simulated), result.WhyFirst,
                result.Plans.Select(p => Entry(req, p)).ToList(),
                result.Alternatives.Select(a => Entry(req, a.Plan) with { LostBecause = a.Reason }).ToList(),
                result.Excluded.Select(e => new ExcludedDevice(e.Hardware, e.Reason, e.Remedy)).ToList(),
                result.ParetoCostLatency.Select(p => Entry(req, p)).ToList(),
                result.ParetoThroughput.Select(p => Entry(req, p)).ToList(),
                new TcoSettingsOutput(req.Tco.PeriodSeconds, req.Tco.EnergyUsdPerKwh, req.Tco.Pue, req.Tco.HostingUsdPerKwMonth),
                stats)
            {
                Engine = req.Engine?.Name ?? EngineText.GenericName,
                Scenario = ScenarioOutputOf(ctx),
            };
            ctx.Out.Write(JsonOutput.Write(output));
            return;
        }
        if (req.Engine is { } planEngine && format != OutputFormat.Csv) ctx.Out.WriteLine(EngineText.Summary(planEngine, Core.Specs.QuantizationScheme.Bf16, offline: false).Replace("; KV cache bf16 (", "; KV cache by the engine's rule ("));
        var t = new Table("rank", "plan", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity", "meetsSlo")
            .AlignRight("rank", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity");
        int rank = 1;
        foreach (var p in result.Plans)
            t.Add((rank.ToString(), rank++), (Label(p), Label(p)), (DevicesText(p), p.BilledDevices), ($"{p.CostPerHour:0.00} USD/h", p.CostPerHour),
                (F.Seconds(p.PredictedTtftP90Seconds), p.PredictedTtftP90Seconds), (F.Seconds(p.PredictedTpotP90Seconds), p.PredictedTpotP90Seconds),
                ($"{p.CapacityRequestsPerSecond:0.##} req/s", p.CapacityRequestsPerSecond), (p.MeetsSlo ? "yes" : "NO", p.MeetsSlo));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        if (ScenarioLine(ctx) is { } line) ctx.Out.WriteLine(line);
        foreach (var d in defaults) ctx.Out.WriteLine("default: " + d);
        string headroom = req.Limits.Headroom > 0 ? $", headroom {req.Limits.Headroom * 100:0.#}% (capacity for {req.CapacityTarget:0.##} req/s)" : "";
        ctx.Out.WriteLine($"{req.Model.Name} at {req.Demand.RequestsPerSecond} req/s, TTFT <= {F.Seconds(req.Slo.TtftSeconds)}, TPOT <= {F.Seconds(req.Slo.TpotSeconds)}; objective {req.Objective.ToString().ToLowerInvariant()}{headroom}");
        ctx.Out.Write(t.ToText());
        var best = result.Plans[0];
        ctx.Out.WriteLine($"why #1: {result.WhyFirst}.");
        if (best.FeatureChoice is { Length: > 0 } features) ctx.Out.WriteLine($"serving features of #1: {features}.");
        if (best.Classes.Count > 0)
            ctx.Out.WriteLine("classes of #1 (p90 against each class's targets): " + string.Join("; ", best.Classes.Select(c =>
                $"{c.Name} TTFT {F.Seconds(c.TtftP90Seconds)} / {F.Seconds(c.Slo.TtftSeconds)}, TPOT {F.Seconds(c.TpotP90Seconds)} / {F.Seconds(c.Slo.TpotSeconds)}: {(c.Meets ? "met" : "MISSED")}")));
        if (best.BilledDevices > best.Devices)
            ctx.Out.WriteLine($"billing: #1 uses {best.Devices} devices and pays for {best.BilledDevices} (whole nodes; --whole-nodes off to pay per device).");
        foreach (var d in best.Items.Select(i => i.Capacity.Config.Device).DistinctBy(d => d.Name))
        {
            string hourly = double.IsNaN(Planner.Planner.Hourly(req, d)) ? "no hourly price" : $"{Planner.Planner.Hourly(req, d):0.00} USD/h ({PriceWords(req.Limits.HourlyUsd.ContainsKey(d.Name), d.Price.Hourly)})";
            string purchase = double.IsNaN(Planner.Planner.Purchase(req, d)) ? "no purchase price" : $"{Planner.Planner.Purchase(req, d):N0} USD to buy ({PriceWords(req.Limits.PurchaseUsd.ContainsKey(d.Name), d.Price.Purchase)})";
            ctx.Out.WriteLine($"price: {d.Name} {hourly}, {purchase}; sources in 'llmsim hardware show {d.Name}'");
        }
        if (best.Tco is { } tco)
            ctx.Out.WriteLine($"tco: #1 over {tco.PeriodSeconds / (365.25 * 86400):0.#} years: {tco.TotalUsd:N0} USD = purchase {tco.PurchaseUsd:N0} + energy {tco.EnergyUsd:N0} (average {tco.AverageWatts / 1000:0.##} kW of device power, PUE {req.Tco.Pue:0.##}, {req.Tco.EnergyUsdPerKwh:0.###} USD/kWh) + hosting {tco.HostingUsd:N0} ({req.Tco.HostingUsdPerKwMonth:0} USD/kW/month); {TcoPerMillion(req, tco):0.###} USD per million output tokens at this rate");
        if (result.Alternatives.Count > 0)
        {
            ctx.Out.WriteLine("why the next alternatives lost:");
            foreach (var (p, why) in result.Alternatives) ctx.Out.WriteLine($"  {Label(p)}: {why}");
        }
        if (result.Excluded.Count > 0)
        {
            ctx.Out.WriteLine("excluded (asked for, but in no plan):");
            foreach (var e in result.Excluded) ctx.Out.WriteLine($"  {e.Hardware}: {e.Reason}; {e.Remedy}");
        }
        var s = result.Stats;
        ctx.Out.WriteLine($"search: {s.Considered} configurations, {s.Pruned} pruned; solver {s.SolverStatus}; {s.CheckRounds} check round(s), {s.Checked} plan(s) checked{(timings ? $", {s.WallSeconds:0.00} s" : "")}. Latencies: {LatencyModel(simulated)}.");
    }
}
