using System.Globalization;

namespace Simulator.Deploy.Compare;

/// <summary>One figure of two results side by side.</summary>
/// <param name="Difference">B − A (null when either is missing).</param>
/// <param name="Relative">(B − A) / A (null when either is missing or A is 0).</param>
/// <param name="Better">"a", "b", "same", or "" when it cannot be said.</param>
public sealed record MetricChange(string Name, string Unit, double? A, double? B, double? Difference, double? Relative, string Better);

/// <summary>A setting that differs between the two results.</summary>
public sealed record SetupChange(string Field, string A, string B);

/// <summary>Two results compared: every figure with its change, the settings that differ, and a one-line summary.</summary>
public sealed record DiffResult(ResultKind Kind, ResultSummary A, ResultSummary B, IReadOnlyList<MetricChange> Metrics, IReadOnlyList<SetupChange> Changed, string Summary);

/// <summary>Compares two results of one kind (two plans, two simulations, two estimates).</summary>
public static class ResultDiff
{
    /// <summary>Relative changes smaller than this count as "same" (printing noise, not a difference).</summary>
    public const double SameWithin = 1e-9;

    /// <summary>Figures the one-line summary names, when both results have them.</summary>
    private static readonly string[] Headline = ["costPerHour", "devices", "ttftP90", "tpotP90", "goodput", "ttft", "tpot", "tokensPerSecond"];

    /// <summary>Compares <paramref name="a"/> with <paramref name="b"/>; results of different kinds are an <see cref="ArgumentException"/>.</summary>
    public static DiffResult Compare(ResultSummary a, ResultSummary b)
    {
        if (a.Kind != b.Kind)
            throw new ArgumentException($"{a.File} is {Word(a.Kind)} and {b.File} is {Word(b.Kind)}; diff compares two results of one kind");
        var metrics = a.Metrics.Select(ma =>
        {
            var mb = b.Metrics.First(m => m.Name == ma.Name);
            double? diff = ma.Value is double x && mb.Value is double y ? y - x : null;
            double? rel = diff is double d && ma.Value is double x0 && x0 != 0 ? d / Math.Abs(x0) : null;
            string better = diff is not double dd ? "" : Math.Abs(dd) <= SameWithin * Math.Max(1, Math.Abs(ma.Value!.Value)) ? "same" : (dd < 0) == ma.LowerIsBetter ? "b" : "a";
            return new MetricChange(ma.Name, ma.Unit, ma.Value, mb.Value, diff, rel, better);
        }).ToList();
        var changed = a.Setup.Zip(b.Setup).Where(p => p.First.Value != p.Second.Value).Select(p => new SetupChange(p.First.Field, p.First.Value, p.Second.Value)).ToList();
        var parts = new List<string>();
        foreach (var name in Headline)
        {
            var m = metrics.FirstOrDefault(x => x.Name == name);
            if (m is null || m.A is null || m.B is null) continue;
            parts.Add(m.Unit == "count"
                ? $"{name} {Num(m.A.Value)} -> {Num(m.B.Value)}"
                : m.Relative is double r ? $"{name} {(r >= 0 ? "+" : "")}{(r * 100).ToString("0.#", CultureInfo.InvariantCulture)}%" : $"{name} {Num(m.A.Value)} -> {Num(m.B.Value)}");
        }
        string what = changed.Count == 0 ? "same setup" : "changed: " + string.Join(", ", changed.Select(c => c.Field));
        string summary = $"B against A: {string.Join(", ", parts)}; {what}";
        return new DiffResult(a.Kind, a, b, metrics, changed, summary);
    }

    private static string Word(ResultKind k) => k switch { ResultKind.Plan => "a plan", ResultKind.Simulation => "a simulation", _ => "an estimate" };

    private static string Num(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
