using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Simulator.Cli.Output;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Planner;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim plan</c>: the cheapest cluster that serves a request rate within latency targets.</summary>
public static class PlanCommand
{
    /// <summary>
    /// Mean prompt and output lengths of the named workloads: chat and code from the Splitwise/Azure LLM inference
    /// traces (conversation: 1,155 / 211 tokens; code: 2,048 / 28; 19,366 and 8,819 requests), summarize from the
    /// arXiv summarization statistics (2,588 / 291; 28,257 documents), all in shared/reference/vidur-profiling;
    /// reasoning is an assumption (1,024 in, 4,096 out) for long chain-of-thought answers.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (double Input, double Output)> Workloads = new Dictionary<string, (double, double)>
    {
        ["chat"] = (1155, 211), ["code"] = (2048, 28), ["summarize"] = (2588, 291), ["reasoning"] = (1024, 4096),
    };

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("plan", "Find the cheapest mix of replicas (device, TP/PP/EP, quantization, batch, disaggregation) that serves a rate within TTFT/TPOT targets");
        var opts = new PlanOptions();
        opts.AddTo(cmd);
        var format = CommonOptions.Format();
        var plot = new Option<string?>("--plot") { Description = "Pareto chart of cost against TTFT (.png or .svg)" };
        cmd.Options.Add(format);
        cmd.Options.Add(plot);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir));
            var (req, defaults, workload) = opts.Resolve(r, lib);
            if (ctx.Interactive) ctx.Err.WriteLine($"planning {req.Model.Name} on {string.Join(", ", req.Hardware.Select(h => h.Device.Name))} ...");
            PlanResult result;
            if (opts.FixedCluster(r) is not null)
            {
                var capacity = new AnalyticCapacity(req.Model);
                IPlanChecker? checker = workload is null ? null : new SimulatorChecker(req.Model, capacity, workload, CheckRequests);
                double rate;
                try { (rate, result) = new Planner.Planner(capacity, checker).HighestGoodput(req); }
                catch (InfeasibleException e) { throw new CliException(e.Message, 4); }
                req = req with { Demand = req.Demand with { RequestsPerSecond = Math.Round(rate, 3) } };
                defaults.Insert(0, $"fixed cluster {opts.FixedCluster(r)} ({req.Limits.MaxDevicesTotal} devices): highest goodput found {rate:0.###} req/s within the targets; the plans below serve that rate");
            }
            else result = Run(req, workload);
            Render(ctx, req, result, r.GetValue(format), defaults, workload is not null);
            if (r.GetValue(plot) is { } path)
            {
                RooflineCommand.Save(ParetoPlot(req, result, workload is not null), path);
                ctx.Err.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>Runs the planner; an impossible demand becomes exit code 4 with the planner's "infeasible" message.</summary>
    public static PlanResult Run(PlanRequest req, Func<Demand, Serving.WorkloadSpec>? workload = null)
    {
        var capacity = new AnalyticCapacity(req.Model);
        IPlanChecker? checker = workload is null ? null : new SimulatorChecker(req.Model, capacity, workload, CheckRequests);
        try { return new Planner.Planner(capacity, checker).Plan(req); }
        catch (InfeasibleException e) { throw new CliException(e.Message, 4); }
    }

    /// <summary>Requests each checking simulation runs (enough for a stable p90, few enough to check dozens of plans in seconds).</summary>
    public const int CheckRequests = 2000;

    /// <summary>How latencies in the output were obtained.</summary>
    public static string LatencyModel(bool simulated) => simulated
        ? $"p90 from the discrete-event simulator ({CheckRequests} Poisson requests per plan checked); other alternatives analytic means"
        : "analytic means (cost model + queueing); --check analytic";

    /// <summary>
    /// Cost against TTFT for every plan found, with the Pareto front, the chosen plan (the first) marked, and each
    /// plan marked as checked by simulation or estimated analytically.
    /// </summary>
    /// <param name="simulated">Whether the planner's checker was the simulator (<c>--check simulate</c>).</param>
    public static ScottPlot.Plot ParetoPlot(PlanRequest req, PlanResult result, bool simulated)
    {
        var front = new HashSet<Plan>(result.ParetoCostLatency, ReferenceEqualityComparer.Instance);
        var chosen = result.Plans[0];
        // The front may hold plans ranked below the alternatives shown; they belong on the chart too.
        var plans = result.Plans.Concat(result.Alternatives.Select(a => a.Plan)).Concat(result.ParetoCostLatency).Distinct(ReferenceEqualityComparer.Instance).Cast<Plan>()
            .Select(p => new Plotting.ParetoPoint(Label(p), p.CostPerHour, p.PredictedTtftP90Seconds, simulated && CheckedByChecker(p), front.Contains(p), ReferenceEquals(p, chosen)))
            .ToList();
        return Plotting.ParetoChart.Build(plans, $"{req.Model.Name} at {req.Demand.RequestsPerSecond} req/s: cost vs TTFT");
    }

    /// <summary>
    /// Whether the planner ran its checker on the plan: the solver's plans ("CP-SAT ...") always, the homogeneous
    /// alternatives only when re-checked as leaders ("homogeneous, checked"); plain "homogeneous" ones are analytic.
    /// </summary>
    internal static bool CheckedByChecker(Plan p) =>
        p.Note.StartsWith("CP-SAT", StringComparison.Ordinal) || p.Note.EndsWith(", checked", StringComparison.Ordinal);

    /// <summary>The options that describe a planning problem, shared by plan and report.</summary>
    public sealed class PlanOptions
    {
        private readonly Option<string> _model = new("--model", "-m") { Description = "Model name or file", Required = true };
        private readonly Option<string?> _hardware = new("--hardware", "-H") { Description = "Candidate hardware profiles or clusters, comma-separated (required unless --cluster)" };

        /// <summary>The fixed cluster, when one was given.</summary>
        public string? FixedCluster(ParseResult r) => r.GetValue(_cluster);
        private readonly Option<double?> _rate = new("--rate", "-r") { Description = "Requests per second to serve (required unless --cluster)" };
        private readonly Option<string?> _cluster = new("--cluster") { Description = "A fixed cluster (name or YAML): find the highest goodput it gives within the targets instead of the cheapest plan for a rate" };
        private readonly Option<string> _ttft = new("--ttft-slo") { Description = "TTFT target at p90 (default 1 s)", DefaultValueFactory = _ => "1 s" };
        private readonly Option<string> _tpot = new("--tpot-slo") { Description = "TPOT target at p90 (default 50 ms)", DefaultValueFactory = _ => "50 ms" };
        private readonly Option<string> _workload = new("--workload", "-w") { Description = "chat (default), code, summarize, reasoning", DefaultValueFactory = _ => "chat" };
        private readonly Option<int?> _inputTokens = new("--input-tokens") { Description = "Mean prompt tokens (overrides the workload)" };
        private readonly Option<int?> _outputTokens = new("--output-tokens") { Description = "Mean output tokens (overrides the workload)" };
        private readonly Option<string?> _quant = new("--quant", "-q") { Description = "Quantizations to consider, comma-separated (default: 16-bit, fp8 where supported, w4a16)" };
        private readonly Option<int> _maxDevices = new("--max-devices") { Description = "Most devices the plan may use (default 64)", DefaultValueFactory = _ => 64 };
        private readonly Option<string?> _inventory = new("--inventory") { Description = "Devices available per type: h100-sxm=16,a100-80gb-sxm=32" };
        private readonly Option<string> _objective = new("--objective") { Description = "cost (hourly, default), purchase, power or devices", DefaultValueFactory = _ => "cost" };
        private readonly Option<string> _disagg = new("--allow-disaggregation") { Description = "Consider separate prefill and decode pools: on (default) or off", DefaultValueFactory = _ => "on" };
        private readonly Option<string> _maxBatch = new("--max-batch") { Description = "Batch limits to consider, comma-separated", DefaultValueFactory = _ => "32,64,128,256" };
        private readonly Option<string?> _price = new("--price") { Description = "Hourly price per device where the profile has none or to override: h200-sxm=3.5,mi300x=2.9" };
        private readonly Option<string> _wholeNodes = new("--whole-nodes") { Description = "Pay for devices in whole nodes (on, default) or singly (off)", DefaultValueFactory = _ => "on" };
        private readonly Option<double?> _power = new("--power-budget") { Description = "Most watts the plan may draw" };
        private readonly Option<double?> _budget = new("--budget") { Description = "Most USD per hour the plan may cost" };
        private readonly Option<int> _top = new("--top") { Description = "Plans to show", DefaultValueFactory = _ => 5 };
        private readonly Option<string> _check = new("--check") { Description = "How plans are checked: simulate (default, discrete-event simulation) or analytic", DefaultValueFactory = _ => "simulate" };

        public void AddTo(Command cmd)
        {
            foreach (var o in new Option[] { _model, _hardware, _rate, _cluster, _ttft, _tpot, _workload, _inputTokens, _outputTokens, _quant, _maxDevices, _inventory, _objective, _disagg, _maxBatch, _price, _wholeNodes, _power, _budget, _top, _check })
                cmd.Options.Add(o);
        }

        /// <summary>The planning problem, and the defaults that were used (so the output can say which).</summary>
        public (PlanRequest Request, List<string> Defaults, Func<Demand, Serving.WorkloadSpec>? Workload) Resolve(ParseResult r, Core.Loading.SpecLibrary lib)
        {
            var m = lib.Model(r.GetValue(_model)!);
            var defaults = new List<string>();
            void Default(Option o, string text) { if (r.GetResult(o) is null || r.GetResult(o)!.Implicit) defaults.Add(text); }
            var hw = new List<HardwareOption>();
            string? fixedCluster = r.GetValue(_cluster);
            string? hwList = fixedCluster ?? r.GetValue(_hardware);
            if (hwList is null) throw new CliException("--hardware is required (or --cluster for a fixed cluster)");
            if (fixedCluster is not null && !lib.IsCluster(fixedCluster)) throw new CliException($"--cluster: '{fixedCluster}' is not a cluster; 'llmsim hardware list' names them");
            foreach (var name in hwList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (lib.IsCluster(name))
                {
                    var c = lib.Cluster(name);
                    var (d, eff) = DeploymentOptions.Calibrated(c.Device);
                    hw.Add(new HardwareOption(d, DeploymentOptions.CalibratedCluster(c) with { Device = d }) { Efficiency = eff });
                }
                else
                {
                    var (d, eff) = DeploymentOptions.Calibrated(lib.Hardware(name));
                    var c = DeploymentOptions.CalibratedCluster(lib.DefaultCluster(lib.Hardware(name)));
                    hw.Add(new HardwareOption(d, c with { Device = d }) { Efficiency = eff });
                }
            }
            double lambda = r.GetValue(_rate) ?? (fixedCluster is not null ? 1 : throw new CliException("--rate is required (requests per second), unless --cluster asks for the highest goodput"));
            if (!(lambda > 0) || !double.IsFinite(lambda)) throw new CliException("--rate must be a positive number of requests per second");
            string wl = r.GetValue(_workload)!;
            if (!Workloads.TryGetValue(wl, out var lengths)) throw new CliException($"--workload must be one of {string.Join(", ", Workloads.Keys)}, not '{wl}'");
            var demand = new Demand(lambda, r.GetValue(_inputTokens) ?? lengths.Input, r.GetValue(_outputTokens) ?? lengths.Output);
            bool fixedLengths = r.GetValue(_inputTokens) is not null || r.GetValue(_outputTokens) is not null;
            if (!fixedLengths) Default(_workload, $"workload {wl} ({lengths.Input:0} prompt / {lengths.Output:0} output tokens on average)");
            if (demand.MeanInputTokens < 1 || demand.MeanOutputTokens < 1) throw new CliException("--input-tokens and --output-tokens must be at least 1");
            var slo = new Slo(Time(r.GetValue(_ttft)!, "--ttft-slo"), Time(r.GetValue(_tpot)!, "--tpot-slo"));
            Default(_ttft, $"TTFT target {F.Seconds(slo.TtftSeconds)} (p90)");
            Default(_tpot, $"TPOT target {F.Seconds(slo.TpotSeconds)} (p90)");
            List<QuantizationScheme>? quants = null;
            if (r.GetValue(_quant) is { } ql) quants = ql.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => DeploymentOptions.ParseQuant(q, m)).ToList();
            else defaults.Add("quantizations: 16-bit, fp8 where the device has it, w4a16");
            var batches = Ints(r.GetValue(_maxBatch)!, "--max-batch");
            Default(_maxBatch, $"batch limits {string.Join(",", batches)}");
            if (fixedCluster is null) Default(_maxDevices, $"at most {r.GetValue(_maxDevices)} devices");
            var obj = fixedCluster is not null ? Objective.Devices : r.GetValue(_objective) switch
            {
                "cost" => Objective.Cost, "purchase" => Objective.Purchase, "power" => Objective.Power, "devices" => Objective.Devices,
                var o => throw new CliException($"--objective must be cost, purchase, power or devices, not '{o}'"),
            };
            string dis = r.GetValue(_disagg)!;
            if (dis is not ("on" or "off")) throw new CliException("--allow-disaggregation must be on or off");
            string whole = r.GetValue(_wholeNodes)!;
            if (whole is not ("on" or "off")) throw new CliException("--whole-nodes must be on or off");
            var inventory = Pairs(r.GetValue(_inventory), "--inventory", v => int.Parse(v, CultureInfo.InvariantCulture));
            int maxDevices = r.GetValue(_maxDevices);
            if (fixedCluster is not null)
            {
                // A fixed cluster: its devices are all there is, and they are already bought, so whole nodes cost nothing extra.
                maxDevices = hw[0].Cluster.TotalDevices;
                inventory[hw[0].Device.Name] = maxDevices;
            }
            var limits = new Constraints(Pairs(r.GetValue(_price), "--price", v => double.Parse(v, CultureInfo.InvariantCulture)), inventory,
                maxDevices, whole == "on" && fixedCluster is null, r.GetValue(_power) ?? double.MaxValue, r.GetValue(_budget) ?? double.MaxValue);
            if (limits.MaxDevicesTotal < 1) throw new CliException("--max-devices must be at least 1");
            string check = r.GetValue(_check)!;
            if (check is not ("simulate" or "analytic")) throw new CliException("--check must be simulate or analytic");
            // The checking simulation draws lengths from the workload's distribution, or fixed lengths when given.
            Func<Demand, Serving.WorkloadSpec>? spec = check == "analytic" ? null : d =>
            {
                var w = Serving.Presets.Get(wl, new Serving.PoissonArrivals(d.RequestsPerSecond));
                return fixedLengths ? w.WithFixedLengths((int)Math.Round(d.MeanInputTokens), (int)Math.Round(d.MeanOutputTokens)) : w;
            };
            return (new PlanRequest(m, hw, demand, slo, quants, batches, limits, obj, dis == "on", Math.Max(1, r.GetValue(_top))), defaults, spec);
        }
    }

    internal static double Time(string text, string option) =>
        UnitParser.TryParse(text.Replace("ms", " ms").Replace("us", " us").Replace("  ", " "), QuantityKind.Time, out double v, out string e) && v > 0 ? v : throw new CliException($"{option}: {e} ");

    private static List<int> Ints(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new CliException($"{option}: '{s}' is not a positive whole number")).ToList();

    private static Dictionary<string, T> Pairs<T>(string? text, string option, Func<string, T> parse)
    {
        var d = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = p.Split('=', 2);
            try { d[kv[0].Trim()] = parse(kv[1].Trim()); }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
            {
                throw new CliException($"{option}: entries look like name=value, not '{p}'");
            }
        }
        return d;
    }

    internal static string Label(Plan p) => string.Join(" + ", p.Items.Select(i =>
    {
        var c = i.Capacity.Config;
        string par = $"TP{c.Parallelism.Tp}" + (c.Parallelism.Pp > 1 ? $" PP{c.Parallelism.Pp}" : "") + (c.Parallelism.Ep > 1 ? $" EP{c.Parallelism.Ep}" : "");
        string role = c.Role == Role.Aggregated ? "" : " " + c.Role.ToString().ToLowerInvariant();
        return $"{i.Count}x {c.Device.Name} {par} {c.Quant} b{c.MaxBatch}{role}";
    }));

    internal static JsonObject PlanJson(Plan p) => new()
    {
        ["disaggregated"] = p.Disaggregated,
        ["replicas"] = new JsonArray(p.Items.Select(i => (JsonNode)new JsonObject
        {
            ["role"] = i.Capacity.Config.Role.ToString().ToLowerInvariant(),
            ["hardware"] = i.Capacity.Config.Device.Name,
            ["count"] = i.Count,
            ["tp"] = i.Capacity.Config.Parallelism.Tp,
            ["pp"] = i.Capacity.Config.Parallelism.Pp,
            ["ep"] = i.Capacity.Config.Parallelism.Ep,
            ["quantization"] = i.Capacity.Config.Quant.Name,
            ["maxBatch"] = i.Capacity.Config.MaxBatch,
            ["capacityRequestsPerSecond"] = i.Capacity.RequestsPerSecond,
        }).ToArray()),
        ["hardware"] = string.Join(",", p.Items.Select(i => i.Capacity.Config.Device.Name).Distinct()),
        ["prefillPool"] = p.Disaggregated ? Pool(p, Role.Prefill) : null,
        ["decodePool"] = p.Disaggregated ? Pool(p, Role.Decode) : null,
        ["ttftP90Seconds"] = Json.Node(p.PredictedTtftP90Seconds),
        ["tpotP90Seconds"] = Json.Node(p.PredictedTpotP90Seconds),
        ["goodput"] = p.Goodput,
        ["capacityRequestsPerSecond"] = p.CapacityRequestsPerSecond,
        ["costPerHour"] = p.CostPerHour,
        ["purchaseUsd"] = p.PurchaseUsd,
        ["powerWatts"] = p.PowerWatts,
        ["devices"] = p.Devices,
        ["nodes"] = p.Nodes,
        ["meetsSlo"] = p.MeetsSlo,
        ["note"] = p.Note,
    };

    private static JsonObject Pool(Plan p, Role role)
    {
        var items = p.Items.Where(i => i.Capacity.Config.Role == role).ToList();
        return new JsonObject
        {
            ["hardware"] = string.Join(",", items.Select(i => i.Capacity.Config.Device.Name).Distinct()),
            ["count"] = items.Sum(i => i.Count),
            ["devices"] = items.Sum(i => i.Count * i.Capacity.Config.Devices),
        };
    }

    private static void Render(CliContext ctx, PlanRequest req, PlanResult result, OutputFormat format, List<string> defaults, bool simulated)
    {
        if (format == OutputFormat.Json)
        {
            var json = new JsonObject
            {
                ["model"] = req.Model.Name,
                ["rate"] = req.Demand.RequestsPerSecond,
                ["ttftSloSeconds"] = req.Slo.TtftSeconds,
                ["tpotSloSeconds"] = req.Slo.TpotSeconds,
                ["defaults"] = Json.Node(defaults.ToArray()),
                ["latencyModel"] = LatencyModel(simulated),
                ["plans"] = new JsonArray(result.Plans.Select(p => (JsonNode)PlanJson(p)).ToArray()),
                ["alternatives"] = new JsonArray(result.Alternatives.Select(a => { var o = PlanJson(a.Plan); o["lostBecause"] = a.Reason; return (JsonNode)o; }).ToArray()),
                ["paretoCostLatency"] = new JsonArray(result.ParetoCostLatency.Select(p => (JsonNode)PlanJson(p)).ToArray()),
                ["paretoThroughputPerDeviceVsTokensPerUser"] = new JsonArray(result.ParetoThroughput.Select(p => (JsonNode)PlanJson(p)).ToArray()),
                ["searchStats"] = new JsonObject
                {
                    ["configurationsConsidered"] = result.Stats.Considered,
                    ["pruned"] = result.Stats.Pruned,
                    ["evaluated"] = result.Stats.Evaluated,
                    ["checked"] = result.Stats.Checked,
                    ["checkRounds"] = result.Stats.CheckRounds,
                    ["solverStatus"] = result.Stats.SolverStatus,
                    ["wallSeconds"] = result.Stats.WallSeconds,
                },
            };
            ctx.Out.Write(Json.Write(json));
            return;
        }
        var t = new Table("rank", "plan", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity", "meetsSlo")
            .AlignRight("rank", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity");
        int rank = 1;
        foreach (var p in result.Plans)
            t.Add((rank.ToString(), rank++), (Label(p), Label(p)), (p.Devices.ToString(), p.Devices), ($"{p.CostPerHour:0.00} USD/h", p.CostPerHour),
                (F.Seconds(p.PredictedTtftP90Seconds), p.PredictedTtftP90Seconds), (F.Seconds(p.PredictedTpotP90Seconds), p.PredictedTpotP90Seconds),
                ($"{p.CapacityRequestsPerSecond:0.##} req/s", p.CapacityRequestsPerSecond), (p.MeetsSlo ? "yes" : "NO", p.MeetsSlo));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        foreach (var d in defaults) ctx.Out.WriteLine("default: " + d);
        ctx.Out.WriteLine($"{req.Model.Name} at {req.Demand.RequestsPerSecond} req/s, TTFT <= {F.Seconds(req.Slo.TtftSeconds)}, TPOT <= {F.Seconds(req.Slo.TpotSeconds)}; objective {req.Objective.ToString().ToLowerInvariant()}");
        ctx.Out.Write(t.ToText());
        if (result.Alternatives.Count > 0)
        {
            ctx.Out.WriteLine("why the next alternatives lost:");
            foreach (var (p, why) in result.Alternatives.Take(5)) ctx.Out.WriteLine($"  {Label(p)}: {why}");
        }
        var s = result.Stats;
        ctx.Out.WriteLine($"search: {s.Considered} configurations, {s.Pruned} pruned, solver {s.SolverStatus}, {s.CheckRounds} check round(s), {s.Checked} plan(s) checked, {s.WallSeconds:0.00} s. Latencies: {LatencyModel(simulated)}.");
    }
}
