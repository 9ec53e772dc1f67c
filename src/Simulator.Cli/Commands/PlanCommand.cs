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
            var (result, req, note) = PlanText.Run(built, fixedCluster);
            progress.Dispose();
            var defaults = built.Defaults.ToList();
            if (note is not null) defaults.Insert(0, note);
            Render(ctx, req, result, r.GetValue(format), defaults, built.Workload is not null, r.GetValue(timings));
            if (plotPath is not null)
            {
                ChartOutput.Save(PlanText.ParetoPlot(req, result), plotPath);
                ctx.Err.WriteLine($"wrote {plotPath}");
            }
            if (r.GetValue(export) is { } folder)
            {
                var choices = new ExportWriter.Choices();
                var d = Deploy.Export.DeploymentSpec.FromPlan(req.Model, result.Plans[0], modelId: choices.ModelId(ctx, req.Model));
                ExportWriter.Render(ctx, choices.Write(ctx, d, folder, "llmsim plan (plan #1)", "--export"), OutputFormat.Table, summaryOnStdout: false);
            }
            return 0;
        });
        return cmd;
    }

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
                req.Objective.ToString().ToLowerInvariant(), req.Limits.Headroom, req.Limits.WholeNodes, [.. defaults], PlanText.LatencyModel(simulated), result.WhyFirst,
                result.Plans.Select(p => Entry(req, p)).ToList(),
                result.Alternatives.Select(a => Entry(req, a.Plan) with { LostBecause = a.Reason }).ToList(),
                result.Excluded.Select(e => new ExcludedDevice(e.Hardware, e.Reason, e.Remedy)).ToList(),
                result.ParetoCostLatency.Select(p => Entry(req, p)).ToList(),
                result.ParetoThroughput.Select(p => Entry(req, p)).ToList(),
                new TcoSettingsOutput(req.Tco.PeriodSeconds, req.Tco.EnergyUsdPerKwh, req.Tco.Pue, req.Tco.HostingUsdPerKwMonth),
                stats)
            {
                Engine = req.Engine?.Name ?? EngineText.GenericName,
                Scenario = PlanText.ScenarioOutputOf(ctx),
            };
            ctx.Out.Write(JsonOutput.Write(output));
            return;
        }
        if (req.Engine is { } planEngine && format != OutputFormat.Csv) ctx.Out.WriteLine(EngineText.Summary(planEngine, Core.Specs.QuantizationScheme.Bf16, offline: false).Replace("; KV cache bf16 (", "; KV cache by the engine's rule ("));
        var t = new Table("rank", "plan", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity", "meetsSlo")
            .AlignRight("rank", "devices", "costPerHour", "ttftSeconds", "tpotSeconds", "capacity");
        int rank = 1;
        foreach (var p in result.Plans)
            t.Add((rank.ToString(), rank++), (PlanText.Label(p), PlanText.Label(p)), (DevicesText(p), p.BilledDevices), ($"{p.CostPerHour:0.00} USD/h", p.CostPerHour),
                (F.Seconds(p.PredictedTtftP90Seconds), p.PredictedTtftP90Seconds), (F.Seconds(p.PredictedTpotP90Seconds), p.PredictedTpotP90Seconds),
                ($"{p.CapacityRequestsPerSecond:0.##} req/s", p.CapacityRequestsPerSecond), (p.MeetsSlo ? "yes" : "NO", p.MeetsSlo));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        if (PlanText.ScenarioLine(ctx) is { } line) ctx.Out.WriteLine(line);
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
            foreach (var (p, why) in result.Alternatives) ctx.Out.WriteLine($"  {PlanText.Label(p)}: {why}");
        }
        if (result.Excluded.Count > 0)
        {
            ctx.Out.WriteLine("excluded (asked for, but in no plan):");
            foreach (var e in result.Excluded) ctx.Out.WriteLine($"  {e.Hardware}: {e.Reason}; {e.Remedy}");
        }
        var s = result.Stats;
        ctx.Out.WriteLine($"search: {s.Considered} configurations, {s.Pruned} pruned; solver {s.SolverStatus}; {s.CheckRounds} check round(s), {s.Checked} plan(s) checked{(timings ? $", {s.WallSeconds:0.00} s" : "")}. Latencies: {PlanText.LatencyModel(simulated)}.");
    }
}
