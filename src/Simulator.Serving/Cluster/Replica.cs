using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>
/// One model replica: its queues (waiting, running, swapped, and KV caches arrived from a prefill pool), its paged KV
/// cache, its cost model (the execution-time predictor) and the engine's mechanics. Each engine step the replica's
/// <see cref="Scheduler"/> fills a <see cref="Step"/> (who runs, how many tokens each computes and emits), the cost model
/// prices the step's batch shape, and a step-end event applies the plan. A pipeline-parallel replica keeps up to PP
/// batches in flight, one per stage (vLLM's virtual engines): a step's time is split evenly over the stages, the next
/// batch enters the first stage when it frees, and a request is in at most one batch at a time.
/// </summary>
internal sealed class Replica
{
    private readonly ServingCluster _cluster;
    private readonly Stack<Batch> _spareBatches = new();
    private readonly double[] _stageFree;
    private readonly KickEvent _kick;
    private readonly Scheduler _scheduler;
    private readonly EngineStepCost? _engineCost;
    private readonly Step _step;
    private readonly double _kvBytesPerTokenPerDevice;
    private readonly Speculator? _speculator;
    private readonly bool _registersPrefixes;
    private int _inFlight;
    private double _carriedSeconds;

    public Replica(ServingCluster cluster, int pool, int index, ReplicaConfig config, ReplicaRole role)
    {
        _cluster = cluster;
        Pool = pool;
        Index = index;
        Config = config;
        Role = role;
        Cost = new CostModel(config.Deployment);
        Kv = new KvCache(config.KvBlocks(), config.BlockSize, config.Watermark);
        _scheduler = Scheduler.For(config.Scheduler).ForReplica();
        _engineCost = config.Engine is null ? null : new EngineStepCost(Cost, config.Engine);
        TokenBudget = config.EffectiveTokenBudget;
        MaxBatch = config.MaxBatch;
        _kvBytesPerTokenPerDevice = MemoryModel.For(config.Deployment).KvBytesPerToken;
        _stageFree = new double[config.Deployment.Parallelism.Pp];
        if (config.PrefixCaching) Kv.EnablePrefixCaching();
        if (config.KvOffload is { } off)
        {
            // The host holds every device's share of a block.
            double blockBytes = config.BlockSize * _kvBytesPerTokenPerDevice * config.Deployment.Devices;
            Kv.EnableOffload((int)Math.Min(int.MaxValue, Math.Floor(off.HostBytes / blockBytes)), (int)Math.Min(int.MaxValue, Math.Floor(off.SsdBytes / blockBytes)));
        }
        // Decode replicas of a disaggregated cluster receive whole KV caches; they name no prefixes of their own.
        _registersPrefixes = config.PrefixCaching && role != ReplicaRole.Decode;
        if (config.Speculative is { } spec)
            _speculator = new Speculator(spec, config.Deployment, cluster.Sim.Stream(SpeculationStreamBase + pool * 100_000 + index));
        _step = new Step(this, BatchShape.For(config.Deployment.Model), _speculator);
        _kick = new KickEvent(this);
    }

    /// <summary>Random streams of speculative acceptance start here, one per replica (the workload's streams are below 100).</summary>
    internal const int SpeculationStreamBase = 1000;

    public int Pool { get; }
    public int Index { get; }

    /// <summary>Speculative decoding of this replica (null: off).</summary>
    internal Speculator? Speculator => _speculator;

    /// <summary>Seconds of steps spent copying prefix blocks back from the offload tiers.</summary>
    public double OffloadLoadSecondsTotal { get; private set; }
    public ReplicaConfig Config { get; }
    public ReplicaRole Role { get; }
    public CostModel Cost { get; }
    public KvCache Kv { get; }
    public int TokenBudget { get; }
    public int MaxBatch { get; }

    /// <summary>Requests waiting for their (first or recomputed) prefill, oldest first.</summary>
    public Deque<Request> Waiting { get; } = new();
    /// <summary>Requests preempted to host memory, oldest first.</summary>
    public Deque<Request> Swapped { get; } = new();
    /// <summary>Requests whose prompt KV cache arrived from the prefill pool.</summary>
    public Deque<Request> ArrivedKv { get; } = new();
    /// <summary>Requests holding KV blocks, in admission order.</summary>
    public List<Request> Running { get; } = [];

