using Simulator.Core.Units;

namespace Simulator.Core.Loading;

/// <summary>Shared range checks for quantities read from files.</summary>
internal static class QuantityChecks
{
    /// <summary>Parses and checks a quantity: a unit of the right kind, finite, positive (or zero when allowed), not absurd.</summary>
    public static double? Check(IFieldReader reader, string key, string text, QuantityKind kind, double max, bool allowZero)
    {
        if (!UnitParser.TryParse(text, kind, out double v, out string error))
        {
            if (text.Trim().ToLowerInvariant() is "nan" or ".nan" or "inf" or ".inf")
                error = $"'{text}' is not a number";
            reader.Error(key, error);
            return null;
        }
        if (v < 0 || (v == 0 && !allowZero))
        {
            reader.Error(key, $"must be positive, got '{text}'");
            return null;
        }
        if (v > max)
        {
            reader.Error(key, $"'{text}' is implausibly large for this field");
            return null;
        }
        return v;
    }

    /// <summary>Upper bounds that catch typos (10^30 bytes) without rejecting any real machine.</summary>
    public const double MaxBytes = 1e15;             // 1 PB of device memory
    public const double MaxBandwidth = 1e15;         // 1 PB/s
    public const double MaxThroughput = 1e18;        // 1 EFLOP/s for one device
    public const double MaxLatency = 1.0;            // 1 s for a link or a launch
    public const double MaxPower = 1e5;              // 100 kW for one device
    public const double MaxPurchase = 1e8;           // USD
    public const double MaxHourly = 1e4;             // USD/h
}
