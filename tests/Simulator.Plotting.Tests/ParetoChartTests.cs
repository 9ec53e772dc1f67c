using ScottPlot;
using ScottPlot.Plottables;

namespace Simulator.Plotting.Tests;

/// <summary>The Pareto chart marks the chosen plan and tells simulated latencies from analytic estimates.</summary>
public class ParetoChartTests
{
    // Three plans: the cheapest (chosen, simulated, on the front), a faster and dearer one (analytic, on the front),
    // and one that is dearer and slower than the chosen plan (simulated, off the front).
    private static readonly ParetoPoint[] Plans =
    [
        new("4x a100-80gb-sxm TP2 bf16 b64", 14.3, 0.730, Simulated: true, OnFront: true, Chosen: true),
        new("1x h100-sxm TP8 fp8 b32", 23.9, 0.075, Simulated: false, OnFront: true),
        new("2x h100-sxm TP4 w4a16 b32", 23.9, 0.900, Simulated: true),
    ];

    [Fact]
    public void Chosen_plan_is_ringed_at_its_point_and_labelled_chosen()
    {
        var plt = ParetoChart.Build(Plans, "t");
        var ring = Assert.Single(Inspect.All<Marker>(plt), m => m.LegendText == ParetoChart.ChosenLegend);
        // x = cost (USD/h), y = TTFT in ms: 0.730 s = 730 ms.
        Assert.Equal(14.3, ring.X, 9);
        Assert.Equal(730, ring.Y, 9);
        Assert.Equal(ParetoChart.ChosenShape, ring.MarkerShape);
        var label = Assert.Single(Inspect.Texts(plt), t => t.StartsWith("chosen", StringComparison.Ordinal));
        Assert.Contains("4x a100-80gb-sxm TP2 bf16 b64", label);
        Assert.Contains(ParetoChart.ChosenLegend, Inspect.LegendLabels(plt));
    }

    [Fact]
    public void Without_a_chosen_plan_there_is_no_chosen_marker_or_label()
    {
        var plt = ParetoChart.Build(Plans.Select(p => p with { Chosen = false }).ToList(), "t");
        Assert.DoesNotContain(Inspect.All<Marker>(plt), m => m.LegendText == ParetoChart.ChosenLegend);
        Assert.DoesNotContain(Inspect.Texts(plt), t => t.StartsWith("chosen", StringComparison.Ordinal));
    }

    [Fact]
    public void Simulated_plans_are_filled_and_analytic_estimates_open_with_legend_counts()
    {
        var plt = ParetoChart.Build(Plans, "t");
        var markers = Inspect.All<Markers>(plt);
        var filled = markers.Where(m => m.MarkerShape == ParetoChart.SimulatedShape).SelectMany(Inspect.Points).ToList();
        var open = markers.Where(m => m.MarkerShape == ParetoChart.AnalyticShape).SelectMany(Inspect.Points).ToList();
        Assert.Equal([(14.3, 730.0), (23.9, 900.0)], filled.Select(c => (c.X, Math.Round(c.Y, 6))).Order());
        Assert.Equal([(23.9, 75.0)], open.Select(c => (c.X, Math.Round(c.Y, 6))));
        var legend = Inspect.LegendLabels(plt);
        Assert.Contains("checked by simulation (2)", legend);
        Assert.Contains("analytic estimate (1)", legend);
    }

    [Fact]
    public void Front_points_are_joined_in_cost_order_and_labelled()
    {
        var plt = ParetoChart.Build(Plans, "t");
        var line = Assert.Single(Inspect.All<Scatter>(plt), s => s.LegendText == "Pareto front");
        Assert.Equal([(14.3, 730.0), (23.9, 75.0)], line.Data.GetScatterPoints().Select(c => (c.X, Math.Round(c.Y, 6))));
        var texts = Inspect.Texts(plt);
        Assert.Contains("1x h100-sxm TP8 fp8 b32", texts);
        // The plan off the front is not labelled.
        Assert.DoesNotContain(texts, t => t.Contains("w4a16", StringComparison.Ordinal));
    }

    [Fact]
    public void All_analytic_chart_has_no_simulation_legend_entry()
    {
        var plt = ParetoChart.Build(Plans.Select(p => p with { Simulated = false }).ToList(), "t");
        Assert.Contains("analytic estimate (3)", Inspect.LegendLabels(plt));
        Assert.DoesNotContain(Inspect.LegendLabels(plt), l => l.StartsWith("checked by simulation", StringComparison.Ordinal));
    }

    [Fact]
    public void Plans_with_infinite_latency_are_left_out()
    {
        var plt = ParetoChart.Build([.. Plans, new ParetoPoint("broken", 10, double.PositiveInfinity, true)], "t");
        Assert.Equal(3, Inspect.All<Markers>(plt).Sum(m => Inspect.Points(m).Count));
    }
}