    /// <summary>Seconds of steps run, summed (each stage's devices are busy 1/PP of it; see <see cref="ServingSimulator"/>).</summary>
    public double BusySeconds { get; private set; }
    public long Steps { get; private set; }
    public long Preemptions { get; private set; }
    /// <summary>Requests on their way here from the prefill pool (counted for routing).</summary>
    public int Incoming { get; set; }

    /// <summary>Requests waiting, running, swapped or arriving: the router's load measure.</summary>
    public int Outstanding => Waiting.Count + Running.Count + Swapped.Count + ArrivedKv.Count + Incoming;

    /// <summary>A new request (or one preempted back to prefill) joins the waiting queue.</summary>
    public void Enqueue(Request r)
    {
        r.State = RequestState.Waiting;
        r.Replica = Index;
        if (Role != ReplicaRole.Decode) r.PrefillReplica = Index;
        Waiting.AddLast(r);
        Kick();
    }

    /// <summary>A request whose prompt KV cache has arrived from the prefill pool.</summary>
    public void EnqueueArrivedKv(Request r)
    {
        r.State = RequestState.Waiting;
        r.Replica = Index;
        ArrivedKv.AddLast(r);
        Kick();
    }

    /// <summary>Frees the blocks of a request that has left for the decode pool.</summary>
    public void ReleaseTransferred(Request r, double now)
    {
        Kv.Advance(now);
        Kv.Release(r);
        Kick();
    }

    /// <summary>
    /// Starts a step once the first pipeline stage is free, after every event already due then has run (so
    /// simultaneous arrivals share the step).
    /// </summary>
    private void Kick()
    {
        if (_inFlight < _stageFree.Length && !_kick.Pending) _cluster.Sim.Schedule(_kick, Math.Max(_cluster.Sim.Now, _stageFree[0]));
    }

    private void TryStartStep()
    {
        if (_inFlight >= _stageFree.Length) return;
        double now = _cluster.Sim.Now;
        if (now < _stageFree[0]) { Kick(); return; }
        Kv.Advance(now);
        // Swap copies made while planning a step that ended up empty are paid by the next step.
        _step.Reset(_carriedSeconds);
        _carriedSeconds = 0;
        _scheduler.Plan(_step);
        if (_step.Count == 0)
        {
            _carriedSeconds = _step.ExtraSeconds;
            return;
        }
        var batch = _spareBatches.Count > 0 ? _spareBatches.Pop() : new Batch(this);
        batch.Entries.Clear();
        batch.Entries.AddRange(_step.Entries);
        // The generic engine prices the step's kernels as launched one by one; an engine profile adds its CUDA graphs and CPU time.
        double seconds = (_engineCost is null ? Cost.StepSeconds(_step.Shape) : _engineCost.StepSeconds(_step.Shape)) + _step.ExtraSeconds;
        if (_speculator is not null) seconds += _speculator.StepSeconds(_step);
        foreach (var e in batch.Entries)
        {
            var r = e.Request;
            r.InFlight = true;
            if (double.IsNaN(r.FirstScheduled) && !r.Decoding) r.FirstScheduled = now;
        }
        _inFlight++;
        BusySeconds += seconds;
        Steps++;
        // Each stage takes an equal share of the step; a batch waits at a stage still busy with the one before it.
        double stage = seconds / _stageFree.Length, t = now;
        for (int k = 0; k < _stageFree.Length; k++)
        {
            t = Math.Max(t, _stageFree[k]) + stage;
            _stageFree[k] = t;
        }
        _cluster.OnStepStart(this, new StepRecord(Pool, Index, now, t, batch.Entries.Count, _step.PrefillTokens, _step.DecodeTokens, Kv.UsedBlocks, Kv.TotalBlocks, _step.Preemptions));
        _cluster.Sim.Schedule(batch.End, t);
        if (_stageFree.Length > 1) Kick();
    }

