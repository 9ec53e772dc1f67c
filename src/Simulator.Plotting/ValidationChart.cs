using System.Globalization;
using ScottPlot;

namespace Simulator.Plotting;

/// <summary>One measured row and the model's prediction for the same work.</summary>
/// <param name="Family">Benchmark family (gemm, membw, launch, allreduce, attention, layer, e2e, ...).</param>
/// <param name="Device">Hardware profile the row was predicted on.</param>
/// <param name="Measured">Measured value, in the row's own unit (seconds, TFLOP/s, GB/s, tokens/s).</param>
/// <param name="Predicted">Predicted value in the same unit.</param>
public sealed record ValidationPoint(string Family, string Device, double Measured, double Predicted)
{
    /// <summary>(predicted − measured) / measured, in percent, as <c>llmsim validate</c> reports it.</summary>
    public double SignedPctError => (Predicted - Measured) / Measured * 100;
}

/// <summary>
/// Signed error of every prediction, one row per benchmark family: each row is a strip of points, one colour and
/// marker per device (devices side by side within the row), on a ratio scale (log of predicted / measured) whose
/// ticks read as signed percent, so that halving (−50%) and doubling (+100%) sit at equal distances from zero.
/// The error is unitless, so families measured in seconds, TFLOP/s, GB/s and tokens/s share the axis; a positive
/// error on a throughput row means the model predicts more throughput than measured. A shaded band marks ±10%,
/// and each row is annotated with its count and median absolute error.
/// </summary>
public static class ValidationChart
{
    /// <summary>Families in display order, top to bottom; others follow in ordinal order. Absent families get no row.</summary>
    public static readonly IReadOnlyList<string> FamilyOrder = ["gemm", "membw", "launch", "allreduce", "attention", "layer", "e2e"];

    /// <summary>Device colours, in ordinal order of device names.</summary>
    public static readonly IReadOnlyList<Color> DeviceColors = new ScottPlot.Palettes.Category10().Colors;

    /// <summary>Fewest rows of a device in a family for its median to be marked.</summary>
    public const int MedianMinRows = 5;

