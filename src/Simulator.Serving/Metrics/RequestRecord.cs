namespace Simulator.Serving;

/// <summary>
/// What happened to one request, streamed out once when it completes or is rejected (never retained by the
/// simulator). Times are in seconds; latencies of a rejected request are NaN.
/// </summary>
/// <param name="Id">Arrival order, from 0.</param>
/// <param name="ClassName">Its request class.</param>
/// <param name="Replica">Replica that produced its tokens (the decode replica when disaggregated); -1 if rejected.</param>
/// <param name="PrefillReplica">Replica that ran its prefill (equal to <paramref name="Replica"/> unless disaggregated).</param>
/// <param name="QueueDelay">From arrival until the first step that processes its prompt starts.</param>
/// <param name="Ttft">Time to first token: arrival until its first token exists (disaggregated: until its KV cache reached the decode pool).</param>
/// <param name="Tpot">Time per output token after the first: (E2E − TTFT) / (output − 1), the mean of its inter-token latencies; NaN for one output token.</param>
/// <param name="E2e">Arrival until its last token.</param>
/// <param name="ItlMax">Longest gap between two of its tokens (preemption stalls show here).</param>
/// <param name="MetSlo">Whether it completed within every SLO of its class.</param>
/// <param name="RejectReason">Why it was not served; null when it completed.</param>
public readonly record struct RequestRecord(
    long Id,
    string ClassName,
    double ArrivalTime,
    int InputTokens,
    int OutputTokens,
    int Replica,
    int PrefillReplica,
    double QueueDelay,
    double Ttft,
    double Tpot,
    double E2e,
    double ItlMax,
    int Preemptions,
    bool MetSlo,
    string? RejectReason)
{
    public bool Completed => RejectReason is null;

    /// <summary>Prompt tokens found in the prefix cache when it was (last) admitted, whose prefill was skipped (0 without prefix caching).</summary>
    public int CachedTokens { get; init; }

    /// <summary>Simulated time of its last token (NaN if rejected).</summary>
    public double CompletionTime => ArrivalTime + E2e;
}

/// <summary>Receives each request's record as soon as it is final (completed or rejected).</summary>
public interface IRequestSink
{
    void OnRequest(in RequestRecord record);
}

/// <summary>Summary of one engine step, for observers that check invariants or draw timelines.</summary>
/// <param name="Pool">0 = the (prefill) pool, 1 = the decode pool.</param>
public readonly record struct StepRecord(int Pool, int Replica, double Start, double End, int Sequences, int PrefillTokens, int DecodeTokens,
    int UsedBlocks, int TotalBlocks, int Preemptions);

/// <summary>Progress of a running simulation.</summary>
public readonly record struct SimulationProgress(double Now, long Arrived, long Finished, long Target);
