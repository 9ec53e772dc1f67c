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
    /// <summary>
    /// TensorRT-LLM's GUARANTEED_NO_EVICT: a request is admitted only when KV blocks for its prompt and its whole output are
    /// free, so nothing is ever preempted; whole prompts join running decodes in one step up to the token budget.
    /// </summary>
    NoEvict,
    /// <summary>
    /// SGLang's scheduler: prefill batches (in chunks) take priority over decoding, and admission keeps free a decaying
    /// share of every running request's remaining output (its new-token ratio).
    /// </summary>
    Conservative,
}

/// <summary>
/// What a replica does with a request: whole requests (an aggregated pool), or only prompts (the prefill pool of a
/// disaggregated cluster), or only generation (its decode pool). One concept for the simulator and the planner.
/// </summary>
public enum ReplicaRole
{
    /// <summary>Prefill and decode (a unified pool).</summary>
    Aggregated,
    /// <summary>Prefill only: after the first token the request leaves for the decode pool with its KV cache.</summary>
    Prefill,
    /// <summary>Decode requests whose KV cache arrived from the prefill pool (and recompute any it preempts).</summary>
    Decode,
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

    /// <summary>
    /// The serving engine the replica imitates, resolved for its device (<see cref="EngineProfile.ForDevice"/>): CUDA graphs,
    /// CPU time per step, request overheads, the KV-memory rule and its scheduler's parameters. Null: the generic engine
    /// (kernel launches charged eagerly, no CPU time, vLLM's memory rule).
    /// </summary>
    public EngineProfile? Engine { get; init; }

    /// <summary>
    /// Automatic prefix caching (vLLM's <c>enable_prefix_caching</c>, SGLang's radix cache): blocks of shared prefixes are
    /// kept and reused, so a prompt whose first blocks are cached skips their prefill. Off by default for the generic
    /// engine; an engine profile sets it to the engine's default.
    /// </summary>
    public bool PrefixCaching { get; init; }

    /// <summary>A host-memory (and SSD) tier for evicted prefix blocks and swapped requests; null: none (swaps assume host memory is large enough).</summary>
    public KvOffloadConfig? KvOffload { get; init; }

    /// <summary>Speculative decoding; null: off.</summary>
    public SpeculativeConfig? Speculative { get; init; }

    /// <summary>Most KV blocks per replica (0: as memory allows); a smaller cache for studies and tests, like lowering vLLM's gpu_memory_utilization.</summary>
    public int KvBlockLimit { get; init; }

    /// <summary>The token budget in force.</summary>
    public int EffectiveTokenBudget => TokenBudget > 0 ? TokenBudget : Serving.Scheduler.For(Scheduler).DefaultTokenBudget;

    /// <summary>
    /// KV blocks per replica: per device, memory left after weights and the framework reserve
    /// (<see cref="MemoryFootprint.FreeBytes"/>), minus the activations of the largest step (token budget tokens,
    /// max batch LM-head rows), divided by the KV bytes per token on one device. Each device holds its share of
    /// every token (its KV heads, its pipeline stage's layers), so the per-device token count is the replica's.
    /// A model with linear-attention layers (Qwen3-Next) first sets aside their fixed state for max-batch requests, as
    /// engines size their state cache by the most sequences they run. With attention data parallelism (DP ranks, each
    /// with its own KV cache) the replica's capacity is the sum over its ranks: a first version that pools the ranks'
    /// caches, so a request is never refused because its own rank is full while another has room (engines pin a request
    /// to one rank, so this is optimistic when lengths are very uneven).
    /// </summary>
    /// <remarks>
    /// With speculative decoding the drafter's weights come off the free memory first, and each token of context costs
    /// the target's and the drafter's KV bytes (a draft model keeps its own KV cache of every request).
    /// </remarks>
    public long KvCapacityTokens()
    {
        var mem = MemoryModel.For(Deployment, Engine);
        int dp = Deployment.Parallelism.Dp;
        int perRankBatch = dp > 1 ? (MaxBatch + dp - 1) / dp : MaxBatch;
        double act = MemoryModel.ActivationBytes(Deployment, dp > 1 ? (EffectiveTokenBudget + dp - 1) / dp : EffectiveTokenBudget, perRankBatch);
        // A draft model's weights and its own KV per token share the device with the target's.
        if (Speculative is { } spec && spec.Footprint(Deployment) is var (draftWeights, draftKv) && (draftWeights > 0 || draftKv > 0))
            return (long)Math.Max(0, Math.Floor((mem.KvRoomBytes(act) - perRankBatch * mem.StateBytesPerRequest - draftWeights) / (mem.KvBytesPerToken + draftKv))) * dp;
        return (long)mem.MaxKvTokens(act, perRankBatch) * dp;
    }

    /// <summary>KV blocks per replica (see <see cref="KvCapacityTokens"/>), at most <see cref="KvBlockLimit"/> when set.</summary>
    public int KvBlocks()
    {
        int blocks = (int)Math.Min(int.MaxValue, KvCapacityTokens() / BlockSize);
        return KvBlockLimit > 0 ? Math.Min(blocks, KvBlockLimit) : blocks;
    }

    /// <summary>Every reason the configuration cannot run (empty when it can).</summary>
    public List<string> Validate()
    {
        var e = new List<string>();
        var d = Deployment;
        string who = $"{d.Model.Name} on {d.Devices} x {d.Device.Name} ({d.Quant.Name}, KV {d.Quant.KvCacheName}, {d.Parallelism})";
        if (MaxBatch < 1) e.Add("the batch limit must be at least 1");
        if (TokenBudget < 0) e.Add("the token budget must be positive");
        if (BlockSize < 1) e.Add("the KV block size must be at least 1 token");
        if (Watermark is < 0 or >= 1) e.Add("the watermark must be a fraction from 0 to below 1");
        if (Preemption == PreemptionMode.Swap && HostLink is null) e.Add($"swap preemption needs a host link, and {d.Device.Name} names none");
        if (KvBlockLimit < 0) e.Add("the KV block limit must not be negative");
        if (KvOffload is { } off)
        {
            e.AddRange(off.Validate());
            if (HostLink is null) e.Add($"a KV offload tier needs a host link to copy blocks over, and {d.Device.Name} names none");
        }
        if (Speculative is { } spec)
        {
            var problems = spec.Validate(d);
            e.AddRange(problems);
            if (problems.Count > 0) return e;
        }
        var mem = MemoryModel.For(d, Engine);
        if (!mem.WeightsFit) e.Add($"{who}: the weights ({mem.WeightBytes / 1e9:0.#} GB per device) do not fit in {mem.CapacityBytes / 1e9:0.#} GB less the reserve");
        else if (BlockSize >= 1 && KvBlocks() < 1) e.Add($"{who}: no memory is left for the KV cache after weights and the activations of a {EffectiveTokenBudget}-token step; lower --token-budget or --max-batch, or add devices");
        return e;
    }
}
