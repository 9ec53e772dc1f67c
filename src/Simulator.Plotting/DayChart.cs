using ScottPlot;

namespace Simulator.Plotting;

/// <summary>One minute of a planned day.</summary>
/// <param name="Hour">Time of day in hours (minute ÷ 60).</param>
/// <param name="Rate">Demand, requests per second.</param>
/// <param name="Capacity">What the serving replicas carry within the targets, requests per second.</param>
/// <param name="Ready">Replicas serving.</param>
/// <param name="Provisioned">Replicas paid for (serving or starting).</param>
/// <param name="TtftP90">p90 time to first token, seconds (infinite: no replica serving).</param>
public sealed record DayChartPoint(double Hour, double Rate, double Capacity, int Ready, int Provisioned, double TtftP90);

/// <summary>
/// A day of traffic with autoscaling: demand and serving capacity (left axis, requests/s), replicas serving and
/// paid for (first right axis) and p90 TTFT with its target (second right axis, seconds) against the hour.
/// </summary>
public static class DayChart
{
    /// <summary>Colour of the demand curve.</summary>
    public static readonly Color RateColor = Colors.Black;
    /// <summary>Colour of the replica counts.</summary>
    public static readonly Color ReplicaColor = Colors.SteelBlue;
    /// <summary>Colour of the TTFT curve and target.</summary>
    public static readonly Color TtftColor = Colors.OrangeRed;

    /// <summary>Builds the chart; TTFT beyond four times the target (or infinite) is drawn at that ceiling.</summary>
    public static Plot Build(IReadOnlyList<DayChartPoint> points, string title, double ttftTargetSeconds)
    {
        var plt = new Plot();
        double[] x = points.Select(p => p.Hour).ToArray();
        var rate = plt.Add.Scatter(x, points.Select(p => p.Rate).ToArray());
        rate.LegendText = "demand (req/s)";
        rate.Color = RateColor;
        rate.MarkerSize = 0;
        rate.LineWidth = 2;
        var cap = plt.Add.Scatter(x, points.Select(p => p.Capacity).ToArray());
        cap.LegendText = "serving capacity (req/s)";
        cap.Color = Colors.Green;
        cap.MarkerSize = 0;
        cap.LinePattern = LinePattern.Dashed;

        var replicaAxis = plt.Axes.Right;
        var ready = plt.Add.Scatter(x, points.Select(p => (double)p.Ready).ToArray());
        ready.LegendText = "replicas serving (right axis)";
        ready.Color = ReplicaColor;
        ready.MarkerSize = 0;
        ready.LineWidth = 2;
        ready.Axes.YAxis = replicaAxis;
        var prov = plt.Add.Scatter(x, points.Select(p => (double)p.Provisioned).ToArray());
        prov.LegendText = "replicas paid for (right axis)";
        prov.Color = ReplicaColor;
        prov.MarkerSize = 0;
        prov.LinePattern = LinePattern.Dotted;
        prov.Axes.YAxis = replicaAxis;
        int top = points.Count == 0 ? 1 : points.Max(p => Math.Max(p.Ready, p.Provisioned));
        plt.Axes.SetLimitsY(0, top * 1.15 + 0.5, replicaAxis);
        replicaAxis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        replicaAxis.Label.Text = "Replicas";

        var latencyAxis = plt.Axes.AddRightAxis();
        double ceiling = ttftTargetSeconds > 0 && double.IsFinite(ttftTargetSeconds) ? 4 * ttftTargetSeconds : 10;
        var ttft = plt.Add.Scatter(x, points.Select(p => double.IsFinite(p.TtftP90) ? Math.Min(p.TtftP90, ceiling) : ceiling).ToArray());
        ttft.LegendText = "p90 TTFT (s, outer right axis)";
        ttft.Color = TtftColor;
        ttft.MarkerSize = 0;
        ttft.Axes.YAxis = latencyAxis;
        if (ttftTargetSeconds > 0 && double.IsFinite(ttftTargetSeconds))
        {
            var line = plt.Add.HorizontalLine(ttftTargetSeconds, 1.5f, TtftColor, LinePattern.Dotted);
            line.Axes.YAxis = latencyAxis;
            line.LegendText = $"TTFT target {ttftTargetSeconds:0.###} s";
        }
        plt.Axes.SetLimitsY(0, ceiling * 1.05, latencyAxis);
        latencyAxis.LabelText = "p90 TTFT (s)";

        double peak = points.Count == 0 ? 1 : points.Max(p => Math.Max(p.Rate, p.Capacity));
        plt.Axes.SetLimitsY(0, peak * 1.15 + 1e-9, plt.Axes.Left);
        plt.Axes.SetLimitsX(0, points.Count == 0 ? 24 : Math.Ceiling(x[^1]));
        plt.XLabel("Hour");
        plt.YLabel("Requests/s");
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
