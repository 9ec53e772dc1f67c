using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>How every replica of a cluster schedules: the scheduler and its limits, the KV block size and the preemption mode.</summary>
/// <param name="TokenBudget">Most new tokens per step; 0: the scheduler's default.</param>
public sealed record ReplicaSettings(SchedulerKind Scheduler, int MaxBatch, int TokenBudget, int BlockSize, PreemptionMode Preemption)
{
    /// <summary>
    /// A serving engine to imitate (null: the generic engine and the settings above). With an engine, its profile resolved
    /// for each pool's device supplies the scheduler, limits, block size and preemption mode, except those given in
    /// <see cref="Choices"/>, which win.
    /// </summary>
    public EngineProfile? Engine { get; init; }

    /// <summary>Settings the user chose explicitly, which override the engine's defaults (null entries: the engine's).</summary>
    public EngineChoices Choices { get; init; } = EngineChoices.None;

    /// <summary>Automatic prefix caching (<see cref="ReplicaConfig.PrefixCaching"/>).</summary>
    public bool PrefixCaching { get; init; }

    /// <summary>The KV offload tier (<see cref="ReplicaConfig.KvOffload"/>).</summary>
    public KvOffloadConfig? KvOffload { get; init; }

    /// <summary>Speculative decoding (<see cref="ReplicaConfig.Speculative"/>).</summary>
    public SpeculativeConfig? Speculative { get; init; }

    /// <summary>A replica of <paramref name="deployment"/> with these settings, swapping over <paramref name="hostLink"/>.</summary>
    public ReplicaConfig For(Deployment deployment, Interconnect? hostLink) => Engine is null
        ? new(deployment)
        {
            Scheduler = Scheduler,
            MaxBatch = MaxBatch,
            TokenBudget = TokenBudget,
            BlockSize = BlockSize,
            Preemption = Preemption,
            HostLink = hostLink,
            PrefixCaching = PrefixCaching,
            KvOffload = KvOffload,
            Speculative = Speculative,
        }
        : EngineSetup.Replica(deployment, hostLink, Engine, Choices) with { KvOffload = KvOffload, Speculative = Speculative };
}

/// <summary>Scheduler settings a user gave explicitly alongside an engine profile; null: the engine's default.</summary>
public sealed record EngineChoices(SchedulerKind? Scheduler, int? MaxBatch, int? TokenBudget, int? BlockSize, PreemptionMode? Preemption)
{
    /// <summary>No explicit choice: everything from the engine.</summary>
    public static EngineChoices None { get; } = new(null, null, null, null, null);

    /// <summary>Prefix caching as the user set it (--prefix-caching on|off); null: the engine's default.</summary>
    public bool? PrefixCaching { get; init; }
}

/// <summary>Turns an engine profile into a replica's settings.</summary>
public static class EngineSetup
{
    /// <summary>The scheduler kind an engine profile names.</summary>
    public static SchedulerKind Kind(EngineProfile engine) =>
        Serving.Scheduler.ForPolicy(engine.Scheduler.Policy)?.Kind
        ?? throw new SetupException($"{engine.FilePath ?? engine.Name}: scheduler.policy '{engine.Scheduler.Policy}' has no registered scheduler");

    /// <summary>
    /// A replica of <paramref name="deployment"/> as <paramref name="engine"/> runs it on that device (tiers applied), with
    /// the user's explicit <paramref name="choices"/> winning over the engine's defaults.
    /// </summary>
    public static ReplicaConfig Replica(Deployment deployment, Interconnect? hostLink, EngineProfile engine, EngineChoices? choices = null)
    {
        choices ??= EngineChoices.None;
        var e = engine.ForDevice(deployment.Device);
        var s = e.Scheduler;
        return new ReplicaConfig(deployment)
        {
            Scheduler = choices.Scheduler ?? Kind(e),
            MaxBatch = choices.MaxBatch ?? s.MaxBatch,
            TokenBudget = choices.TokenBudget ?? s.TokenBudget,
            BlockSize = choices.BlockSize ?? s.BlockSize,
            Preemption = choices.Preemption ?? (s.Preemption == "swap" ? PreemptionMode.Swap : PreemptionMode.Recompute),
            Watermark = s.Watermark,
            HostLink = hostLink,
            Engine = e,
            // All three engines cache prefixes by default (vLLM V1, SGLang's radix cache, TensorRT-LLM block reuse).
            PrefixCaching = choices.PrefixCaching ?? e.PrefixCaching ?? false,
        };
    }
}

/// <summary>Builds a validated <see cref="ClusterConfig"/>: one pool behind a router, or a prefill pool and a decode pool.</summary>
public static class ClusterBuilder
{
    /// <summary>One pool of <paramref name="replicas"/> identical replicas.</summary>
    public static ClusterConfig Aggregated(Deployment deployment, Interconnect? hostLink, int replicas, ReplicaSettings settings, RouterKind router) =>
        Checked(new ClusterConfig(new PoolConfig(settings.For(deployment, hostLink), replicas)) { Router = router });

    /// <summary>
    /// Speculative decoding in the prefill pool of a disaggregated cluster would only draft for nothing (it emits one
    /// token per request); the pool drops it and keeps it for the decode pool.
    /// </summary>
    private static ReplicaSettings PrefillSettings(ReplicaSettings s) => s with { Speculative = null };

    /// <summary>A prefill pool and a decode pool; the KV cache crosses <paramref name="kvLink"/> (null: <see cref="KvTransfer.DefaultLink"/>).</summary>
    public static ClusterConfig Disaggregated(Deployment prefill, Interconnect? prefillHostLink, int prefillReplicas, Deployment decode, Interconnect? decodeHostLink,
        int decodeReplicas, ReplicaSettings settings, RouterKind router, Interconnect? kvLink) =>
        Checked(new ClusterConfig(new PoolConfig(PrefillSettings(settings).For(prefill, prefillHostLink), prefillReplicas))
        {
            Router = router,
            DecodePool = new PoolConfig(settings.For(decode, decodeHostLink), decodeReplicas),
            KvLink = kvLink,
        });

    private static ClusterConfig Checked(ClusterConfig c)
    {
        var problems = c.Validate();
        if (problems.Count > 0) throw new SetupException(string.Join(" ", problems));
        return c;
    }
}
