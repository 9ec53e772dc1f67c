using Simulator.Serving;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Planner;

/// <summary>Estimates a replica configuration's capacity within the SLOs.</summary>
public interface ICapacityModel
{
    Capacity Capacity(CandidateConfig config, Demand demand, Slo slo);

    /// <summary>Mean TTFT and TPOT of one replica serving <paramref name="requestsPerSecond"/> (NaN where the role has none; infinity when overloaded).</summary>
    (double TtftSeconds, double TpotSeconds) LatencyAt(CandidateConfig config, Demand demand, double requestsPerSecond);
}

/// <summary>
/// Capacity from the cost model and queueing arithmetic, fast enough to rank thousands of configurations.
/// Aggregated continuous batching at arrival rate λ: prompts take ρp = λ·tp of the replica's time, decode steps
/// the rest, so TPOT = td(B) / (1 − ρp); by Little's law B = λ·(TTFT + O·TPOT) requests are in flight; TTFT is one
/// prefill plus the M/D/1 wait ρp·tp / (2(1 − ρp)) plus the decode step it waits behind. Capacity is the largest
/// λ (by bisection) with TTFT and TPOT within the SLOs and B within the batch and KV-cache limits. A prefill pool
/// is an M/D/1 server of prompts; a decode pool holds B requests with td(B) within the TPOT target.
/// With prefix caching a prefill computes only the prompt's uncached tokens after the cached ones (the demand's mean
/// cached tokens: every prefix assumed resident). With speculative decoding a decode step of B requests is a
/// verification of B(k + 1) tokens plus the drafter's k passes, and emits E tokens per request (the acceptance model's
/// expectation), so the time per output token is that step over E; the drafter's weights and KV shrink the cache.
/// The chosen plans are checked afterwards; this only needs to rank configurations sensibly.
/// </summary>
/// <remarks>
/// With an engine profile the step times are the engine's (CUDA graphs, CPU time per step), the KV cache is sized by its
/// memory rule, and TTFT adds its per-request API-server overheads; the queueing arithmetic stays the same.
/// </remarks>
public sealed class AnalyticCapacity(ModelSpec model, PlannerSettings? settings = null, EngineProfile? engine = null) : ICapacityModel
{
    private readonly int _minActivationTokens = (settings ?? PlannerSettings.Default).MinActivationTokens;

    private sealed record Ctx(CostModel Cost, BatchShape Empty, double Tp, int BMax, string? Problem, PruneCause? Cause = null)
    {
        /// <summary>The engine's view of the cost model (null: the generic engine).</summary>
        public EngineStepCost? Engine { get; init; }

        /// <summary>The engine's API-server seconds per request (before the engine and to the client): in TTFT, not in GPU time.</summary>
        public double RequestSeconds { get; init; }
        /// <summary>The drafter's cost model (speculative decoding with a drafter).</summary>
        public CostModel? Draft { get; init; }
        /// <summary>Draft tokens per step (0: no speculative decoding).</summary>
        public int K { get; init; }
        /// <summary>Expected tokens a request emits per decode step (1 without speculative decoding).</summary>
        public double TokensPerStep { get; init; } = 1;

        /// <summary>Seconds of a step of the target model: the engine's (graphs, CPU time) when there is one.</summary>
        public double Seconds(BatchShape s) => Engine?.StepSeconds(s) ?? Cost.StepSeconds(s);
    }

