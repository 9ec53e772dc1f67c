using ScottPlot;

namespace Simulator.Plotting;

/// <summary>Saves a plot as PNG or SVG by the file's extension.</summary>
public static class ChartFile
{
    /// <summary>Default image width in pixels.</summary>
    public const int Width = 1200;

    /// <summary>Default image height in pixels.</summary>
    public const int Height = 800;

    /// <summary>Saves <paramref name="plot"/>; throws <see cref="ArgumentException"/> for other extensions.</summary>
    public static void Save(Plot plot, string path, int width = Width, int height = Height)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        switch (ext)
        {
            case ".png": plot.SavePng(path, width, height); break;
            case ".svg": File.WriteAllText(path, Svg(plot, width, height), new System.Text.UTF8Encoding(false)); break;
            default: throw new ArgumentException($"{path}: plots are written as .png or .svg, not '{ext}'");
        }
    }

    /// <summary>
    /// Renders to SVG text (for a file, or embedded in HTML). ScottPlot numbers clip paths from a process-wide counter
    /// ("cl_4d"); they are renumbered in order of appearance as <paramref name="idPrefix"/>0, 1, ..., so the same
    /// inputs give the same bytes. Give each chart of one HTML page its own prefix to keep the ids unique there.
    /// </summary>
    public static string Svg(Plot plot, int width = Width, int height = Height, string idPrefix = "clip")
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        return System.Text.RegularExpressions.Regex.Replace(plot.GetSvgXml(width, height), @"\bcl_[0-9a-fA-F]+\b", m =>
        {
            if (!map.TryGetValue(m.Value, out var id)) map[m.Value] = id = idPrefix + map.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return id;
        });
    }

    /// <summary>Log-10 axis labels: data are plotted as log10(value), ticks at whole powers with minor ticks between.</summary>
    public static void LogAxis(IAxis axis, Func<double, string> label)
    {
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => label(Math.Pow(10, v)),
        };
        axis.TickGenerator = ticks;
    }

    /// <summary>Compact engineering label: 1k, 10M, 1T, 0.1, 0.01.</summary>
    public static string Engineering(double v)
    {
        string[] units = ["", "k", "M", "G", "T", "P", "E"];
        if (v <= 0) return "0";
        if (v < 1)
        {
            string[] small = ["m", "µ", "n", "p"];
            int j = -1;
            while (v < 1 && j < small.Length - 1) { v *= 1000; j++; }
            return v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + small[j];
        }
        int i = 0;
        while (v >= 1000 && i < units.Length - 1) { v /= 1000; i++; }
        return v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + units[i];
    }
}