    /// <summary>Device marker shapes (see <see cref="DeviceShape"/>).</summary>
    public static readonly IReadOnlyList<MarkerShape> DeviceShapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];

    // Tick candidates in percent; their ratios are roughly symmetric on the log scale (−50 | +100, −75 | +300, −90 | +900).
    private static readonly double[] TickPercents = [-99, -95, -90, -75, -50, -25, -10, -5, 0, 5, 10, 25, 50, 100, 200, 300, 500, 900, 1900, 9900];

    /// <summary>Builds the chart. Rows whose measured or predicted value is not positive are left out.</summary>
    public static Plot Build(IReadOnlyList<ValidationPoint> points, string title)
    {
        var plt = new Plot();
        var valid = points.Where(p => p.Measured > 0 && p.Predicted > 0 && double.IsFinite(p.Measured) && double.IsFinite(p.Predicted)).ToList();
        var families = Families(valid);
        var devices = valid.Select(p => p.Device).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        double lo = valid.Count == 0 ? -0.1 : Math.Min(-0.1, valid.Min(Log)), hi = valid.Count == 0 ? 0.1 : Math.Max(0.1, valid.Max(Log));
        double pad = (hi - lo) * 0.04;
        double xMin = lo - pad, xMax = hi + pad;
        // Room on the right for the row annotations.
        double xRight = xMax + (xMax - xMin) * 0.22;

        var tenPercent = plt.Add.HorizontalSpan(Math.Log10(1 / 1.1), Math.Log10(1.1));
        tenPercent.FillColor = Colors.Gray.WithAlpha(0.15);
        tenPercent.LineColor = Colors.Transparent;
        tenPercent.LegendText = "±10%";
        var zero = plt.Add.VerticalLine(0, 1.5f, Colors.Black);
        zero.LegendText = "no error";

        int rows = families.Count;
        // Row r (0 = top) is centred at y = rows − 1 − r. The devices present in a row share it in sub-bands, in
        // device order from the top, and their points are spread (deterministically) within their sub-band.
        var inRow = families.Select(f => devices.Where(d => valid.Any(p => p.Family == f && p.Device == d)).ToList()).ToList();
        double Centre(int r, string device)
        {
            double band = 0.8 / inRow[r].Count;
            return rows - 1 - r + 0.4 - band * (inRow[r].IndexOf(device) + 0.5);
        }
        for (int di = 0; di < devices.Count; di++)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int r = 0; r < rows; r++)
            {
                var mine = valid.Where(p => p.Family == families[r] && p.Device == devices[di]).ToList();
                if (mine.Count == 0) continue;
                double centre = Centre(r, devices[di]), subBand = 0.8 / inRow[r].Count;
                for (int i = 0; i < mine.Count; i++)
                {
                    xs.Add(Log(mine[i]));
                    ys.Add(centre + subBand * 0.7 * (Jitter(i) - 0.5));
                }
            }
            var m = plt.Add.Markers(xs.ToArray(), ys.ToArray(), DeviceShape(di), 5, DeviceColors[di % DeviceColors.Count].WithAlpha(0.6));
            m.LegendText = $"{devices[di]} ({xs.Count:N0} rows)";
        }
        // Each device's median error in each row where it has at least MedianMinRows rows, as a black tick across its sub-band.
        var medianX = new List<double>();
        var medianY = new List<double>();
        double smallestBand = 1.0;
        for (int r = 0; r < rows; r++)
            foreach (var device in inRow[r])
            {
                var logs = valid.Where(p => p.Family == families[r] && p.Device == device).Select(Log).ToArray();
                if (logs.Length < MedianMinRows) continue;
                medianX.Add(Quantile(logs, 0.5));
                medianY.Add(Centre(r, device));
                smallestBand = Math.Min(smallestBand, 0.8 / inRow[r].Count);
            }
        if (medianX.Count > 0)
        {
            // Marker size in pixels: the sub-band's share of the data area's height (about 560 px at 1200 x 800).
            var med = plt.Add.Markers(medianX.ToArray(), medianY.ToArray(), MarkerShape.VerticalBar, (float)Math.Clamp(560.0 / Math.Max(1, rows) * smallestBand, 8, 40), Colors.Black);
            med.MarkerLineWidth = 3;
            // A legend entry of its own, so the legend row keeps the usual height whatever the tick's size.
            plt.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"median per device (≥ {MedianMinRows} rows)",
                MarkerShape = MarkerShape.VerticalBar,
                MarkerSize = 12,
                MarkerLineWidth = 3,
                MarkerLineColor = Colors.Black,
                MarkerFillColor = Colors.Black,
            });
        }

        // Separators between rows, and each row's count and median |error| at the right.
        for (int r = 0; r < rows; r++)
        {
            double y = rows - 1 - r;
            if (r > 0)
            {
                var sep = plt.Add.HorizontalLine(y + 0.5, 1, Colors.Gray.WithAlpha(0.5));
                sep.ExcludeFromLegend = true;
            }
            var abs = valid.Where(p => p.Family == families[r]).Select(p => Math.Abs(p.SignedPctError)).ToArray();
            var signed = valid.Where(p => p.Family == families[r]).Select(p => p.SignedPctError).ToArray();
            var t = plt.Add.Text($"{abs.Length:N0} rows\nmedian |err| {Quantile(abs, 0.5).ToString("0.0", CultureInfo.InvariantCulture)}%\nbias {Quantile(signed, 0.5).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)}%",
                xMax + (xMax - xMin) * 0.015, y);
            t.LabelFontSize = 11;
            t.LabelAlignment = Alignment.MiddleLeft;
            t.LabelFontColor = Colors.Black.WithAlpha(0.8);
        }

        var left = new ScottPlot.TickGenerators.NumericManual();
        for (int r = 0; r < rows; r++) left.AddMajor(rows - 1 - r, families[r]);
        plt.Axes.Left.TickGenerator = left;
        plt.Axes.Left.MajorTickStyle.Length = 0;
        plt.Axes.Left.TickLabelStyle.FontSize = 14;
        plt.Axes.Left.TickLabelStyle.Bold = true;
        var bottom = new ScottPlot.TickGenerators.NumericManual();
        foreach (var (x, label) in Ticks(xMin, xMax)) bottom.AddMajor(x, label);
        plt.Axes.Bottom.TickGenerator = bottom;
        plt.Grid.YAxisStyle.IsVisible = false;
        plt.Axes.SetLimits(xMin, xRight, -0.55, Math.Max(rows, 1) - 0.45);
        plt.XLabel("Signed error, (predicted − measured) / measured; ratio scale: −50% and +100% equally far from 0");
        plt.YLabel("Benchmark family");
        plt.Title(title);
        plt.ShowLegend(Edge.Top);
        return plt;
    }

    /// <summary>
    /// Marker of the device at <paramref name="index"/> (ordinal order of names). Colours repeat every
    /// <see cref="DeviceColors"/>.Count devices; the shape moves on by one each time they do, so no two of the first
    /// colours × shapes devices look alike.
    /// </summary>
    public static MarkerShape DeviceShape(int index) => DeviceShapes[(index + index / DeviceColors.Count) % DeviceShapes.Count];

    /// <summary>The families present, in <see cref="FamilyOrder"/> and then ordinal order.</summary>
    public static IReadOnlyList<string> Families(IEnumerable<ValidationPoint> points)
    {
        var present = points.Select(p => p.Family).Distinct(StringComparer.Ordinal).ToList();
        return FamilyOrder.Where(present.Contains).Concat(present.Where(f => !FamilyOrder.Contains(f)).Order(StringComparer.Ordinal)).ToList();
    }

    private static double Log(ValidationPoint p) => Math.Log10(p.Predicted / p.Measured);

    /// <summary>Deterministic spread in [0, 1): the golden-ratio sequence, even for any prefix.</summary>
    private static double Jitter(int i) => i * 0.6180339887498949 % 1.0;

    /// <summary>Signed-percent ticks within the range, thinned so neighbours are at least an eighteenth of the range apart.</summary>
    private static List<(double X, string Label)> Ticks(double xMin, double xMax)
    {
        double minGap = (xMax - xMin) / 18;
        var candidates = TickPercents.Select(p => (X: Math.Log10(1 + p / 100), Pct: p)).Where(t => t.X >= xMin && t.X <= xMax).ToList();
        var kept = new List<(double X, double Pct)> { (0, 0) };
        foreach (var t in candidates.Where(t => t.Pct > 0).OrderBy(t => t.X))
            if (t.X - kept.Where(k => k.Pct >= 0).Max(k => k.X) >= minGap) kept.Add(t);
        foreach (var t in candidates.Where(t => t.Pct < 0).OrderByDescending(t => t.X))
            if (kept.Where(k => k.Pct <= 0).Min(k => k.X) - t.X >= minGap) kept.Add(t);
        return kept.OrderBy(k => k.X).Select(k => (k.X, k.Pct == 0 ? "0" : k.Pct.ToString("+0;−0", CultureInfo.InvariantCulture) + "%")).ToList();
    }

    /// <summary>The type-7 quantile <c>llmsim validate</c> summarises with (<see cref="Core.Statistics.Quantile"/>).</summary>
    private static double Quantile(double[] values, double q) => Core.Statistics.Quantile.Of(values, q);
}
