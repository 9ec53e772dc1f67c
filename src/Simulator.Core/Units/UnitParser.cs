using System.Globalization;
using System.Text.RegularExpressions;

namespace Simulator.Core.Units;

/// <summary>
/// Parses quantities written with units (<c>3.35 TB/s</c>, <c>80 GiB</c>, <c>989 TFLOP/s</c>) into SI base
/// units (bytes, bytes/s, operations/s, seconds, watts, USD); hourly prices stay in USD/h because that is how
/// every price list states them. Decimal prefixes (k, M, G, T, P) are powers of 1000,
/// binary prefixes (Ki, Mi, Gi, Ti) powers of 1024; the two are never confused.
/// </summary>
public static partial class UnitParser
{
    private const double Ki = 1024.0;

    private static readonly Dictionary<QuantityKind, Dictionary<string, double>> Units = new()
    {
        [QuantityKind.Bytes] = new(StringComparer.Ordinal)
        {
            ["B"] = 1, ["kB"] = 1e3, ["KB"] = 1e3, ["MB"] = 1e6, ["GB"] = 1e9, ["TB"] = 1e12, ["PB"] = 1e15,
            ["KiB"] = Ki, ["MiB"] = Ki * Ki, ["GiB"] = Ki * Ki * Ki, ["TiB"] = Ki * Ki * Ki * Ki,
        },
        [QuantityKind.Bandwidth] = new(StringComparer.Ordinal)
        {
            ["B/s"] = 1, ["kB/s"] = 1e3, ["KB/s"] = 1e3, ["MB/s"] = 1e6, ["GB/s"] = 1e9, ["TB/s"] = 1e12, ["PB/s"] = 1e15,
            ["KiB/s"] = Ki, ["MiB/s"] = Ki * Ki, ["GiB/s"] = Ki * Ki * Ki, ["TiB/s"] = Ki * Ki * Ki * Ki,
            ["Mbit/s"] = 1e6 / 8, ["Gbit/s"] = 1e9 / 8, ["Tbit/s"] = 1e12 / 8,
            ["Mb/s"] = 1e6 / 8, ["Gb/s"] = 1e9 / 8, ["Tb/s"] = 1e12 / 8, ["Gbps"] = 1e9 / 8, ["Tbps"] = 1e12 / 8,
            ["GT/s"] = double.NaN, // recognised only to give a clear message: transfers are not bytes
        },
        [QuantityKind.Throughput] = new(StringComparer.Ordinal)
        {
            ["FLOP/s"] = 1, ["GFLOP/s"] = 1e9, ["TFLOP/s"] = 1e12, ["PFLOP/s"] = 1e15,
            ["FLOPS"] = 1, ["GFLOPS"] = 1e9, ["TFLOPS"] = 1e12, ["PFLOPS"] = 1e15,
            ["OP/s"] = 1, ["GOP/s"] = 1e9, ["TOP/s"] = 1e12, ["POP/s"] = 1e15,
            ["OPS"] = 1, ["GOPS"] = 1e9, ["TOPS"] = 1e12, ["POPS"] = 1e15,
        },
        [QuantityKind.Time] = new(StringComparer.Ordinal)
        {
            ["ns"] = 1e-9, ["us"] = 1e-6, ["µs"] = 1e-6, ["ms"] = 1e-3, ["s"] = 1, ["sec"] = 1, ["min"] = 60, ["h"] = 3600,
            ["d"] = 86400, ["day"] = 86400, ["days"] = 86400, ["week"] = 7 * 86400, ["weeks"] = 7 * 86400,
            // A year is 365.25 days and a month a twelfth of it (the Julian year), so 3 years = 36 months exactly.
            ["month"] = 365.25 * 86400 / 12, ["months"] = 365.25 * 86400 / 12, ["y"] = 365.25 * 86400, ["year"] = 365.25 * 86400, ["years"] = 365.25 * 86400,
        },
        [QuantityKind.Power] = new(StringComparer.Ordinal) { ["mW"] = 1e-3, ["W"] = 1, ["kW"] = 1e3, ["MW"] = 1e6 },
        [QuantityKind.Money] = new(StringComparer.Ordinal) { ["USD"] = 1, ["kUSD"] = 1e3 },
        [QuantityKind.MoneyPerHour] = new(StringComparer.Ordinal) { ["USD/h"] = 1, ["USD/hour"] = 1, ["USD/hr"] = 1 },
        [QuantityKind.EnergyPrice] = new(StringComparer.Ordinal) { ["USD/kWh"] = 1, ["USD/MWh"] = 1e-3 },
        [QuantityKind.HostingPrice] = new(StringComparer.Ordinal) { ["USD/kW/month"] = 1, ["USD/kW-month"] = 1, ["USD/kW/mo"] = 1 },
    };

