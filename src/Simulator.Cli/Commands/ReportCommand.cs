using Simulator.Cli.Options;
using System.CommandLine;
using System.Net;
using System.Text;
using Simulator.Cli.Output;
using Simulator.Core.Specs;
using Simulator.Planner;
using Simulator.Plotting;
using Simulator.Roofline;
using Simulator.Validation;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary>
/// <c>llmsim report</c>: one self-contained HTML file (inline CSS, charts as inline SVG, no scripts, no external
/// requests) with the inputs, the chosen plan, the alternatives, latency and cost figures, the roofline of the
/// chosen configuration and the validation status of every device considered.
/// </summary>
public static class ReportCommand
{
    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("report", "Write a self-contained HTML report of a planning run (same options as plan)");
        var opts = new PlanOptions();
        opts.AddTo(cmd);
        var output = new Option<string>("--output", "-o") { Description = "HTML file to write", Required = true };
        var measured = new Option<string?>("--measured") { Description = "Measured CSVs for the validation section (default: the measured data shipped with llmsim)" };
        cmd.Options.Add(output);
        cmd.Options.Add(measured);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string path = r.GetValue(output)!;
            OutputFile.CheckWritable(path, "--output");
            var (built, fixedCluster) = opts.Resolve(r, lib, ctx.Engines);
            var (result, req, note) = PlanText.Run(built, fixedCluster);
            var defaults = built.Defaults.ToList();
            if (note is not null) defaults.Insert(0, note);
            var files = r.GetValue(measured) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
                : ShippedMeasured();
            var rows = new List<MeasuredRow>();
            foreach (var f in files)
            {
                if (!File.Exists(f)) throw new CliException($"--measured: file '{f}' not found");
                var m = MeasuredCsv.Read(f);
                if (m.Problems.Count > 0) ctx.Err.WriteLine($"warning: {f}: {m.Problems.Count} broken row(s) left out of the validation section (first: {m.Problems[0]})");
                rows.AddRange(m.Rows);
            }
            var resolver = ctx.Devices;
            var predictor = new Predictor(lib, d => { var x = resolver.ResolveCluster(new ClusterSpec(d.Name, d.DisplayName, d.Source, d, 1, 1, null, null)); return (x.Device, x.Efficiency); })
            {
                AdjustCluster = cl => resolver.ResolveCluster(cl).Cluster with { Device = cl.Device },
            };
            string html = Build(req, result, defaults, MeasuredCsv.Distinct(rows), predictor, resolver, PlanText.LatencyModel(built.Workload is not null));
            OutputFile.WriteAllText(path, html, "--output");
            ctx.Err.WriteLine($"wrote {path} ({html.Length / 1024} KiB)");
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// The measured data that ships with llmsim (copied beside the executable at build and pack time from
    /// validation/measured), so the report's validation section is the same from any working folder.
    /// </summary>
    public static List<string> ShippedMeasured()
    {
        string dir = CliContext.ShippedDir("measured");
        // Serving benchmarks (published/serving/) have their own schema and are validated by simulation, not by this section.
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.csv", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(dir, f).Replace('\\', '/').Split('/').Contains("serving"))
                .Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>Decode batch of the report's roofline chart: the plan's batch limit, at most this (a typical decode batch at moderate load).</summary>
    public const int RooflineDecodeBatch = 32;

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>The HTML text. Deterministic: the same inputs give the same bytes (no timestamps).</summary>
    public static string Build(PlanRequest req, PlanResult result, IReadOnlyList<string> defaults, IReadOnlyList<MeasuredRow> measured, Predictor predictor, DeviceResolver resolver, string latencyModel)
    {
        var best = result.Plans[0];
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.Append($"<title>llmsim report: {E(req.Model.Name)} at {req.Demand.RequestsPerSecond} req/s</title>\n");
        h.Append("<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0}"
            + "th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}th{background:#f3f3f3}.ok{color:#060}.bad{color:#a00}"
            + "figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}.note{color:#555;font-size:90%}</style>\n</head><body>\n");
        h.Append($"<h1>Serving plan for {E(req.Model.DisplayName)}</h1>\n");
        h.Append($"<p class=\"note\">Generated by llmsim {E(typeof(ReportCommand).Assembly.GetName().Version?.ToString(3) ?? "")}. Latencies: {E(latencyModel)}. See the README for the formulas and the measured error.</p>\n");

        var p = ModelMath.Parameters(req.Model);
        h.Append("<h2>Inputs</h2>\n<table>\n");
        Row(h, "Model", $"{req.Model.Name} ({p.Total / 1e9:0.##}B parameters, {p.Active / 1e9:0.##}B active)");
        Row(h, "Hardware considered", string.Join(", ", req.Hardware.Select(x => x.Device.Name)));
        if (req.Engine is { } engine) Row(h, "Serving engine", $"{engine.Name}: {engine.DisplayName} ({engine.FilePath ?? "built in"}; sources: {engine.Source})");
        Row(h, "Demand", $"{req.Demand.RequestsPerSecond} requests/s, {req.Demand.MeanInputTokens:0} prompt and {req.Demand.MeanOutputTokens:0} output tokens on average");
        Row(h, "Targets (p90)", $"TTFT {F.Seconds(req.Slo.TtftSeconds)}, TPOT {F.Seconds(req.Slo.TpotSeconds)}");
        Row(h, "Objective", req.Objective.ToString().ToLowerInvariant());
        Row(h, "Limits", $"at most {req.Limits.MaxDevicesTotal} devices{(req.Limits.WholeNodes ? ", paid in whole nodes" : "")}{(req.AllowDisaggregation ? ", disaggregation allowed" : "")}");
        foreach (var d in defaults) Row(h, "Default used", d);
        h.Append("</table>\n");

        h.Append("<h2>Chosen plan</h2>\n");
        h.Append($"<p><b>{E(PlanText.Label(best))}</b>: {best.Devices} devices, {best.CostPerHour:0.00} USD/h, TTFT {F.Seconds(best.PredictedTtftP90Seconds)}, TPOT {F.Seconds(best.PredictedTpotP90Seconds)}, capacity {best.CapacityRequestsPerSecond:0.##} req/s, "
            + (best.MeetsSlo ? "<span class=\"ok\">meets the targets</span>" : "<span class=\"bad\">misses a target</span>") + ".</p>\n");
        double tokensPerHour = req.Demand.RequestsPerSecond * req.Demand.MeanOutputTokens * 3600;
        h.Append("<table><tr><th>Replicas</th><th>Role</th><th>Device</th><th>Parallelism</th><th>Quantization</th><th>Max batch</th><th>Capacity each (req/s)</th></tr>\n");
        foreach (var it in best.Items)
        {
            var c = it.Capacity.Config;
            h.Append($"<tr><td class=\"n\">{it.Count}</td><td>{c.Role.ToString().ToLowerInvariant()}</td><td>{E(c.Device.Name)}</td><td>{E(c.Parallelism.ToString())}</td><td>{E(c.Quant.Label)}</td><td class=\"n\">{c.MaxBatch}</td><td class=\"n\">{it.Capacity.RequestsPerSecond:0.###}</td></tr>\n");
        }
        h.Append("</table>\n");
        h.Append("<h3>Latency and cost</h3>\n<table>\n");
        Row(h, "TTFT", F.Seconds(best.PredictedTtftP90Seconds));
        Row(h, "TPOT", F.Seconds(best.PredictedTpotP90Seconds));
        Row(h, "Hourly cost", $"{best.CostPerHour:0.00} USD/h");
        Row(h, "Cost per million output tokens", tokensPerHour > 0 ? $"{best.CostPerHour / tokensPerHour * 1e6:0.###} USD" : "n/a");
        Row(h, "Power", $"{best.PowerWatts:0} W");
        Row(h, "Energy per output token", tokensPerHour > 0 ? $"{best.PowerWatts * 3600 / tokensPerHour:0.###} J (at board power)" : "n/a");
        h.Append("</table>\n");

        h.Append("<h2>Alternatives</h2>\n<table><tr><th>Plan</th><th>Devices</th><th>USD/h</th><th>TTFT</th><th>TPOT</th><th>Why it lost</th></tr>\n");
        foreach (var (alt, why) in result.Alternatives.Take(10))
            h.Append($"<tr><td>{E(PlanText.Label(alt))}</td><td class=\"n\">{alt.Devices}</td><td class=\"n\">{alt.CostPerHour:0.00}</td><td class=\"n\">{E(F.Seconds(alt.PredictedTtftP90Seconds))}</td><td class=\"n\">{E(F.Seconds(alt.PredictedTpotP90Seconds))}</td><td>{E(why)}</td></tr>\n");
        h.Append("</table>\n");
        h.Append($"<p class=\"note\">Search: {result.Stats.Considered} configurations, {result.Stats.Pruned} pruned, solver {E(result.Stats.SolverStatus)}, {result.Stats.CheckRounds} check round(s).</p>\n");
        h.Append("<figure>").Append(ChartFile.Svg(PlanText.ParetoPlot(req, result), 1000, 600, "pareto-clip"))
            .Append("<figcaption>Cost against TTFT; the line is the Pareto front, the ring the chosen plan; filled points were checked by simulation, open ones are analytic estimates.</figcaption></figure>\n");

        // Roofline of the chosen plan's main configuration.
        var main = best.Items.OrderByDescending(i => i.Count * i.Capacity.Config.Devices).First().Capacity.Config;
        // The same device, efficiency model and cluster the plan was costed with.
        var dep = Deployment.Create(req.Model, main.Device, main.Quant, main.Parallelism, main.Cluster, efficiency: main.Efficiency);
        var cm = new CostModel(dep);
        var pre = BatchShape.For(req.Model);
        pre.AddPrefill((long)req.Demand.MeanInputTokens);
        var points = RooflineChart.Points(cm.Operators(pre), $"prefill {req.Demand.MeanInputTokens:0} tokens").ToList();
        var dec = BatchShape.For(req.Model);
        dec.AddDecode((long)(req.Demand.MeanInputTokens + req.Demand.MeanOutputTokens / 2), Math.Min(main.MaxBatch, RooflineDecodeBatch));
        points.AddRange(RooflineChart.Points(cm.Operators(dec), $"decode x {Math.Min(main.MaxBatch, RooflineDecodeBatch)}"));
        h.Append("<h2>Roofline of the chosen configuration</h2>\n<figure>")
            .Append(ChartFile.Svg(RooflineChart.Build([main.Device], points, $"{req.Model.Name} on {main.Device.Name} ({main.Quant.Name}, KV {main.Quant.KvCacheName}, {main.Parallelism})"), 1000, 650, "roofline-clip"))
            .Append($"<figcaption>Operators of one prefill and one decode step against the device's ceilings. Efficiency model: {E(dep.Efficiency.Description)} (the one the plan was costed with).</figcaption></figure>\n");

        h.Append("<h2>Validation status of the hardware</h2>\n<table><tr><th>Device</th><th>Calibration</th><th>Measured rows</th><th>Median |error| by family</th></tr>\n");
        foreach (var hw in req.Hardware)
        {
            var dev = hw.Device;
            string cal = "none: datasheet constants";
            if (resolver.CalibrationOf(dev) is { } found)
                cal = $"{E(found.Calibration.Source)}; " + string.Join("; ", found.Calibration.CrossValidation.Select(kv => $"{kv.Key}: {kv.Value.BeforeMedianAbsPct:0.#}% → {kv.Value.AfterMedianAbsPct:0.#}% held out"));
            var mine = measured.Where(m => string.Equals(Predictor.ProfileName(m.Device), dev.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            var summary = ErrorStats.Summarize(mine.Select(predictor.Compare));
            string errs = summary.Count == 0 ? "no measurements" : string.Join(", ", summary.Select(s => $"{s.Benchmark} {s.MedianAbsPctError:0.#}% (n={s.Count})"));
            h.Append($"<tr><td>{E(dev.Name)}</td><td>{cal}</td><td class=\"n\">{mine.Count}</td><td>{E(errs)}</td></tr>\n");
        }
        h.Append("</table>\n</body></html>\n");
        return h.ToString();
    }

    private static void Row(StringBuilder h, string key, string value) => h.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>\n");
}
