using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>What a replica does with a request.</summary>
internal enum ReplicaRole
{
    /// <summary>Prefill and decode (a unified pool).</summary>
    Both,
    /// <summary>Prefill only: after the first token the request leaves for the decode pool with its KV cache.</summary>
    Prefill,
    /// <summary>Decode requests whose KV cache arrived from the prefill pool (and recompute any it preempts).</summary>
    Decode,
}

/// <summary>
/// One model replica: its queues (waiting, running, swapped, and KV caches arrived from a prefill pool), its
/// paged KV cache, its replica scheduler and its cost model (the execution-time predictor). Each engine step, the
/// scheduler assembles a batch, the cost model prices it, and a step-end event applies its progress. A pipeline-parallel replica keeps up to PP batches in flight, one per stage (vLLM's virtual engines):
/// a step's time is split evenly over the stages, the next batch enters the first stage when it frees, and a
/// request is in at most one batch at a time.
/// </summary>
internal sealed class Replica
{
    private readonly ServingCluster _cluster;
    private readonly Deque<Request> _waiting = new();
    private readonly Deque<Request> _swapped = new();
    private readonly Deque<Request> _arrivedKv = new();
    private readonly List<Request> _running = [];
    private readonly Stack<Batch> _spareBatches = new();
    private readonly double[] _stageFree;
    private Batch _batch = null!;
    private readonly List<Request> _preempted = [];
    private readonly KickEvent _kick;
    private readonly int _tokenBudget, _maxBatch, _window;
    private readonly double _kvBytesPerTokenPerDevice;
    private int _inFlight;
    private double _extraSeconds, _carriedSeconds;
    private int _stepPreemptions, _stepPrefillTokens, _stepDecodeTokens;

    public Replica(ServingCluster cluster, int pool, int index, ReplicaConfig config, ReplicaRole role)
    {
        _cluster = cluster;
        Pool = pool;
        Index = index;
        Config = config;
        Role = role;
        Cost = new CostModel(config.Deployment);
        Kv = new KvCache(config.KvBlocks(), config.BlockSize, config.Watermark);
        _tokenBudget = config.EffectiveTokenBudget;
        _maxBatch = config.MaxBatch;
        _window = config.Deployment.Model.SlidingWindow ?? 0;
        _kvBytesPerTokenPerDevice = MemoryModel.For(config.Deployment).KvBytesPerToken;
        _stageFree = new double[config.Deployment.Parallelism.Pp];
        _kick = new KickEvent(this);
    }

    public int Pool { get; }
    public int Index { get; }
    public ReplicaConfig Config { get; }
    public ReplicaRole Role { get; }
    public CostModel Cost { get; }
    public KvCache Kv { get; }

    /// <summary>Seconds of steps run, summed (each stage's devices are busy 1/PP of it; see <see cref="ServingSimulator"/>).</summary>
    public double BusySeconds { get; private set; }
    public long Steps { get; private set; }
    public long Preemptions { get; private set; }
    /// <summary>Requests on their way here from the prefill pool (counted for routing).</summary>
    public int Incoming { get; set; }

    /// <summary>Requests waiting, running, swapped or arriving: the router's load measure.</summary>
    public int Outstanding => _waiting.Count + _running.Count + _swapped.Count + _arrivedKv.Count + Incoming;

    /// <summary>A new request (or one preempted back to prefill) joins the waiting queue.</summary>
    public void Enqueue(Request r)
    {
        r.State = RequestState.Waiting;
        r.Replica = Index;
        if (Role != ReplicaRole.Decode) r.PrefillReplica = Index;
        _waiting.AddLast(r);
        Kick();
    }

    /// <summary>A request whose prompt KV cache has arrived from the prefill pool.</summary>
    public void EnqueueArrivedKv(Request r)
    {
        r.State = RequestState.Waiting;
        r.Replica = Index;
        _arrivedKv.AddLast(r);
        Kick();
    }

