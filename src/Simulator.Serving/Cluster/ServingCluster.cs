using System.Globalization;
using Simulator.Core.Specs;

namespace Simulator.Serving;

/// <summary>
/// The replicas, the router (Vidur's global scheduler) and, when disaggregated, the KV transfers between the
/// prefill and decode pools. It is the single place where requests enter (<see cref="Arrive"/>) and leave
/// (<see cref="Complete"/>, <see cref="Reject"/>), which is what makes conservation checkable.
/// </summary>
internal sealed class ServingCluster
{
    private readonly Replica[] _pool;
    private readonly Replica[] _decodePool;
    private readonly Router _router, _decodeRouter;
    private readonly MetricsCollector _metrics;
    private readonly Interconnect? _kvLink;
    private readonly double _kvBytesPerToken;
    private readonly double[] _linkFreeAt;
    private readonly long _prefillAdmissible, _decodeAdmissible;
    private readonly int _contextWindow;
    private readonly string? _budgetReason, _contextReason, _prefillKvReason, _decodeKvReason;
    private readonly int _prefillBudget;
    private readonly bool _budgetLimitsPrompts;
    private readonly Scheduler _scheduler;
    private readonly EngineOverheads? _overheads;
    private readonly double _responseSeconds;

    public ServingCluster(Simulation sim, ClusterConfig config, MetricsCollector metrics)
    {
        Sim = sim;
        Config = config;
        _metrics = metrics;
        var role = config.Disaggregated ? ReplicaRole.Prefill : ReplicaRole.Aggregated;
        _pool = Enumerable.Range(0, config.Pool.Count).Select(i => new Replica(this, 0, i, config.Pool.Replica, role)).ToArray();
        _decodePool = config.DecodePool is { } dp
            ? Enumerable.Range(0, dp.Count).Select(i => new Replica(this, 1, i, dp.Replica, ReplicaRole.Decode)).ToArray()
            : [];
        _router = new Router(config.Router, config.AffinityLoadBound);
        _decodeRouter = new Router(config.Router == RouterKind.PrefixAffinity ? RouterKind.LeastOutstanding : config.Router);
        _linkFreeAt = new double[_decodePool.Length];
        var model = config.Pool.Replica.Deployment.Model;
        _kvLink = config.EffectiveKvLink;
        // Bytes of one token's KV cache over all layers and heads: what crosses the link for every prompt token.
        _kvBytesPerToken = KvTransfer.Bytes(model, config.Pool.Replica.Deployment.Quant, 1);
        _contextWindow = model.MaxPositionEmbeddings;
        // Speculative decoding writes up to k tokens past the last one kept.
        int draftRoom = config.Pool.Replica.Speculative?.K ?? 0;
        _prefillAdmissible = _pool[0].Kv.AdmissibleTokens - draftRoom;
        _decodeAdmissible = _decodePool.Length > 0 ? _decodePool[0].Kv.AdmissibleTokens - (config.DecodePool!.Replica.Speculative?.K ?? 0) : _prefillAdmissible;
        _prefixCaching = _pool.Any(p => p.Kv.Prefix is not null);
        var sched = config.Pool.Replica.Scheduler;
        _scheduler = Scheduler.For(sched);
        _budgetLimitsPrompts = _scheduler.PromptsLimitedByBudget;
        _prefillBudget = config.Pool.Replica.EffectiveTokenBudget;
        string n(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        _budgetReason = $"prompt exceeds the token budget of {n(_prefillBudget)} tokens per step of {sched.ToString().ToLowerInvariant()} batching (use chunked prefill or a larger token budget)";
        _contextReason = $"prompt + output exceed {model.Name}'s context window of {n(_contextWindow)} tokens";
        _prefillKvReason = config.Disaggregated
            ? $"prompt exceeds a prefill replica's KV cache ({n(_prefillAdmissible)} tokens)"
            : $"prompt + output exceed a replica's KV cache ({n(_prefillAdmissible)} tokens)";
        _decodeKvReason = $"prompt + output exceed a decode replica's KV cache ({n(_decodeAdmissible)} tokens)";
        // An engine's API server: requests reach the scheduler after tokenization, tokens reach the client after detokenization.
        if (config.RequestOverheads && config.Pool.Replica.Engine is { } engine)
        {
            _overheads = engine.Overheads;
            _responseSeconds = engine.Overheads.ResponseSeconds;
        }
    }

    public Simulation Sim { get; }
    public ClusterConfig Config { get; }
    public IReadOnlyList<Replica> Pool => _pool;
    public IReadOnlyList<Replica> DecodePool => _decodePool;

    /// <summary>Called with every finished request (completed or rejected); the closed loop uses it.</summary>
    public Action<Request>? Finished { get; set; }

    /// <summary>Optional observer of every step.</summary>
    public Action<StepRecord>? StepObserver { get; set; }

    /// <summary>KV usage over time, sampled at step starts.</summary>
    public KvUsageSeries KvUsage { get; } = new();

    /// <summary>With prefix caching: the fraction of the (prefill) pool's blocks named in prefix tables (held or cached), sampled with <see cref="KvUsage"/>.</summary>
    public KvUsageSeries PrefixOccupancy { get; } = new();

    private readonly bool _prefixCaching;

    /// <summary>A request arrives: rejected with a reason if it can never be served, else routed to a replica.</summary>
    public void Arrive(Request r)
    {
        _metrics.OnArrival();
        // In 64 bits: a prompt and an output near int.MaxValue must be rejected, not wrap around to a small number.
        long total = (long)r.InputTokens + r.OutputTokens;
        if (_contextWindow > 0 && total > _contextWindow) { Reject(r, _contextReason!); return; }
        if (_budgetLimitsPrompts && r.InputTokens > _prefillBudget) { Reject(r, _budgetReason!); return; }
        if (Config.Disaggregated)
        {
            bool staticPrefill = _scheduler.ReservesWholeRequest;
            if ((staticPrefill ? total : r.InputTokens + 1L) > _prefillAdmissible) { Reject(r, _prefillKvReason!); return; }
            if (total > _decodeAdmissible) { Reject(r, _decodeKvReason!); return; }
        }
        else if (total > _prefillAdmissible) { Reject(r, _prefillKvReason!); return; }
        double ingress = _overheads?.IngressSeconds(r.InputTokens) ?? 0;
        if (ingress > 0) Sim.Schedule(new IngressEvent(this, r), Sim.Now + ingress);
        else _router.Pick(_pool, r).Enqueue(r);
    }

    /// <summary>A request reaches the engine's scheduler after the API server has handled it.</summary>
    private sealed class IngressEvent(ServingCluster cluster, Request r) : Event
    {
        public override void Fire(Simulation sim) => cluster._router.Pick(cluster._pool, r).Enqueue(r);
    }

    public void OnStepStart(Replica replica, in StepRecord step)
    {
        StepObserver?.Invoke(step);
        if (KvUsage.Due(step.Start))
        {
            long used = 0, totalBlocks = 0;
            double max = 0;
            foreach (var p in _pool) { used += p.Kv.UsedBlocks; totalBlocks += p.Kv.TotalBlocks; max = Math.Max(max, p.Kv.Usage); }
            foreach (var p in _decodePool) { used += p.Kv.UsedBlocks; totalBlocks += p.Kv.TotalBlocks; max = Math.Max(max, p.Kv.Usage); }
            KvUsage.Add(step.Start, (double)used / totalBlocks, max);
            if (_prefixCaching)
            {
                long named = 0, blocks = 0;
                double most = 0;
                foreach (var p in _pool) { named += p.Kv.PrefixBlocks; blocks += p.Kv.TotalBlocks; most = Math.Max(most, (double)p.Kv.PrefixBlocks / p.Kv.TotalBlocks); }
                PrefixOccupancy.Add(step.Start, (double)named / blocks, most);
            }
        }
    }

    /// <summary>A token of <paramref name="r"/> exists at <paramref name="now"/>: first-token time or one more inter-token gap.</summary>
    public void OnToken(Request r, double now, Replica replica)
    {
        now += _responseSeconds;
        if (double.IsNaN(r.FirstToken))
        {
            r.FirstToken = now;
            r.LastToken = now;
            return;
        }
        double gap = now - r.LastToken;
        r.ItlSum += gap;
        r.ItlCount++;
        if (gap > r.ItlMax) r.ItlMax = gap;
        r.LastToken = now;
        _metrics.OnInterTokenLatency(gap);
    }

    /// <summary>
    /// The prompt's KV cache leaves a prefill replica for the decode replica the router picks: latency + bytes /
    /// bandwidth of the link, transfers to one decode replica queued one after another (its link is a single pipe).
    /// </summary>
    public void StartTransfer(Request r, Replica from, double now)
    {
        var dest = _decodeRouter.Pick(_decodePool);
        dest.Incoming++;
        var link = _kvLink!;
        double seconds = KvTransfer.Seconds(r.Computed * _kvBytesPerToken, link);
        double start = Math.Max(now, _linkFreeAt[dest.Index]);
        _linkFreeAt[dest.Index] = start + seconds;
        _metrics.OnTransfer(seconds, r.Computed * _kvBytesPerToken);
        Sim.Schedule(new ActionEvent(sim =>
        {
            from.ReleaseTransferred(r, sim.Now);
            dest.Incoming--;
            OnToken(r, sim.Now, dest);
            dest.EnqueueArrivedKv(r);
        }), start + seconds);
    }

    public void Complete(Request r, double now)
    {
        now += _responseSeconds;
        double ttft = r.FirstToken - r.ArrivalTime;
        double e2e = now - r.ArrivalTime;
        double tpot = r.OutputTokens > 1 ? (now - r.FirstToken) / (r.OutputTokens - 1) : double.NaN;
        var record = new RequestRecord(r.Id, _metrics.ClassName(r.ClassIndex), r.ArrivalTime, r.InputTokens, r.OutputTokens, r.Replica, r.PrefillReplica,
            r.FirstScheduled - r.ArrivalTime, ttft, tpot, e2e, r.ItlMax, r.Preemptions, r.Slo.Met(ttft, tpot), null) { CachedTokens = r.CachedTokens };
        _metrics.OnFinished(record, r.ClassIndex);
        Finished?.Invoke(r);
    }

    public void Reject(Request r, string reason)
    {
        r.State = RequestState.Done;
        var record = new RequestRecord(r.Id, _metrics.ClassName(r.ClassIndex), r.ArrivalTime, r.InputTokens, r.OutputTokens, -1, -1,
            double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, false, reason);
        _metrics.OnFinished(record, r.ClassIndex);
        Finished?.Invoke(r);
    }
}
