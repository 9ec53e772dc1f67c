using ScottPlot;
using ScottPlot.Plottables;

namespace Simulator.Plotting.Tests;

/// <summary>Latency targets on the CDF and rate-sweep charts: present where given, at the right place, absent otherwise.</summary>
public class SloTargetTests
{
    private static readonly SloTarget Ttft = new(SloMetric.Ttft, 0.25);
    private static readonly SloTarget Tpot = new(SloMetric.Tpot, 0.1);

    private static (string, double[])[] Series() =>
    [
        ("TTFT", [0.02, 0.05, 0.1, 0.2, 0.3]),
        ("TPOT", [0.01, 0.012, 0.02, 0.03]),
        ("E2E", [1.0, 2.0, 4.0]),
    ];

    [Fact]
    public void Labels_name_the_metric_and_the_value()
    {
        Assert.Equal("TTFT target 250 ms", Ttft.Label);
        Assert.Equal("TPOT 100 ms", Tpot.ShortLabel);
        Assert.Equal("TTFT target 1.5 s (chat, code)", new SloTarget(SloMetric.Ttft, 1.5, "chat, code").Label);
    }

    [Fact]
    public void Cdf_draws_each_target_as_a_vertical_line_at_its_latency_in_the_matching_series_colour()
    {
        var plt = LatencyCdfChart.Build(Series(), "t", [Ttft, Tpot]);
        var lines = Inspect.All<VerticalLine>(plt);
        Assert.Equal(2, lines.Count);
        // The time axis is log10 of milliseconds: 250 ms -> 2.398, 100 ms -> 2.
        var ttft = Assert.Single(lines, l => l.LegendText == "TTFT target 250 ms");
        Assert.Equal(Math.Log10(250), ttft.Position, 9);
        Assert.Equal(LatencyCdfChart.SeriesColors[0], ttft.LineColor);
        Assert.Equal(LinePattern.Dashed, ttft.LinePattern);
        var tpot = Assert.Single(lines, l => l.LegendText == "TPOT target 100 ms");
        Assert.Equal(2, tpot.Position, 9);
        Assert.Equal(LatencyCdfChart.SeriesColors[1], tpot.LineColor);
        Assert.Equal(LinePattern.Dotted, tpot.LinePattern);
    }

    [Fact]
    public void Cdf_without_targets_has_no_target_lines()
    {
        Assert.Empty(Inspect.All<VerticalLine>(LatencyCdfChart.Build(Series(), "t")));
        Assert.Empty(Inspect.All<VerticalLine>(LatencyCdfChart.Build(Series(), "t", [])));
    }

    [Fact]
    public void Cdf_target_line_is_black_when_no_series_is_named_after_its_metric_and_stays_in_view()
    {
        var plt = LatencyCdfChart.Build([("aggregated", [0.01, 0.02]), ("disaggregated", [0.015, 0.03])], "t", [new SloTarget(SloMetric.Ttft, 2)]);
        var line = Assert.Single(Inspect.All<VerticalLine>(plt));
        Assert.Equal(Colors.Black, line.LineColor);
        // 2 s = 2,000 ms, far right of the data (10-30 ms): the axis reaches it.
        var limits = plt.Axes.GetLimits();
        Assert.True(limits.Right > Math.Log10(2000), $"x axis ends at {limits.Right}");
    }

    private static readonly RateSweepPoint[] Sweep =
    [
        new(4, 0.03, 0.12, 0.008, 0.011, 4, 4),
        new(16, 0.035, 0.26, 0.018, 0.035, 15.5, 15.6),
        new(32, 10, 20, 0.05, 0.07, 4, 21),
    ];

    [Fact]
    public void Rate_sweep_draws_targets_as_horizontal_lines_on_the_latency_axis()
    {
        var plt = RateSweepChart.Build(Sweep, "t", [Ttft, Tpot]);
        var lines = Inspect.All<HorizontalLine>(plt);
        Assert.Equal(2, lines.Count);
        var ttft = Assert.Single(lines, l => l.LegendText == "TTFT target 250 ms");
        Assert.Equal(Math.Log10(250), ttft.Position, 9);
        Assert.Equal(RateSweepChart.TtftColor, ttft.LineColor);
        var tpot = Assert.Single(lines, l => l.LegendText == "TPOT target 100 ms");
        Assert.Equal(2, tpot.Position, 9);
        Assert.Equal(RateSweepChart.TpotColor, tpot.LineColor);
        Assert.Contains("TTFT target 250 ms", Inspect.Texts(plt));
    }

    [Fact]
    public void Rate_sweep_without_targets_has_no_target_lines()
    {
        Assert.Empty(Inspect.All<HorizontalLine>(RateSweepChart.Build(Sweep, "t")));
    }
}
