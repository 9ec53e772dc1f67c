namespace Simulator.Serving;

/// <summary>
/// Request-level batching: a batch is admitted only when the replica is idle (FIFO, up to the batch limit and token
/// budget, KV reserved for every prompt and output in full), prefilled together, and decoded until its last request
/// ends; nobody joins midway.
/// </summary>
internal sealed class StaticScheduler : Scheduler
{
    public override SchedulerKind Kind => SchedulerKind.Static;
    public override string Name => "static";
    public override int DefaultTokenBudget => ReplicaConfig.DefaultUnchunkedBudget;
    public override bool PromptsLimitedByBudget => true;
    public override bool ReservesWholeRequest => true;

    internal override void Plan(Step s)
    {
        if (s.Running.Count == 0)
        {
            long tokens = 0;
            while (s.Running.Count < s.MaxBatch && (s.Waiting.Count > 0 || s.ArrivedKv.Count > 0))
            {
                var queue = s.ArrivedKv.Count > 0 ? s.ArrivedKv : s.Waiting;
                var r = queue.First;
                int work = r.Decoding ? s.DecodeSpan : s.PromptWork(r);
                if (tokens > 0 && tokens + work > s.TokenBudget) break;
                // Speculative decoding writes up to k tokens past the last one kept: reserve for them too.
                int blocks = s.Kv.BlocksFor(s.Role == ReplicaRole.Prefill ? r.Known : (long)r.InputTokens + r.OutputTokens + s.DecodeSpan - 1) - r.Blocks;
                if (!s.CanAdmit(r, blocks)) break;
                queue.RemoveFirst();
                s.Admit(r, blocks);
                tokens += work;
                if (r.Decoding) s.Decode(r); else s.Prefill(r, r.Remaining);
            }
            return;
        }
        foreach (var r in s.Running)
            if (!r.InFlight) s.Decode(r);
    }
}
