using System.CommandLine;
using System.Text.Json.Nodes;
using Simulator.Cli.Output;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Plotting;
using Simulator.Roofline;
using Simulator.Validation;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim validate</c> and <c>llmsim calibrate</c>: predictions against measured rows, and fitted efficiency curves.</summary>
public static class ValidateCommand
{
    private static Option<string> Measured() => new("--measured") { Description = "Measured CSV file(s), comma-separated", Required = true };
    private static Option<string?> DeviceMap() => new("--device-map") { Description = "Map device labels to profiles: 'NVIDIA H100 80GB HBM3=h100-sxm,...'" };

    public static Command CreateValidate(CliContext ctx)
    {
        var cmd = new Command("validate", "Compare the cost model's predictions with measured rows: per-row and per-family error");
        var measured = Measured();
        var calibration = new Option<string?>("--calibration") { Description = "Calibration file(s) to apply (comma-separated), each to its own device" };
        var map = DeviceMap();
        var format = CommonOptions.Format();
        var plot = new Option<string?>("--plot") { Description = "Chart of the signed error per benchmark family and device (.png or .svg)" };
        var showRows = new Option<bool>("--rows") { Description = "Table format: print every row, not only the summary" };
        foreach (var o in new Option[] { measured, calibration, map, format, plot, showRows }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir));
            var (rows, problems) = ReadAll(ctx, r.GetValue(measured)!);
            var calibrations = new Dictionary<string, Calibration>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in Split(r.GetValue(calibration)))
            {
                var c = CalibrationFile.Load(file).OrThrow();
                calibrations[c.Device] = c;
            }
            var predictor = new Predictor(lib, d => calibrations.TryGetValue(d.Name, out var c) ? CalibrationFile.Apply(d, c) : DeploymentOptions.Calibrated(d), ParseMap(r.GetValue(map)))
            {
                AdjustCluster = cl => calibrations.TryGetValue(cl.Device.Name, out var c) ? CalibrationFile.Apply(cl, c) : DeploymentOptions.CalibratedCluster(cl),
            };
            var comparisons = rows.Select(predictor.Compare).ToList();
            var summary = ErrorStats.Summarize(comparisons);
            Render(ctx, comparisons, summary, r.GetValue(format), r.GetValue(showRows));
            foreach (var g in comparisons.Where(c => c.Skipped is not null).GroupBy(c => c.Skipped).OrderByDescending(g => g.Count()).Take(8))
                ctx.Err.WriteLine($"skipped {g.Count()} row(s): {g.Key} (first: {g.First().Row.File}:{g.First().Row.Line})");
            if (r.GetValue(plot) is { } path)
            {
                var pts = comparisons.Where(c => c.Predicted is not null).Select(c => new ValidationPoint(c.Row.Benchmark, c.DeviceProfile, c.Row.Value, c.Predicted!.Value)).ToList();
                RooflineCommand.Save(ValidationChart.Build(pts, $"Prediction error per benchmark family ({pts.Count:N0} rows{(calibrations.Count > 0 ? ", calibrated" : "")})"), path);
                ctx.Err.WriteLine($"wrote {path}");
            }
            return problems > 0 ? Cli.BadInput : 0;
        });
        return cmd;
    }

    public static Command CreateCalibrate(CliContext ctx)
    {
        var cmd = new Command("calibrate", "Fit efficiency curves for one device from measured GEMM and bandwidth rows; report cross-validated error before and after");
        var measured = Measured();
        var hardware = new Option<string>("--hardware", "-H") { Description = "Hardware profile to calibrate", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Calibration YAML to write", Required = true };
        var map = DeviceMap();
        var folds = new Option<int>("--folds") { Description = "Folds for cross-validation", DefaultValueFactory = _ => 5 };
        foreach (var o in new Option[] { measured, hardware, output, map, folds }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r.GetValue(CommonOptions.HardwareDir), r.GetValue(CommonOptions.ModelsDir));
            var device = lib.Hardware(r.GetValue(hardware)!);
            var (rows, problems) = ReadAll(ctx, r.GetValue(measured)!);
            var deviceMap = ParseMap(r.GetValue(map));
            string Profile(string label) => deviceMap.TryGetValue(label, out var p) ? p : Predictor.KnownGpuNames.TryGetValue(label, out var k) ? k : label;
            var mine = rows.Where(x => string.Equals(Profile(x.Device), device.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (mine.Count == 0) throw new CliException($"no measured rows for {device.Name} in {r.GetValue(measured)} (check --device-map)");
            int k = r.GetValue(folds);
            if (k < 2) throw new CliException("--folds must be at least 2");
            var cal = Calibrator.Fit(device, mine, $"llmsim calibrate --measured {string.Join(",", Split(r.GetValue(measured)).Select(Path.GetFileName))} ({mine.Count} rows)", k, lib.DefaultCluster(device).IntraNode);
            string path = r.GetValue(output)!;
            try { File.WriteAllText(path, CalibrationFile.ToYaml(cal)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{path}: cannot write: {e.Message}"); }
            ctx.Out.WriteLine($"{device.Name}: {mine.Count} rows; launch overhead {(cal.LaunchOverheadSeconds is double l ? F.Seconds(l) : "unchanged")}");
            foreach (var (t, c) in cal.Gemm.OrderBy(p => p.Key))
                ctx.Out.WriteLine($"  gemm {t.Name()}: max {c.Max:0.000}, half at 10^{c.HalfLog10:0.00} FLOP, slope {c.Slope:0.00}");
            if (cal.Memory is { } m) ctx.Out.WriteLine($"  memory: max {m.Max:0.000}, half at 10^{m.HalfLog10:0.00} B, slope {m.Slope:0.00}");
            if (cal.IntraNodeLink is { } il) ctx.Out.WriteLine($"  all-reduce over {il.Name}: latency {F.Seconds(il.LatencySeconds)}, bandwidth {F.Bandwidth(il.BandwidthBytesPerSecond)} (datasheet {F.Bandwidth(lib.DefaultCluster(device).IntraNode!.BandwidthBytesPerSecond)})");
            var t2 = new Table("family", "rows", "before median |%|", "after median |%| (held out)", "after p90 |%|").AlignRight("rows", "before median |%|", "after median |%| (held out)", "after p90 |%|");
            foreach (var (f, cv) in cal.CrossValidation.OrderBy(p => p.Key, StringComparer.Ordinal))
                t2.Add((f, f), (cv.Rows.ToString(), cv.Rows), (cv.BeforeMedianAbsPct.ToString("0.0"), cv.BeforeMedianAbsPct), (cv.AfterMedianAbsPct.ToString("0.0"), cv.AfterMedianAbsPct), (cv.AfterP90AbsPct.ToString("0.0"), cv.AfterP90AbsPct));
            ctx.Out.Write(t2.ToText());
            ctx.Out.WriteLine($"wrote {path}; reference it from the profile with 'calibration: {path}' or pass it to validate --calibration");
            return problems > 0 ? Cli.BadInput : 0;
        });
        return cmd;
    }

    private static IEnumerable<string> Split(string? list) => (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Dictionary<string, string> ParseMap(string? text)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in Split(text))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length != 2) throw new CliException($"--device-map entries look like 'GPU NAME=profile', not '{pair}'");
            map[kv[0].Trim()] = kv[1].Trim();
        }
        return map;
    }

    private static (List<MeasuredRow> Rows, int Problems) ReadAll(CliContext ctx, string files)
    {
        var rows = new List<MeasuredRow>();
        int problems = 0;
        foreach (var file in Split(files))
        {
            var result = MeasuredCsv.Read(file);
            rows.AddRange(result.Rows);
            problems += result.Problems.Count;
            if (result.Problems.Count > 0)
            {
                ctx.Err.WriteLine($"error: {file}: {result.Problems.Count} broken row(s) not used ({result.UnknownBenchmarkRows} with an unknown benchmark); first:");
                foreach (var p in result.Problems.Take(5)) ctx.Err.WriteLine("  " + p);
            }
        }
        if (rows.Count == 0 && problems == 0) throw new CliException($"no measured rows in {files}");
        return (rows, problems);
    }

    private static void Render(CliContext ctx, List<Comparison> comparisons, IReadOnlyList<FamilySummary> summary, OutputFormat format, bool allRows)
    {
        var rows = new Table("file", "line", "benchmark", "device", "dtype", "model", "metric", "measured", "predicted", "signedPctError", "absPctError", "skipped")
            .AlignRight("line", "measured", "predicted", "signedPctError", "absPctError");
        foreach (var c in comparisons)
            rows.Add((Path.GetFileName(c.Row.File), c.Row.File), (c.Row.Line.ToString(), c.Row.Line), (c.Row.Benchmark, c.Row.Benchmark), (c.DeviceProfile, c.DeviceProfile), (c.Row.Dtype, c.Row.Dtype),
                (c.Row.Model, c.Row.Model), (c.Row.Metric, c.Row.Metric), (c.Row.Value.ToString("G4"), c.Row.Value), (c.Predicted?.ToString("G4") ?? "-", c.Predicted),
                (double.IsNaN(c.SignedPctError) ? "-" : c.SignedPctError.ToString("+0.0;-0.0"), c.SignedPctError), (double.IsNaN(c.AbsPctError) ? "-" : c.AbsPctError.ToString("0.0"), c.AbsPctError), (c.Skipped ?? "", c.Skipped));
        var sum = new Table("benchmark", "count", "skipped", "medianAbsPctError", "p90AbsPctError", "maxAbsPctError", "biasPct").AlignRight("count", "skipped", "medianAbsPctError", "p90AbsPctError", "maxAbsPctError", "biasPct");
        foreach (var s in summary)
            sum.Add((s.Benchmark, s.Benchmark), (s.Count.ToString(), s.Count), (s.Skipped.ToString(), s.Skipped), (s.MedianAbsPctError.ToString("0.0"), s.MedianAbsPctError),
                (s.P90AbsPctError.ToString("0.0"), s.P90AbsPctError), (s.MaxAbsPctError.ToString("0.0"), s.MaxAbsPctError), ((Math.Round(s.BiasPct, 1) == 0 ? 0.0 : s.BiasPct).ToString("+0.0;-0.0;0.0"), s.BiasPct));
        switch (format)
        {
            case OutputFormat.Json:
                var summaryObj = new JsonObject();
                foreach (var s in summary)
                    summaryObj[s.Benchmark] = new JsonObject
                    {
                        ["count"] = s.Count, ["skipped"] = s.Skipped, ["medianAbsPctError"] = Json.Node(s.MedianAbsPctError), ["p90AbsPctError"] = Json.Node(s.P90AbsPctError),
                        ["maxAbsPctError"] = Json.Node(s.MaxAbsPctError), ["biasPct"] = Json.Node(s.BiasPct),
                    };
                ctx.Out.Write(Json.Write(new JsonObject { ["rows"] = rows.ToJson(), ["summary"] = summaryObj }));
                break;
            case OutputFormat.Csv:
                ctx.Out.Write(rows.ToCsv());
                break;
            default:
                if (allRows) ctx.Out.Write(rows.ToText());
                ctx.Out.WriteLine($"{comparisons.Count} measured rows, {comparisons.Count(c => c.Predicted is not null)} predicted. Error = (predicted - measured) / measured; bias = median signed error.");
                ctx.Out.Write(sum.ToText());
                break;
        }
    }
}
