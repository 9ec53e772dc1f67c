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

    /// <summary>
    /// Expert dispatch or combine over an expert-parallel group of <paramref name="p"/> devices, each with
    /// <paramref name="bytes"/> to scatter evenly over the group (its routed token copies), as DeepEP's kernels do it:
    /// every device writes to all its peers at once, so the latency is paid once, not p − 1 times as in a ring.
    /// Inside one node (p ≤ <paramref name="devicesPerNode"/>; an NVL72 rack is one node of 72): one intra-node latency
    /// plus (p − 1)/p of the bytes over the intra-node link. Across nodes, the normal (prefill, high-throughput) kernels
    /// send the share bound for other nodes, (p − n)/p with n devices per node, over the inter-node link (InfiniBand or
    /// RoCE) while the share for peers in the same node, (n − 1)/p, goes over NVLink: the slower of the two. The
    /// low-latency (decode) kernels send everything over the inter-node link by pure RDMA, (p − 1)/p of the bytes, after
    /// one inter-node latency; at small batches that latency is most of the time. DeepEP README (V1 performance tables,
    /// H800 + CX7 400 Gb/s) measures 77–194 µs per low-latency dispatch of 128 tokens x 7168 x top-8 in FP8 at EP 8–256.
    /// </summary>
    /// <param name="lowLatency">DeepEP low-latency mode (decode steps): pure RDMA when the group spans nodes.</param>
    public static double ExpertAllToAll(double bytes, int p, int devicesPerNode, Interconnect? intra, Interconnect? inter, bool lowLatency)
    {
        if (p <= 1 || bytes <= 0) return 0;
        int n = Math.Max(1, Math.Min(p, devicesPerNode));
        if (p <= n || inter is null)
        {
            var link = intra ?? inter;
            return link is null ? 0 : link.LatencySeconds + (p - 1.0) / p * bytes / link.BandwidthBytesPerSecond;
        }
        if (lowLatency || intra is null)
            return inter.LatencySeconds + (p - 1.0) / p * bytes / inter.BandwidthBytesPerSecond;
        double off = inter.LatencySeconds + (double)(p - n) / p * bytes / inter.BandwidthBytesPerSecond;
        double on = n > 1 ? intra.LatencySeconds + (n - 1.0) / p * bytes / intra.BandwidthBytesPerSecond : 0;
        return Math.Max(off, on);
    }

    /// <summary>Point-to-point send of <paramref name="bytes"/>.</summary>
    public static double SendRecv(double bytes, Interconnect link) =>
        link.LatencySeconds + bytes / link.BandwidthBytesPerSecond;
}