    private static readonly Dictionary<QuantityKind, string> Examples = new()
    {
        [QuantityKind.Bytes] = "80 GiB",
        [QuantityKind.Bandwidth] = "3.35 TB/s",
        [QuantityKind.Throughput] = "989 TFLOP/s",
        [QuantityKind.Time] = "5 us",
        [QuantityKind.Power] = "700 W",
        [QuantityKind.Money] = "30000 USD",
        [QuantityKind.MoneyPerHour] = "2.50 USD/h",
        [QuantityKind.EnergyPrice] = "0.08 USD/kWh",
        [QuantityKind.HostingPrice] = "150 USD/kW/month",
    };

    /// <summary>An example of a well-written quantity of this kind, for error messages.</summary>
    public static string Example(QuantityKind kind) => Examples[kind];

    [GeneratedRegex(@"^\s*(?<num>[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)\s*(?<unit>\S.*?)?\s*$")]
    private static partial Regex QuantityPattern();

    /// <summary>Parses <paramref name="text"/> as a quantity of <paramref name="kind"/>.</summary>
    /// <returns>The value in SI base units (USD/h for <see cref="QuantityKind.MoneyPerHour"/>), or an error message.</returns>
    public static bool TryParse(string? text, QuantityKind kind, out double value, out string error)
    {
        value = double.NaN;
        error = "";
        string example = Examples[kind];
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"expected a {Describe(kind)} with a unit, such as '{example}', but the value is empty";
            return false;
        }
        var match = QuantityPattern().Match(text);
        if (!match.Success)
        {
            error = $"expected a number with a unit, such as '{example}', got '{text}'";
            return false;
        }
        double number = double.Parse(match.Groups["num"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        string unit = match.Groups["unit"].Success ? match.Groups["unit"].Value.Trim() : "";
        if (unit.Length == 0)
        {
            error = NoUnit(text.Trim(), number, kind);
            return false;
        }
        if (!Units[kind].TryGetValue(unit, out double factor))
        {
            var otherKind = KindOfUnit(unit);
            error = otherKind is { } other && other != kind
                ? $"'{text}' is a {Describe(other)}, but a {Describe(kind)} is expected here (such as '{example}')"
                : $"unknown unit '{unit}' in '{text}'; a {Describe(kind)} takes one of: {string.Join(", ", Units[kind].Keys.Where(k => !double.IsNaN(Units[kind][k])))}";
            if (unit is "kb" or "mb" or "gb" or "tb" or "Kb")
                error = $"'{text}': '{unit}' is ambiguous (bits or bytes?); write kB, MB, GB, TB for bytes or KiB, MiB, GiB for binary sizes";
            return false;
        }
        if (double.IsNaN(factor))
        {
            error = $"'{text}': '{unit}' counts transfers, not bytes; give the bandwidth in GB/s";
            return false;
        }
        value = number * factor;
        if (double.IsInfinity(value))
        {
            error = $"'{text}' is too large";
            return false;
        }
        return true;
    }

    /// <summary>
    /// The message for a bare number where a quantity is expected, naming the unit with the number written two ways:
    /// <c>'200' has no unit; write '200 ms' or '0.2 s'</c>.
    /// </summary>
    public static string NoUnit(string text, double number, QuantityKind kind)
    {
        string n = number.ToString("R", CultureInfo.InvariantCulture);
        string k = (number / 1000).ToString("R", CultureInfo.InvariantCulture);
        string hint = kind switch
        {
            QuantityKind.Time => $"'{n} ms' or '{k} s'",
            QuantityKind.Power => $"'{n} W' or '{k} kW'",
            QuantityKind.Bytes => $"'{n} GB' or '{n} GiB'",
            QuantityKind.Bandwidth => $"'{n} GB/s' or '{n} Gbit/s'",
            QuantityKind.Throughput => $"'{n} TFLOP/s' or '{n} TOPS'",
            QuantityKind.Money => $"'{n} USD'",
            QuantityKind.MoneyPerHour => $"'{n} USD/h'",
            QuantityKind.EnergyPrice => $"'{n} USD/kWh'",
            QuantityKind.HostingPrice => $"'{n} USD/kW/month'",
            _ => $"'{n} {Units[kind].Keys.First()}'",
        };
        return $"'{text}' has no unit; write {hint} (a {Describe(kind)})";
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for code and tests, not for user files.</summary>
    public static double Parse(string text, QuantityKind kind) =>
        TryParse(text, kind, out double value, out string error) ? value : throw new FormatException(error);

    /// <summary>Which kind a unit belongs to, if any.</summary>
    public static QuantityKind? KindOfUnit(string unit)
    {
        foreach (var (kind, table) in Units)
            if (table.ContainsKey(unit))
                return kind;
        return null;
    }

    /// <summary>A plain-words name of a kind of quantity.</summary>
    public static string Describe(QuantityKind kind) => kind switch
    {
        QuantityKind.Bytes => "size in bytes",
        QuantityKind.Bandwidth => "bandwidth",
        QuantityKind.Throughput => "throughput",
        QuantityKind.Time => "time",
        QuantityKind.Power => "power",
        QuantityKind.Money => "price",
        QuantityKind.MoneyPerHour => "hourly price",
        QuantityKind.EnergyPrice => "price of energy",
        QuantityKind.HostingPrice => "hosting price per kW per month",
        _ => kind.ToString(),
    };
}
