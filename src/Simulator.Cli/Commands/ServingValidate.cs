using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Core.Loading;
using Simulator.Validation;

using Simulator.Cli.Output.Contracts;

namespace Simulator.Cli.Commands;

/// <summary>The options that complete a serving result's setup (what result files do not record), shared by validate and calibrate.</summary>
public sealed class ServingOptions
{
    public Option<string?> Engine { get; } = new("--engine")
    {
        Description = "Serving results: the engine profile for files that do not name their engine (vllm, sglang, trtllm[@VERSION] or a profile path); default: the generic engine",
        HelpName = "ENGINE[@VERSION]",
    };
    public Option<string?> Hardware { get; } = new("--hardware", "-H") { Description = "Serving results: the hardware profile, for files that do not record the GPU (vllm bench serve, SGLang, trtllm-bench, AIPerf)" };
    public Option<string?> Model { get; } = new("--model", "-m") { Description = "Serving results: the model spec, for files that do not name it (SGLang bench_serving)" };
    public Option<int?> Tp { get; } = Opt.OptionalInt("--tp", "Serving results: tensor-parallel degree, for files that do not record it", 1, DeploymentOptions.MaxParallel);
    public Option<string?> Quant { get; } = new("--quant", "-q") { Description = "Serving results: quantization, for files that do not record it" };
    public Option<bool> Offline { get; } = new("--offline") { Description = "Serving results: the runs were in-process (no API server), as trtllm-bench runs are" };
    public Option<int> MaxRequests { get; } = Opt.Int("--max-requests", "Serving results: most requests simulated per run", 10, 1_000_000, new ServingValidationOptions().MaxRequests);

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { Engine, Hardware, Model, Tp, Quant, Offline, MaxRequests }) c.Options.Add(o);
    }

    public ServingHints Hints(ParseResult r) => new()
    {
        Engine = r.GetValue(Engine) is { } e && !e.Contains('/') && !e.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) ? e : null,
        Device = r.GetValue(Hardware),
        Model = r.GetValue(Model),
        Tp = r.GetValue(Tp),
        Dtype = r.GetValue(Quant),
        Offline = r.GetValue(Offline) ? true : null,
    };

    /// <summary>Reads the files, printing warnings; bad rows are listed and make the exit code 2 after the run.</summary>
    public ServingReadResult Read(CliContext ctx, IEnumerable<string> files, ParseResult r)
    {
        var read = Validation.ServingFiles.ReadAll(files, Hints(r));
        foreach (var w in read.Warnings.Take(20)) ctx.Err.WriteLine("warning: " + w);
        if (read.Warnings.Count > 20) ctx.Err.WriteLine($"warning: ... and {read.Warnings.Count - 20} more");
        foreach (var p in read.Problems.Take(10)) ctx.Err.WriteLine("error: " + p);
        if (read.Problems.Count > 10) ctx.Err.WriteLine($"error: ... and {read.Problems.Count - 10} more problem(s)");
        if (read.Records.Count == 0) throw new CliException($"no serving run could be read from {string.Join(", ", files)}{(read.Problems.Count > 0 ? " (problems above)" : "")}");
        return read;
    }
}

