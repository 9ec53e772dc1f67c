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

    public int Known => InputTokens + Generated;
    public int Remaining => Known - Computed;
    public bool Finished => Generated >= OutputTokens;
}
