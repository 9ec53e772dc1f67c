using ScottPlot;
using ScottPlot.Plottables;

namespace Simulator.Plotting.Tests;

/// <summary>Reads a built chart through ScottPlot's object model (plottables, legend, ticks) rather than its pixels.</summary>
internal static class Inspect
{
    public static List<T> All<T>(Plot plt) where T : IPlottable => plt.GetPlottables().OfType<T>().ToList();

    public static IReadOnlyList<Coordinates> Points(Markers m) => m.Data.GetScatterPoints();

    public static List<string> Texts(Plot plt) => All<Text>(plt).Select(t => t.LabelStyle.Text).ToList();

    public static List<string> LegendLabels(Plot plt) => plt.Legend.GetItems().Select(i => i.LabelText).ToList();

    public static bool Near(double a, double b, double tolerance = 1e-9) => Math.Abs(a - b) <= tolerance;
}
