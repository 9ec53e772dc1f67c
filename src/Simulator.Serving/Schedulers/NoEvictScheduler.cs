namespace Simulator.Serving;

/// <summary>
/// TensorRT-LLM's GUARANTEED_NO_EVICT capacity scheduler with in-flight batching and chunked prefill off: every step
/// carries the running decodes, then whole prompts in arrival order while the step's token budget (max_num_tokens) has
/// room for them; a prompt is admitted only when KV blocks for the prompt and its whole output are free, so a running
/// request never needs a block it does not hold and nothing is ever preempted. A prompt that does not fit the rest of
/// the budget waits for the next step (first come, first served); one longer than the budget is rejected at arrival.
/// </summary>
internal sealed class NoEvictScheduler : Scheduler
{
    /// <summary>TensorRT-LLM's default max_num_tokens (BuildConfig, since v0.11).</summary>
    public const int DefaultBudget = 8192;

    public override SchedulerKind Kind => SchedulerKind.NoEvict;
    public override string Name => "no-evict";
    public override int DefaultTokenBudget => DefaultBudget;
    public override bool PromptsLimitedByBudget => true;
    public override bool ReservesWholeRequest => true;

    internal override void Plan(Step s)
    {
        int budget = s.TokenBudget;
        RunDecodes(s, ref budget);
        if (s.Preemptions != 0) return;
        SwapInAll(s, ref budget);
        // KV caches arriving from a prefill pool: reserve the rest of the request too.
        while (s.ArrivedKv.Count > 0 && s.Running.Count < s.MaxBatch && budget > 0)
        {
            var r = s.ArrivedKv.First;
            int blocks = s.Kv.BlocksFor((long)r.InputTokens + r.OutputTokens + s.DecodeSpan - 1) - r.Blocks;
            if (!s.Kv.CanAllocate(blocks, s.Kv.WatermarkBlocks)) break;
            s.ArrivedKv.RemoveFirst();
            s.Admit(r, blocks);
            budget -= 1;
            s.Decode(r);
        }
        while (s.Waiting.Count > 0 && s.Running.Count < s.MaxBatch && s.Count < s.MaxBatch)
        {
            var r = s.Waiting.First;
            // With prefix caching the prompt's cached blocks are neither computed nor taken from the free pool.
            int work = s.PromptWork(r);
            if (work > budget) break;
            // The whole request's KV, plus the draft tokens a last verification may write with speculative decoding.
            long lifetime = s.Role == ReplicaRole.Prefill ? r.Known : (long)r.InputTokens + r.OutputTokens + s.DecodeSpan - 1;
            int blocks = s.Kv.BlocksFor(lifetime) - r.Blocks;
            if (!s.CanAdmit(r, blocks)) break;
            s.Waiting.RemoveFirst();
            s.Admit(r, blocks);
            budget -= work;
            s.Prefill(r, work);
        }
    }
}
