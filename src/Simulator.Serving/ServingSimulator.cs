namespace Simulator.Serving;

/// <summary>How long to run and which seed to use.</summary>
public sealed record RunOptions
{
    /// <summary>Seed of every random stream.</summary>
    public int Seed { get; init; }
    /// <summary>Requests to generate (a trace: its first N rows); null: no limit (then a duration is needed for synthetic traffic).</summary>
    public long? Requests { get; init; }
    /// <summary>No arrival at or after this many seconds; requests in flight still finish.</summary>
    public double? DurationSeconds { get; init; }
}

/// <summary>A rejection reason with how many requests it turned away.</summary>
public sealed record RejectionCount(string Reason, long Count);

/// <summary>Outcome per request class.</summary>
public sealed record ClassSummary(string Name, double Weight, string Input, string Output, Slo Slo, long Requests, long Completed, long Rejected, long MetSlo)
{
    public double SloAttainment => Requests == 0 ? double.NaN : (double)MetSlo / Requests;

    /// <summary>TTFT of the class's completed requests.</summary>
    public LatencyStats Ttft { get; init; } = LatencyStats.Empty;

    /// <summary>TPOT of the class's completed requests.</summary>
    public LatencyStats Tpot { get; init; } = LatencyStats.Empty;

    /// <summary>Whether the class's p90 TTFT and TPOT are within its targets (the planner's test); true for targets not set.</summary>
    public bool P90WithinSlo => Completed > 0
        && (double.IsNaN(Slo.TtftSeconds) || Ttft.P90 <= Slo.TtftSeconds)
        && (double.IsNaN(Slo.TpotSeconds) || double.IsNaN(Tpot.P90) || Tpot.P90 <= Slo.TpotSeconds);
}

/// <summary>
/// What prefix caching did over a run (the prefill pool's replicas together). Hit rates count the prompts of requests
/// admitted from scratch (first admissions and re-admissions after recompute preemption): tokens found cached ÷ prompt
/// tokens, and blocks found ÷ whole blocks of those prompts; a prompt's last token is always computed.
/// </summary>
/// <param name="Lookups">Admissions that looked their prompt up.</param>
/// <param name="PromptTokens">Prompt tokens of those admissions.</param>
/// <param name="HitTokens">Prompt tokens found cached: prefill tokens saved.</param>
/// <param name="PromptBlocks">Whole blocks of those prompts.</param>
/// <param name="HitBlocks">Blocks found cached (on the device or in the offload tiers).</param>
/// <param name="HostHitBlocks">Of the hit blocks, those copied back from host memory.</param>
/// <param name="SsdHitBlocks">Of the hit blocks, those read back from the SSD.</param>
/// <param name="EvictedBlocks">Cached blocks evicted from device memory to make room.</param>
/// <param name="OffloadLoadSeconds">Step time spent copying blocks back from the offload tiers.</param>
/// <param name="Occupancy">Fraction of the pool's blocks holding named prefix blocks (held or cached) over time: (seconds, mean over replicas, fullest replica).</param>
public sealed record PrefixCacheSummary(long Lookups, long PromptTokens, long HitTokens, long PromptBlocks, long HitBlocks, long HostHitBlocks, long SsdHitBlocks,
    long EvictedBlocks, double OffloadLoadSeconds, IReadOnlyList<(double Time, double Mean, double Max)> Occupancy)
{
    /// <summary>Prompt tokens found cached ÷ prompt tokens looked up.</summary>
    public double TokenHitRate => PromptTokens == 0 ? double.NaN : (double)HitTokens / PromptTokens;

    /// <summary>Blocks found cached ÷ whole prompt blocks looked up.</summary>
    public double BlockHitRate => PromptBlocks == 0 ? double.NaN : (double)HitBlocks / PromptBlocks;

    /// <summary>Mean of the occupancy samples (they are evenly spaced in time).</summary>
    public double MeanOccupancy => Occupancy.Count == 0 ? 0 : Occupancy.Average(p => p.Mean);

    /// <summary>Highest occupancy of any replica.</summary>
    public double PeakOccupancy => Occupancy.Count == 0 ? 0 : Occupancy.Max(p => p.Max);
}

