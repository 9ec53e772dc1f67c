using ScottPlot;

namespace Simulator.Plotting;

/// <summary>Cumulative distributions of request latencies (TTFT, TPOT, E2E) on a log time axis.</summary>
public static class LatencyCdfChart
{
    private static readonly Color[] Palette = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple];

    /// <summary>Builds the chart; each series is (label, latencies in seconds sorted ascending). At most 1,000 points a series are drawn.</summary>
    public static Plot Build(IReadOnlyList<(string Label, double[] SortedSeconds)> series, string title)
    {
        var plt = new Plot();
        for (int si = 0; si < series.Count; si++)
        {
            var (label, values) = series[si];
            var positive = values.Where(v => v > 0).ToArray();
            if (positive.Length == 0) continue;
            int n = Math.Min(1000, positive.Length);
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
            line.Color = Palette[si % Palette.Length];
        }
        ChartFile.LogAxis(plt.Axes.Bottom, ChartFile.Engineering);
        plt.Axes.SetLimitsY(0, 1.02);
        plt.XLabel("Latency (ms)");
        plt.YLabel("Fraction of requests");
        plt.Title(title);
        plt.ShowLegend(Alignment.LowerRight);
        return plt;
    }
}