    private Ctx Prepare(CandidateConfig c, Demand demand)
    {
        Deployment d;
        try { d = Deployment.Create(model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: c.Efficiency); }
        catch (PlanException e) { return new Ctx(null!, default, double.NaN, 0, e.Message, PruneCause.Invalid); }
        var cost = new CostModel(d);
        var resolvedEngine = engine?.ForDevice(c.Device);
        var engineCost = resolvedEngine is null ? null : new EngineStepCost(cost, resolvedEngine);
        var window = BatchShape.For(d.Model);
        double input = Math.Max(1, demand.MeanInputTokens), output = Math.Max(1, demand.MeanOutputTokens);
        var mem = MemoryModel.For(d, resolvedEngine);
        if (!mem.WeightsFit) return new Ctx(cost, window, double.NaN, 0, $"weights ({mem.WeightBytes / 1e9:0.#} GB per device) do not fit", PruneCause.WeightsDoNotFit);
        int dp = c.Parallelism.Dp;
        double act = dp > 1
            ? MemoryModel.ActivationBytes(d, Math.Ceiling(Math.Max(input, _minActivationTokens) / dp), Math.Ceiling(c.MaxBatch / (double)dp))
            : MemoryModel.ActivationBytes(d, Math.Max(input, _minActivationTokens), c.MaxBatch);
        double contextEnd = c.Role == ReplicaRole.Prefill ? input : input + output;
        // Requests one device (one attention-DP rank) holds; a linear-attention model's requests each add a fixed state,
        // and a drafter's weights and its own KV per token share the device.
        double room = Math.Max(0, mem.KvRoomBytes(act)), kvPerToken = mem.KvBytesPerToken;
        CostModel? draft = null;
        if (c.Speculative is { } spec)
        {
            Deployment? dd;
            try { dd = spec.DraftDeployment(d); }
            catch (PlanException e) { return new Ctx(cost, window, double.NaN, 0, $"the drafter cannot run: {e.Message}", PruneCause.Invalid); }
            var (draftWeights, draftKv) = spec.Footprint(d);
            room = Math.Max(0, room - draftWeights);
            kvPerToken += draftKv;
            if (dd is not null) draft = new CostModel(dd);
        }
        double perRank = mem.StateBytesPerRequest > 0
            ? Math.Floor(room / (contextEnd * kvPerToken + mem.StateBytesPerRequest))
            : Math.Floor(Math.Floor(room / kvPerToken) / contextEnd);
        int bMax = (int)Math.Min(c.MaxBatch, perRank * dp);
        if (bMax < 1) return new Ctx(cost, window, double.NaN, 0, "not even one request's KV cache fits", PruneCause.NoKvRoom);
        // With prefix caching a prompt computes only what is not cached (the last token always).
        double cached = c.PrefixCaching ? Math.Min(demand.MeanCachedTokens, input - 1) : 0;
        var p = window;
        p.AddPrefill((long)(input - cached), (long)cached);
        double tp = engineCost?.StepSeconds(p) ?? cost.StepSeconds(p);
        if (draft is not null)
        {
            var drafted = BatchShape.For(draft.Deployment.Model);
            drafted.AddPrefill((long)(input - cached), (long)cached);
            tp += draft.StepSeconds(drafted);
        }
        // The API server's overheads lengthen every request's TTFT but occupy no GPU time.
        double overhead = resolvedEngine is null ? 0 : resolvedEngine.Overheads.IngressSeconds((int)input) + resolvedEngine.Overheads.ResponseSeconds;
        return new Ctx(cost, window, tp, resolvedEngine is null ? bMax : Math.Min(bMax, resolvedEngine.Scheduler.MaxBatch), null)
        {
            Engine = engineCost,
            RequestSeconds = overhead,
            Draft = draft,
            K = c.Speculative?.K ?? 0,
            TokensPerStep = c.Speculative is { } sc ? demand.ExpectedTokensPerStep(sc) : 1,
        };
    }

    /// <summary>Seconds of one decode step of <paramref name="b"/> requests at the mean context (with speculative decoding: the verification and the drafter's k passes).</summary>
    private static double Step(Ctx x, Demand demand, int b)
    {
        long context = (long)(Math.Max(1, demand.MeanInputTokens) + Math.Max(1, demand.MeanOutputTokens) / 2);
        var s = x.Empty;
        if (x.K == 0)
        {
            s.AddDecode(context, b);
            return x.Seconds(s);
        }
        for (int i = 0; i < b; i++) s.AddVerify(context, x.K + 1);
        double t = x.Seconds(s);
        if (x.Draft is { } draft)
        {
            var d = BatchShape.For(draft.Deployment.Model);
            d.AddDecode(context, b);
            t += x.K * draft.StepSeconds(d);
        }
        return t;
    }

    /// <summary>Seconds per output token of a request in a decode batch of <paramref name="b"/>: the step over the tokens it emits.</summary>
    private static double Td(Ctx x, Demand demand, int b) => Step(x, demand, b) / x.TokensPerStep;

    /// <summary>Aggregated replica at rate λ: (fits the batch limit, TTFT, TPOT).</summary>
    private static (bool Fits, double Ttft, double Tpot) Aggregated(Ctx x, Demand demand, double lambda)
    {
        double output = Math.Max(1, demand.MeanOutputTokens);
        double rhoP = lambda * x.Tp;
        if (rhoP >= 0.999) return (false, double.PositiveInfinity, double.PositiveInfinity);
        int b = 1;
        double ttft = 0, tpot = 0;
        for (int it = 0; it < 40; it++)
        {
            double tdb = Td(x, demand, b);
            tpot = tdb / (1 - rhoP);
            ttft = x.Tp + rhoP * x.Tp / (2 * (1 - rhoP)) + (x.K == 0 ? tdb : Step(x, demand, b)) + x.RequestSeconds;
            int next = Math.Max(1, (int)Math.Ceiling(lambda * (ttft + output * tpot)));
            if (next > x.BMax) return (false, ttft, tpot);
            if (next == b) break;
            b = next;
        }
        return (true, ttft, tpot);
    }