/// <summary><c>llmsim validate</c> on serving results: simulate each recorded run, compare every metric, summarise per engine and load.</summary>
public static class ServingValidate
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(CliContext ctx, SpecLibrary lib, List<string> files, ServingOptions o, ParseResult r, OutputFormat format, bool allRows, DeviceResolver devices)
    {
        var read = o.Read(ctx, files, r);
        string? engine = r.GetValue(o.Engine);
        var opts = new ServingValidationOptions
        {
            MaxRequests = r.GetValue(o.MaxRequests),
            DefaultEngine = engine is not null && (engine.Contains('/') || engine.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)) ? null : engine,
            EngineOverride = engine is not null && (engine.Contains('/') || engine.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)) ? ctx.Engines.Get(engine) : null,
        };
        var validator = new ServingValidator(lib, ctx.Engines, devices, opts);
        List<ServingComparison> comparisons;
        using (var line = ctx.Progress($"simulating {read.Records.Count} serving runs"))
            comparisons = validator.Compare(read.Records, (i, n) => line.Report((double)i / n, $"{i} of {n} runs"));
        Render(ctx, comparisons, format, allRows, read.Records.Count, opts);
        return read.Problems.Count > 0 ? Cli.BadInput : 0;
    }

    private static string Pct(double v) => double.IsNaN(v) ? "-" : v.ToString("0.0", Inv);

    public static void Render(CliContext ctx, List<ServingComparison> comparisons, OutputFormat format, bool allRows, int runs, ServingValidationOptions opts)
    {
        var rows = new Table("file", "line", "engine", "profile", "device", "model", "setup", "split", "regime", "metric", "measured", "predicted", "signedPctError", "skipped")
            .AlignRight("line", "measured", "predicted", "signedPctError");
        foreach (var c in comparisons)
        {
            var s = c.Record.Setup;
            bool latency = c.Family != "throughput";
            string Val(double v) => latency ? Core.Units.Format.Seconds(v) : v.ToString("0.###", Inv);
            rows.Add((Path.GetFileName(c.Record.File), c.Record.File), (c.Record.Line.ToString(Inv), c.Record.Line), (ServingSummary.EngineLabel(s), ServingSummary.EngineLabel(s)),
                (c.Profile, c.Profile), (s.Device, s.Device), (s.Model, s.Model), (s.Describe(), s.Describe()), (c.HeldOut ? "held-out" : "fit", c.HeldOut ? "held-out" : "fit"),
                (ServingSummary.Name(c.Regime), ServingSummary.Name(c.Regime)), (c.Metric, c.Metric), (Val(c.Measured), c.Measured), (c.Predicted is double p ? Val(p) : "-", c.Predicted),
                (double.IsNaN(c.SignedPctError) ? "-" : c.SignedPctError.ToString("+0.0;-0.0", Inv), c.SignedPctError), (c.Skipped ?? "", c.Skipped));
        }
        var summary = ServingSummary.Summarize(comparisons);
        var targets = ServingSummary.Targets(comparisons);
        var sum = new Table("engine", "regime", "metric", "split", "count", "skipped", "medianAbsPctError", "p90AbsPctError", "biasPct")
            .AlignRight("count", "skipped", "medianAbsPctError", "p90AbsPctError", "biasPct");
        foreach (var x in summary)
            sum.Add((x.Engine, x.Engine), (ServingSummary.Name(x.Regime), ServingSummary.Name(x.Regime)), (x.Family, x.Family), (x.HeldOut ? "held-out" : "fit", x.HeldOut ? "held-out" : "fit"),
                (x.Count.ToString(Inv), x.Count), (x.Skipped.ToString(Inv), x.Skipped), (Pct(x.MedianAbsPct), x.MedianAbsPct), (Pct(x.P90AbsPct), x.P90AbsPct),
                (double.IsNaN(x.BiasPct) ? "-" : x.BiasPct.ToString("+0.0;-0.0;0.0", Inv), x.BiasPct));
        switch (format)
        {
            case OutputFormat.Json:
                ctx.Out.Write(JsonOutput.Write(new ServingValidateOutput(runs, comparisons.Count, $"every run on {ServingValidator.HeldOutDevice} (never used by a fit)", opts.MaxRequests,
                    comparisons.Select(c => new ServingValidateRow(c.Record.File, c.Record.Line, ServingSummary.EngineLabel(c.Record.Setup), c.Profile, c.Record.Setup.Device,
                        c.Record.Setup.Model, c.Record.Setup.Describe(), c.HeldOut ? "held-out" : "fit", ServingSummary.Name(c.Regime), c.Metric, JsonOutput.N(c.Measured),
                        c.Predicted is double p ? JsonOutput.N(p) : null, JsonOutput.N(c.SignedPctError), c.Skipped)).ToList(),
                    summary.Select(x => new ServingValidateSummary(x.Engine, ServingSummary.Name(x.Regime), x.Family, x.HeldOut ? "held-out" : "fit", x.Count, x.Skipped,
                        JsonOutput.N(x.MedianAbsPct), JsonOutput.N(x.P90AbsPct), JsonOutput.N(x.BiasPct))).ToList(),
                    targets.Select(t => new ServingValidateTarget(t.Name, t.Limit, JsonOutput.N(t.Reached), t.Count, t.Met)).ToList())));
                return;
            case OutputFormat.Csv:
                ctx.Out.Write(rows.ToCsv());
                return;
        }
        if (allRows) ctx.Out.Write(rows.ToText());
        ctx.Out.WriteLine($"{runs} serving runs, {comparisons.Count} measured metrics, {comparisons.Count(c => c.Predicted is not null)} predicted (each run simulated with its recorded setup, at most {opts.MaxRequests} requests).");
        ctx.Out.WriteLine($"Error = (predicted - measured) / measured; bias = median signed error. Held out of every fit: every run on {ServingValidator.HeldOutDevice}.");
        ctx.Out.WriteLine("Load: low <= 30% of the setup's max-load request rate < medium <= 70% < high; max load = every request at once.");
        ctx.Out.Write(sum.ToText());
        ctx.Out.WriteLine("targets (held-out runs):");
        foreach (var t in targets)
            ctx.Out.WriteLine($"  {t.Name}: {(t.Count == 0 ? "no held-out rows" : Pct(t.Reached) + "%")} (target <= {t.Limit.ToString(Inv)}%){(t.Count == 0 ? "" : t.Met ? ", met" : ", MISSED")}{(t.Count > 0 ? $" over {t.Count} rows" : "")}");
        foreach (var g in comparisons.Where(c => c.Skipped is not null).GroupBy(c => c.Skipped).OrderByDescending(g => g.Count()).Take(8))
            ctx.Err.WriteLine($"skipped {g.Count()} metric(s): {g.Key} (first: {g.First().Record.File}:{g.First().Record.Line})");
    }
}
