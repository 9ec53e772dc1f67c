using ScottPlot;

namespace Simulator.Plotting;

/// <summary>A plan on the cost–TTFT chart.</summary>
/// <param name="Label">What the plan runs, such as "2x h100-sxm TP4 fp8 b64"; " + " separates its replica groups.</param>
/// <param name="CostPerHour">Hourly cost, USD.</param>
/// <param name="TtftSeconds">Predicted time to first token, seconds: the 90th percentile when simulated, else the analytic mean.</param>
/// <param name="Simulated">True when the latency was checked by the discrete-event simulator; false for an analytic estimate.</param>
/// <param name="OnFront">True when no other plan is both cheaper and faster (on the Pareto front).</param>
/// <param name="Chosen">True for the plan the planner recommends.</param>
public sealed record ParetoPoint(string Label, double CostPerHour, double TtftSeconds, bool Simulated, bool OnFront = false, bool Chosen = false);

/// <summary>
/// Plans as points of hourly cost against TTFT. Marker shape says how a plan's latency was obtained (filled:
/// checked by simulation; open: analytic estimate), colour says whether it is on the Pareto front (joined by a
/// line and labelled), and the chosen plan is ringed and labelled "chosen".
/// </summary>
public static class ParetoChart
{
    /// <summary>Marker of plans whose latency the simulator checked.</summary>
    public const MarkerShape SimulatedShape = MarkerShape.FilledCircle;

    /// <summary>Marker of plans whose latency is an analytic estimate.</summary>
    public const MarkerShape AnalyticShape = MarkerShape.OpenCircle;

    /// <summary>Marker ringing the chosen plan.</summary>
    public const MarkerShape ChosenShape = MarkerShape.OpenCircle;

    /// <summary>Legend text of the chosen plan's ring; its label starts with "chosen".</summary>
    public const string ChosenLegend = "chosen plan";

    /// <summary>Colour of the front (its line and its points).</summary>
    public static readonly Color FrontColor = Colors.OrangeRed;

    /// <summary>Colour of the chosen plan's ring and label.</summary>
    public static readonly Color ChosenColor = Colors.DarkGreen;

    /// <summary>Colour of plans off the front.</summary>
    public static readonly Color OtherColor = Colors.DimGray;

    private const float MarkerSize = 8, LabelSize = 10;

    /// <summary>Builds the chart; plans with a cost or TTFT that is not finite are left out.</summary>
    public static Plot Build(IReadOnlyList<ParetoPoint> plans, string title)
    {
        var plt = new Plot();
        var ok = plans.Where(p => double.IsFinite(p.CostPerHour) && double.IsFinite(p.TtftSeconds)).ToList();
        double Y(ParetoPoint p) => p.TtftSeconds * 1e3;

        var front = ok.Where(p => p.OnFront).OrderBy(p => p.CostPerHour).ThenBy(Y).ToList();
        if (front.Count > 1)
        {
            var line = plt.Add.Scatter(front.Select(p => p.CostPerHour).ToArray(), front.Select(Y).ToArray());
            line.Color = FrontColor;
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            line.LegendText = "Pareto front";
        }
        foreach (bool simulated in new[] { true, false })
            foreach (bool onFront in new[] { true, false })
            {
                var group = ok.Where(p => p.Simulated == simulated && p.OnFront == onFront).ToList();
                if (group.Count == 0) continue;
                var m = plt.Add.Markers(group.Select(p => p.CostPerHour).ToArray(), group.Select(Y).ToArray(),
                    simulated ? SimulatedShape : AnalyticShape, MarkerSize, onFront ? FrontColor : OtherColor);
                m.MarkerLineWidth = 1.5f;
            }
        // Legend: the shapes in a neutral colour (colour marks the front, not the method).
        int simulatedCount = ok.Count(p => p.Simulated), analyticCount = ok.Count - simulatedCount;
        if (simulatedCount > 0) plt.Legend.ManualItems.Add(ShapeItem($"checked by simulation ({simulatedCount})", SimulatedShape));
        if (analyticCount > 0) plt.Legend.ManualItems.Add(ShapeItem($"analytic estimate ({analyticCount})", AnalyticShape));
        if (front.Count == 1) plt.Legend.ManualItems.Add(new LegendItem { LabelText = "Pareto front (one plan)", MarkerShape = MarkerShape.FilledCircle, MarkerSize = MarkerSize, MarkerFillColor = FrontColor, MarkerLineColor = FrontColor });

        var chosen = ok.FirstOrDefault(p => p.Chosen);
        if (chosen is not null)
        {
            var ring = plt.Add.Marker(chosen.CostPerHour, Y(chosen), ChosenShape, 22, ChosenColor);
            ring.MarkerLineWidth = 2.5f;
            ring.LegendText = ChosenLegend;
        }

        // Limits with room around the points, so none sits on the frame.
        double xMin = ok.Count == 0 ? 0 : ok.Min(p => p.CostPerHour), xMax = ok.Count == 0 ? 1 : ok.Max(p => p.CostPerHour);
        double yMax = ok.Count == 0 ? 1 : ok.Max(Y);
        double xPad = Math.Max((xMax - xMin) * 0.08, Math.Max(0.5, xMax * 0.05));
        (xMin, xMax) = (Math.Max(0, xMin - xPad), xMax + xPad);
        (double yMin, yMax) = (0, yMax * 1.12 + 1);
        plt.Axes.SetLimits(xMin, xMax, yMin, yMax);

        // Labels: the chosen plan first, then the rest of the front; replica groups on separate lines.
        var placer = new LabelPlacer(xMin, xMax, yMin, yMax);
        var (frameW, _) = placer.Frame;
        int legendItems = (simulatedCount > 0 ? 1 : 0) + (analyticCount > 0 ? 1 : 0) + (front.Count > 0 ? 1 : 0) + (chosen is null ? 0 : 1);
        placer.AddObstacle(new LabelPlacer.Box(frameW - 230, placer.Frame.Height - legendItems * 20 - 16, frameW, placer.Frame.Height));
        foreach (var p in ok) placer.AddObstacle(p.CostPerHour, Y(p), MarkerSize + 2);
        for (int i = 1; i < front.Count; i++) placer.AddLineObstacle(front[i - 1].CostPerHour, Y(front[i - 1]), front[i].CostPerHour, Y(front[i]));
        var labelled = (chosen is null ? [] : new[] { chosen }).Concat(front.Where(p => !p.Chosen)).ToList();
        foreach (var p in labelled)
        {
            string text = (p.Chosen ? "chosen: " : "") + p.Label.Replace(" + ", " +\n", StringComparison.Ordinal);
            var placed = placer.Place(text, p.CostPerHour, Y(p), LabelSize, LabelPlacer.AroundPoint(14, LabelPlacer.TextHeight(LabelSize), 8));
            var t = LabelPlacer.Draw(plt, placed, text, p.CostPerHour, Y(p), LabelSize, p.Chosen ? ChosenColor : Colors.Black.WithAlpha(0.85));
            t.LabelBold = p.Chosen;
        }

        plt.XLabel("Cost (USD per hour)");
        plt.YLabel("TTFT (ms): p90 if simulated, else analytic mean");
        plt.Title(title);
        plt.ShowLegend(Alignment.UpperRight);
        return plt;
    }

    private static LegendItem ShapeItem(string text, MarkerShape shape) => new()
    {
        LabelText = text,
        MarkerShape = shape,
        MarkerSize = MarkerSize,
        MarkerFillColor = OtherColor,
        MarkerLineColor = OtherColor,
        MarkerLineWidth = 1.5f,
    };
}
