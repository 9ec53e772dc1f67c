namespace Simulator.Serving;

/// <summary>
/// A replica scheduler: each engine step it decides which requests run and how many tokens each computes and emits
/// (the step plan), and it owns its admission rule and defaults. The replica keeps only the engine's mechanics. One
/// file per policy; <see cref="For"/> is the registry. To add a policy: a new <see cref="SchedulerKind"/>, a subclass
/// here, and a line in <see cref="For"/>.
/// </summary>
public abstract class Scheduler
{
    /// <summary>The kind this scheduler implements.</summary>
    public abstract SchedulerKind Kind { get; }

    /// <summary>New tokens per step when the user sets no budget.</summary>
    public abstract int DefaultTokenBudget { get; }

    /// <summary>Whether a prompt longer than the step's token budget can never run (no chunking), so it is rejected at arrival.</summary>
    public abstract bool PromptsLimitedByBudget { get; }

    /// <summary>Whether admission reserves KV for the whole request (prompt + every output token) up front.</summary>
    public abstract bool ReservesWholeRequest { get; }

    /// <summary>The policy's name in engine profiles and on the command line (<c>chunked</c>, <c>no-evict</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary>Fills <paramref name="step"/> with this step's work.</summary>
    internal abstract void Plan(Step step);

    /// <summary>
    /// The instance one replica uses: the shared registry instance for stateless policies; a policy that keeps state from
    /// step to step (SGLang's new-token ratio) returns a fresh one.
    /// </summary>
    internal virtual Scheduler ForReplica() => this;

    private static readonly Scheduler[] Registry =
        [new StaticScheduler(), new ContinuousScheduler(), new ChunkedScheduler(), new NoEvictScheduler(), new ConservativeScheduler()];

    /// <summary>The scheduler of a kind.</summary>
    public static Scheduler For(SchedulerKind kind) =>
        Registry.FirstOrDefault(s => s.Kind == kind) ?? throw new ArgumentOutOfRangeException(nameof(kind), $"no scheduler registered for {kind}");

    /// <summary>The scheduler an engine profile's policy names (<see cref="Core.Specs.EngineProfile.Policies"/>), or null for an unknown name.</summary>
    public static Scheduler? ForPolicy(string name) => Registry.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every registered scheduler, in registry order.</summary>
    public static IReadOnlyList<Scheduler> All => Registry;

    // ------------------------------------------------------------------ building blocks shared by the policies

    /// <summary>
    /// Plans one decode token for every running request that is past its prompt, in admission order, growing its KV
    /// by a block when the next token needs one; when no block is free it preempts the latest admitted requests not
    /// already computing in another pipeline stage, and the request itself when none is left (vLLM's policy).
    /// </summary>
    internal static void RunDecodes(Step s, ref int budget) => RunRunning(s, ref budget, chunks: false);

    /// <summary>Plans the next prompt chunk of every running request that is still prefilling, up to the budget.</summary>
    internal static void RunChunks(Step s, ref int budget) => RunRunning(s, ref budget, chunks: true);

    private static void RunRunning(Step s, ref int budget, bool chunks)
    {
        var running = s.Running;
        var kv = s.Kv;
        int span = s.DecodeSpan;
        int end = running.Count;
        for (int i = 0; i < end; i++)
        {
            if (budget <= 0 || s.Count >= s.MaxBatch) break;
            var r = running[i];
            if (r.State != RequestState.Running || r.InFlight) continue;
            if (chunks)
            {
                if (r.Decoding) continue;
                int chunk = Math.Min(r.Remaining, budget);
                budget -= chunk;
                s.Prefill(r, chunk);
                continue;
            }
            if (!r.Decoding) continue;
            // A new block only when the tokens to write fall past the blocks held (avoids a division per token).
            int need = r.Computed + span > r.Blocks * kv.BlockSize ? kv.BlocksFor(r.Computed + span) - r.Blocks : 0;
            bool self = false;
            while (need > 0 && !kv.CanAllocate(need))
            {
                int victim = end - 1;
                // Victims are the latest admitted requests not already computing in another pipeline stage.
                while (victim > i && (running[victim].State != RequestState.Running || running[victim].InFlight)) victim--;
                if (victim <= i) { s.Preempt(r); self = true; break; }
                s.Preempt(running[victim]);
                end = victim;
            }
            if (self) break;
            if (need > 0) { kv.Allocate(need); r.Blocks += need; }
            budget -= span;
            s.Decode(r);
        }
        if (s.Preempted.Count > 0 || s.Preemptions > 0) s.FinishPreemptions();
    }

    /// <summary>Brings swapped requests back (oldest first) while blocks allow; those past their prompt decode in this step.</summary>
    internal static void SwapInAll(Step s, ref int budget)
    {
        var link = s.Config.HostLink;
        while (s.Swapped.Count > 0 && s.Running.Count < s.MaxBatch && budget > 0 && link is not null)
        {
            var r = s.Swapped.First;
            int held = r.Blocks;
            int blocks = Math.Max(held, r.Decoding ? s.Kv.BlocksFor(r.Computed + s.DecodeSpan) : held);
            if (!s.Kv.CanAllocate(blocks, s.Kv.WatermarkBlocks)) break;
            s.Swapped.RemoveFirst();
            s.SwapIn(r, blocks);
            if (r.Decoding) { budget -= s.DecodeSpan; s.Decode(r); }
        }
    }

    /// <summary>Admits requests whose KV cache arrived from the prefill pool; they decode in this step.</summary>
    internal static void AdmitArrivedKv(Step s, ref int budget)
    {
        while (s.ArrivedKv.Count > 0 && s.Running.Count < s.MaxBatch && budget > 0)
        {
            var r = s.ArrivedKv.First;
            int blocks = s.Kv.BlocksFor(r.Computed + s.DecodeSpan);
            if (!s.Kv.CanAllocate(blocks, s.Kv.WatermarkBlocks)) break;
            s.ArrivedKv.RemoveFirst();
            s.Admit(r, blocks);
            budget -= s.DecodeSpan;
            s.Decode(r);
        }
    }
}
