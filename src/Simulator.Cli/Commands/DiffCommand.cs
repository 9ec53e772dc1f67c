using System.CommandLine;
using System.Globalization;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Deploy.Compare;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Commands;

/// <summary><c>llmsim diff A.json B.json</c>: two plans, two simulations or two estimates side by side, with what changed and by how much.</summary>
public static class DiffCommand
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Create(CliContext ctx)
    {
        var cmd = new Command("diff", "Compare two results (plans, simulations or estimates written with --format json): cost, devices, p90 TTFT/TPOT, goodput and the settings that changed");
        var a = new Argument<string>("a") { Description = "The first result (JSON)", HelpName = "A.json" };
        var b = new Argument<string>("b") { Description = "The second result (JSON)", HelpName = "B.json" };
        var planA = Opt.Int("--plan-a", "Which plan of A when it is a plan file (1 = the chosen one)", 1, 1000, 1);
        var planB = Opt.Int("--plan-b", "Which plan of B when it is a plan file (1 = the chosen one)", 1, 1000, 1);
        var format = CommonOptions.Format();
        cmd.Arguments.Add(a);
        cmd.Arguments.Add(b);
        foreach (var o in new Option[] { planA, planB, format }) cmd.Options.Add(o);
        cmd.SetAction(r =>
        {
            var ra = ResultReader.Read(r.GetValue(a)!, Read(r.GetValue(a)!), r.GetValue(planA) - 1);
            var rb = ResultReader.Read(r.GetValue(b)!, Read(r.GetValue(b)!), r.GetValue(planB) - 1);
            DiffResult d;
            try { d = ResultDiff.Compare(ra, rb); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            Render(ctx, d, r.GetValue(format));
            return 0;
        });
        return cmd;
    }

    private static string Read(string file)
    {
        if (!File.Exists(file)) throw new CliException($"'{file}' not found");
        try { return File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"{file}: cannot read: {e.Message}"); }
    }

    /// <summary>The typed output of a comparison.</summary>
    public static DiffOutput ToOutput(DiffResult d)
    {
        static DiffSide Side(ResultSummary s)
        {
            var setup = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in s.Setup) setup[k] = v;
            return new DiffSide(s.File, s.Title, setup);
        }
        return new DiffOutput(d.Kind.ToString().ToLowerInvariant(), Side(d.A), Side(d.B),
            d.Metrics.Select(m => new DiffMetric(m.Name, m.Unit, m.A, m.B, m.Difference, m.Relative, m.Better)).ToList(),
            d.Changed.Select(c => new DiffChange(c.Field, c.A, c.B)).ToList(), d.Summary);
    }

    /// <summary>A figure with its unit, for the table.</summary>
    public static string Value(double? v, string unit) => v is not double x ? "n/a" : unit switch
    {
        "s" => F.Seconds(x),
        "USD/h" => x.ToString("0.00", Inv) + " USD/h",
        "USD" => x.ToString("N0", Inv) + " USD",
        "req/s" => x.ToString("0.###", Inv) + " req/s",
        "tokens/s" => x.ToString("N0", Inv) + " tokens/s",
        "fraction" => x.ToString("P1", Inv),
        "W" => x.ToString("N0", Inv) + " W",
        "J" => x.ToString("0.###", Inv) + " J",
        "B" => F.Bytes(x),
        "USD/Mtok" => x.ToString("0.###", Inv) + " USD/Mtok",
        _ => x.ToString("N0", Inv),
    };

    private static string Change(MetricChange m) => m.Difference is not double d ? "" :
        m.Unit == "count" || m.Relative is not double rel ? (d >= 0 ? "+" : "") + Value(d, m.Unit) : (rel >= 0 ? "+" : "") + (rel * 100).ToString("0.0", Inv) + "%";

    private static void Render(CliContext ctx, DiffResult d, OutputFormat format)
    {
        if (format == OutputFormat.Json) { ctx.Out.Write(JsonOutput.Write(ToOutput(d))); return; }
        var t = new Table("metric", "A", "B", "change", "better").AlignRight("A", "B", "change");
        foreach (var m in d.Metrics)
            t.Add((m.Name, m.Name), (Value(m.A, m.Unit), m.A), (Value(m.B, m.Unit), m.B), (Change(m), m.Relative ?? m.Difference), (m.Better is "a" or "b" ? m.Better.ToUpperInvariant() : m.Better, m.Better));
        if (format == OutputFormat.Csv) { ctx.Write(t, format); return; }
        ctx.Out.WriteLine($"A: {d.A.File}: {d.A.Title}");
        ctx.Out.WriteLine($"B: {d.B.File}: {d.B.Title}");
        ctx.Out.Write(t.ToText());
        if (d.Changed.Count > 0)
        {
            ctx.Out.WriteLine("changed:");
            foreach (var c in d.Changed) ctx.Out.WriteLine($"  {c.Field}: {c.A} -> {c.B}");
        }
        ctx.Out.WriteLine(d.Summary);
    }
}
