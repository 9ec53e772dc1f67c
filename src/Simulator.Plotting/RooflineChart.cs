using ScottPlot;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Plotting;

/// <summary>An operator on a roofline chart: its intensity and attained performance.</summary>
/// <param name="Label">Operator name, written next to the point.</param>
/// <param name="IntensityFlopsPerByte">Arithmetic intensity (FLOP per byte moved).</param>
/// <param name="AttainedFlopsPerSecond">FLOPs over modelled time.</param>
/// <param name="Series">What the point belongs to, such as "prefill 2048 tokens x 8"; one marker shape per series.</param>
/// <param name="Device">Name of the hardware profile the point was computed for; its points take its roofs' colour. Null: the chart's first device.</param>
public sealed record RooflinePoint(string Label, double IntensityFlopsPerByte, double AttainedFlopsPerSecond, string Series, string? Device = null);

/// <summary>
/// Log-log roofline: attainable FLOP/s against arithmetic intensity, one ceiling per data type the device has,
/// the memory roof, ridge points marked, and operators as labelled points (Williams, Waterman and Patterson,
/// "Roofline", CACM 2009). Each device has one colour, for its roofs and for its operators' points; each series
/// (a phase, such as prefill or decode) has one marker shape. Labels are placed so they do not cover each other:
/// an operator is labelled once (at its point on the first device that has it), labels of points that coincide
/// are joined, and a label that had to move away from its point gets a thin leader line.
/// </summary>
public static class RooflineChart
{
    /// <summary>Device colours, in the order devices are given.</summary>
    public static readonly IReadOnlyList<Color> DeviceColors = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple, Colors.Brown, Colors.DarkCyan];

    /// <summary>Series marker shapes, in the order series first appear among the points.</summary>
    public static readonly IReadOnlyList<MarkerShape> SeriesShapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];

    private const float PointLabelSize = 10, CeilingLabelSize = 12, MarkerSize = 9;

    /// <summary>Builds the chart for one or more devices and a set of operator points.</summary>
    public static Plot Build(IReadOnlyList<HardwareProfile> devices, IReadOnlyList<RooflinePoint> points, string title)
    {
        if (devices.Count == 0) throw new ArgumentException("a roofline needs at least one device", nameof(devices));
        var plt = new Plot();
        const double xMin = -1, xMax = 5; // 0.1 .. 100k FLOP/byte
        var ceilings = new List<(string Text, double Y, Color Color)>();
        double minPerf = double.MaxValue, maxPerf = 0;
        for (int di = 0; di < devices.Count; di++)
        {
            var dev = devices[di];
            var color = DeviceColors[di % DeviceColors.Count];
            double bw = dev.MemoryBandwidthBytesPerSecond;
            // Data types with the same peak (bf16 and fp16; fp8 and int8) share one ceiling and one label.
            var peaks = dev.PeakOpsPerSecond.Where(p => p.Key is not (DataType.Fp64 or DataType.Tf32))
                .GroupBy(p => Math.Round(p.Value / 1e9))
                .Select(g => (Types: string.Join("/", g.Select(p => p.Key.Name())), Peak: g.First().Value))
                .OrderByDescending(p => p.Peak).ToList();
            double top = peaks[0].Peak;
            // Memory roof: performance = bandwidth x intensity, up to the highest ceiling.
            double ridgeTop = top / bw;
            var mem = plt.Add.Line(xMin, Math.Log10(bw * Math.Pow(10, xMin)), Math.Log10(ridgeTop), Math.Log10(top));
            mem.Color = color;
            mem.LineWidth = 2;
            mem.LegendText = $"{dev.Name}: {Core.Units.Format.Bandwidth(bw)}";
            int pi = 0;
            foreach (var (type, peak) in peaks)
            {
                double ridge = peak / bw;
                var ceiling = plt.Add.Line(Math.Log10(ridge), Math.Log10(peak), xMax, Math.Log10(peak));
                ceiling.Color = color;
                ceiling.LineWidth = 2;
                ceiling.LinePattern = pi == 0 ? LinePattern.Solid : LinePattern.Dashed;
                ceilings.Add(($"{(devices.Count > 1 ? dev.Name + " " : "")}{type} {Core.Units.Format.Flops(peak)}", Math.Log10(peak), color));
                plt.Add.Marker(Math.Log10(ridge), Math.Log10(peak), MarkerShape.OpenCircle, 8, color);
                minPerf = Math.Min(minPerf, peak);
                pi++;
            }
            maxPerf = Math.Max(maxPerf, top);
            minPerf = Math.Min(minPerf, bw * Math.Pow(10, xMin));
        }

        var shown = points.Where(p => p.IntensityFlopsPerByte > 0 && p.AttainedFlopsPerSecond > 0).ToList();
        if (shown.Count > 0) minPerf = Math.Min(minPerf, shown.Min(p => p.AttainedFlopsPerSecond));
        double yMin = Math.Floor(Math.Log10(minPerf)) - 0.2, yMax = Math.Log10(maxPerf) + 0.4;

        int DeviceIndex(RooflinePoint p)
        {
            if (p.Device is null) return 0;
            for (int i = 0; i < devices.Count; i++)
                if (string.Equals(devices[i].Name, p.Device, StringComparison.OrdinalIgnoreCase)) return i;
            throw new ArgumentException($"point '{p.Label}' names device '{p.Device}', which is not among the chart's devices");
        }

        var seriesNames = shown.Select(p => p.Series).Distinct().ToList();
        for (int si = 0; si < seriesNames.Count; si++)
        {
            var shape = SeriesShapes[si % SeriesShapes.Count];
            foreach (var group in shown.Where(p => p.Series == seriesNames[si]).GroupBy(DeviceIndex).OrderBy(g => g.Key))
            {
                plt.Add.Markers(group.Select(p => Math.Log10(p.IntensityFlopsPerByte)).ToArray(), group.Select(p => Math.Log10(p.AttainedFlopsPerSecond)).ToArray(),
                    shape, MarkerSize, DeviceColors[group.Key % DeviceColors.Count]);
            }
            // The legend names the series by shape, in a neutral colour: the colours belong to the devices.
            plt.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = seriesNames[si],
                MarkerShape = shape,
                MarkerSize = MarkerSize,
                MarkerFillColor = Colors.DimGray,
                MarkerLineColor = Colors.DimGray,
            });
        }

        var placer = new LabelPlacer(xMin, xMax, yMin, yMax);
        // The legend sits in the lower right; keep labels off it (its size estimated from its longest entry).
        int legendItems = devices.Count + seriesNames.Count;
        double legendWidth = 60 + LabelPlacer.TextWidth(devices.Select(d => d.Name + ": 3.35 TB/s").Concat(seriesNames).MaxBy(s => s.Length)!, 12);
        var (frameW, _) = placer.Frame;
        placer.AddObstacle(new LabelPlacer.Box(frameW - legendWidth, 0, frameW, legendItems * 20 + 16));
        foreach (var p in shown) placer.AddObstacle(Math.Log10(p.IntensityFlopsPerByte), Math.Log10(p.AttainedFlopsPerSecond), MarkerSize);

        // Ceiling labels first, at the right end of their line, above it or below it, moved left when taken.
        foreach (var (text, y, color) in ceilings.OrderByDescending(c => c.Y))
        {
            double w = LabelPlacer.TextWidth(text, CeilingLabelSize);
            var candidates = Enumerable.Range(0, 4).SelectMany(k => new[]
            {
                new LabelPlacer.Candidate(-4 - k * (w + 12), 1, Alignment.LowerRight),
                new LabelPlacer.Candidate(-4 - k * (w + 12), -1, Alignment.UpperRight),
            });
            var placed = placer.Place(text, xMax, y, CeilingLabelSize, candidates);
            var t = plt.Add.Text(text, placed.X, placed.Y);
            t.LabelFontColor = color;
            t.LabelFontSize = CeilingLabelSize;
            t.LabelAlignment = placed.Alignment;
        }

        // Operator labels: once per operator and series, at the first device's point; points that coincide share a label.
        var labelled = shown.GroupBy(p => (p.Series, p.Label)).Select(g => g.OrderBy(DeviceIndex).First()).ToList();
        var merged = new List<(List<string> Names, double X, double Y)>();
        foreach (var p in labelled)
        {
            double x = Math.Log10(p.IntensityFlopsPerByte), y = Math.Log10(p.AttainedFlopsPerSecond);
            int near = merged.FindIndex(m => placer.PixelDistance(m.X, m.Y, x, y) < 4);
            if (near >= 0) { if (!merged[near].Names.Contains(p.Label)) merged[near].Names.Add(p.Label); }
            else merged.Add(([p.Label], x, y));
        }
        foreach (var (names, x, y) in merged.OrderBy(m => m.X).ThenByDescending(m => m.Y))
        {
            string text = string.Join(", ", names);
            var placed = placer.Place(text, x, y, PointLabelSize, LabelPlacer.AroundPoint(7, LabelPlacer.TextHeight(PointLabelSize), 6));
            LabelPlacer.Draw(plt, placed, text, x, y, PointLabelSize, Colors.Black.WithAlpha(0.8));
        }

        ChartFile.LogAxis(plt.Axes.Bottom, ChartFile.Engineering);
        ChartFile.LogAxis(plt.Axes.Left, v => ChartFile.Engineering(v));
        plt.Axes.SetLimits(xMin, xMax, yMin, yMax);
        plt.XLabel("Arithmetic intensity (FLOP/byte)");
        plt.YLabel("Attainable performance (FLOP/s)");
        plt.Title(title);
        plt.ShowLegend(Alignment.LowerRight);
        return plt;
    }

    /// <summary>Operator points of a cost-model step: intensity, and attained FLOP/s = FLOPs / modelled time.</summary>
    /// <param name="device">The hardware profile's name when the chart compares devices (null: the first device).</param>
    public static IEnumerable<RooflinePoint> Points(ReadOnlySpan<OperatorCost> ops, string series, string? device = null)
    {
        var list = new List<RooflinePoint>();
        foreach (var o in ops)
        {
            if (o.Kind == OpKind.Communication || o.Flops <= 0 || o.Bytes <= 0) continue;
            list.Add(new RooflinePoint(o.Name, o.Intensity, o.Flops / o.Seconds, series, device));
        }
        return list;
    }
}