    public Capacity Capacity(CandidateConfig c, Demand demand, Slo slo)
    {
        var x = Prepare(c, demand);
        if (x.Problem is not null) return new Capacity(c, 0, double.NaN, double.NaN, x.Problem) { Cause = x.Cause };
        double output = Math.Max(1, demand.MeanOutputTokens);
        double td1 = Td(x, demand, 1);
        if (c.Role != ReplicaRole.Decode && x.Tp + x.RequestSeconds > slo.TtftSeconds)
            return new Capacity(c, 0, x.Tp, td1, $"prefill alone takes {x.Tp * 1e3:0} ms, over the TTFT target") { Cause = PruneCause.TtftAtBatchOne };
        if (c.Role != ReplicaRole.Prefill && td1 > slo.TpotSeconds)
            return new Capacity(c, 0, x.Tp, td1, $"a decode step at batch 1 takes {td1 * 1e3:0.#} ms, over the TPOT target") { Cause = PruneCause.TpotAtBatchOne };
        switch (c.Role)
        {
            case ReplicaRole.Prefill:
            {
                double rho = Bisect(r => x.Tp + r * x.Tp / (2 * (1 - r)) + x.RequestSeconds <= slo.TtftSeconds, 0, 0.999);
                return new Capacity(c, rho / x.Tp, x.Tp + rho * x.Tp / (2 * (1 - rho)) + x.RequestSeconds, double.NaN, null);
            }
            case ReplicaRole.Decode:
            {
                int best = 1;
                for (int b = 1; b <= x.BMax; b = b < 8 ? b + 1 : Math.Min(x.BMax + 1, (int)Math.Ceiling(b * 1.25)))
                    if (Td(x, demand, b) <= slo.TpotSeconds) best = b; else break;
                double tdb = Td(x, demand, best);
                return new Capacity(c, best / (output * tdb), double.NaN, tdb, null);
            }
            default:
            {
                double upper = Math.Min(0.999 / x.Tp, x.BMax / (output * td1));
                double lambda = Bisect(l => Aggregated(x, demand, l) is { Fits: true } a && a.Ttft <= slo.TtftSeconds && a.Tpot <= slo.TpotSeconds, 0, upper);
                var at = Aggregated(x, demand, lambda);
                return new Capacity(c, lambda, at.Ttft, at.Tpot, lambda <= 0 ? "cannot meet the SLOs at any load" : null) { Cause = lambda <= 0 ? PruneCause.NoLoadMeetsTargets : null };
            }
        }
    }

    public (double TtftSeconds, double TpotSeconds) LatencyAt(CandidateConfig c, Demand demand, double requestsPerSecond)
    {
        var x = Prepare(c, demand);
        if (x.Problem is not null) return (double.PositiveInfinity, double.PositiveInfinity);
        switch (c.Role)
        {
            case ReplicaRole.Prefill:
            {
                double rho = requestsPerSecond * x.Tp;
                return rho >= 1 ? (double.PositiveInfinity, double.NaN) : (x.Tp + rho * x.Tp / (2 * (1 - rho)) + x.RequestSeconds, double.NaN);
            }
            case ReplicaRole.Decode:
            {
                // Requests in flight B = λ·O·td(B): iterate to the fixed point.
                int b = 1;
                for (int it = 0; it < 40; it++)
                {
                    int next = Math.Max(1, (int)Math.Ceiling(requestsPerSecond * Math.Max(1, demand.MeanOutputTokens) * Td(x, demand, b)));
                    if (next > x.BMax) return (double.NaN, double.PositiveInfinity);
                    if (next == b) break;
                    b = next;
                }
                return (double.NaN, Td(x, demand, b));
            }
            default:
            {
                var a = Aggregated(x, demand, requestsPerSecond);
                return a.Fits ? (a.Ttft, a.Tpot) : (double.PositiveInfinity, double.PositiveInfinity);
            }
        }
    }

    /// <summary>Largest x in [lo, hi] with ok(x), assuming ok holds below some threshold and fails above it.</summary>
    private static double Bisect(Func<double, bool> ok, double lo, double hi)
    {
        if (hi <= lo) return lo;
        if (ok(hi)) return hi;
        if (!ok(lo + (hi - lo) * 1e-9)) return lo;
        for (int i = 0; i < 50; i++)
        {
            double mid = (lo + hi) / 2;
            if (ok(mid)) lo = mid; else hi = mid;
        }
        return lo;
    }
}
