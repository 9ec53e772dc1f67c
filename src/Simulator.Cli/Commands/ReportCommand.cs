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
            var predictor = resolver.NewPredictor();
            var distinct = MeasuredCsv.Distinct(rows);
            var validation = req.Hardware.Select(hw => resolver.ValidationOf(hw.Device, distinct, predictor)).ToList();
            string html = ReportHtml.Build(req, result, defaults, PlanRoofline.Of(req, result.Plans[0]), validation, PlanText.LatencyModel(built.Workload is not null));
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
}
