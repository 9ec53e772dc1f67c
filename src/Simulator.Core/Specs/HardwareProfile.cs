namespace Simulator.Core.Specs;

/// <summary>What kind of device a profile describes.</summary>
public enum DeviceKind { Gpu, Fpga, Npu, Cpu, Tpu }

/// <summary>One level of a device's memory hierarchy. The last level of a profile is main memory.</summary>
/// <param name="BandwidthBytesPerSecond">NaN where no public figure exists (on-chip levels only).</param>
public sealed record MemoryLevel(string Name, double CapacityBytes, double BandwidthBytesPerSecond)
{
    /// <summary>The capacity as the profile writes it, which is as the datasheet states it ("80 GB", "8 GiB"); null when built in code.</summary>
    public string? CapacityText { get; init; }
}

/// <summary>Names of the interconnect profiles a device attaches to (null where it has none).</summary>
public sealed record InterconnectRefs(string? IntraNode, string? InterNode, string? Host);

/// <summary>Where a price comes from, so the output can say which prices are assumptions.</summary>
public enum PriceKind
{
    /// <summary>The profile gives the figure without saying what kind of price it is (read its source).</summary>
    Unstated,
    /// <summary>A published list price: vendor MSRP or recommended price, or a cloud provider's on-demand rate card.</summary>
    List,
    /// <summary>A widely reported market (street) price, not a list price.</summary>
    Street,
    /// <summary>Derived or estimated (a system price divided by its GPUs, a comparable part's price); the profile says how.</summary>
    Assumption,
    /// <summary>Given on the command line (--price, --purchase-price) for this run.</summary>
    User,
}

/// <summary>One price figure with its provenance.</summary>
/// <param name="Date">When the figure was published or read (year-month), as the profile states it.</param>
public sealed record PriceQuote(double Usd, PriceKind Kind, string? Date, string? Source)
{
    /// <summary>"list 2025-01", "assumption 2024-06", "user" ...: what a table shows beside the figure.</summary>
    public string Provenance => Kind.ToString().ToLowerInvariant() + (Date is null ? "" : " " + Date);
}

/// <summary>Price of a device: purchase (USD) and on-demand rental (USD per device-hour); NaN where unknown.</summary>
public sealed record Price(double PurchaseUsd, double HourlyUsd)
{
    /// <summary>The purchase figure with its kind, date and source (null when unknown).</summary>
    public PriceQuote? Purchase { get; init; }
    /// <summary>The hourly figure with its kind, date and source (null when unknown).</summary>
    public PriceQuote? Hourly { get; init; }

    /// <summary>A price built from quotes (either may be null).</summary>
    public static Price Of(PriceQuote? purchase, PriceQuote? hourly) =>
        new(purchase?.Usd ?? double.NaN, hourly?.Usd ?? double.NaN) { Purchase = purchase, Hourly = hourly };
}

/// <summary>Fractions of datasheet peak that large, well-shaped kernels reach. Used when no calibration exists.</summary>
public sealed record Efficiency(double Compute, double Memory);

/// <summary>
/// A device: peak dense throughput per data type, memory hierarchy, links, power, price and overhead.
/// Immutable, validated at load; all quantities in SI base units (prices in USD and USD/h).
/// </summary>
public sealed record HardwareProfile
{
    public required string Name { get; init; }
    public required string DisplayName { get; init; }
    public required DeviceKind Kind { get; init; }
    public required string Vendor { get; init; }
    public required string Source { get; init; }
    /// <summary>Dense peak operations per second for each data type the device has.</summary>
    public required IReadOnlyDictionary<DataType, double> PeakOpsPerSecond { get; init; }
    /// <summary>Memory levels, smallest/closest first; the last is main memory.</summary>
    public required IReadOnlyList<MemoryLevel> Memory { get; init; }
    public required InterconnectRefs Interconnects { get; init; }
    public required double PowerWatts { get; init; }
    /// <summary>Idle power; NaN when the profile gives none (consumers use a documented default).</summary>
    public double IdlePowerWatts { get; init; } = double.NaN;
    public Price Price { get; init; } = new(double.NaN, double.NaN);
    public required double LaunchOverheadSeconds { get; init; }
    /// <summary>Efficiency override from the profile; null means the per-kind default applies.</summary>
    public Efficiency? Efficiency { get; init; }
    /// <summary>Absolute path of a calibration file the profile references, if any.</summary>
    public string? CalibrationPath { get; init; }
    public string? Notes { get; init; }
    /// <summary>The file it was loaded from (for messages).</summary>
    public string? FilePath { get; init; }

    /// <summary>Lines of fields checked after loading (interconnect names), keyed by field path, for messages.</summary>
    public IReadOnlyDictionary<string, int> FieldLines { get; init; } = new Dictionary<string, int>();

    /// <summary>Main memory: the last level.</summary>
    public MemoryLevel MainMemory => Memory[^1];

    /// <summary>Main memory capacity in bytes.</summary>
    public double MemoryCapacityBytes => MainMemory.CapacityBytes;

    /// <summary>Main memory bandwidth in bytes per second.</summary>
    public double MemoryBandwidthBytesPerSecond => MainMemory.BandwidthBytesPerSecond;

    /// <summary>Whether the device has native support for a data type.</summary>
    public bool Supports(DataType type) => PeakOpsPerSecond.ContainsKey(type);
}
