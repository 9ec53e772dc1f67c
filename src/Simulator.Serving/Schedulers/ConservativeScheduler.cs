namespace Simulator.Serving;

/// <summary>
/// SGLang's scheduler (v0.5.4, schedule_policy.py PrefillAdder and scheduler.py): when prompts wait, the step is a prefill
/// batch (mixed chunks are off by default): the prompt being chunked continues first, then waiting prompts in arrival
/// order, each cut to what is left of the chunk budget (chunked_prefill_size); decodes wait for it. Otherwise the step
/// decodes every running request. Admission is conservative: a new request needs free KV for its prompt and
/// min(its output, 4096) tokens beyond what the running requests keep reserved, min(remaining output, 4096) × the
/// new-token ratio each. The ratio starts at 0.7 and falls to 0.098 over 600 decode steps; when a decode step runs out
/// of KV and requests are retracted (recomputed), it is reset to (tokens decoded + 20 × running) / (tokens to decode + 1).
/// The ratio is the replica's own state, so each replica has its own instance (<see cref="ForReplica"/>).
/// </summary>
internal sealed class ConservativeScheduler : Scheduler
{
    /// <summary>SGLang's chunked_prefill_size for 60–160 GB devices.</summary>
    public const int DefaultBudget = 8192;

    /// <summary>Decode steps a retracted request is assumed to still run when the ratio is re-estimated (SGLANG_RETRACT_DECODE_STEPS).</summary>
    private const int RetractDecodeSteps = 20;

    private double _ratio = double.NaN;

    public override SchedulerKind Kind => SchedulerKind.Conservative;
    public override string Name => "conservative";
    public override int DefaultTokenBudget => DefaultBudget;
    public override bool PromptsLimitedByBudget => false;
    public override bool ReservesWholeRequest => false;

    internal override Scheduler ForReplica() => new ConservativeScheduler();

    /// <summary>The current new-token ratio (for tests).</summary>
    internal double Ratio => _ratio;

    internal override void Plan(Step s)
    {
        var p = s.Config.Engine?.Scheduler;
        double init = p?.NewTokenRatio ?? 0.7, floor = p?.MinNewTokenRatio ?? 0.098;
        int decaySteps = Math.Max(1, p?.NewTokenRatioDecaySteps ?? 600), clip = p?.ClipMaxNewTokens ?? 4096;
        if (double.IsNaN(_ratio)) _ratio = init;

        bool chunking = false;
        foreach (var r in s.Running)
            if (r.State == RequestState.Running && !r.Decoding && !r.InFlight) { chunking = true; break; }
        if ((s.Waiting.Count > 0 || chunking) && s.Swapped.Count == 0)
        {
            int budget = s.TokenBudget;
            RunChunks(s, ref budget);
            double reserved = 0;
            foreach (var r in s.Running)
                if (r.State == RequestState.Running && r.Decoding) reserved += Math.Min(r.OutputTokens - r.Generated, clip) * _ratio;
            while (s.Waiting.Count > 0 && budget > 0 && s.Running.Count < s.MaxBatch && s.Count < s.MaxBatch)
            {
                var r = s.Waiting.First;
                double free = (double)s.Kv.FreeBlocks * s.Kv.BlockSize - reserved;
                int future = Math.Min(Math.Max(r.OutputTokens - r.Generated, 0), clip);
                // SGLang counts the prompt less its radix-cache hits (extend length) against the free room.
                if (s.PromptWork(r) + future > free) break;
                int blocks = s.Kv.BlocksFor(r.Known) - r.Blocks;
                if (!s.CanAdmit(r, blocks)) break;
                s.Waiting.RemoveFirst();
                s.Admit(r, blocks);
                reserved += future;
                int chunk = Math.Min(r.Remaining, budget);
                budget -= chunk;
                s.Prefill(r, chunk);
            }
            if (s.Count > 0) return;
        }
        int all = int.MaxValue;
        RunDecodes(s, ref all);
        if (s.Preemptions > 0)
        {
            long decoded = 0, toDecode = 0;
            foreach (var r in s.Running) { decoded += r.Generated; toDecode += r.OutputTokens; }
            _ratio = Math.Min(1.0, (decoded + RetractDecodeSteps * (double)s.Running.Count) / (toDecode + 1.0));
            return;
        }
        if (s.DecodeTokens > 0) _ratio = Math.Max(floor, _ratio - (init - floor) / decaySteps);
        SwapInAll(s, ref all);
        AdmitArrivedKv(s, ref all);
    }
}
