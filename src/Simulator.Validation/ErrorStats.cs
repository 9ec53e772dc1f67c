namespace Simulator.Validation;

/// <summary>Error summary of one benchmark family (on one device, or pooled when <see cref="Device"/> is empty).</summary>
public sealed record FamilySummary(string Benchmark, int Count, int Skipped, double MedianAbsPctError, double P90AbsPctError, double MaxAbsPctError, double BiasPct)
{
    /// <summary>The device profile the rows belong to ("" when pooled over devices).</summary>
    public string Device { get; init; } = "";
}

/// <summary>Error statistics over comparisons.</summary>
public static class ErrorStats
{
    /// <summary>Per benchmark family, in the order of <see cref="MeasuredCsv.Benchmarks"/>.</summary>
    public static IReadOnlyList<FamilySummary> Summarize(IEnumerable<Comparison> comparisons)
    {
        var list = comparisons.ToList();
        var result = new List<FamilySummary>();
        foreach (var bench in MeasuredCsv.Benchmarks)
        {
            var rows = list.Where(c => c.Row.Benchmark == bench).ToList();
            if (rows.Count == 0) continue;
            var ok = rows.Where(c => c.Predicted is not null).ToList();
            var abs = ok.Select(c => c.AbsPctError).ToArray();
            var signed = ok.Select(c => c.SignedPctError).ToArray();
            result.Add(new FamilySummary(bench, ok.Count, rows.Count - ok.Count,
                Quantile(abs, 0.5), Quantile(abs, 0.9), abs.Length == 0 ? double.NaN : abs.Max(), Quantile(signed, 0.5)));
        }
        return result;
    }

    /// <summary>Per device profile (sorted by name), then per benchmark family: errors are never pooled across devices.</summary>
    public static IReadOnlyList<FamilySummary> SummarizeByDevice(IEnumerable<Comparison> comparisons) =>
        comparisons.GroupBy(c => c.DeviceProfile).OrderBy(g => g.Key, StringComparer.Ordinal)
            .SelectMany(g => Summarize(g).Select(s => s with { Device = g.Key })).ToList();

    /// <summary>Quantile with linear interpolation between order statistics (R type 7, numpy's default); NaN when empty.</summary>
    public static double Quantile(double[] values, double q)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return Serving.Samples.QuantileOfSorted(sorted, q);
    }
}
