using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Output;
using Simulator.Core.Loading;
using Simulator.Validation;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim calibrate</c> on serving results: fit an engine profile's overheads and kernel efficiencies, guarded by held-out error.</summary>
public static class ServingCalibrate
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(CliContext ctx, SpecLibrary lib, List<string> files, ServingOptions o, ParseResult r, string output)
    {
        string engineName = r.GetValue(o.Engine) ?? throw new CliException("--engine is required with serving results: the engine profile to calibrate (vllm, sglang, trtllm[@VERSION] or a profile path)");
        var baseProfile = ctx.Engines.Get(engineName);
        var read = o.Read(ctx, files, r);
        if (read.Problems.Count > 0) throw new CliException($"{read.Problems.Count} problem(s) in {string.Join(", ", files)} (listed above); fix or remove those runs before calibrating; nothing written");
        var runs = read.Records.Where(x => x.Setup.Engine.Length == 0 || x.Setup.Engine == baseProfile.Engine).ToList();
        if (runs.Count < read.Records.Count)
            ctx.Err.WriteLine($"note: {read.Records.Count - runs.Count} run(s) of other engines left out (calibrating {baseProfile.Name})");
        var (fitPart, heldPart, how) = EngineCalibrator.Split(runs);
        if (fitPart.Count == 0 || heldPart.Count == 0)
            throw new CliException($"calibration needs runs to fit and runs to hold out, and {runs.Count} {baseProfile.Engine} run(s) were read ({how}): give at least 3 runs, or include runs on {ServingValidator.HeldOutDevice}; nothing written");
        var validator = new ServingValidator(lib, ctx.Engines, ctx.Devices, new ServingValidationOptions { MaxRequests = r.GetValue(o.MaxRequests) });
        string source = $"llmsim calibrate --measured {string.Join(",", files.Select(Path.GetFileName))} ({runs.Count} runs)";
        EngineCalibration cal;
        using (var line = ctx.Progress($"calibrating {baseProfile.Name} on {runs.Count} runs"))
            cal = new EngineCalibrator(validator, baseProfile).Fit(runs, source, s => line.Report(s));
        ctx.Out.WriteLine($"{baseProfile.Name}: {cal.FitRuns} runs fitted, {cal.HeldOutRuns} held out ({cal.Split})");
        var t = new Table("parameter", "before", "after").AlignRight("before", "after");
        foreach (var p in cal.Parameters)
        {
            string F(double v) => p.Unit == "s" ? Core.Units.Format.Seconds(v) : v.ToString("0.###", Inv);
            t.Add((p.Name, p.Name), (F(p.Before), p.Before), (F(p.After), p.After));
        }
        ctx.Out.Write(t.ToText());
        var e = new Table("part", "group", "before median |%|", "after median |%|").AlignRight("before median |%|", "after median |%|");
        foreach (var (part, before, after) in new[] { ("fit", cal.FitBefore, cal.FitAfter), ("held-out", cal.HeldOutBefore, cal.HeldOutAfter) })
        {
            var mb = EngineCalibrator.Medians(before);
            var ma = EngineCalibrator.Medians(after);
            foreach (var k in mb.Keys.Union(ma.Keys).Order(StringComparer.Ordinal))
                e.Add((part, part), (k, k), (mb.TryGetValue(k, out double b) ? b.ToString("0.0", Inv) : "-", mb.GetValueOrDefault(k, double.NaN)), (ma.TryGetValue(k, out double a) ? a.ToString("0.0", Inv) : "-", ma.GetValueOrDefault(k, double.NaN)));
        }
        ctx.Out.Write(e.ToText());
        ctx.Out.WriteLine(cal.Reason);
        if (!cal.Kept) throw new CliException($"the fit does not improve the held-out runs; nothing written ({cal.Reason})");
        var header = new[]
        {
            $"{baseProfile.Name} calibrated by llmsim calibrate from {string.Join(", ", files.Select(Path.GetFileName))}.",
            $"Fitted on {cal.FitRuns} runs, judged on {cal.HeldOutRuns} held-out runs ({cal.Split}): {cal.Reason}.",
            $"Base profile: {baseProfile.FilePath ?? baseProfile.Name}; every other field is the base profile's, with its sources.",
        };
        OutputFile.WriteAllText(output, EngineProfileWriter.ToYaml(cal.Profile, header), "--output");
        ctx.Out.WriteLine($"wrote {output}; use it with --engine {output}");
        return 0;
    }
}
