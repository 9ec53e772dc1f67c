namespace Simulator.Serving;

/// <summary>
/// Iteration-level batching as vLLM's default scheduler did before chunked prefill: when waiting prompts fit (blocks
/// for the prompt, the 1% watermark, batch limit, token budget) the step is a prefill of those prompts; otherwise a
/// decode step of every running request, with swapped and arrived requests brought back when nothing was preempted.
/// Prompts longer than the token budget can never run and are rejected at arrival.
/// </summary>
internal sealed class ContinuousScheduler : Scheduler
{
    public override SchedulerKind Kind => SchedulerKind.Continuous;
    public override string Name => "continuous";
    public override int DefaultTokenBudget => ReplicaConfig.DefaultUnchunkedBudget;
    public override bool PromptsLimitedByBudget => true;
    public override bool ReservesWholeRequest => false;

    internal override void Plan(Step s)
    {
        if (s.Swapped.Count == 0)
        {
            long tokens = 0;
            while (s.Waiting.Count > 0 && s.Running.Count < s.MaxBatch)
            {
                var r = s.Waiting.First;
                int work = s.PromptWork(r);
                if (tokens > 0 && tokens + work > s.TokenBudget) break;
                int blocks = s.Kv.BlocksFor(r.Known) - r.Blocks;
                if (!s.CanAdmit(r, blocks)) break;
                s.Waiting.RemoveFirst();
                s.Admit(r, blocks);
                tokens += work;
                s.Prefill(r, work);
            }
            if (s.Count > 0) return;
        }
        int budget = int.MaxValue;
        RunDecodes(s, ref budget);
        if (s.Preemptions == 0)
        {
            SwapInAll(s, ref budget);
            AdmitArrivedKv(s, ref budget);
        }
    }
}
