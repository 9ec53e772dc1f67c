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

    public Step(Replica replica, BatchShape empty)
    {
        _replica = replica;
        Empty = empty;
    }

    /// <summary>The model's empty batch shape (its sliding window or attention chunk set), copied at every reset.</summary>
    public BatchShape Empty { get; }
    public BatchShape Shape;
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

    public void Reset(double carriedSeconds)
    {
        Shape = Empty;
        Entries.Clear();
        Preemptions = PrefillTokens = DecodeTokens = 0;
        ExtraSeconds = carriedSeconds;
    }

    /// <summary>Takes <paramref name="blocks"/> more KV blocks for <paramref name="r"/> and moves it to the running list.</summary>
    public void Admit(Request r, int blocks)
    {
        Kv.Allocate(blocks);
        r.Blocks += blocks;
        r.State = RequestState.Running;
        Running.Add(r);
    }

    /// <summary>One decode token of <paramref name="r"/>: computes one token's K/V and emits <paramref name="emits"/> tokens (1 without speculation).</summary>
    public void Decode(Request r, int emits = 1)
    {
        Shape.AddDecode(r.Computed);
        DecodeTokens++;
        Entries.Add(new StepEntry(r, 1, emits));
    }

    /// <summary>A prefill chunk of <paramref name="tokens"/> tokens; the request emits its first token when the chunk completes what it knows.</summary>
    public void Prefill(Request r, int tokens)
    {
        bool emits = tokens == r.Remaining;
        Shape.AddPrefill(tokens, r.Computed, emits);
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
