using ScottPlot;

namespace Simulator.Plotting;

/// <summary>Predicted against measured, log-log, with the y = x line and a ±10% band, one colour per benchmark family.</summary>
public static class ValidationChart
{
    private static readonly Color[] Palette = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple, Colors.Brown, Colors.DarkCyan, Colors.Magenta];

    public static Plot Build(IReadOnlyList<(string Family, double Measured, double Predicted)> points, string title)
    {
        var plt = new Plot();
        var valid = points.Where(p => p.Measured > 0 && p.Predicted > 0).ToList();
        double lo = valid.Count == 0 ? -6 : Math.Floor(Math.Log10(valid.Min(p => Math.Min(p.Measured, p.Predicted))));
        double hi = valid.Count == 0 ? 0 : Math.Ceiling(Math.Log10(valid.Max(p => Math.Max(p.Measured, p.Predicted))));
        var diag = plt.Add.Line(lo, lo, hi, hi);
        diag.Color = Colors.Black;
        diag.LegendText = "y = x";
        foreach (double f in new[] { 1.1, 1 / 1.1 })
        {
            var band = plt.Add.Line(lo, lo + Math.Log10(f), hi, hi + Math.Log10(f));
            band.Color = Colors.Gray;
            band.LinePattern = LinePattern.Dashed;
            if (f > 1) band.LegendText = "±10%";
        }
        int i = 0;
        foreach (var g in valid.GroupBy(p => p.Family))
        {
            var m = plt.Add.Markers(g.Select(p => Math.Log10(p.Measured)).ToArray(), g.Select(p => Math.Log10(p.Predicted)).ToArray(), MarkerShape.FilledCircle, 5, Palette[i++ % Palette.Length]);
            m.LegendText = $"{g.Key} ({g.Count()})";
        }
        ChartFile.LogAxis(plt.Axes.Bottom, ChartFile.Engineering);
        ChartFile.LogAxis(plt.Axes.Left, ChartFile.Engineering);
        plt.Axes.SetLimits(lo, hi, lo, hi);
        plt.XLabel("Measured (s, or tokens/s for throughput rows)");
        plt.YLabel("Predicted (same unit)");
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
