using ScottPlot;

namespace Simulator.Plotting;

/// <summary>
/// Cumulative distributions of request latencies (TTFT, TPOT, E2E) on a log time axis, with the workload's latency
/// targets as labelled vertical lines: a curve that reaches 1 left of its target's line means every request met it.
/// </summary>
public static class LatencyCdfChart
{
    /// <summary>Series colours, in the order series are given.</summary>
    public static readonly IReadOnlyList<Color> SeriesColors = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple];

    /// <summary>Most points drawn per series (evenly spaced ranks).</summary>
    public const int MaxPointsPerSeries = 1000;

    /// <summary>Builds the chart.</summary>
    /// <param name="series">Each series: its label and its latencies in seconds, sorted ascending.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="targets">
    /// Latency targets to draw (none when null or empty). A target line takes the colour of the series labelled
    /// with its metric's name ("TTFT", "TPOT"), else black; TTFT targets are dashed, TPOT targets dotted.
    /// </param>
    public static Plot Build(IReadOnlyList<(string Label, double[] SortedSeconds)> series, string title, IReadOnlyList<SloTarget>? targets = null)
    {
        var plt = new Plot();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (int si = 0; si < series.Count; si++)
        {
            var (label, values) = series[si];
            var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToArray();
            if (positive.Length == 0) continue;
            int n = Math.Min(MaxPointsPerSeries, positive.Length);
            var xs = new double[n];
            var ys = new double[n];
            for (int i = 0; i < n; i++)
            {
                int idx = n == 1 ? 0 : (int)Math.Round((double)i * (positive.Length - 1) / (n - 1));
                xs[i] = Math.Log10(positive[idx] * 1e3);
                ys[i] = (idx + 1.0) / positive.Length;
            }
            var line = plt.Add.Scatter(xs, ys);
            line.LegendText = label;
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.Color = SeriesColors[si % SeriesColors.Count];
            lo = Math.Min(lo, xs[0]);
            hi = Math.Max(hi, xs[^1]);
        }
        foreach (var target in targets ?? [])
        {
            if (!(target.Seconds > 0) || !double.IsFinite(target.Seconds)) continue;
            double x = Math.Log10(target.Seconds * 1e3);
            int match = -1;
            for (int si = 0; si < series.Count; si++)
                if (string.Equals(series[si].Label, target.MetricName, StringComparison.OrdinalIgnoreCase)) { match = si; break; }
            var color = match >= 0 ? SeriesColors[match % SeriesColors.Count] : Colors.Black;
            var v = plt.Add.VerticalLine(x, 2, color, target.Metric == SloMetric.Ttft ? LinePattern.Dashed : LinePattern.Dotted);
            v.LegendText = target.Label;
            v.Text = target.ShortLabel;
            v.LabelOppositeAxis = true;
            v.LabelFontSize = 11;
            v.LabelBackgroundColor = color;
            v.LabelFontColor = Colors.White;
            lo = Math.Min(lo, x);
            hi = Math.Max(hi, x);
        }
        // Room above the data area for the targets' tags, between it and the title.
        if (plt.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().Any()) plt.Axes.Top.MinimumSize = 26;
        ChartFile.LogAxis(plt.Axes.Bottom, ChartFile.Engineering);
        if (double.IsFinite(lo))
        {
            double pad = Math.Max(0.05, (hi - lo) * 0.04);
            plt.Axes.SetLimitsX(lo - pad, hi + pad);
        }
        plt.Axes.SetLimitsY(0, 1.02);
        plt.XLabel("Latency (ms)");
        plt.YLabel("Fraction of requests");
        plt.Title(title);
        plt.ShowLegend(Alignment.LowerRight);
        return plt;
    }
}
