using ScottPlot;

namespace Simulator.Plotting;

/// <summary>One point per offered load of a rate sweep.</summary>
/// <param name="Rate">Offered load, requests per second.</param>
/// <param name="TtftP50">Median time to first token, seconds.</param>
/// <param name="TtftP99">99th-percentile time to first token, seconds.</param>
/// <param name="TpotP50">Median time per output token, seconds.</param>
/// <param name="TpotP99">99th-percentile time per output token, seconds.</param>
/// <param name="Goodput">Requests per second that met every target.</param>
/// <param name="Throughput">Completed requests per second.</param>
public sealed record RateSweepPoint(double Rate, double TtftP50, double TtftP99, double TpotP50, double TpotP99, double Goodput, double Throughput);

/// <summary>
/// Latency percentiles (left, log ms) and goodput and throughput (right, requests/s) against offered load, with
/// the workload's TTFT and TPOT targets as labelled horizontal lines in their metric's colour.
/// </summary>
public static class RateSweepChart
{
    /// <summary>Colour of the TTFT curves and target.</summary>
    public static readonly Color TtftColor = Colors.Blue;

    /// <summary>Colour of the TPOT curves and target.</summary>
    public static readonly Color TpotColor = Colors.OrangeRed;

    /// <summary>Builds the chart.</summary>
    /// <param name="points">One point per rate, in any order.</param>
    /// <param name="title">Chart title.</param>
    /// <param name="targets">Latency targets to draw on the latency axis (none when null or empty).</param>
    public static Plot Build(IReadOnlyList<RateSweepPoint> points, string title, IReadOnlyList<SloTarget>? targets = null)
    {
        var plt = new Plot();
        var sorted = points.OrderBy(p => p.Rate).ToList();
        double[] x = sorted.Select(p => p.Rate).ToArray();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        void Latency(Func<RateSweepPoint, double> f, string label, Color color, LinePattern pattern)
        {
            var pts = sorted.Where(p => f(p) > 0 && double.IsFinite(f(p))).ToArray();
            if (pts.Length == 0) return;
            var ys = pts.Select(p => Math.Log10(f(p) * 1e3)).ToArray();
            var s = plt.Add.Scatter(pts.Select(p => p.Rate).ToArray(), ys);
            s.LegendText = label;
            s.Color = color;
            s.LinePattern = pattern;
            lo = Math.Min(lo, ys.Min());
            hi = Math.Max(hi, ys.Max());
        }
        Latency(p => p.TtftP50, "TTFT p50 (ms)", TtftColor, LinePattern.Solid);
        Latency(p => p.TtftP99, "TTFT p99 (ms)", TtftColor, LinePattern.Dashed);
        Latency(p => p.TpotP50, "TPOT p50 (ms)", TpotColor, LinePattern.Solid);
        Latency(p => p.TpotP99, "TPOT p99 (ms)", TpotColor, LinePattern.Dashed);
        double xRight = x.Length == 0 ? 1 : x[^1];
        foreach (var target in targets ?? [])
        {
            if (!(target.Seconds > 0) || !double.IsFinite(target.Seconds)) continue;
            double y = Math.Log10(target.Seconds * 1e3);
            var color = target.Metric == SloMetric.Ttft ? TtftColor : TpotColor;
            var h = plt.Add.HorizontalLine(y, 2, color, LinePattern.Dotted);
            h.LegendText = target.Label;
            var t = plt.Add.Text(target.Label, xRight, y);
            t.LabelFontSize = 11;
            t.LabelFontColor = color;
            t.LabelAlignment = Alignment.LowerRight;
            t.LabelOffsetY = -2;
            lo = Math.Min(lo, y);
            hi = Math.Max(hi, y);
        }
        var right = plt.Axes.Right;
        var g = plt.Add.Scatter(x, sorted.Select(p => p.Goodput).ToArray());
        g.LegendText = "goodput (req/s, right axis)";
        g.Color = Colors.Green;
        g.LineWidth = 3;
        g.Axes.YAxis = right;
        var t2 = plt.Add.Scatter(x, sorted.Select(p => p.Throughput).ToArray());
        t2.LegendText = "throughput (req/s, right axis)";
        t2.Color = Colors.Gray;
        t2.LinePattern = LinePattern.Dotted;
        t2.Axes.YAxis = right;
        double top = sorted.Count == 0 ? 1 : sorted.Max(p => Math.Max(p.Goodput, p.Throughput));
        plt.Axes.SetLimitsY(0, top * 1.1, right);
        if (double.IsFinite(lo))
        {
            double pad = Math.Max(0.1, (hi - lo) * 0.06);
            plt.Axes.SetLimitsY(lo - pad, hi + pad, plt.Axes.Left);
        }
        ChartFile.LogAxis(plt.Axes.Left, ChartFile.Engineering);
        plt.XLabel("Offered load (requests/s)");
        plt.YLabel("Latency (ms)");
        right.Label.Text = "Requests/s";
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
