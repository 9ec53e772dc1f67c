using ScottPlot;

namespace Simulator.Plotting;

/// <summary>Latency (TTFT, TPOT) and throughput against a swept parameter, on log axes.</summary>
public static class SweepChart
{
    /// <summary>Builds the chart.</summary>
    /// <param name="x">Swept values (batch size, input or output tokens).</param>
    /// <param name="ttft">Time to first token at each value, seconds.</param>
    /// <param name="tpot">Time per output token at each value, seconds.</param>
    /// <param name="tokensPerSecond">Output tokens per second at each value.</param>
    /// <param name="parameter">"batch", "input" or "output" (names the x axis).</param>
    /// <param name="title">Chart title.</param>
    public static Plot Build(double[] x, double[] ttft, double[] tpot, double[] tokensPerSecond, string parameter, string title)
    {
        var plt = new Plot();
        double[] lx = x.Select(Math.Log10).ToArray();
        var a = plt.Add.Scatter(lx, ttft.Select(v => Math.Log10(v * 1e3)).ToArray());
        a.LegendText = "TTFT (ms)";
        var b = plt.Add.Scatter(lx, tpot.Select(v => Math.Log10(v * 1e3)).ToArray());
        b.LegendText = "TPOT (ms)";
        var right = plt.Axes.Right;
        var c = plt.Add.Scatter(lx, tokensPerSecond.Select(Math.Log10).ToArray());
        c.LegendText = "throughput (tokens/s, right axis)";
        c.Axes.YAxis = right;
        c.LinePattern = LinePattern.Dashed;
        ChartFile.LogAxis(plt.Axes.Bottom, v => ChartFile.Engineering(Math.Round(v)));
        ChartFile.LogAxis(plt.Axes.Left, ChartFile.Engineering);
        ChartFile.LogAxis(right, ChartFile.Engineering);
        plt.XLabel(parameter switch { "batch" => "Batch size (requests)", "input" => "Input tokens per request", _ => "Output tokens per request" });
        plt.YLabel("Latency (ms)");
        right.Label.Text = "Throughput (output tokens/s)";
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperLeft);
        return plt;
    }
}
