namespace Simulator.Core.Specs;

/// <summary>What kind of device a profile describes.</summary>
public enum DeviceKind { Gpu, Fpga, Npu, Cpu }

/// <summary>One level of a device's memory hierarchy. The last level of a profile is main memory.</summary>
/// <param name="BandwidthBytesPerSecond">NaN where no public figure exists (on-chip levels only).</param>
public sealed record MemoryLevel(string Name, double CapacityBytes, double BandwidthBytesPerSecond);

/// <summary>Names of the interconnect profiles a device attaches to (null where it has none).</summary>
public sealed record InterconnectRefs(string? IntraNode, string? InterNode, string? Host);

/// <summary>Price of a device: purchase (USD) and on-demand rental (USD per device-hour); NaN where unknown.</summary>
public sealed record Price(double PurchaseUsd, double HourlyUsd);

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

    /// <summary>Main memory: the last level.</summary>
    public MemoryLevel MainMemory => Memory[^1];

    /// <summary>Main memory capacity in bytes.</summary>
    public double MemoryCapacityBytes => MainMemory.CapacityBytes;

    /// <summary>Main memory bandwidth in bytes per second.</summary>
    public double MemoryBandwidthBytesPerSecond => MainMemory.BandwidthBytesPerSecond;

    /// <summary>Whether the device has native support for a data type.</summary>
    public bool Supports(DataType type) => PeakOpsPerSecond.ContainsKey(type);
}
