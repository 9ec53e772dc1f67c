using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>
/// Alpha-beta costs of collectives over one link type: time = steps x latency + bytes on the wire / bandwidth.
/// Bandwidth is per direction per device. Formulas: Thakur, Rabenseifner and Gropp, "Optimization of Collective
/// Communication Operations in MPICH" (2005): ring all-reduce moves 2(p-1)/p of the message per device in
/// 2(p-1) steps; all-gather and reduce-scatter (p-1)/p in p-1 steps; all-to-all sends (p-1)/p of its buffer.
/// </summary>
public static class Collectives
{
    /// <summary>Ring all-reduce of <paramref name="bytes"/> over <paramref name="p"/> devices.</summary>
    public static double AllReduce(double bytes, int p, Interconnect link) =>
        p <= 1 ? 0 : 2.0 * (p - 1) * link.LatencySeconds + 2.0 * (p - 1) / p * bytes / link.BandwidthBytesPerSecond;

    /// <summary>Ring all-gather producing <paramref name="bytes"/> (the full result) on each of <paramref name="p"/> devices.</summary>
    public static double AllGather(double bytes, int p, Interconnect link) =>
        p <= 1 ? 0 : (p - 1) * link.LatencySeconds + (p - 1.0) / p * bytes / link.BandwidthBytesPerSecond;

    /// <summary>Ring reduce-scatter of a <paramref name="bytes"/> input on each of <paramref name="p"/> devices.</summary>
    public static double ReduceScatter(double bytes, int p, Interconnect link) => AllGather(bytes, p, link);

    /// <summary>All-to-all where each device holds <paramref name="bytes"/> to scatter evenly over <paramref name="p"/> devices.</summary>
    public static double AllToAll(double bytes, int p, Interconnect link) =>
        p <= 1 ? 0 : (p - 1) * link.LatencySeconds + (p - 1.0) / p * bytes / link.BandwidthBytesPerSecond;

    /// <summary>Point-to-point send of <paramref name="bytes"/>.</summary>
    public static double SendRecv(double bytes, Interconnect link) =>
        link.LatencySeconds + bytes / link.BandwidthBytesPerSecond;
}
