using ScottPlot.Plottables;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Plotting.Tests;

/// <summary>The roofline chart: one colour per device for its roofs and its operators, labels that do not pile up.</summary>
public class RooflineChartTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
    private static readonly HardwareProfile H100 = Lib.Hardware("h100-sxm"), A100 = Lib.Hardware("a100-80gb-sxm");

    // The same operators on both devices: equal intensity, attained FLOP/s scaled by the device.
    private static List<RooflinePoint> ComparePoints() =>
    [
        new("qkv_proj", 1500, 7e14, "prefill", "h100-sxm"),
        new("mlp_down", 1600, 7.2e14, "prefill", "h100-sxm"),
        new("attention_decode", 4, 1e13, "decode", "h100-sxm"),
        new("qkv_proj", 1500, 2.3e14, "prefill", "a100-80gb-sxm"),
        new("mlp_down", 1600, 2.4e14, "prefill", "a100-80gb-sxm"),
        new("attention_decode", 4, 6e12, "decode", "a100-80gb-sxm"),
    ];

    [Fact]
    public void Compare_points_take_the_colour_of_their_devices_roofs()
    {
        var points = ComparePoints();
        var plt = RooflineChart.Build([H100, A100], points, "t");
        // Each device's memory roof carries the legend "name: bandwidth".
        var roofColour = new Dictionary<string, ScottPlot.Color>();
        foreach (var name in new[] { "h100-sxm", "a100-80gb-sxm" })
            roofColour[name] = Assert.Single(Inspect.All<LinePlot>(plt), l => l.LegendText.StartsWith(name + ":", StringComparison.Ordinal)).Color;
        Assert.NotEqual(roofColour["h100-sxm"], roofColour["a100-80gb-sxm"]);

        int matched = 0;
        foreach (var m in Inspect.All<Markers>(plt))
            foreach (var c in Inspect.Points(m))
            {
                var p = Assert.Single(points, p => Inspect.Near(Math.Log10(p.IntensityFlopsPerByte), c.X) && Inspect.Near(Math.Log10(p.AttainedFlopsPerSecond), c.Y));
                Assert.Equal(roofColour[p.Device!], m.MarkerFillColor);
                matched++;
            }
        Assert.Equal(points.Count, matched);
    }

    [Fact]
    public void Each_phase_has_its_own_marker_shape_and_a_legend_entry()
    {
        var plt = RooflineChart.Build([H100, A100], ComparePoints(), "t");
        var markers = Inspect.All<Markers>(plt);
        Assert.All(markers.Where(m => Inspect.Points(m).Any(c => c.X > 3)), m => Assert.Equal(RooflineChart.SeriesShapes[0], m.MarkerShape));
        Assert.All(markers.Where(m => Inspect.Points(m).Any(c => c.X < 1)), m => Assert.Equal(RooflineChart.SeriesShapes[1], m.MarkerShape));
        var legend = Inspect.LegendLabels(plt);
        Assert.Contains("prefill", legend);
        Assert.Contains("decode", legend);
    }

    [Fact]
    public void An_operator_is_labelled_once_per_phase_even_when_several_devices_have_it()
    {
        var texts = Inspect.Texts(RooflineChart.Build([H100, A100], ComparePoints(), "t"));
        Assert.Single(texts, t => t.Split(", ").Contains("qkv_proj"));
        Assert.Single(texts, t => t.Split(", ").Contains("attention_decode"));
    }

    [Fact]
    public void Points_that_coincide_share_one_label()
    {
        var plt = RooflineChart.Build([H100], [new("input_norm", 1, 1e12, "decode"), new("final_norm", 1, 1e12, "decode")], "t");
        Assert.Contains("input_norm, final_norm", Inspect.Texts(plt));
    }

    [Fact]
    public void A_point_naming_a_device_not_on_the_chart_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => RooflineChart.Build([H100], [new("x", 1, 1e12, "decode", "mi300x")], "t"));
        Assert.Contains("mi300x", e.Message);
    }

    [Fact]
    public void Single_device_points_without_a_device_take_its_colour()
    {
        var plt = RooflineChart.Build([H100], [new("qkv_proj", 8, 2e13, "decode")], "t");
        var roof = Assert.Single(Inspect.All<LinePlot>(plt), l => l.LegendText.StartsWith("h100-sxm:", StringComparison.Ordinal));
        Assert.Equal(roof.Color, Assert.Single(Inspect.All<Markers>(plt)).MarkerFillColor);
    }
}
