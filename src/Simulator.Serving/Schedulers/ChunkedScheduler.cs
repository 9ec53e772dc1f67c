namespace Simulator.Serving;

/// <summary>
/// Chunked prefill (Sarathi-Serve, and vLLM's scheduler when chunked prefill is on): every step takes all running
/// decodes first, then prompt chunks (partially prefilled requests, then new ones) until the token budget is used, so
/// decodes never wait behind a long prompt.
/// </summary>
internal sealed class ChunkedScheduler : Scheduler
{
    public override SchedulerKind Kind => SchedulerKind.Chunked;
    public override string Name => "chunked";
    public override int DefaultTokenBudget => ReplicaConfig.DefaultChunkedBudget;
    public override bool PromptsLimitedByBudget => false;
    public override bool ReservesWholeRequest => false;

    internal override void Plan(Step s)
    {
        int budget = s.TokenBudget;
        RunDecodes(s, ref budget);
        if (s.Preemptions == 0) SwapInAll(s, ref budget);
        RunChunks(s, ref budget);
        if (s.Preemptions != 0) return;
        AdmitArrivedKv(s, ref budget);
        while (s.Waiting.Count > 0 && budget > 0 && s.Count < s.MaxBatch && s.Running.Count < s.MaxBatch)
        {
            var r = s.Waiting.First;
            int blocks = s.Kv.BlocksFor(r.Known) - r.Blocks;
            if (!s.CanAdmit(r, blocks)) break;
            s.Waiting.RemoveFirst();
            s.Admit(r, blocks);
            int chunk = Math.Min(r.Remaining, budget);
            budget -= chunk;
            s.Prefill(r, chunk);
        }
    }
}