/// <summary>What speculative decoding did over a run (every replica that runs it).</summary>
/// <param name="Method">The settings, such as "draft llama-3.2-1b, k=4, acceptance 0.7".</param>
/// <param name="Verifications">Verification passes (one per request and decode step).</param>
/// <param name="AcceptedDrafts">Draft tokens accepted.</param>
/// <param name="ExpectedTokensPerVerification">What the replica's acceptance model expects per pass: (1 − α^(k+1)) / (1 − α) for a constant α.</param>
/// <param name="DraftSeconds">Step time spent drafting, summed over replicas.</param>
public sealed record SpeculationSummary(string Method, int K, long Verifications, long AcceptedDrafts, double ExpectedTokensPerVerification, double DraftSeconds)
{
    /// <summary>Tokens emitted per verification: 1 + accepted drafts on average.</summary>
    public double TokensPerVerification => Verifications == 0 ? double.NaN : 1 + (double)AcceptedDrafts / Verifications;

    /// <summary>Draft tokens accepted ÷ draft tokens proposed.</summary>
    public double AcceptanceRate => Verifications == 0 ? double.NaN : (double)AcceptedDrafts / (Verifications * (double)K);
}

/// <summary>One pool of identical replicas after a run.</summary>
/// <param name="Role">"unified", "prefill" or "decode".</param>
/// <param name="KvCapacityTokens">KV cache of one replica in tokens (whole blocks).</param>
/// <param name="BusyFraction">Busy device-seconds / (devices × duration).</param>
/// <param name="MeanKvUsage">Time-weighted mean fraction of KV blocks in use, averaged over replicas.</param>
/// <param name="PeakKvUsage">Highest fraction of KV blocks any replica held.</param>
public sealed record PoolSummary(string Role, string Hardware, string Parallelism, string Quantization, int Replicas, int DevicesPerReplica,
    long KvCapacityTokens, double BusyFraction, double MeanKvUsage, double PeakKvUsage, long Steps, long Preemptions, double EnergyJoules, double CostUsd)
{
    /// <summary>KV blocks still held when the run ended, over the pool's replicas: 0 unless blocks leaked (a bug).</summary>
    public long KvBlocksHeldAtEnd { get; init; }
    /// <summary>The KV cache's format (<c>bf16</c>, <c>fp8</c>, <c>nvfp4</c>, ...), which <see cref="Quantization"/> alone does not always say.</summary>
    public string KvCacheDtype { get; init; } = "";
}

/// <summary>
/// Everything a run measured. Latencies in seconds; rates per second of simulated time, over the run's duration
/// (from 0 to the last event). <see cref="Goodput"/> counts completed requests that met every SLO of their class
/// (all completed requests when no SLO is set).
/// </summary>
public sealed record SimulationResult
{
    public required long Requests { get; init; }
    public required long Completed { get; init; }
    public required long Rejected { get; init; }
    public required IReadOnlyList<RejectionCount> RejectReasons { get; init; }
    public required double DurationSeconds { get; init; }
    public required LatencyStats Ttft { get; init; }
    public required LatencyStats Tpot { get; init; }
    public required LatencyStats Itl { get; init; }
    public required LatencyStats E2e { get; init; }
    public required LatencyStats QueueDelay { get; init; }
    public required long InputTokens { get; init; }
    public required long OutputTokens { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required double InputTokensPerSecond { get; init; }
    public required double OutputTokensPerSecond { get; init; }
    public required long MetSlo { get; init; }
    public required double Goodput { get; init; }
    public required double SloAttainment { get; init; }
    public required double DeviceBusyFraction { get; init; }
    public required long Preemptions { get; init; }
    public required long PreemptedRequests { get; init; }
    public required long KvTransfers { get; init; }
    public required double KvTransferSecondsMean { get; init; }
    public required double EnergyJoules { get; init; }
    public required double JoulesPerOutputToken { get; init; }
    /// <summary>USD for the devices over the duration; NaN when a device has no hourly price.</summary>
    public required double CostUsd { get; init; }
    public required double CostUsdPerMillionOutputTokens { get; init; }
    public required int Devices { get; init; }
    public required IReadOnlyList<PoolSummary> Pools { get; init; }
    public required IReadOnlyList<ClassSummary> Classes { get; init; }
    /// <summary>KV usage over time: (seconds, mean fraction over replicas, fullest replica's fraction).</summary>
    public required IReadOnlyList<(double Time, double Mean, double Max)> KvUsage { get; init; }
    public required long Steps { get; init; }
    public required long Events { get; init; }
    /// <summary>Every completed request's latencies (sorted on use), for CDF charts.</summary>
    public required Samples TtftSamples { get; init; }
    public required Samples TpotSamples { get; init; }
    public required Samples E2eSamples { get; init; }
    /// <summary>Inter-token latencies of every token after a request's first (a bounded histogram), for any percentile.</summary>
    public LogHistogram? ItlHistogram { get; init; }
    /// <summary>Prefix caching over the run; null when it is off.</summary>
    public PrefixCacheSummary? PrefixCache { get; init; }
    /// <summary>Speculative decoding over the run; null when it is off.</summary>
    public SpeculationSummary? Speculation { get; init; }
}

/// <summary>Runs the serving simulation: <c>ServingSimulator.Run(cluster, workload, new RunOptions { Seed = 1, Requests = 1000 })</c>.</summary>
public static class ServingSimulator
{
    /// <summary>Idle power as a fraction of board power when a profile gives none (docs/FORMATS.md).</summary>
    public const double DefaultIdlePowerFraction = 0.25;

