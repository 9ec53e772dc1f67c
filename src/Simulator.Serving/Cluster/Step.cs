using Simulator.Roofline;

namespace Simulator.Serving;

/// <summary>One request's share of an engine step: tokens whose K/V it computes, and output tokens it emits at the step's end.</summary>
internal readonly record struct StepEntry(Request Request, int Tokens, int Emits);

/// <summary>
/// The engine step a scheduler is filling: the replica's queues and KV cache as the scheduler sees them, and the
/// operations it composes a step from (admit, decode, prefill a chunk, preempt, swap in). The step plan is the list of
/// <see cref="StepEntry"/> (who runs, how many tokens each computes and emits); the batch shape the cost model prices is
/// built alongside. One instance per replica, reset every step; the replica keeps the mechanics behind these
/// operations (block accounting, swap copies over the host link, pipeline timing).
/// </summary>
internal sealed class Step
{
    private readonly Replica _replica;

    private readonly Speculator? _spec;
    // The last prefix probe, valid while the cache is unchanged (schedulers ask for a request's work and room in turn).
    private Request? _probed;
    private long _probedVersion;
    private PrefixProbe _probe;

    public Step(Replica replica, BatchShape empty, Speculator? speculator = null)
    {
        _replica = replica;
        Empty = empty;
        _spec = speculator;
        DecodeSpan = speculator?.Config.VerifyTokens ?? 1;
    }

    /// <summary>The model's empty batch shape (its sliding window or attention chunk set), copied at every reset.</summary>
    public BatchShape Empty { get; }
    public BatchShape Shape;
    /// <summary>With speculative decoding: the drafter's work this step, one pass (prompt chunks and decodes) and the decodes alone for its other k - 1 passes.</summary>
    public BatchShape DraftShape, DraftDecodeShape;
    public readonly List<StepEntry> Entries = [];
    /// <summary>Victims of recompute preemption this step, latest admitted first, until <see cref="FinishPreemptions"/>.</summary>
    public readonly List<Request> Preempted = [];
    public int Preemptions, PrefillTokens, DecodeTokens;
    /// <summary>Seconds of host-link copies (swap out and in) added to the step.</summary>
    public double ExtraSeconds;

    public Deque<Request> Waiting => _replica.Waiting;
    public Deque<Request> Swapped => _replica.Swapped;
    public Deque<Request> ArrivedKv => _replica.ArrivedKv;
    public List<Request> Running => _replica.Running;
    public KvCache Kv => _replica.Kv;
    public int MaxBatch => _replica.MaxBatch;
    public int TokenBudget => _replica.TokenBudget;
    public ReplicaRole Role => _replica.Role;
    public ReplicaConfig Config => _replica.Config;

    /// <summary>Requests in the step so far.</summary>
    public int Count => Entries.Count;

    /// <summary>Tokens a decode of one request computes and needs KV room for: 1, or k + 1 with speculative decoding.</summary>
    public int DecodeSpan { get; }

    public void Reset(double carriedSeconds)
    {
        Shape = Empty;
        if (_spec is not null)
        {
            DraftShape = _spec.Empty;
            DraftDecodeShape = _spec.Empty;
        }
        Entries.Clear();
        Preemptions = PrefillTokens = DecodeTokens = 0;
        ExtraSeconds = carriedSeconds;
    }

    /// <summary>Whether a lookup in the prefix cache applies to <paramref name="r"/>: caching is on and it starts from scratch.</summary>
    private bool LooksUp(Request r) => Kv.Prefix is not null && r.Computed == 0 && r.Blocks == 0;

    private PrefixProbe Probe(Request r)
    {
        long version = Kv.PrefixVersion;
        if (!ReferenceEquals(_probed, r) || _probedVersion != version)
        {
            _probe = Kv.Probe(r);
            _probed = r;
            _probedVersion = version;
        }
        return _probe;
    }

    /// <summary>Prompt tokens <paramref name="r"/> will compute once admitted: what it knows less what it has computed and, with prefix caching, the blocks found cached.</summary>
    public int PromptWork(Request r) => LooksUp(r) ? r.Remaining - Probe(r).Hits * Kv.BlockSize : r.Remaining;

