using Simulator.Core.Specs;

namespace Simulator.Serving;

/// <summary>A set of identical replicas.</summary>
public sealed record PoolConfig(ReplicaConfig Replica, int Count);

/// <summary>How the router picks a replica for each new request.</summary>
public enum RouterKind
{
    /// <summary>Replicas in turn.</summary>
    RoundRobin,
    /// <summary>The replica with the fewest requests waiting, running or swapped (ties: lowest index).</summary>
    LeastOutstanding,
    /// <summary>The replica with the lowest fraction of KV blocks in use (ties: fewest outstanding, then lowest index).</summary>
    LeastKvUsage,
    /// <summary>
    /// The replica holding the request's prefix (its session, else its prefix group), while its load stays within
    /// <see cref="ClusterConfig.AffinityLoadBound"/> of the least loaded replica; otherwise the least loaded (llm-d's
    /// prefix-aware scorer, SGLang's cache-aware router).
    /// </summary>
    PrefixAffinity,
}

/// <summary>
/// The serving cluster: one pool of replicas behind a router, or (disaggregated) a prefill pool and a decode pool
/// with the prompt's KV cache moving between them over <see cref="KvLink"/>.
/// </summary>
public sealed record ClusterConfig(PoolConfig Pool)
{
    /// <summary>
    /// Default load bound of prefix-affinity routing: the SGLang router's balance_abs_threshold (32 requests), beyond
    /// which the load is taken to be unbalanced and the shortest queue wins.
    /// </summary>
    public const int DefaultAffinityLoadBound = 32;

    public RouterKind Router { get; init; } = RouterKind.RoundRobin;
    /// <summary>Prefix affinity gives way to the least loaded replica when its pick has more than this many requests outstanding beyond it.</summary>
    public int AffinityLoadBound { get; init; } = DefaultAffinityLoadBound;
    /// <summary>With disaggregation: the decode pool (then <see cref="Pool"/> is the prefill pool).</summary>
    public PoolConfig? DecodePool { get; init; }
    /// <summary>Link the KV cache crosses from a prefill to a decode replica; null: <see cref="KvTransfer.DefaultLink"/>.</summary>
    public Interconnect? KvLink { get; init; }

    /// <summary>
    /// Whether requests pass through the engine's API server (its per-request overheads reach TTFT and E2E). True for a
    /// served deployment; false for an offline, in-process run such as trtllm-bench or vLLM's LLM class. No effect
    /// without an engine profile.
    /// </summary>
    public bool RequestOverheads { get; init; } = true;

    public bool Disaggregated => DecodePool is not null;

    /// <summary>The link KV transfers use (disaggregated clusters only).</summary>
    public Interconnect? EffectiveKvLink => KvLink ?? (DecodePool is { } dp ? KvTransfer.DefaultLink(dp.Replica.Deployment.Cluster, dp.Replica.HostLink) : null);

    /// <summary>All devices in the cluster.</summary>
    public int Devices => Pool.Count * Pool.Replica.Deployment.Devices + (DecodePool is { } dp ? dp.Count * dp.Replica.Deployment.Devices : 0);

    /// <summary>Every reason the cluster cannot run (empty when it can).</summary>
    public List<string> Validate()
    {
        var e = new List<string>();
        if (Pool.Count < 1) e.Add("at least one replica is needed");
        if (AffinityLoadBound < 0) e.Add("the prefix-affinity load bound must not be negative");
        e.AddRange(Pool.Replica.Validate());
        if (DecodePool is { } dp)
        {
            if (dp.Count < 1) e.Add("at least one decode replica is needed");
            e.AddRange(dp.Replica.Validate().Select(x => "decode pool: " + x));
            if (dp.Replica.Deployment.Model.Name != Pool.Replica.Deployment.Model.Name) e.Add("the prefill and decode pools must serve the same model");
            if (EffectiveKvLink is null) e.Add("disaggregation needs a link between the pools; the decode hardware names no inter-node, intra-node or host link");
        }
        return e;
    }
}
