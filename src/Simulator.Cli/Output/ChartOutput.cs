using Simulator.Plotting;

namespace Simulator.Cli.Output;

/// <summary>The one place the CLI writes charts: PNG or SVG by extension, atomically, errors as exit code 2.</summary>
public static class ChartOutput
{
    /// <summary>Saves <paramref name="chart"/> to <paramref name="path"/> (.png or .svg).</summary>
    public static void Save(ScottPlot.Plot chart, string path, string option = "--plot")
    {
        try { OutputFile.WriteVia(path, option, temp => ChartFile.Save(chart, temp)); }
        catch (ArgumentException e) { throw new CliException($"{option}: {e.Message}"); }
    }
}
