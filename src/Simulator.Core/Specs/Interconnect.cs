namespace Simulator.Core.Specs;

/// <summary>How the devices on a link are wired.</summary>
public enum Topology { Switch, Ring, Mesh, PointToPoint, FatTree }

/// <summary>A link between devices or nodes, modelled as alpha (latency) + bytes / beta (bandwidth).</summary>
/// <param name="BandwidthBytesPerSecond">Per direction, per device.</param>
/// <param name="LatencySeconds">One-way small-message latency.</param>
public sealed record Interconnect(
    string Name,
    string DisplayName,
    double BandwidthBytesPerSecond,
    double LatencySeconds,
    Topology Topology,
    string Source)
{
    /// <summary>The file it was loaded from (for messages).</summary>
    public string? FilePath { get; init; }
}

/// <summary>A set of identical devices in nodes, with the links inside and between nodes.</summary>
public sealed record ClusterSpec(
    string Name,
    string DisplayName,
    string Source,
    HardwareProfile Device,
    int Nodes,
    int DevicesPerNode,
    Interconnect? IntraNode,
    Interconnect? InterNode)
{
    /// <summary>Total devices in the cluster.</summary>
    public int TotalDevices => Nodes * DevicesPerNode;

    /// <summary>The file it was loaded from (for messages).</summary>
    public string? FilePath { get; init; }
}