    /// <summary>
    /// Whether <paramref name="r"/> can be admitted holding <paramref name="blocks"/> more blocks while the watermark
    /// stays free. Blocks found in the prefix cache are not taken from the free pool, except those nobody holds (they
    /// were counted as free), as vLLM's allocator counts.
    /// </summary>
    public bool CanAdmit(Request r, int blocks)
    {
        if (!LooksUp(r)) return Kv.CanAllocate(blocks, Kv.WatermarkBlocks);
        var p = Probe(r);
        return Kv.CanAllocate(blocks - p.DeviceHits + p.EvictableHits, Kv.WatermarkBlocks);
    }

    /// <summary>
    /// Takes <paramref name="blocks"/> more KV blocks for <paramref name="r"/> and moves it to the running list. With
    /// prefix caching, a request starting from scratch holds the cached blocks of its prompt instead of new ones and
    /// starts computing past them; blocks found in the offload tiers are copied back, paid by this step.
    /// </summary>
    public void Admit(Request r, int blocks)
    {
        if (LooksUp(r))
        {
            var p = Probe(r);
            Kv.AdmitCached(r, blocks, p);
            if (p.HostHits + p.SsdHits > 0) ExtraSeconds += _replica.OffloadLoadSeconds(p.HostHits, p.SsdHits);
        }
        else
        {
            Kv.Allocate(blocks);
            r.Blocks += blocks;
        }
        r.State = RequestState.Running;
        Running.Add(r);
    }

    /// <summary>
    /// One decode of <paramref name="r"/>: computes one token's K/V and emits <paramref name="emits"/> tokens. With
    /// speculative decoding it is a verification instead: the target computes k + 1 tokens and the request emits the
    /// accepted drafts plus one, drawn from its acceptance model.
    /// </summary>
    public void Decode(Request r, int emits = 1)
    {
        if (_spec is not null)
        {
            Speculate(r);
            return;
        }
        Shape.AddDecode(r.Computed);
        DecodeTokens++;
        Entries.Add(new StepEntry(r, 1, emits));
    }

    private void Speculate(Request r)
    {
        var spec = _spec!;
        int k = spec.Config.K;
        Shape.AddVerify(r.Computed, k + 1);
        DecodeTokens += k + 1;
        if (spec.HasDrafter)
        {
            DraftShape.AddDecode(r.Computed);
            DraftDecodeShape.AddDecode(r.Computed);
        }
        // The accepted drafts and the last token have K/V now; the emitted tokens are new (the last has none yet).
        int emits = Math.Min(spec.Sample(r, k), r.OutputTokens - r.Generated);
        Entries.Add(new StepEntry(r, emits, emits));
    }

    /// <summary>A prefill chunk of <paramref name="tokens"/> tokens; the request emits its first token when the chunk completes what it knows.</summary>
    public void Prefill(Request r, int tokens)
    {
        bool emits = tokens == r.Remaining;
        Shape.AddPrefill(tokens, r.Computed, emits);
        // A draft model (or head) keeps its own KV cache of the prompt, so it prefills the chunk too.
        if (_spec is { HasDrafter: true }) DraftShape.AddPrefill(tokens, r.Computed, emits);
        PrefillTokens += tokens;
        Entries.Add(new StepEntry(r, tokens, emits ? 1 : 0));
    }

    /// <summary>Preempts <paramref name="r"/> (recompute or swap, as the replica is configured).</summary>
    public void Preempt(Request r) => _replica.Preempt(r, this);

    /// <summary>Removes preempted requests from the running list; recomputed ones re-enter the waiting queue at its front, oldest first.</summary>
    public void FinishPreemptions()
    {
        Running.RemoveAll(static r => r.State != RequestState.Running);
        // Preempted holds victims latest-admitted first (and the request that preempted itself last, the oldest):
        // pushing each to the front leaves them oldest first.
        foreach (var r in Preempted) Waiting.AddFirst(r);
        Preempted.Clear();
    }

    /// <summary>Brings a swapped request back with <paramref name="blocks"/> blocks, paying the copy over the host link.</summary>
    public void SwapIn(Request r, int blocks) => _replica.SwapIn(r, blocks, this);
}