    /// <summary>
    /// Simulates <paramref name="workload"/> on <paramref name="cluster"/>. Each request's record goes to
    /// <paramref name="sink"/> when it completes or is rejected; <paramref name="onStep"/> sees every engine step;
    /// <paramref name="onProgress"/> is called about every 1% of the requests (every 10,000 when unbounded).
    /// Throws <see cref="ArgumentException"/> for a configuration that cannot run.
    /// </summary>
    public static SimulationResult Run(ClusterConfig cluster, WorkloadSpec workload, RunOptions options, IRequestSink? sink = null,
        Action<StepRecord>? onStep = null, Action<SimulationProgress>? onProgress = null)
    {
        var problems = cluster.Validate();
        if (workload.Classes.Count == 0) problems.Add("the workload has no request classes");
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
        var sim = new Simulation(options.Seed);
        var metrics = new MetricsCollector(workload.Classes, sink);
        var servers = new ServingCluster(sim, cluster, metrics) { StepObserver = onStep };
        var source = new RequestSource(sim, workload, servers, options.Requests, options.DurationSeconds);
        source.Start();
        long every = source.Target == long.MaxValue ? 10_000 : Math.Max(1, source.Target / 100);
        long lastReported = 0;
        while (sim.Step())
        {
            if (onProgress is not null)
            {
                long finished = metrics.Completed + metrics.Rejected;
                if (finished - lastReported >= every)
                {
                    lastReported = finished;
                    onProgress(new SimulationProgress(sim.Now, metrics.Arrived, finished, source.Target));
                }
            }
        }
        if (metrics.Completed + metrics.Rejected != metrics.Arrived)
            throw new InvalidOperationException($"conservation violated: {metrics.Arrived} arrived, {metrics.Completed} completed, {metrics.Rejected} rejected");
        // Blocks are conserved too: once every request has left, none is held (cached prefix blocks stay, held by nobody).
        foreach (var replica in servers.Pool.Concat(servers.DecodePool))
            if (replica.Kv.UsedBlocks != 0 || replica.Kv.PrefixBlocks != replica.Kv.CachedBlocks)
                throw new InvalidOperationException($"KV blocks leaked: replica {replica.Index} of pool {replica.Pool} holds {replica.Kv.UsedBlocks} blocks ({replica.Kv.PrefixBlocks - replica.Kv.CachedBlocks} prefix blocks) after every request left");
        return Summarize(sim, cluster, servers, metrics);
    }

    private static SimulationResult Summarize(Simulation sim, ClusterConfig config, ServingCluster servers, MetricsCollector m)
    {
        double t = sim.Now;
        double Rate(double x) => t > 0 ? x / t : double.NaN;
        var pools = new List<PoolSummary> { Pool(config.Disaggregated ? "prefill" : "unified", config.Pool, servers.Pool, t) };
        if (config.DecodePool is { } dp) pools.Add(Pool("decode", dp, servers.DecodePool, t));
        int devices = config.Devices;
        double busyDeviceSeconds = pools.Sum(p => p.BusyFraction * p.Replicas * p.DevicesPerReplica * t);
        double energy = pools.Sum(p => p.EnergyJoules);
        double cost = pools.Sum(p => p.CostUsd);
        return new SimulationResult
        {
            Requests = m.Arrived,
            Completed = m.Completed,
            Rejected = m.Rejected,
            RejectReasons = m.RejectReasons(),
            DurationSeconds = t,
            Ttft = m.Ttft.Stats(),
            Tpot = m.Tpot.Stats(),
            Itl = m.Itl.Stats(),
            E2e = m.E2e.Stats(),
            QueueDelay = m.QueueDelay.Stats(),
            InputTokens = m.InputTokens,
            OutputTokens = m.OutputTokens,
            RequestsPerSecond = Rate(m.Completed),
            InputTokensPerSecond = Rate(m.InputTokens),
            OutputTokensPerSecond = Rate(m.OutputTokens),
            MetSlo = m.MetSlo,
            Goodput = Rate(m.MetSlo),
            SloAttainment = m.Arrived == 0 ? double.NaN : (double)m.MetSlo / m.Arrived,
            DeviceBusyFraction = t > 0 ? busyDeviceSeconds / (devices * t) : double.NaN,
            Preemptions = pools.Sum(p => p.Preemptions),
            PreemptedRequests = m.PreemptedRequests,
            KvTransfers = m.Transfers,
            KvTransferSecondsMean = m.Transfers == 0 ? double.NaN : m.TransferSeconds / m.Transfers,
            EnergyJoules = energy,
            JoulesPerOutputToken = m.OutputTokens == 0 ? double.NaN : energy / m.OutputTokens,
            CostUsd = cost,
            CostUsdPerMillionOutputTokens = m.OutputTokens == 0 ? double.NaN : cost / m.OutputTokens * 1e6,
            Devices = devices,
            Pools = pools,
            Classes = m.Classes(),
            KvUsage = servers.KvUsage.Points,
            Steps = pools.Sum(p => p.Steps),
            Events = sim.EventsFired,
            TtftSamples = m.Ttft,
            TpotSamples = m.Tpot,
            E2eSamples = m.E2e,
            ItlHistogram = m.Itl,
            PrefixCache = PrefixCache(servers),
            Speculation = Speculation(servers),
        };
    }