    /// <summary>Applies a finished step's plan: computed tokens enter the KV cache, emitted tokens reach the user.</summary>
    private void EndStep(Batch batch)
    {
        double now = _cluster.Sim.Now;
        _inFlight--;
        Kv.Advance(now);
        bool removed = false;
        foreach (var e in batch.Entries)
        {
            var r = e.Request;
            r.InFlight = false;
            r.Computed += e.Tokens;
            if (_registersPrefixes && (r.PrefixGroup >= 0 || r.SessionKey >= 0)) Kv.Register(r);
            for (int k = 0; k < e.Emits && !r.Finished; k++)
            {
                r.Generated++;
                r.Decoding = true;
                if (r.Finished)
                {
                    Kv.Release(r);
                    r.State = RequestState.Done;
                    removed = true;
                    _cluster.OnToken(r, now, this);
                    _cluster.Complete(r, now);
                }
                else if (Role == ReplicaRole.Prefill)
                {
                    // The first token exists; the request leaves with its KV cache (blocks freed when the transfer ends).
                    r.State = RequestState.Transferring;
                    removed = true;
                    _cluster.StartTransfer(r, this, now);
                    break;
                }
                else _cluster.OnToken(r, now, this);
            }
        }
        if (removed) Running.RemoveAll(static r => r.State != RequestState.Running);
        _spareBatches.Push(batch);
        TryStartStep();
    }

    // ---------------------------------------------------------------- mechanics the schedulers use through Step

    /// <summary>
    /// Preempts a running request: recompute drops its KV cache (it waits to be prefilled again, prompt and generated
    /// tokens); swap copies its blocks to host memory over the host link, each device its own share, paid by this step.
    /// </summary>
    internal void Preempt(Request r, Step step)
    {
        step.Preemptions++;
        Preemptions++;
        r.Preemptions++;
        int held = r.Blocks;
        // With an offload tier, a swap needs room there; without one host memory is taken to be large enough.
        bool swap = Config.Preemption == PreemptionMode.Swap && Config.HostLink is not null && Kv.TryPinSwap(held);
        Kv.Release(r);
        if (swap)
        {
            var link = Config.HostLink!;
            r.Blocks = held; // now the blocks it holds in host memory
            step.ExtraSeconds += link.LatencySeconds + r.Blocks * (double)Config.BlockSize * _kvBytesPerTokenPerDevice / link.BandwidthBytesPerSecond;
            r.State = RequestState.Swapped;
            Swapped.AddLast(r);
        }
        else
        {
            r.Computed = 0;
            r.Decoding = false;
            r.State = RequestState.Waiting;
            step.Preempted.Add(r);
        }
    }

    /// <summary>Copies a swapped request's blocks back over the host link (paid by this step) and admits it with <paramref name="blocks"/> blocks.</summary>
    internal void SwapIn(Request r, int blocks, Step step)
    {
        var link = Config.HostLink!;
        step.ExtraSeconds += link.LatencySeconds + r.Blocks * (double)Config.BlockSize * _kvBytesPerTokenPerDevice / link.BandwidthBytesPerSecond;
        Kv.UnpinSwap(r.Blocks);
        r.Blocks = 0;
        step.Admit(r, blocks);
    }

    /// <summary>
    /// Seconds to copy prefix blocks back to the devices: from host memory, each device its own share over its host link
    /// (latency + bytes ÷ bandwidth); from the SSD, the whole blocks at the SSD's read bandwidth, or the host link's if
    /// slower, plus the SSD's latency.
    /// </summary>
    internal double OffloadLoadSeconds(int hostBlocks, int ssdBlocks)
    {
        var link = Config.HostLink!;
        double perDevice = Config.BlockSize * _kvBytesPerTokenPerDevice;
        double t = 0;
        if (hostBlocks > 0) t += link.LatencySeconds + hostBlocks * perDevice / link.BandwidthBytesPerSecond;
        if (ssdBlocks > 0 && Config.KvOffload is { } off)
            t += off.SsdLatencySeconds + Math.Max(ssdBlocks * perDevice * Config.Deployment.Devices / off.SsdBandwidthBytesPerSecond, ssdBlocks * perDevice / link.BandwidthBytesPerSecond);
        OffloadLoadSecondsTotal += t;
        return t;
    }

    /// <summary>The plan of one step in flight, with the event that ends it; reused from step to step.</summary>
    private sealed class Batch
    {
        public Batch(Replica replica) => End = new StepEndEvent(replica, this);

        public List<StepEntry> Entries { get; } = [];
        public StepEndEvent End { get; }
    }

    private sealed class StepEndEvent(Replica replica, Batch batch) : Event
    {
        public override void Fire(Simulation sim) => replica.EndStep(batch);
    }

    private sealed class KickEvent(Replica replica) : Event
    {
        public override void Fire(Simulation sim) => replica.TryStartStep();
    }
}
