using ScottPlot;

namespace Simulator.Plotting;

/// <summary>One point per offered load of a rate sweep.</summary>
public sealed record RateSweepPoint(double Rate, double TtftP50, double TtftP99, double TpotP50, double TpotP99, double Goodput, double Throughput);

/// <summary>Latency percentiles (left, log ms) and goodput and throughput (right, requests/s) against offered load.</summary>
public static class RateSweepChart
{
    public static Plot Build(IReadOnlyList<RateSweepPoint> points, string title)
    {
        var plt = new Plot();
        double[] x = points.Select(p => p.Rate).ToArray();
        void Latency(Func<RateSweepPoint, double> f, string label, Color color, LinePattern pattern)
        {
            var pts = points.Where(p => f(p) > 0).ToArray();
            if (pts.Length == 0) return;
            var s = plt.Add.Scatter(pts.Select(p => p.Rate).ToArray(), pts.Select(p => Math.Log10(f(p) * 1e3)).ToArray());
            s.LegendText = label;
            s.Color = color;
            s.LinePattern = pattern;
        }
        Latency(p => p.TtftP50, "TTFT p50 (ms)", Colors.Blue, LinePattern.Solid);
        Latency(p => p.TtftP99, "TTFT p99 (ms)", Colors.Blue, LinePattern.Dashed);
        Latency(p => p.TpotP50, "TPOT p50 (ms)", Colors.OrangeRed, LinePattern.Solid);
        Latency(p => p.TpotP99, "TPOT p99 (ms)", Colors.OrangeRed, LinePattern.Dashed);
        var right = plt.Axes.Right;
        var g = plt.Add.Scatter(x, points.Select(p => p.Goodput).ToArray());
        g.LegendText = "goodput (req/s, right axis)";
        g.Color = Colors.Green;
        g.LineWidth = 3;
        g.Axes.YAxis = right;
        var t = plt.Add.Scatter(x, points.Select(p => p.Throughput).ToArray());
        t.LegendText = "throughput (req/s, right axis)";
        t.Color = Colors.Gray;
        t.LinePattern = LinePattern.Dotted;
        t.Axes.YAxis = right;
        double top = points.Count == 0 ? 1 : points.Max(p => Math.Max(p.Goodput, p.Throughput));
        plt.Axes.SetLimitsY(0, top * 1.1, right);
        ChartFile.LogAxis(plt.Axes.Left, ChartFile.Engineering);
        plt.XLabel("Offered load (requests/s)");
        plt.YLabel("Latency (ms)");
        right.Label.Text = "Requests/s";
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