    private static PrefixCacheSummary? PrefixCache(ServingCluster servers)
    {
        var pool = servers.Pool.Where(r => r.Kv.Prefix is not null).ToList();
        if (pool.Count == 0) return null;
        return new PrefixCacheSummary(pool.Sum(r => r.Kv.PrefixLookups), pool.Sum(r => r.Kv.LookupTokens), pool.Sum(r => r.Kv.HitBlocks * (long)r.Kv.BlockSize),
            pool.Sum(r => r.Kv.LookupBlocks), pool.Sum(r => r.Kv.HitBlocks), pool.Sum(r => r.Kv.HostHitBlocks), pool.Sum(r => r.Kv.SsdHitBlocks),
            pool.Sum(r => r.Kv.EvictedBlocks), pool.Sum(r => r.OffloadLoadSecondsTotal), servers.PrefixOccupancy.Points);
    }

    private static SpeculationSummary? Speculation(ServingCluster servers)
    {
        var all = servers.Pool.Concat(servers.DecodePool).Where(r => r.Speculator is not null).ToList();
        if (all.Count == 0) return null;
        var spec = all[0].Speculator!.Config;
        return new SpeculationSummary(spec.Describe(), spec.K, all.Sum(r => r.Speculator!.Verifications), all.Sum(r => r.Speculator!.AcceptedDrafts),
            spec.Acceptance.ExpectedTokens(spec.K), all.Sum(r => r.Speculator!.DraftSeconds));
    }

    /// <summary>
    /// A pool's busy time, energy and cost. A step of S seconds keeps each of the PP stages busy S / PP (the step
    /// runs through them one after another), so it costs S × TP busy device-seconds. Energy = power × busy +
    /// idle power × (devices × duration − busy); idle power defaults to <see cref="DefaultIdlePowerFraction"/> of power.
    /// Cost = hourly price × devices × hours (NaN when the device has no price).
    /// </summary>
    private static PoolSummary Pool(string role, PoolConfig pool, IReadOnlyList<Replica> replicas, double t)
    {
        var d = pool.Replica.Deployment;
        int devices = pool.Count * d.Devices;
        double busy = replicas.Sum(r => r.BusySeconds) * d.Parallelism.StageDevices;
        double total = devices * t;
        double power = d.Device.PowerWatts;
        double idle = double.IsNaN(d.Device.IdlePowerWatts) ? DefaultIdlePowerFraction * power : d.Device.IdlePowerWatts;
        double energy = power * busy + idle * Math.Max(0, total - busy);
        double cost = d.Device.Price.HourlyUsd * devices * t / 3600;
        return new PoolSummary(role, d.Device.Name, d.Parallelism.ToString(), d.Quant.Name, pool.Count, d.Devices,
            replicas[0].Kv.CapacityTokens,
            total > 0 ? busy / total : double.NaN,
            t > 0 ? replicas.Average(r => r.Kv.MeanUsage(t)) : 0,
            replicas.Max(r => (double)r.Kv.PeakUsedBlocks / r.Kv.TotalBlocks),
            replicas.Sum(r => r.Steps), replicas.Sum(r => r.Preemptions), energy, cost)
        { KvBlocksHeldAtEnd = replicas.Sum(r => (long)r.Kv.UsedBlocks), KvCacheDtype = d.Quant.KvCacheName };
    }
}
