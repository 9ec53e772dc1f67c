namespace Simulator.Serving;

/// <summary>Where a request is in its life.</summary>
internal enum RequestState { Waiting, Running, Swapped, Transferring, Done }

/// <summary>
/// One request in flight. Progress is kept as two counts: <see cref="Known"/> tokens exist (prompt + generated) and
/// <see cref="Computed"/> of them have K/V in the cache. What a step does to it (tokens computed, tokens emitted) lives
/// in the step's plan (<see cref="StepEntry"/>), not here. Recompute preemption drops the cache (Computed = 0), so the next prefill covers prompt + generated tokens.
/// Only scalars are kept (no per-token lists), so memory does not grow with the output.
/// </summary>
internal sealed class Request
{
    public long Id;
    public int ClassIndex;
    public double ArrivalTime;
    public int InputTokens;
    public int OutputTokens;
    public Slo Slo;
    public int UserIndex = -1;

    public RequestState State;
    public int Generated;
    public int Computed;
    public bool Decoding;
    public int Blocks;
    public int Replica = -1;
    public int PrefillReplica = -1;

    /// <summary>Part of a step in flight (a pipeline-parallel replica runs several).</summary>
    public bool InFlight;

    // Timing.
    public double FirstScheduled = double.NaN;
    public double FirstToken = double.NaN;
    public double LastToken = double.NaN;
    public double ItlSum;
    public double ItlMax;
    public int ItlCount;
    public int Preemptions;

    // Prefix caching: the leading PrefixTokens tokens are the same for every request of PrefixGroup (a system prompt,
    // a few-shot template); with a session, every token is part of a conversation that later turns resend. Block keys
    // derive from these (KvCache.BlockKey). -1: none.
    public long PrefixGroup = -1;
    public int PrefixTokens;
    public long SessionKey = -1;
    /// <summary>Leading blocks held through the replica's prefix table (shared); the rest of <see cref="Blocks"/> are its own.</summary>
    public int SharedBlocks;
    /// <summary>Prompt tokens found in the prefix cache when it was last admitted from scratch.</summary>
    public int CachedTokens;
    /// <summary>Turns of its session still to come after this one (0: none or the last).</summary>
    public int TurnsLeft;
    /// <summary>The session's mean think time between turns.</summary>
    public double ThinkSeconds;
    /// <summary>Speculative decoding: the acceptance of its class (null: the replica's).</summary>
    public AcceptanceModel? Acceptance;

    public int Known => InputTokens + Generated;
    public int Remaining => Known - Computed;
    public bool Finished => Generated >= OutputTokens;
}
