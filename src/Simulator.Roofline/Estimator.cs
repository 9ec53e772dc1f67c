using Simulator.Core.Specs;

namespace Simulator.Roofline;

/// <summary>A static batch: <see cref="Batch"/> requests, each with the same prompt and output length.</summary>
public readonly record struct Workload(int Batch, int InputTokens, int OutputTokens);

/// <summary>What a deployment does with a static batch.</summary>
public sealed record Estimate(
    Deployment Deployment,
    Workload Workload,
    double TtftSeconds,
    double TpotSeconds,
    double E2eSeconds,
    double TokensPerSecond,
    double TokensPerSecondPerDevice,
    double Mfu,
    double Mbu,
    MemoryFootprint Memory,
    double KvCacheBytes,
    double ActivationBytes,
    bool Fits,
    int MaxBatchAtThisContext,
    Bound PrefillBound,
    Bound DecodeBound)
{
    /// <summary>Bytes used on one device: weights, the whole batch's KV cache and activations.</summary>
    public double UsedBytesPerDevice => Memory.WeightBytes + KvCacheBytes + ActivationBytes;
}

/// <summary>
/// Latency and throughput of a static batch: time to first token (prefill of the whole batch), time per
/// output token (a decode step at the average context I + O/2), and what follows from them.
/// </summary>
public static class Estimator
{
    public static Estimate Run(Deployment d, Workload w) => Run(d, w, null);

    /// <summary>
    /// The estimate as <paramref name="engine"/> runs the batch (null: the generic engine, exactly <see cref="Run(Deployment, Workload)"/>):
    /// the prefill step launched as the engine launches it (eager, or piecewise graphs) plus its CPU time, the decode step
    /// replayed from the CUDA graph of the next captured batch size plus its CPU time, and the KV cache sized by the
    /// engine's memory rule. A static batch is an offline run, so the API server's per-request overheads are not included
    /// (the serving simulator adds them). The engine should be resolved for the device (<see cref="EngineProfile.ForDevice"/>).
    /// </summary>
    public static Estimate Run(Deployment d, Workload w, EngineProfile? engine)
    {
        if (w.Batch < 1 || w.InputTokens < 1 || w.OutputTokens < 1)
            throw new PlanException("batch, input and output tokens must each be at least 1");
        var cost = new CostModel(d);
        var engineCost = engine is null ? null : new EngineStepCost(cost, engine);
        int pp = d.Parallelism.Pp;
        // Pipeline micro-batches: the batch is split in up to PP parts so that stages work concurrently.
        int micro = Math.Min(w.Batch, pp);
        int perMicro = (int)Math.Ceiling(w.Batch / (double)micro);

        var prefill = BatchShape.For(d.Model);
        for (int i = 0; i < perMicro; i++) prefill.AddPrefill(w.InputTokens);
        double prefillStep = engineCost?.StepSeconds(prefill) ?? cost.StepSeconds(prefill);
        double ttft = prefillStep + (micro - 1) * cost.StageSeconds(prefill);
        double prefillFlops = Sum(cost.Operators(prefill), o => o.Flops) * micro;
        var prefillBound = Dominant(cost.Operators(prefill));

        var decode = BatchShape.For(d.Model);
        long avgContext = w.InputTokens + w.OutputTokens / 2;
        decode.AddDecode(avgContext, perMicro);
        double tpot = engineCost?.StepSeconds(decode) ?? cost.StepSeconds(decode);
        var decodeOps = cost.Operators(decode);
        double decodeFlops = Sum(decodeOps, o => o.Flops) * micro;
        double decodeBytes = Sum(decodeOps, o => o.Bytes);
        var decodeBound = Dominant(decodeOps);

        double e2e = ttft + (w.OutputTokens - 1) * tpot;
        double tokensPerSecond = (double)w.Batch * w.OutputTokens / e2e;
        int devices = d.Devices;
        double totalFlops = (prefillFlops + decodeFlops * (w.OutputTokens - 1)) * devices;
        double mfu = totalFlops / (e2e * d.GemmPeak * devices);
        double mbu = decodeBytes / (tpot * d.Bandwidth);

        var mem = MemoryModel.For(d, engine);
        double contextEnd = w.InputTokens + w.OutputTokens;
        // With attention data parallelism each rank holds the KV cache of its own ceil(B / DP) requests (and runs their
        // prefill); the replica fits DP times what one rank does.
        int dp = d.Parallelism.Dp;
        int perRank = dp > 1 ? (w.Batch + dp - 1) / dp : w.Batch;
        int perRankMicro = dp > 1 ? (perMicro + dp - 1) / dp : perMicro;
        // Sliding-window and chunked layers of a model that also has global layers keep only their span, linear-attention
        // layers a fixed state (MemoryFootprint.RequestKvBytes).
        double kv = mem.BatchKvBytes(perRank, contextEnd);
        double act = MemoryModel.ActivationBytes(d, (double)perRankMicro * w.InputTokens, perRankMicro);
        bool fits = mem.FitsBatch(perRank, contextEnd, act);
        int maxBatch = mem.MaxRequests(contextEnd, act) * dp;
        return new Estimate(d, w, ttft, tpot, e2e, tokensPerSecond, tokensPerSecond / devices, mfu, mbu, mem, kv, act, fits, Math.Max(0, maxBatch), prefillBound, decodeBound);
    }

    private static double Sum(ReadOnlySpan<OperatorCost> ops, Func<OperatorCost, double> f)
    {
        double s = 0;
        foreach (var o in ops) s += f(o) * o.Layers;
        return s;
    }

    /// <summary>The roof that accounts for most of the step's time.</summary>
    private static Bound Dominant(ReadOnlySpan<OperatorCost> ops)
    {
        double compute = 0, memory = 0, comm = 0;
        foreach (var o in ops)
        {
            switch (o.RooflineBound)
            {
                case Bound.Compute: compute += o.TotalSeconds; break;
                case Bound.Memory: memory += o.TotalSeconds; break;
                default: comm += o.TotalSeconds; break;
            }
        }
        return compute >= memory && compute >= comm ? Bound.Compute : memory >= comm ? Bound.Memory : Bound.Communication;
    }
}
