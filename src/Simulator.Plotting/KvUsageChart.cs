using ScottPlot;

namespace Simulator.Plotting;

/// <summary>KV-cache usage over simulated time: mean over replicas and the fullest replica, in percent of blocks.</summary>
public static class KvUsageChart
{
    /// <summary>Builds the chart; the fullest replica's line is drawn only where it differs from the mean.</summary>
    /// <param name="points">Samples: simulated time (s), mean and maximum fraction of KV blocks in use (0..1).</param>
    /// <param name="title">Chart title.</param>
    public static Plot Build(IReadOnlyList<(double Time, double Mean, double Max)> points, string title)
    {
        var plt = new Plot();
        if (points.Count > 0)
        {
            double[] t = points.Select(p => p.Time).ToArray();
            var mean = plt.Add.Scatter(t, points.Select(p => p.Mean * 100).ToArray());
            mean.LegendText = "mean over replicas";
            mean.MarkerSize = 0;
            mean.LineWidth = 2;
            mean.Color = Colors.Blue;
            if (points.Any(p => p.Max != p.Mean))
            {
                var max = plt.Add.Scatter(t, points.Select(p => p.Max * 100).ToArray());
                max.LegendText = "fullest replica";
                max.MarkerSize = 0;
                max.LinePattern = LinePattern.Dashed;
                max.Color = Colors.OrangeRed;
            }
        }
        plt.Axes.SetLimitsY(0, 105);
        plt.XLabel("Simulated time (s)");
        plt.YLabel("KV cache blocks in use (%)");
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
