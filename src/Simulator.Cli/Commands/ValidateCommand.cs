using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
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
        var cmd = new Command("validate", "Compare the cost model's predictions with measured rows: per-row and per-device, per-family error");
        var measured = Measured();
        var calibration = new Option<string?>("--calibration") { Description = "Calibration file(s) to apply (comma-separated), each to its own device, in place of the profiles' own" };
        var noCalibration = new Option<bool>("--no-calibration") { Description = "Apply no calibration at all: datasheet constants only" };
        var map = DeviceMap();
        var format = CommonOptions.Format();
        var plot = CommonOptions.Plot("Signed error per benchmark family, devices told apart (.png or .svg)");
        var showRows = new Option<bool>("--rows") { Description = "Table format: print every row, not only the summary" };
        var serving = new ServingOptions();
        foreach (var o in new Option[] { measured, calibration, noCalibration, map, format, plot, showRows }) cmd.Options.Add(o);
        serving.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string? plotPath = CommonOptions.CheckPlotPath(r.GetValue(plot));
            bool none = r.GetValue(noCalibration);
            if (none && r.GetValue(calibration) is not null) throw new CliException("--no-calibration and --calibration contradict each other; give one");
            var servingFiles = Split(r.GetValue(measured)).Where(Validation.ServingFiles.IsServingFile).ToList();
            var kernelFiles = Split(r.GetValue(measured)).Where(f => !Validation.ServingFiles.IsServingFile(f)).ToList();
            if (kernelFiles.Count == 0 && servingFiles.Count > 0)
            {
                if (plotPath is not null) throw new CliException("--plot draws measured kernel rows; serving results are summarised as tables");
                return ServingValidate.Run(ctx, lib, servingFiles, serving, r, r.GetValue(format), r.GetValue(showRows), none ? new DeviceResolver(lib, null, true) : ctx.Devices);
            }
            if (servingFiles.Count > 0) throw new CliException($"validate one kind at a time: {string.Join(", ", servingFiles)} are serving results, {string.Join(", ", kernelFiles)} measured kernel rows");
            var (rows, problems) = ReadAll(ctx, string.Join(",", kernelFiles));
            var calibrations = new Dictionary<string, (Calibration, string)>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in Split(r.GetValue(calibration)))
            {
                var c = CalibrationFile.Load(file).OrThrow();
                if (calibrations.ContainsKey(c.Device)) throw new CliException($"--calibration: two files calibrate {c.Device}");
                calibrations[c.Device] = (c, Path.GetFullPath(file));
            }
            var resolver = new DeviceResolver(lib, calibrations, none);
            var predictor = resolver.NewPredictor(ParseMap(r.GetValue(map)));
            var distinct = MeasuredCsv.Distinct(rows);
            var comparisons = distinct.Select(predictor.Compare).ToList();
            var summary = ErrorStats.SummarizeByDevice(comparisons);
            string applied = none ? "none (--no-calibration: datasheet constants)"
                : resolver.AppliedFiles.Count == 0 ? "none (no device measured here has a calibration)"
                : string.Join(", ", resolver.AppliedFiles.Select(f => RelativeToCwd(f)));
            Render(ctx, comparisons, summary, r.GetValue(format), r.GetValue(showRows), rows.Count, applied);
            foreach (var g in comparisons.Where(c => c.Skipped is not null).GroupBy(c => c.Skipped).OrderByDescending(g => g.Count()).Take(8))
                ctx.Err.WriteLine($"skipped {g.Count()} row(s): {g.Key} (first: {g.First().Row.File}:{g.First().Row.Line})");
            if (plotPath is not null)
            {
                var pts = comparisons.Where(c => c.Predicted is not null).Select(c => new ValidationPoint(c.Row.Benchmark, c.DeviceProfile, c.Row.Value, c.Predicted!.Value)).ToList();
                ChartOutput.Save(ValidationChart.Build(pts, $"Prediction error per benchmark family ({pts.Count:N0} measurements{(resolver.AppliedFiles.Count > 0 ? ", calibrated" : "")})"), plotPath);
                ctx.Err.WriteLine($"wrote {plotPath}");
            }
            return problems > 0 ? Cli.BadInput : 0;
        });
        return cmd;
    }

    private static string RelativeToCwd(string path)
    {
        string rel = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return rel.StartsWith("..", StringComparison.Ordinal) ? path : rel;
    }

    public static Command CreateCalibrate(CliContext ctx)
    {
        var cmd = new Command("calibrate", "Fit efficiency curves, launch overhead and all-reduce link for one device; keep only what lowers cross-validated error");
        var measured = Measured();
        var serving = new ServingOptions();
        var hardware = serving.Hardware;
        hardware.Description = "Hardware profile to calibrate (measured kernel rows); with serving results, the GPU for files that do not record it";
        var output = new Option<string>("--output", "-o") { Description = "Calibration YAML to write (serving results: an engine profile YAML)", Required = true };
        var map = DeviceMap();
        var folds = Opt.Int("--folds", "Folds for cross-validation", 2, 50, 5);
        foreach (var o in new Option[] { measured, output, map, folds }) cmd.Options.Add(o);
        serving.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var lib = ctx.Library(r);
            string path = r.GetValue(output)!;
            OutputFile.CheckWritable(path, "--output");
            var servingFiles = Split(r.GetValue(measured)).Where(Validation.ServingFiles.IsServingFile).ToList();
            if (servingFiles.Count > 0)
            {
                if (servingFiles.Count != Split(r.GetValue(measured)).Count()) throw new CliException("calibrate one kind at a time: serving results (an engine profile) or measured kernel rows (a device calibration)");
                return ServingCalibrate.Run(ctx, lib, servingFiles, serving, r, path);
            }
            if (r.GetValue(hardware) is not { } hardwareName) throw new CliException("--hardware is required: the hardware profile the measured rows calibrate");
            var device = lib.Hardware(hardwareName);
            var (rows, problems) = ReadAll(ctx, r.GetValue(measured)!);
            if (problems > 0) throw new CliException($"{problems} broken row(s) in {r.GetValue(measured)}; fix or remove them (listed above) before calibrating; nothing written");
            var deviceMap = ParseMap(r.GetValue(map));
            var mine = rows.Where(x => string.Equals(Predictor.ProfileName(x.Device, deviceMap), device.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (mine.Count == 0) throw new CliException($"no measured rows for {device.Name} in {r.GetValue(measured)} (check --device-map)");
            int k = r.GetValue(folds);
            var intra = lib.DefaultCluster(device).IntraNode;
            string source = $"llmsim calibrate --measured {string.Join(",", Split(r.GetValue(measured)).Select(Path.GetFileName))} ({MeasuredCsv.Distinct(mine).Count} measurements)";
            CalibrationReport report;
            using (ctx.Progress($"calibrating {device.Name} ({k}-fold cross-validation)"))
                report = Calibrator.Fit(device, mine, source, k, intra, lib, deviceMap);
            var cal = report.Calibration;
            ctx.Out.WriteLine($"{device.Name}: {mine.Count} rows, {MeasuredCsv.Distinct(mine).Count} distinct measurements, {k}-fold cross-validation");
            foreach (var d in report.Decisions) ctx.Out.WriteLine($"  {d.Component}: {d.Reason}");
            foreach (var h in report.BoundHits) ctx.Out.WriteLine($"  warning: {h}");
            if (cal.LaunchOverheadSeconds is double l) ctx.Out.WriteLine($"  launch overhead {F.Seconds(l)}");
            foreach (var (t, c) in cal.Gemm.OrderBy(p => p.Key))
                ctx.Out.WriteLine($"  gemm {t.Name()}: max {c.Max:0.000}, half at 10^{c.HalfLog10:0.00} FLOP, slope {c.Slope:0.00}");
            if (cal.Memory is { } m) ctx.Out.WriteLine($"  memory: max {m.Max:0.000}, half at 10^{m.HalfLog10:0.00} B, slope {m.Slope:0.00}");
            if (cal.IntraNodeLink is { } il) ctx.Out.WriteLine($"  all-reduce over {il.Name}: latency {F.Seconds(il.LatencySeconds)}, bandwidth {F.Bandwidth(il.BandwidthBytesPerSecond)} (datasheet {F.Bandwidth(intra!.BandwidthBytesPerSecond)})");
            var t2 = new Table("family", "rows", "before median |%|", "after median |%| (held out)", "after p90 |%|").AlignRight("rows", "before median |%|", "after median |%| (held out)", "after p90 |%|");
            foreach (var (f, cv) in cal.CrossValidation.OrderBy(p => Array.IndexOf(MeasuredCsv.Benchmarks, p.Key)))
                t2.Add((f, f), (cv.Rows.ToString(), cv.Rows), (cv.BeforeMedianAbsPct.ToString("0.0"), cv.BeforeMedianAbsPct), (cv.AfterMedianAbsPct.ToString("0.0"), cv.AfterMedianAbsPct), (cv.AfterP90AbsPct.ToString("0.0"), cv.AfterP90AbsPct));
            ctx.Out.Write(t2.ToText());
            if (!cal.HasAny)
                throw new CliException($"no fitted component lowers the held-out error for {device.Name}; nothing written (the profile's constants predict these rows best)");
            OutputFile.WriteAllText(path, CalibrationFile.ToYaml(cal), "--output");
            ctx.Out.WriteLine($"wrote {path}; reference it from the profile with 'calibration: {path}' or pass it to validate --calibration");
            return 0;
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

    private static void Render(CliContext ctx, List<Comparison> comparisons, IReadOnlyList<FamilySummary> summary, OutputFormat format, bool allRows, int rawRows, string applied)
    {
        var rows = new Table("file", "line", "benchmark", "device", "dtype", "model", "metric", "measured", "predicted", "signedPctError", "absPctError", "skipped")
            .AlignRight("line", "measured", "predicted", "signedPctError", "absPctError");
        foreach (var c in comparisons)
            rows.Add((Path.GetFileName(c.Row.File), c.Row.File), (c.Row.Line.ToString(), c.Row.Line), (c.Row.Benchmark, c.Row.Benchmark), (c.DeviceProfile, c.DeviceProfile), (c.Row.Dtype, c.Row.Dtype),
                (c.Row.Model, c.Row.Model), (c.Row.Metric, c.Row.Metric), (c.Row.Value.ToString("G4"), c.Row.Value), (c.Predicted?.ToString("G4") ?? "-", c.Predicted),
                (double.IsNaN(c.SignedPctError) ? "-" : c.SignedPctError.ToString("+0.0;-0.0"), c.SignedPctError), (double.IsNaN(c.AbsPctError) ? "-" : c.AbsPctError.ToString("0.0"), c.AbsPctError), (c.Skipped ?? "", c.Skipped));
        var sum = new Table("device", "benchmark", "count", "skipped", "medianAbsPctError", "p90AbsPctError", "maxAbsPctError", "biasPct").AlignRight("count", "skipped", "medianAbsPctError", "p90AbsPctError", "maxAbsPctError", "biasPct");
        foreach (var s in summary)
            sum.Add((s.Device, s.Device), (s.Benchmark, s.Benchmark), (s.Count.ToString(), s.Count), (s.Skipped.ToString(), s.Skipped), (s.MedianAbsPctError.ToString("0.0"), s.MedianAbsPctError),
                (s.P90AbsPctError.ToString("0.0"), s.P90AbsPctError), (s.MaxAbsPctError.ToString("0.0"), s.MaxAbsPctError), ((Math.Round(s.BiasPct, 1) == 0 ? 0.0 : s.BiasPct).ToString("+0.0;-0.0;0.0"), s.BiasPct));
        switch (format)
        {
            case OutputFormat.Json:
                var byDevice = new Dictionary<string, IReadOnlyDictionary<string, ValidateFamily>>(StringComparer.Ordinal);
                foreach (var g in summary.GroupBy(s => s.Device))
                {
                    var fam = new Dictionary<string, ValidateFamily>(StringComparer.Ordinal);
                    foreach (var s in g)
                        fam[s.Benchmark] = new ValidateFamily(s.Count, s.Skipped, JsonOutput.N(s.MedianAbsPctError), JsonOutput.N(s.P90AbsPctError), JsonOutput.N(s.MaxAbsPctError), JsonOutput.N(s.BiasPct));
                    byDevice[g.Key] = fam;
                }
                var rowOutputs = comparisons.Select(c => new ValidateRow(c.Row.File, c.Row.Line, c.Row.Benchmark, c.DeviceProfile, c.Row.Dtype, c.Row.Model, c.Row.Metric,
                    JsonOutput.N(c.Row.Value), c.Predicted is double pr ? JsonOutput.N(pr) : null, JsonOutput.N(c.SignedPctError), JsonOutput.N(c.AbsPctError), c.Skipped)).ToList();
                ctx.Out.Write(JsonOutput.Write(new ValidateOutput(applied, rawRows, comparisons.Count, rowOutputs, byDevice)));
                break;
            case OutputFormat.Csv:
                ctx.Out.Write(rows.ToCsv());
                break;
            default:
                if (allRows) ctx.Out.Write(rows.ToText());
                ctx.Out.WriteLine($"calibration applied: {applied}");
                ctx.Out.WriteLine($"{rawRows} measured rows = {comparisons.Count} measurements (a timing written as seconds, TFLOP/s and GB/s counts once), {comparisons.Count(c => c.Predicted is not null)} predicted. Error = (predicted - measured) / measured; bias = median signed error; per device, never pooled.");
                ctx.Out.Write(sum.ToText());
                break;
        }
    }
}
