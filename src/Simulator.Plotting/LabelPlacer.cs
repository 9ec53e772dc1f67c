using ScottPlot;

namespace Simulator.Plotting;

/// <summary>
/// Greedy placement of point labels so that they do not cover each other. The chart's pixel frame is estimated
/// from its axis limits and the default image size (<see cref="ChartFile.Width"/> × <see cref="ChartFile.Height"/>
/// less the axes' margins); every candidate position of a label is scored by the labels it would overlap (heavily),
/// the markers and other obstacles it would cover (lightly) and its distance from its point, and the cheapest wins.
/// Labels are placed in the order they are asked for, so the important ones should come first. Placed labels
/// are data-space anchors, so they stay next to their points at other image sizes; only their relative size changes.
/// </summary>
internal sealed class LabelPlacer
{
    /// <summary>A rectangle in estimated pixels, y upwards.</summary>
    internal readonly record struct Box(double Left, double Bottom, double Right, double Top)
    {
        public bool Overlaps(Box o) => Left < o.Right && o.Left < Right && Bottom < o.Top && o.Bottom < Top;
    }

    /// <summary>Where a label goes: its anchor in data units and how the text aligns to it.</summary>
    internal readonly record struct Placement(double X, double Y, Alignment Alignment, Box Box, bool Displaced);

    /// <summary>A candidate position: offset of the anchor from the point, in pixels, and the text's alignment to it.</summary>
    internal readonly record struct Candidate(double Dx, double Dy, Alignment Alignment);

    private const double LabelOverlapCost = 1000, OutsideCost = 500, ObstacleCost = 1, DistanceCost = 0.01;
    private readonly double _xMin, _yMin, _xScale, _yScale, _width, _height;
    private readonly List<Box> _labels = [];
    private readonly List<Box> _obstacles = [];

    /// <param name="widthPx">Estimated width of the data area in pixels.</param>
    /// <param name="heightPx">Estimated height of the data area in pixels.</param>
    public LabelPlacer(double xMin, double xMax, double yMin, double yMax, double widthPx = ChartFile.Width - 90, double heightPx = ChartFile.Height - 100)
    {
        _xMin = xMin;
        _yMin = yMin;
        _width = widthPx;
        _height = heightPx;
        _xScale = widthPx / (xMax - xMin);
        _yScale = heightPx / (yMax - yMin);
    }

    /// <summary>Text width in pixels (of its longest line): serif glyphs average about 0.6 of the font size.</summary>
    public static double TextWidth(string text, float fontSize) => text.Split('\n').Max(l => l.Length) * fontSize * 0.6 + 4;

    /// <summary>Height of one line of text in pixels, with line spacing.</summary>
    public static double TextHeight(float fontSize) => fontSize * 1.35 + 2;

    /// <summary>Height of <paramref name="text"/> in pixels, one line per '\n'-separated line.</summary>
    public static double TextHeight(string text, float fontSize) => text.Split('\n').Length * (fontSize * 1.35) + 2;

    public (double X, double Y) ToPixel(double x, double y) => ((x - _xMin) * _xScale, (y - _yMin) * _yScale);

    public (double X, double Y) ToData(double px, double py) => (px / _xScale + _xMin, py / _yScale + _yMin);

