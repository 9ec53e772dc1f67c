using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>
/// Moving a prompt's KV cache from a prefill replica to a decode replica (disaggregated serving): the one place its
/// size, its link and its time are decided, for the simulator and the planner alike.
/// </summary>
public static class KvTransfer
{
    /// <summary>Bytes of the KV cache of <paramref name="tokens"/> tokens over all layers and heads, at the KV cache's width.</summary>
    public static double Bytes(ModelSpec model, QuantizationScheme quant, double tokens) =>
        ModelMath.KvCacheElementsPerToken(model) * quant.KvBytesPerElement * tokens;

    /// <summary>
    /// The link the KV cache crosses when none is given: the decode cluster's inter-node link (pools on different
    /// nodes), else its intra-node link (both pools in one node), else the decode device's host link.
    /// </summary>
    public static Interconnect? DefaultLink(ClusterSpec decodeCluster, Interconnect? hostLink) =>
        decodeCluster.InterNode ?? decodeCluster.IntraNode ?? hostLink;

    /// <summary>Seconds to send <paramref name="bytes"/> over <paramref name="link"/>: latency + bytes ÷ bandwidth (one point-to-point message).</summary>
    public static double Seconds(double bytes, Interconnect link) => Collectives.SendRecv(bytes, link);
}
