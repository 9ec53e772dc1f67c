using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Units;
using Simulator.Deploy.Autoscale;
using Simulator.Planner;
using Simulator.Plotting;
using Simulator.Serving;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim day</c>: a day of traffic (a rate per hour, or a trace) served by replicas that follow the demand under an
/// autoscaling policy, against a fixed fleet sized for the peak: replicas, cost and SLO misses per hour, and a chart
/// of rate, replicas and p90 latency over the day. Planning options are plan's.
/// </summary>
public static class DayCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed class Options
    {
        public readonly PlanOptions Plan = new();
        public readonly Option<IReadOnlyList<double>> Rates = Opt.NumberList("--rates", "Requests per second in each hour, comma-separated (24 for a day; up to 168)", 1e7, "rate in requests/s", allowZero: true);
        public readonly Option<string?> Trace = new("--trace") { Description = "A trace (BurstGPT or Azure CSV) whose arrivals, counted per minute, are the day's traffic" };
        public readonly Option<Serving.TraceFormat?> TraceFormat = Opt.Choice<Serving.TraceFormat?>("--trace-format", "Trace format (default: recognised from the header: auto)", null,
            ("auto", null), ("burstgpt", Serving.TraceFormat.BurstGpt), ("azure", Serving.TraceFormat.Azure));
        public readonly Option<double?> TimeScale = Opt.Number("--time-scale", "Replay the trace this many times faster (0.5 = half speed)", 0, 1e6, 1.0, unitWord: "factor");
        public readonly Option<double?> Target = Opt.Number("--target-utilization", "Share of a replica's capacity within the targets it may carry before another is added", 0.05, 1, AutoscalePolicy.DefaultTargetUtilization, unitWord: "fraction");
        public readonly Option<double?> ScaleUpDelay = Opt.Quantity("--scale-up-delay", QuantityKind.Time, "From the decision to add a replica to its pod running (node provisioning, scheduling, image pull)", "3 min", max: 86400, allowZero: true);
        public readonly Option<double?> LoadTime = Opt.Quantity("--model-load-time", QuantityKind.Time, "From the pod running to serving (default: 60 s engine start + the weights per device at 2 GB/s)", max: 86400, allowZero: true);
        public readonly Option<int> MinReplicas = Opt.Int("--min-replicas", "Replicas kept however low the traffic", 0, 100_000, 1);
        public readonly Option<double?> ScaleDownDelay = Opt.Quantity("--scale-down-delay", QuantityKind.Time, "How long a lower count must be wanted before replicas go (the Kubernetes HPA's default stabilisation window)", "5 min", max: 86400, allowZero: true);
        public readonly Option<OutputFormat> Format = CommonOptions.Format();
        public readonly Option<string?> Plot = CommonOptions.Plot("Chart of demand, capacity, replicas and p90 TTFT over the day (.png or .svg)");

        public IEnumerable<Option> All() => [Rates, Trace, TraceFormat, TimeScale, Target, ScaleUpDelay, LoadTime, MinReplicas, ScaleDownDelay, Format, Plot];
    }

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("day", "Plan a day of traffic (a rate per hour or a trace) with autoscaling: replicas, cost and SLO misses per hour against a fixed fleet for the peak");
        var o = new Options();
        o.Plan.AddTo(cmd);
        foreach (var opt in o.All()) cmd.Options.Add(opt);
        cmd.SetAction(r => Execute(ctx, o, r));
        return cmd;
    }

    private static bool Given(ParseResult r, Option o) => r.GetResult(o) is { Implicit: false };

    private static int Execute(CliContext ctx, Options o, ParseResult r)
    {
        var lib = ctx.Library(r);
        string? plot = CommonOptions.CheckPlotPath(r.GetValue(o.Plot));
        if (o.Plan.GivesRate(r)) throw new CliException("day takes its traffic from --rates (one per hour) or --trace, not --rate");
        if (o.Plan.GivesCluster(r)) throw new CliException("day sizes and scales a fleet; --cluster (a fixed cluster) does not apply");
        var traffic = Traffic(o, r);
        double target = r.GetValue(o.Target) ?? AutoscalePolicy.DefaultTargetUtilization;
        var (inputs, _) = o.Plan.Inputs(r, lib, ctx.Engines);
        var defaults = new List<string>();
        // The fixed fleet for the peak keeps the autoscaler's spare share; replicas are paid per device-hour; one replica type scales.
        if (!o.Plan.GivesHeadroom(r)) defaults.Add($"headroom {1 - target:0.##} for the fixed fleet, the spare share the autoscaler keeps (--target-utilization {target:0.##})");
        if (o.Plan.GivesDisaggregation(r) && inputs.AllowDisaggregation) throw new CliException("day scales one aggregated replica type; leave out --allow-disaggregation on");
        defaults.Add("aggregated replicas only (the autoscaler adds and removes one replica type); devices paid per hour, not in whole nodes");
        inputs = inputs with
        {
            Rate = traffic.Peak,
            Headroom = inputs.Headroom ?? 1 - target,
            AllowDisaggregation = false,
            WholeNodes = false,
        };
        BuiltPlan built;
        try { built = PlanRequestBuilder.Build(inputs); }
        catch (PlanInputException e) { throw new CliException(e.Message); }
        var policy = new AutoscalePolicy(target, r.GetValue(o.ScaleUpDelay) ?? AutoscalePolicy.DefaultScaleUpDelaySeconds, r.GetValue(o.LoadTime), r.GetValue(o.MinReplicas),
            r.GetValue(o.ScaleDownDelay) ?? AutoscalePolicy.DefaultScaleDownDelaySeconds, int.MaxValue);
        DayResult day;
        using (ctx.Progress($"planning a day of {built.Request.Model.Name}"))
        {
            try { day = DayPlanner.Run(built, traffic, policy); }
            catch (InfeasibleException e) { throw new CliException(e.Message, Cli.Infeasible); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
        }
        var output = ToOutput(ctx, day, traffic, built.Defaults.Concat(defaults).ToList());
        Render(ctx, output, r.GetValue(o.Format));
        if (plot is not null)
        {
            var points = day.Minutes.Select(m => new DayChartPoint(m.Minute / 60.0, m.RatePerSecond, m.Ready * day.ReplicaCapacity, m.Ready, m.Provisioned, m.TtftP90Seconds)).ToList();
            ChartOutput.Save(DayChart.Build(points, $"{day.Request.Model.Name}: {traffic.Source}, autoscaled {day.Unit.Device.Name} TP{day.Unit.Parallelism.Tp} {day.Unit.Quant}", day.Request.Slo.TtftSeconds), plot);
            ctx.Err.WriteLine($"wrote {plot}");
        }
        return 0;
    }

    private static TrafficProfile Traffic(Options o, ParseResult r)
    {
        var rates = r.GetValue(o.Rates)!;
        string? trace = r.GetValue(o.Trace);
        if (rates.Count > 0 && trace is not null) throw new CliException("give --rates or --trace, not both");
        if (trace is null && (Given(r, o.TraceFormat) || Given(r, o.TimeScale))) throw new CliException("--trace-format and --time-scale apply to --trace");
        try
        {
            if (rates.Count > 0) return TrafficProfile.FromHourly(rates, $"{rates.Count} hourly rates");
            if (trace is null) throw new CliException("give the day's traffic: --rates (requests/s per hour, e.g. 2,2,1,...) or --trace FILE.csv");
            var t = WorkloadBuilder.ReadTrace(trace, r.GetValue(o.TraceFormat)).TimeScaled(r.GetValue(o.TimeScale) ?? 1);
            if (t.Rows.Count == 0) throw new CliException(t.NoUsableRowsMessage());
            return TrafficProfile.FromArrivals(t.Rows.Select(x => x.ArrivalSeconds).ToList(), $"trace {Path.GetFileName(trace)} ({t.Rows.Count:N0} requests)");
        }
        catch (SetupException e) { throw new CliException(e.Message); }
        catch (ArgumentException e) { throw new CliException((trace is null ? "--rates: " : "--trace: ") + e.Message); }
    }

    private static double? N(double v) => JsonOutput.N(v);

    /// <summary>The typed output of a planned day.</summary>
    public static DayOutput ToOutput(CliContext ctx, DayResult d, TrafficProfile traffic, IReadOnlyList<string> defaults)
    {
        var c = d.Unit;
        var p = d.Policy;
        string fixedText = PlanText.Label(d.PeakPlan) + " (the plan for the peak, always serving)";
        string autoText = $"{c.Device.Name} TP{c.Parallelism.Tp} {c.Quant} b{c.MaxBatch} replicas, autoscaled";
        double fixedHours = d.FixedReplicas * (double)traffic.Hours;
        var output = new DayOutput(
            d.Request.Model.Name, traffic.Source, traffic.Hours, traffic.Peak, d.Request.Slo.TtftSeconds, d.Request.Slo.TpotSeconds,
            new DayPolicyOutput(p.TargetUtilization, p.ScaleUpDelaySeconds, d.ModelLoadSeconds, p.MinReplicas, p.ScaleDownDelaySeconds, d.Hours.Max(h => h.ProvisionedMax)),
            new DayReplicaOutput(c.Device.Name, c.Parallelism.Tp, c.Parallelism.Pp, c.Parallelism.Ep, c.Quant.Name, c.MaxBatch, c.Devices, d.ReplicaCapacity, N(d.ReplicaCostPerHour)),
            d.LatencyFrom,
            d.Curve.Select(x => new DayCurvePoint(x.Utilization, x.RatePerSecond, N(x.TtftP90Seconds), N(x.TpotP90Seconds))).ToList(),
            new DayFleetOutput(autoText, N(d.AutoscaledCostUsd), d.Hours.Sum(h => h.ReplicaHours), d.Requests, d.SloMisses, d.SloMissesDuringScaleUp, N(d.Requests > 0 ? 1 - d.SloMisses / d.Requests : double.NaN)),
            new DayFleetOutput(fixedText, N(d.FixedCostUsd), fixedHours, d.Requests, d.FixedSloMisses, 0, N(d.Requests > 0 ? 1 - d.FixedSloMisses / d.Requests : double.NaN)),
            N(d.Saving),
            d.Hours.Select(h => new DayHourOutput(h.Hour, h.RatePerSecond, h.PeakRatePerSecond, h.ReadyMin, h.ReadyMax, h.ProvisionedMax, h.ReplicaHours, N(h.CostUsd),
                N(h.TtftP90Seconds), N(h.TpotP90Seconds), h.Requests, h.SloMisses, h.SloMissesDuringScaleUp, h.FixedReplicas, h.FixedSloMisses)).ToList(),
            defaults, d.Notes)
        {
            Engine = d.Request.Engine?.Name ?? EngineText.GenericName,
            Scenario = ctx.Scenario is { } s ? new ScenarioOutput(s.Name, s.File, s.Hash) : null,
        };
        return output;
    }

    private static string Usd(double? v) => v is double x ? x.ToString("N2", Inv) + " USD" : "n/a (no hourly price)";

    private static void Render(CliContext ctx, DayOutput d, OutputFormat format)
    {
        if (format == OutputFormat.Json) { ctx.Out.Write(JsonOutput.Write(d)); return; }
        var t = new Table("hour", "rate", "serving", "paidFor", "costUsd", "ttftP90", "tpotP90", "requests", "sloMisses", "duringScaleUp")
            .AlignRight("hour", "rate", "serving", "paidFor", "costUsd", "ttftP90", "tpotP90", "requests", "sloMisses", "duringScaleUp");
        foreach (var h in d.HourlyDetail)
            t.Add((h.Hour.ToString(Inv), h.Hour), ($"{h.RatePerSecond:0.##} req/s", h.RatePerSecond), (h.ReadyMin == h.ReadyMax ? h.ReadyMax.ToString(Inv) : $"{h.ReadyMin}-{h.ReadyMax}", h.ReadyMax),
                (h.ProvisionedMax.ToString(Inv), h.ProvisionedMax), (h.CostUsd is double cu ? cu.ToString("N2", Inv) : "n/a", h.CostUsd),
                (h.TtftP90Seconds is double tt ? F.Seconds(tt) : "no replica", h.TtftP90Seconds), (h.TpotP90Seconds is double tp ? F.Seconds(tp) : "n/a", h.TpotP90Seconds),
                (h.Requests.ToString("N0", Inv), h.Requests), (h.SloMisses.ToString("N0", Inv), h.SloMisses), (h.SloMissesDuringScaleUp.ToString("N0", Inv), h.SloMissesDuringScaleUp));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        var o = ctx.Out;
        if (PlanText.ScenarioLine(ctx) is { } line) o.WriteLine(line);
        foreach (var x in d.Defaults) o.WriteLine("default: " + x);
        if (d.Engine is { } engine && engine != EngineText.GenericName) o.WriteLine($"engine {engine}: replicas costed with its scheduler limits, KV memory rule, CUDA graphs and overheads");
        o.WriteLine($"{d.Model}: {d.Traffic}, {d.Hours} h, peak {d.PeakRate:0.##} req/s; TTFT <= {F.Seconds(d.TtftSloSeconds)}, TPOT <= {F.Seconds(d.TpotSloSeconds)}");
        var rep = d.Replica;
        o.WriteLine($"replica: {rep.Hardware} TP{rep.Tp}{(rep.Pp > 1 ? $" PP{rep.Pp}" : "")} {rep.Quantization} b{rep.MaxBatch} ({rep.Devices} device{(rep.Devices == 1 ? "" : "s")}): {rep.CapacityRequestsPerSecond:0.##} req/s within the targets, {(rep.CostPerHour is double cph ? cph.ToString("0.00", Inv) + " USD/h" : "no hourly price")}");
        var p = d.Policy;
        o.WriteLine($"policy: target utilisation {p.TargetUtilization:P0}, scale-up {F.Seconds(p.ScaleUpDelaySeconds)} + model load {F.Seconds(p.ModelLoadSeconds)}, at least {p.MinReplicas} replica(s), scale down after {F.Seconds(p.ScaleDownDelaySeconds)}");
        foreach (var n in d.Notes) o.WriteLine("note: " + n);
        o.Write(t.ToText());
        string Misses(DayFleetOutput f) => $"SLO misses {f.SloMisses:N0} of {f.Requests:N0} requests ({(f.Requests > 0 ? f.SloMisses / f.Requests : 0).ToString("P2", Inv)})";
        o.WriteLine($"autoscaled: {Usd(d.Autoscaled.CostUsd)} for {d.Autoscaled.ReplicaHours:N1} replica-hours; {Misses(d.Autoscaled)}, {d.Autoscaled.SloMissesDuringScaleUp:N0} of them while replicas were starting");
        o.WriteLine($"fixed fleet: {d.Fixed.Description}: {Usd(d.Fixed.CostUsd)}; {Misses(d.Fixed)}");
        if (d.Saving is double s) o.WriteLine($"autoscaling {(s >= 0 ? "saves" : "costs")} {Math.Abs(s).ToString("P1", Inv)} {(s >= 0 ? "against" : "more than")} the fixed fleet");
        o.WriteLine($"latency: {(d.LatencyFrom == "simulated" ? $"p90 of one replica simulated at {DayPlanner.CurveLevels.Count} loads ({DayPlanner.CurveRequests:N0} requests each)" : "analytic means of one replica at 10 loads; --check analytic")}; a minute's demand beyond the serving replicas queues, and requests beyond capacity or behind a backlog longer than the TTFT target miss");
    }
}