    /// <summary>Frees the blocks of a request that has left for the decode pool.</summary>
    public void ReleaseTransferred(Request r, double now)
    {
        Kv.Advance(now);
        Kv.Free(r.Blocks);
        r.Blocks = 0;
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
        _batch = _spareBatches.Count > 0 ? _spareBatches.Pop() : new Batch(this);
        _batch.Requests.Clear();
        // Swap copies made while planning a step that ended up empty are paid by the next step.
        _extraSeconds = _carriedSeconds;
        _carriedSeconds = 0;
        _stepPreemptions = 0;
        _stepPrefillTokens = 0;
        _stepDecodeTokens = 0;
        var shape = BatchShape.Create(_window);
        switch (Config.Scheduler)
        {
            case SchedulerKind.Static: ScheduleStatic(ref shape); break;
            case SchedulerKind.Continuous: ScheduleContinuous(ref shape); break;
            default: ScheduleChunked(ref shape); break;
        }
        var batch = _batch;
        if (batch.Requests.Count == 0)
        {
            _carriedSeconds = _extraSeconds;
            _spareBatches.Push(batch);
            return;
        }
        double seconds = Cost.StepSeconds(shape) + _extraSeconds;
        foreach (var r in batch.Requests)
        {
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
        _cluster.OnStepStart(this, new StepRecord(Pool, Index, now, t, batch.Requests.Count, _stepPrefillTokens, _stepDecodeTokens, Kv.UsedBlocks, Kv.TotalBlocks, _stepPreemptions));
        _cluster.Sim.Schedule(batch.End, t);
        if (_stageFree.Length > 1) Kick();
    }

    private void EndStep(Batch batch)
    {
        double now = _cluster.Sim.Now;
        _inFlight--;
        Kv.Advance(now);
        bool removed = false;
        foreach (var r in batch.Requests)
        {
            r.InFlight = false;
            r.Computed += r.StepTokens;
            if (!r.StepEmits) continue;
            r.Generated++;
            r.Decoding = true;
            if (r.Finished)
            {
                Kv.Free(r.Blocks);
                r.Blocks = 0;
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
            }
            else _cluster.OnToken(r, now, this);
        }
        if (removed) _running.RemoveAll(static r => r.State != RequestState.Running);
        _spareBatches.Push(batch);
        TryStartStep();
    }

    // ---------------------------------------------------------------- schedulers

    /// <summary>Static batching: admit a batch only when none is running, reserving KV for every prompt and output in full.</summary>
    private void ScheduleStatic(ref BatchShape shape)
    {
        if (_running.Count == 0)
        {
            long tokens = 0;
            while (_running.Count < _maxBatch && (_waiting.Count > 0 || _arrivedKv.Count > 0))
            {
                var queue = _arrivedKv.Count > 0 ? _arrivedKv : _waiting;
                var r = queue.First;
                int work = r.Decoding ? 1 : r.Remaining;
                if (tokens > 0 && tokens + work > _tokenBudget) break;
                int blocks = Kv.BlocksFor(Role == ReplicaRole.Prefill ? r.Known : r.InputTokens + r.OutputTokens) - r.Blocks;
                if (!Kv.CanAllocate(blocks, Kv.WatermarkBlocks)) break;
                queue.RemoveFirst();
                Admit(r, blocks);
                tokens += work;
                if (r.Decoding) PlanDecode(r, ref shape); else PlanPrefill(r, r.Remaining, ref shape);
            }
            return;
        }
        foreach (var r in _running)
            if (!r.InFlight) PlanDecode(r, ref shape);
    }

    /// <summary>vLLM's default policy: a prefill-only step when waiting prompts fit, else a decode step of every running request.</summary>
    private void ScheduleContinuous(ref BatchShape shape)
    {
        if (_swapped.Count == 0)
        {
            long tokens = 0;
            while (_waiting.Count > 0 && _running.Count < _maxBatch)
            {
                var r = _waiting.First;
                int work = r.Remaining;
                if (tokens > 0 && tokens + work > _tokenBudget) break;
                int blocks = Kv.BlocksFor(r.Known) - r.Blocks;
                if (!Kv.CanAllocate(blocks, Kv.WatermarkBlocks)) break;
                _waiting.RemoveFirst();
                Admit(r, blocks);
                tokens += work;
                PlanPrefill(r, work, ref shape);
            }
            if (_batch.Requests.Count > 0) return;
        }
        int budget = int.MaxValue;
        ScheduleRunning(ref shape, ref budget, chunks: false);
        if (_stepPreemptions == 0)
        {
            SwapIn(ref shape, ref budget);
            AdmitArrivedKv(ref shape, ref budget);
        }
    }

    /// <summary>Sarathi-Serve: running decodes first, then prompt chunks (running ones, then new ones) up to the token budget.</summary>
    private void ScheduleChunked(ref BatchShape shape)
    {
        int budget = _tokenBudget;
        ScheduleRunning(ref shape, ref budget, chunks: false);
        if (_stepPreemptions == 0) SwapIn(ref shape, ref budget);
        ScheduleRunning(ref shape, ref budget, chunks: true);
        if (_stepPreemptions != 0) return;
        AdmitArrivedKv(ref shape, ref budget);
        while (_waiting.Count > 0 && budget > 0 && _batch.Requests.Count < _maxBatch && _running.Count < _maxBatch)
        {
            var r = _waiting.First;
            int blocks = Kv.BlocksFor(r.Known) - r.Blocks;
            if (!Kv.CanAllocate(blocks, Kv.WatermarkBlocks)) break;
            _waiting.RemoveFirst();
            Admit(r, blocks);
            int chunk = Math.Min(r.Remaining, budget);
            budget -= chunk;
            PlanPrefill(r, chunk, ref shape);
        }
    }

    /// <summary>
    /// Plans the running requests: decodes (one token each, growing their KV by a block when needed and preempting
    /// the latest admitted requests when no block is free), or with <paramref name="chunks"/> the next prompt chunks
    /// of partially prefilled ones.
    /// </summary>
    private void ScheduleRunning(ref BatchShape shape, ref int budget, bool chunks)
    {
        int end = _running.Count;
        for (int i = 0; i < end; i++)
        {
            if (budget <= 0 || _batch.Requests.Count >= _maxBatch) break;
            var r = _running[i];
            if (r.State != RequestState.Running || r.InFlight) continue;
            if (chunks)
            {
                if (r.Decoding) continue;
                int chunk = Math.Min(r.Remaining, budget);
                budget -= chunk;
                PlanPrefill(r, chunk, ref shape);
                continue;
            }
            if (!r.Decoding) continue;
            // A new block only when the token to write falls past the blocks held (avoids a division per token).
            int need = r.Computed + 1 > r.Blocks * Kv.BlockSize ? Kv.BlocksFor(r.Computed + 1) - r.Blocks : 0;
            bool self = false;
            while (need > 0 && !Kv.CanAllocate(need))
            {
                int victim = end - 1;
                // Victims are the latest admitted requests not already computing in another pipeline stage.
                while (victim > i && (_running[victim].State != RequestState.Running || _running[victim].InFlight)) victim--;
                if (victim <= i) { Preempt(r); self = true; break; }
                Preempt(_running[victim]);
                end = victim;
            }
            if (self) break;
            if (need > 0) { Kv.Allocate(need); r.Blocks += need; }
            budget -= 1;
            PlanDecode(r, ref shape);
        }
        if (_preempted.Count > 0 || _stepPreemptions > 0) FinishPreemptions();
    }

    private void Preempt(Request r)
    {
        _stepPreemptions++;
        Preemptions++;
        r.Preemptions++;
        Kv.Free(r.Blocks);
        if (Config.Preemption == PreemptionMode.Swap && Config.HostLink is { } link)
        {
            // Swap out: each device copies its share of the request's blocks over its own host link.
            _extraSeconds += link.LatencySeconds + r.Blocks * (double)Config.BlockSize * _kvBytesPerTokenPerDevice / link.BandwidthBytesPerSecond;
            r.State = RequestState.Swapped;
            _swapped.AddLast(r);
        }
        else
        {
            r.Blocks = 0;
            r.Computed = 0;
            r.Decoding = false;
            r.State = RequestState.Waiting;
            _preempted.Add(r);
        }
    }

    /// <summary>Removes preempted requests from the running list; recomputed ones re-enter the waiting queue at its front, oldest first.</summary>
    private void FinishPreemptions()
    {
        _running.RemoveAll(static r => r.State != RequestState.Running);
        // _preempted holds victims latest-admitted first (and the request that preempted itself last, the oldest):
        // pushing each to the front leaves them oldest first.
        foreach (var r in _preempted) _waiting.AddFirst(r);
        _preempted.Clear();
    }

    /// <summary>Brings swapped requests back (oldest first) while blocks allow, paying the copy over the host link.</summary>
    private void SwapIn(ref BatchShape shape, ref int budget)
    {
        var link = Config.HostLink;
        while (_swapped.Count > 0 && _running.Count < _maxBatch && budget > 0 && link is not null)
        {
            var r = _swapped.First;
            int held = r.Blocks;
            int blocks = Math.Max(held, r.Decoding ? Kv.BlocksFor(r.Computed + 1) : held);
            if (!Kv.CanAllocate(blocks, Kv.WatermarkBlocks)) break;
            _swapped.RemoveFirst();
            _extraSeconds += link.LatencySeconds + held * (double)Config.BlockSize * _kvBytesPerTokenPerDevice / link.BandwidthBytesPerSecond;
            r.Blocks = 0;
            Admit(r, blocks);
            if (r.Decoding) { budget -= 1; PlanDecode(r, ref shape); }
        }
    }

    /// <summary>Admits requests whose KV cache arrived from the prefill pool; they decode in this step.</summary>
    private void AdmitArrivedKv(ref BatchShape shape, ref int budget)
    {
        while (_arrivedKv.Count > 0 && _running.Count < _maxBatch && budget > 0)
        {
            var r = _arrivedKv.First;
            int blocks = Kv.BlocksFor(r.Computed + 1);
            if (!Kv.CanAllocate(blocks, Kv.WatermarkBlocks)) break;
            _arrivedKv.RemoveFirst();
            Admit(r, blocks);
            budget -= 1;
            PlanDecode(r, ref shape);
        }
    }

    private void Admit(Request r, int blocks)
    {
        Kv.Allocate(blocks);
        r.Blocks += blocks;
        r.State = RequestState.Running;
        r.StepTokens = 0;
        _running.Add(r);
    }

    private void PlanDecode(Request r, ref BatchShape shape)
    {
        r.StepTokens = 1;
        r.StepEmits = true;
        shape.AddDecode(r.Computed);
        _stepDecodeTokens++;
        _batch.Requests.Add(r);
    }

    private void PlanPrefill(Request r, int tokens, ref BatchShape shape)
    {
        r.StepTokens = tokens;
        r.StepEmits = tokens == r.Remaining;
        shape.AddPrefill(tokens, r.Computed, r.StepEmits);
        _stepPrefillTokens += tokens;
        _batch.Requests.Add(r);
    }

    /// <summary>The requests of one step in flight, with the event that ends it; reused from step to step.</summary>
    private sealed class Batch
    {
        public Batch(Replica replica) => End = new StepEndEvent(replica, this);

        public List<Request> Requests { get; } = [];
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