    /// <summary>Pixel distance between two data points (to merge labels of points that coincide).</summary>
    public double PixelDistance(double x1, double y1, double x2, double y2)
    {
        double dx = (x1 - x2) * _xScale, dy = (y1 - y2) * _yScale;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    /// <summary>Something labels should avoid covering, such as a marker (a square of <paramref name="sizePx"/> around a data point).</summary>
    public void AddObstacle(double x, double y, double sizePx)
    {
        var (px, py) = ToPixel(x, y);
        _obstacles.Add(new Box(px - sizePx / 2, py - sizePx / 2, px + sizePx / 2, py + sizePx / 2));
    }

    /// <summary>A line labels should rather not cross: small obstacles every few pixels along it (data coordinates).</summary>
    public void AddLineObstacle(double x1, double y1, double x2, double y2, double thicknessPx = 4)
    {
        var (p1x, p1y) = ToPixel(x1, y1);
        var (p2x, p2y) = ToPixel(x2, y2);
        int steps = Math.Max(1, (int)Math.Ceiling(Math.Sqrt((p2x - p1x) * (p2x - p1x) + (p2y - p1y) * (p2y - p1y)) / 6));
        for (int i = 0; i <= steps; i++)
        {
            double px = p1x + (p2x - p1x) * i / steps, py = p1y + (p2y - p1y) * i / steps;
            _obstacles.Add(new Box(px - thicknessPx / 2, py - thicknessPx / 2, px + thicknessPx / 2, py + thicknessPx / 2));
        }
    }

    /// <summary>A region labels should avoid, in pixels from the data area's lower-left corner (such as the legend).</summary>
    public void AddObstacle(Box box) => _obstacles.Add(box);

    /// <summary>Width and height of the estimated data area, in pixels.</summary>
    public (double Width, double Height) Frame => (_width, _height);

    /// <summary>Candidates around a point: right of it, then left, then above and below, each nudged up and down.</summary>
    public static IEnumerable<Candidate> AroundPoint(double gapPx, double stepPx, int steps)
    {
        yield return new Candidate(gapPx, 0, Alignment.MiddleLeft);
        yield return new Candidate(-gapPx, 0, Alignment.MiddleRight);
        yield return new Candidate(0, gapPx, Alignment.LowerCenter);
        yield return new Candidate(0, -gapPx, Alignment.UpperCenter);
        for (int k = 1; k <= steps; k++)
            foreach (int sign in new[] { 1, -1 })
            {
                yield return new Candidate(gapPx, sign * k * stepPx, Alignment.MiddleLeft);
                yield return new Candidate(-gapPx, sign * k * stepPx, Alignment.MiddleRight);
            }
    }

    /// <summary>Chooses the cheapest candidate for <paramref name="text"/> at data point (x, y) and reserves its box.</summary>
    public Placement Place(string text, double x, double y, float fontSize, IEnumerable<Candidate> candidates)
    {
        double w = TextWidth(text, fontSize), h = TextHeight(text, fontSize);
        var (px, py) = ToPixel(x, y);
        Placement? best = null;
        double bestCost = double.PositiveInfinity;
        bool first = true;
        foreach (var c in candidates)
        {
            double ax = px + c.Dx, ay = py + c.Dy;
            var box = BoxOf(ax, ay, w, h, c.Alignment);
            double cost = DistanceCost * Math.Sqrt(c.Dx * c.Dx + c.Dy * c.Dy);
            foreach (var l in _labels) if (l.Overlaps(box)) cost += LabelOverlapCost;
            foreach (var o in _obstacles) if (o.Overlaps(box)) cost += ObstacleCost;
            if (box.Left < 0 || box.Bottom < 0 || box.Right > _width || box.Top > _height) cost += OutsideCost;
            if (cost < bestCost)
            {
                var (dx, dy) = ToData(ax, ay);
                bestCost = cost;
                best = new Placement(dx, dy, c.Alignment, box, !first);
            }
            first = false;
        }
        if (best is not { } placed) throw new ArgumentException("no candidate positions", nameof(candidates));
        _labels.Add(placed.Box);
        return placed;
    }

    /// <summary>Adds the placed label to the plot, with a thin leader line when it had to move away from its point.</summary>
    public static ScottPlot.Plottables.Text Draw(Plot plt, Placement p, string text, double x, double y, float fontSize, Color color)
    {
        if (p.Displaced)
        {
            var leader = plt.Add.Line(x, y, p.X, p.Y);
            leader.Color = color.WithAlpha(0.45);
            leader.LineWidth = 1;
            leader.MarkerSize = 0;
        }
        var t = plt.Add.Text(text, p.X, p.Y);
        t.LabelFontSize = fontSize;
        t.LabelFontColor = color;
        t.LabelAlignment = p.Alignment;
        return t;
    }

    private static Box BoxOf(double ax, double ay, double w, double h, Alignment a)
    {
        double left = a switch
        {
            Alignment.UpperLeft or Alignment.MiddleLeft or Alignment.LowerLeft => ax,
            Alignment.UpperRight or Alignment.MiddleRight or Alignment.LowerRight => ax - w,
            _ => ax - w / 2,
        };
        double bottom = a switch
        {
            Alignment.LowerLeft or Alignment.LowerCenter or Alignment.LowerRight => ay,
            Alignment.UpperLeft or Alignment.UpperCenter or Alignment.UpperRight => ay - h,
            _ => ay - h / 2,
        };
        return new Box(left, bottom, left + w, bottom + h);
    }
}
