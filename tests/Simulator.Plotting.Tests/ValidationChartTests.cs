using ScottPlot.Plottables;
using ScottPlot.TickGenerators;

namespace Simulator.Plotting.Tests;

/// <summary>The validation chart: one row per family present, devices told apart, points at their signed error.</summary>
public class ValidationChartTests
{
    // Errors chosen so the arithmetic is plain: predicted 2x measured = +100%, 0.5x = -50%, 1.1x = +10%.
    private static readonly ValidationPoint[] Points =
    [
        new("gemm", "h100-sxm", 1e-3, 1.1e-3),
        new("gemm", "h200-sxm", 1e-3, 0.5e-3),
        new("e2e", "h100-sxm", 1000, 2000),      // tokens/s: unitless error shares the axis with seconds
        new("attention", "h200-sxm", 2e-4, 2e-4),
        new("custom", "h100-sxm", 1, 1.2),
    ];

    // Manual tick generators hand out their ticks when the axis is laid out, so render once first.
    private static ScottPlot.Tick[] Ticks(ScottPlot.Plot plt, ScottPlot.IAxis axis)
    {
        _ = ChartFile.Svg(plt);
        return ((NumericManual)axis.TickGenerator).Ticks;
    }

    private static string[] RowLabels(ScottPlot.Plot plt) =>
        Ticks(plt, plt.Axes.Left).OrderByDescending(t => t.Position).Select(t => t.Label).ToArray();

    [Fact]
    public void One_row_per_family_present_in_display_order_and_none_for_absent_families()
    {
        var plt = ValidationChart.Build(Points, "t");
        // gemm, attention and e2e in the fixed order; unknown families after them; no membw, launch, allreduce or layer row.
        Assert.Equal(["gemm", "attention", "e2e", "custom"], RowLabels(plt));
    }

    [Fact]
    public void Rows_are_annotated_with_their_count()
    {
        var texts = Inspect.Texts(ValidationChart.Build(Points, "t"));
        Assert.Equal(4, texts.Count(t => t.Contains(" rows\n", StringComparison.Ordinal)));
        Assert.Contains(texts, t => t.StartsWith("2 rows\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_device_has_its_own_colour_marker_and_legend_entry()
    {
        var plt = ValidationChart.Build(Points, "t");
        var byDevice = Inspect.All<Markers>(plt).Where(m => m.LegendText.Contains("-sxm", StringComparison.Ordinal)).ToList();
        Assert.Equal(["h100-sxm (3 rows)", "h200-sxm (2 rows)"], byDevice.Select(m => m.LegendText));
        Assert.NotEqual(byDevice[0].MarkerFillColor, byDevice[1].MarkerFillColor);
        Assert.NotEqual(byDevice[0].MarkerShape, byDevice[1].MarkerShape);
    }

    [Fact]
    public void Points_sit_at_their_signed_error_in_their_familys_row()
    {
        var plt = ValidationChart.Build(Points, "t");
        var h100 = Inspect.Points(Assert.Single(Inspect.All<Markers>(plt), m => m.LegendText.StartsWith("h100-sxm", StringComparison.Ordinal)));
        // x = log10(predicted / measured); rows from the top: gemm at y = 3, attention 2, e2e 1, custom 0 (each ±0.5).
        Assert.Contains(h100, c => Inspect.Near(c.X, Math.Log10(1.1)) && Math.Abs(c.Y - 3) < 0.5);
        Assert.Contains(h100, c => Inspect.Near(c.X, Math.Log10(2)) && Math.Abs(c.Y - 1) < 0.5);
        // The tick at log10(2) reads +100%, the one at log10(0.5) reads -50%.
        var ticks = Ticks(plt, plt.Axes.Bottom);
        Assert.Contains(ticks, t => Inspect.Near(t.Position, Math.Log10(2)) && t.Label == "+100%");
        Assert.Contains(ticks, t => Inspect.Near(t.Position, Math.Log10(0.5)) && t.Label == "−50%");
    }

    [Fact]
    public void No_two_devices_look_alike_even_when_colours_repeat()
    {
        // 14 devices, more than the palette's colours: every device still gets its own colour and marker pair.
        var points = Enumerable.Range(0, 14).Select(i => new ValidationPoint("gemm", $"device-{i:00}", 1, 1 + i / 100.0)).ToList();
        var looks = Inspect.All<Markers>(ValidationChart.Build(points, "t")).Where(m => m.LegendText.StartsWith("device-", StringComparison.Ordinal))
            .Select(m => (m.MarkerFillColor.ToHex(), m.MarkerShape)).ToList();
        Assert.Equal(14, looks.Count);
        Assert.Equal(14, looks.Distinct().Count());
    }

    [Fact]
    public void Signed_error_is_predicted_minus_measured_over_measured()
    {
        Assert.Equal(100, new ValidationPoint("e2e", "x", 1000, 2000).SignedPctError, 9);
        Assert.Equal(-50, new ValidationPoint("gemm", "x", 2, 1).SignedPctError, 9);
    }

    [Fact]
    public void Rows_without_a_positive_value_are_left_out()
    {
        var plt = ValidationChart.Build([.. Points, new ValidationPoint("membw", "h100-sxm", 0, 1)], "t");
        Assert.DoesNotContain("membw", RowLabels(plt));
    }
}
