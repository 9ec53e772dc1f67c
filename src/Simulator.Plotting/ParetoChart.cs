using ScottPlot;

namespace Simulator.Plotting;

/// <summary>Plans as points of hourly cost against TTFT, the Pareto front joined by a line.</summary>
public static class ParetoChart
{
    public static Plot Build(IReadOnlyList<(string Label, double Cost, double Ttft)> all, IReadOnlyList<(string Label, double Cost, double Ttft)> front, string title)
    {
        var plt = new Plot();
        var ok = all.Where(p => double.IsFinite(p.Cost) && double.IsFinite(p.Ttft)).ToList();
        var pts = plt.Add.Markers(ok.Select(p => p.Cost).ToArray(), ok.Select(p => p.Ttft * 1e3).ToArray(), MarkerShape.OpenCircle, 7, Colors.Gray);
        pts.LegendText = "plans";
        var f = front.Where(p => double.IsFinite(p.Cost) && double.IsFinite(p.Ttft)).OrderBy(p => p.Cost).ToList();
        if (f.Count > 0)
        {
            var line = plt.Add.Scatter(f.Select(p => p.Cost).ToArray(), f.Select(p => p.Ttft * 1e3).ToArray());
            line.LegendText = "Pareto front";
            line.Color = Colors.OrangeRed;
            foreach (var p in f)
            {
                var t = plt.Add.Text(p.Label, p.Cost, p.Ttft * 1e3);
                t.LabelFontSize = 10;
                t.LabelOffsetX = 6;
            }
        }
        plt.XLabel("Cost (USD per hour)");
        plt.YLabel("TTFT (ms)");
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperRight);
        return plt;
    }
}
