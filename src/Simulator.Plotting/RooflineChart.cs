using ScottPlot;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Plotting;

/// <summary>A labelled point on a roofline chart: an operator's intensity and attained performance.</summary>
public sealed record RooflinePoint(string Label, double IntensityFlopsPerByte, double AttainedFlopsPerSecond, string Series);

/// <summary>
/// Log-log roofline: attainable FLOP/s against arithmetic intensity, one ceiling per data type the device has,
/// the memory roof, ridge points marked, and operators as labelled points (Williams, Waterman and Patterson,
/// "Roofline", CACM 2009).
/// </summary>
public static class RooflineChart
{
    private static readonly Color[] Palette = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple, Colors.Brown, Colors.DarkCyan];

    /// <summary>Builds the chart for one or more devices and a set of operator points.</summary>
    public static Plot Build(IReadOnlyList<HardwareProfile> devices, IReadOnlyList<RooflinePoint> points, string title)
    {
        var plt = new Plot();
        double xMin = -1, xMax = 5; // 0.1 .. 100k FLOP/byte
        double minPerf = double.MaxValue, maxPerf = 0;
        for (int di = 0; di < devices.Count; di++)
        {
            var dev = devices[di];
            var color = Palette[di % Palette.Length];
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
                var label = plt.Add.Text($"{(devices.Count > 1 ? dev.Name + " " : "")}{type} {Core.Units.Format.Flops(peak)}", xMax - 0.05, Math.Log10(peak));
                label.LabelFontColor = color;
                label.LabelFontSize = 12;
                label.LabelAlignment = Alignment.LowerRight;
                var ridgeMark = plt.Add.Marker(Math.Log10(ridge), Math.Log10(peak), MarkerShape.OpenCircle, 8, color);
                _ = ridgeMark;
                minPerf = Math.Min(minPerf, peak);
                pi++;
            }
            maxPerf = Math.Max(maxPerf, top);
            minPerf = Math.Min(minPerf, bw * Math.Pow(10, xMin));
        }

        var seriesNames = points.Select(p => p.Series).Distinct().ToList();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];
        for (int si = 0; si < seriesNames.Count; si++)
        {
            var pts = points.Where(p => p.Series == seriesNames[si] && p.IntensityFlopsPerByte > 0 && p.AttainedFlopsPerSecond > 0).ToList();
            if (pts.Count == 0) continue;
            var markers = plt.Add.Markers(pts.Select(p => Math.Log10(p.IntensityFlopsPerByte)).ToArray(), pts.Select(p => Math.Log10(p.AttainedFlopsPerSecond)).ToArray(),
                shapes[si % shapes.Length], 9, Palette[(si + 3) % Palette.Length]);
            markers.LegendText = seriesNames[si];
            foreach (var p in pts)
            {
                var t = plt.Add.Text(p.Label, Math.Log10(p.IntensityFlopsPerByte), Math.Log10(p.AttainedFlopsPerSecond));
                t.LabelFontSize = 10;
                t.LabelOffsetX = 6;
                t.LabelOffsetY = -6;
                t.LabelFontColor = Colors.Black.WithAlpha(0.8);
            }
            minPerf = Math.Min(minPerf, pts.Min(p => p.AttainedFlopsPerSecond));
        }

        ChartFile.LogAxis(plt.Axes.Bottom, ChartFile.Engineering);
        ChartFile.LogAxis(plt.Axes.Left, v => ChartFile.Engineering(v));
        plt.Axes.SetLimits(xMin, xMax, Math.Floor(Math.Log10(minPerf)) - 0.2, Math.Log10(maxPerf) + 0.4);
        plt.XLabel("Arithmetic intensity (FLOP/byte)");
        plt.YLabel("Attainable performance (FLOP/s)");
        plt.Title(title);
        plt.ShowLegend(Alignment.LowerRight);
        return plt;
    }

    /// <summary>Operator points of a cost-model step: intensity, and attained FLOP/s = FLOPs / modelled time.</summary>
    public static IEnumerable<RooflinePoint> Points(ReadOnlySpan<OperatorCost> ops, string series)
    {
        var list = new List<RooflinePoint>();
        foreach (var o in ops)
        {
            if (o.Kind == OpKind.Communication || o.Flops <= 0 || o.Bytes <= 0) continue;
            list.Add(new RooflinePoint(o.Name, o.Intensity, o.Flops / o.Seconds, series));
        }
        return list;
    }
}
