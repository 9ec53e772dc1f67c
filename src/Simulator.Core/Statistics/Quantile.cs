namespace Simulator.Core.Statistics;

/// <summary>The project's one quantile (simulator percentiles, validation summaries, charts).</summary>
public static class Quantile
{
    /// <summary>
    /// The <paramref name="p"/>-quantile of sorted values, interpolating linearly between the closest ranks (Hyndman
    /// and Fan type 7, NumPy's default); NaN when empty. Works on a span, so the simulator's percentiles allocate nothing.
    /// </summary>
    public static double OfSorted(ReadOnlySpan<double> s, double p)
    {
        int count = s.Length;
        if (count == 0) return double.NaN;
        double pos = p * (count - 1);
        int i = (int)Math.Floor(pos);
        if (i >= count - 1) return s[count - 1];
        return s[i] + (s[i + 1] - s[i]) * (pos - i);
    }

    /// <summary>The <paramref name="p"/>-quantile of unsorted values (sorts a copy).</summary>
    public static double Of(IEnumerable<double> values, double p) => OfSorted(values.Order().ToArray(), p);
}
