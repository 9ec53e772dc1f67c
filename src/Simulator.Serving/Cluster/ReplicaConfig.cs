using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>How a replica forms batches.</summary>
public enum SchedulerKind
{
    /// <summary>Request-level batching: a batch is admitted when the replica is idle and runs until its last request ends; nobody joins midway.</summary>
    Static,
    /// <summary>Iteration-level batching (Orca, vLLM): waiting prompts are admitted whenever KV blocks allow; a step is either all prefill or all decode (vLLM's default scheduler).</summary>
    Continuous,
    /// <summary>Chunked prefill (Sarathi-Serve): every step carries all running decodes plus prompt chunks up to a token budget.</summary>
    Chunked,
}

/// <summary>What happens to a running request when the KV cache has no block for it to grow.</summary>
public enum PreemptionMode
{
    /// <summary>Drop its KV cache and requeue it at the front; its prompt and generated tokens are prefilled again.</summary>
    Recompute,
    /// <summary>Copy its KV blocks to host memory over the host link and back when there is room (both copies stall the step).</summary>
    Swap,
}

/// <summary>What a replica of a pool is: a deployment (model on TP x PP devices, quantization) and its scheduler settings.</summary>
public sealed record ReplicaConfig(Deployment Deployment)
{
    /// <summary>Default most sequences per step (vLLM's max_num_seqs).</summary>
    public const int DefaultMaxBatch = 256;
    /// <summary>Default tokens per step with chunked prefill (vLLM's max_num_batched_tokens when chunked prefill is on).</summary>
    public const int DefaultChunkedBudget = 2048;
    /// <summary>Default tokens per step without chunking; longer prompts are rejected (as vLLM does).</summary>
    public const int DefaultUnchunkedBudget = 16384;

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Continuous;
    public int MaxBatch { get; init; } = DefaultMaxBatch;
    /// <summary>Most new tokens per step; 0 picks the scheduler's default.</summary>
    public int TokenBudget { get; init; }
    /// <summary>Tokens per KV block (vLLM's default 16).</summary>
    public int BlockSize { get; init; } = 16;
    public PreemptionMode Preemption { get; init; } = PreemptionMode.Recompute;
    /// <summary>Device-to-host link used to swap KV blocks (required for <see cref="PreemptionMode.Swap"/>).</summary>
    public Interconnect? HostLink { get; init; }
    /// <summary>Fraction of blocks kept free when admitting new requests (vLLM's watermark).</summary>
    public double Watermark { get; init; } = 0.01;

    /// <summary>The token budget in force.</summary>
    public int EffectiveTokenBudget => TokenBudget > 0 ? TokenBudget : Scheduler == SchedulerKind.Chunked ? DefaultChunkedBudget : DefaultUnchunkedBudget;

    /// <summary>
    /// KV blocks per replica: per device, memory left after weights and the framework reserve
    /// (<see cref="MemoryFootprint.FreeBytes"/>), minus the activations of the largest step (token budget tokens,
    /// max batch LM-head rows), divided by the KV bytes per token on one device. Each device holds its share of
    /// every token (its KV heads, its pipeline stage's layers), so the per-device token count is the replica's.
    /// </summary>
    public long KvCapacityTokens()
    {
        var mem = MemoryModel.For(Deployment);
        double act = MemoryModel.ActivationBytes(Deployment, EffectiveTokenBudget, MaxBatch);
        return (long)mem.MaxKvTokens(act);
    }

    /// <summary>KV blocks per replica (see <see cref="KvCapacityTokens"/>).</summary>
    public int KvBlocks() => (int)Math.Min(int.MaxValue, KvCapacityTokens() / BlockSize);

    /// <summary>Every reason the configuration cannot run (empty when it can).</summary>
    public List<string> Validate()
    {
        var e = new List<string>();
        var d = Deployment;
        string who = $"{d.Model.Name} on {d.Devices} x {d.Device.Name} ({d.Quant}, {d.Parallelism})";
        if (MaxBatch < 1) e.Add("the batch limit must be at least 1");
        if (TokenBudget < 0) e.Add("the token budget must be positive");
        if (BlockSize < 1) e.Add("the KV block size must be at least 1 token");
        if (Watermark is < 0 or >= 1) e.Add("the watermark must be a fraction from 0 to below 1");
        if (Preemption == PreemptionMode.Swap && HostLink is null) e.Add($"swap preemption needs a host link, and {d.Device.Name} names none");
        var mem = MemoryModel.For(d);
        if (!mem.WeightsFit) e.Add($"{who}: the weights ({mem.WeightBytes / 1e9:0.#} GB per device) do not fit in {mem.CapacityBytes / 1e9:0.#} GB less the reserve");
        else if (BlockSize >= 1 && KvBlocks() < 1) e.Add($"{who}: no memory is left for the KV cache after weights and the activations of a {EffectiveTokenBudget}-token step; lower --token-budget or --max-batch, or add devices");
        return e;
    }
}

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
}

/// <summary>
/// The serving cluster: one pool of replicas behind a router, or (disaggregated) a prefill pool and a decode pool
/// with the prompt's KV cache moving between them over <see cref="KvLink"/>.
/// </summary>
public sealed record ClusterConfig(PoolConfig Pool)
{
    public RouterKind Router { get; init; } = RouterKind.RoundRobin;
    /// <summary>With disaggregation: the decode pool (then <see cref="Pool"/> is the prefill pool).</summary>
    public PoolConfig? DecodePool { get; init; }
    /// <summary>Link the KV cache crosses from a prefill to a decode replica; null: the decode cluster's inter-node link, else its host link.</summary>
    public Interconnect? KvLink { get; init; }

    public bool Disaggregated => DecodePool is not null;

    /// <summary>The link KV transfers use (disaggregated clusters only).</summary>
    public Interconnect? EffectiveKvLink => KvLink ?? DecodePool?.Replica.Deployment.Cluster.InterNode ?? DecodePool?.Replica.HostLink;

    /// <summary>All devices in the cluster.</summary>
    public int Devices => Pool.Count * Pool.Replica.Deployment.Devices + (DecodePool is { } dp ? dp.Count * dp.Replica.Deployment.Devices : 0);

    /// <summary>Every reason the cluster cannot run (empty when it can).</summary>
    public List<string> Validate()
    {
        var e = new List<string>();
        if (Pool.Count < 1) e.Add("at least one replica is needed");
        e.AddRange(Pool.Replica.Validate());
        if (DecodePool is { } dp)
        {
            if (dp.Count < 1) e.Add("at least one decode replica is needed");
            e.AddRange(dp.Replica.Validate().Select(x => "decode pool: " + x));
            if (dp.Replica.Deployment.Model.Name != Pool.Replica.Deployment.Model.Name) e.Add("the prefill and decode pools must serve the same model");
            if (EffectiveKvLink is null) e.Add("disaggregation needs a link between the pools; the decode hardware names no inter-node or host link");
        }
        return e;
    }
}
