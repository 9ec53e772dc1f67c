using System.Globalization;

namespace Simulator.Core.Units;

/// <summary>Human-readable rendering of SI quantities for tables (never used for machine output).</summary>
public static class Format
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Bytes with a binary prefix for sizes of memory (GiB), e.g. "13.5 GiB".</summary>
    public static string Bytes(double bytes) => Scaled(bytes, 1024, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]);

    /// <summary>Bytes with a decimal prefix, as datasheets state memory (80 GB), e.g. "80 GB".</summary>
    public static string BytesDecimal(double bytes) => Scaled(bytes, 1000, ["B", "kB", "MB", "GB", "TB", "PB"]);

    /// <summary>Integer operations per second with a decimal prefix, e.g. "1979 TOPS".</summary>
    public static string Ops(double opsPerSecond) => Scaled(opsPerSecond, 1000, ["OPS", "kOPS", "MOPS", "GOPS", "TOPS", "POPS"]);

    /// <summary>Decimal bytes per second, e.g. "3.35 TB/s".</summary>
    public static string Bandwidth(double bytesPerSecond) => Scaled(bytesPerSecond, 1000, ["B/s", "kB/s", "MB/s", "GB/s", "TB/s", "PB/s"]);

    /// <summary>FLOP/s with a decimal prefix, e.g. "989 TFLOP/s".</summary>
    public static string Flops(double flopsPerSecond) => Scaled(flopsPerSecond, 1000, ["FLOP/s", "kFLOP/s", "MFLOP/s", "GFLOP/s", "TFLOP/s", "PFLOP/s", "EFLOP/s"]);

    /// <summary>A FLOP count with a decimal prefix, e.g. "16.1 GFLOP".</summary>
    public static string FlopCount(double flops) => Scaled(flops, 1000, ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP", "EFLOP"]);

    /// <summary>A count with a decimal suffix, e.g. "6.74B".</summary>
    public static string Count(double n) => Scaled(n, 1000, ["", "K", "M", "B", "T"]).Replace(" ", "");

    /// <summary>Seconds rendered in the most readable unit, e.g. "12.3 ms".</summary>
    public static string Seconds(double s)
    {
        if (double.IsNaN(s)) return "n/a";
        if (double.IsPositiveInfinity(s)) return "inf";
        double a = Math.Abs(s);
        if (a == 0) return "0 s";
        if (a < 1e-6) return (s * 1e9).ToString("0.##", Inv) + " ns";
        if (a < 1e-3) return (s * 1e6).ToString("0.##", Inv) + " us";
        if (a < 1) return (s * 1e3).ToString("0.##", Inv) + " ms";
        return s.ToString("0.###", Inv) + " s";
    }

    private static string Scaled(double value, double step, string[] units)
    {
        if (double.IsNaN(value)) return "n/a";
        int i = 0;
        double v = value;
        while (Math.Abs(v) >= step && i < units.Length - 1) { v /= step; i++; }
        string number = Math.Abs(v) >= 100 ? v.ToString("0", Inv) : Math.Abs(v) >= 10 ? v.ToString("0.#", Inv) : v.ToString("0.##", Inv);
        return units[i].Length == 0 ? number : number + " " + units[i];
    }
}
