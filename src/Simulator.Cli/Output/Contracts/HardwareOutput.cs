using System.ComponentModel;

namespace Simulator.Cli.Output.Contracts;

/// <summary>One row of <c>llmsim hardware list --format json</c> (an array of these).</summary>
public sealed record HardwareListRow(string Name, [property: Description("gpu, fpga, npu, tpu or cpu")] string Kind, string DisplayName, double? MemoryBytes, double? BandwidthBytesPerSecond,
    double? Bf16FlopsPerSecond, double? Fp8FlopsPerSecond, double? Int8OpsPerSecond, double? PowerWatts, double? HourlyUsd, double? PurchaseUsd,
    [property: Description("How each price was obtained, e.g. 'hourly list 2026-09, purchase street 2023-08'; '-' when none")] string PriceKinds);

/// <summary><c>llmsim hardware show DEVICE --format json</c>.</summary>
public sealed record HardwareShowOutput(
    string Name,
    string DisplayName,
    string Kind,
    string Vendor,
    [property: Description("Dense peak per data type, FLOP/s (OP/s for integer types)")] IReadOnlyDictionary<string, double?> PeakOpsPerSecond,
    [property: Description("Memory levels, main memory last")] IReadOnlyList<MemoryLevelOutput> Memory,
    LinksOutput Interconnects,
    double PowerWatts,
    double? IdlePowerWatts,
    double? PurchaseUsd,
    PriceQuoteOutput? PurchasePrice,
    double? HourlyUsd,
    PriceQuoteOutput? HourlyPrice,
    double LaunchOverheadSeconds,
    double? RidgePointFlopsPerByte,
    string Source);

/// <summary>One memory level.</summary>
public sealed record MemoryLevelOutput(string Name, double CapacityBytes, double? BandwidthBytesPerSecond);

/// <summary>The interconnects a device attaches to, by name.</summary>
public sealed record LinksOutput(string? IntraNode, string? InterNode, string? Host);

/// <summary>A price with its kind (list, street, assumption), date and source.</summary>
public sealed record PriceQuoteOutput(double Usd, string Kind, string? Date, string? Source);

/// <summary><c>llmsim hardware show INTERCONNECT --format json</c>.</summary>
public sealed record InterconnectShowOutput(string Name, string DisplayName, double BandwidthBytesPerSecond, double LatencySeconds, string Topology, string Source);

/// <summary><c>llmsim hardware show CLUSTER --format json</c>.</summary>
public sealed record ClusterShowOutput(string Name, string DisplayName, string Device, int Nodes, int DevicesPerNode, int TotalDevices, string? IntraNode, string? InterNode, string Source);
