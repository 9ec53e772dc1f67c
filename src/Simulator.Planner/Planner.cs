using Simulator.Serving;
using System.Diagnostics;
using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Planner;

/// <summary>A device type the planner may use, with the cluster its nodes come as.</summary>
public sealed record HardwareOption(HardwareProfile Device, ClusterSpec Cluster)
{
    /// <summary>The device's efficiency model (its calibration where it has one; null: the profile's constants).</summary>
    public IEfficiencyModel? Efficiency { get; init; }
}

/// <summary>
/// The planner's own constants, named and documented in one place (each can be changed by code that builds a request;
/// the command line keeps the defaults).
/// </summary>
/// <param name="CheckDerate">When a plan misses its targets in the check, the capacities it used are multiplied by this before solving again.</param>
/// <param name="MaxCheckRounds">Solve-and-check rounds before giving up on improving a plan.</param>
/// <param name="MaxPipelineStages">Largest pipeline-parallel degree searched (deeper pipelines only add bubbles at serving batch sizes).</param>
/// <param name="MinActivationTokens">Prompt tokens a step's activation buffer is sized for at least (the engine's smallest step budget in practice).</param>
/// <param name="GoodputStartRate">Fixed-cluster search: first rate tried (requests/s), doubled until a plan fails.</param>
/// <param name="GoodputStepDown">Fixed-cluster search: factor the rate is multiplied by while the simulated check fails.</param>
/// <param name="ExtraAlternatives">Alternatives shown beyond the top plans.</param>
/// <param name="SearchAttentionDataParallel">Search DEP / wide-EP layouts (attention DP with expert parallelism) for MoE models.</param>
/// <param name="MaxExpertParallel">Largest DP = EP degree searched (DeepSeek's largest published deployment runs EP 320).</param>
public sealed record PlannerSettings(
    double CheckDerate = 0.85,
    int MaxCheckRounds = 5,
    int MaxPipelineStages = 4,
    int MinActivationTokens = 512,
    double GoodputStartRate = 0.25,
    double GoodputStepDown = 0.95,
    int ExtraAlternatives = 5,
    bool SearchAttentionDataParallel = true,
    int MaxExpertParallel = 320)
{
    /// <summary>The defaults above.</summary>
    public static PlannerSettings Default { get; } = new();
}

/// <summary>Everything a planning run needs.</summary>
public sealed record PlanRequest(
    ModelSpec Model,
    IReadOnlyList<HardwareOption> Hardware,
    Demand Demand,
    Slo Slo,
    IReadOnlyList<QuantizationScheme>? Quantizations,
    IReadOnlyList<int> MaxBatches,
    Constraints Limits,
    Objective Objective,
    bool AllowDisaggregation,
    int Top = 5)
{
    /// <summary>Period, energy price, PUE and hosting price of the total-cost-of-ownership view.</summary>
    public TcoSettings Tco { get; init; } = TcoSettings.Default;

    /// <summary>The planner's constants.</summary>
    public PlannerSettings Settings { get; init; } = PlannerSettings.Default;

    /// <summary>Whether replicas may run prefix caching (Auto: both ways when the workload shares prefixes).</summary>
    public PrefixCachingMode PrefixCaching { get; init; } = PrefixCachingMode.Off;

    /// <summary>Speculative decoding to consider, on and off, for replicas that decode (null: none).</summary>
    public SpeculativeConfig? Speculative { get; init; }

    /// <summary>The request classes when there are several (each checked against its own targets; <see cref="Slo"/> is then the tightest of them).</summary>
    public IReadOnlyList<RequestClass> Classes { get; init; } = [];

    /// <summary>Whether prefix caching is ever on in the search.</summary>
    public bool ConsidersPrefixCaching => PrefixCaching == PrefixCachingMode.On || (PrefixCaching == PrefixCachingMode.Auto && Demand.MeanCachedTokens > 0);

    /// <summary>Whether the search includes prefix caching or speculative decoding (their choice is then reported).</summary>
    public bool ConsidersFeatures => ConsidersPrefixCaching || Speculative is not null;

    /// <summary>The rate the plan's capacity must reach: the demand divided by the target utilisation (1 − headroom).</summary>
    public double CapacityTarget => Demand.RequestsPerSecond / (1 - Limits.Headroom);

    /// <summary>
    /// The serving engine every replica runs (null: the generic engine). Its scheduler, limits, memory and dtype rules,
    /// CUDA graphs and overheads enter the capacity model and the simulated check; the default quantizations get the
    /// KV type the engine resolves for them.
    /// </summary>
    public EngineProfile? Engine { get; init; }
}

/// <summary>How the search went. <see cref="WallSeconds"/> is kept out of deterministic output.</summary>
/// <param name="SolverStatus">Per part, e.g. "aggregated: optimal; disaggregated: optimal"; a part without a plan says why, never just "infeasible".</param>
public sealed record SearchStats(int Considered, int Pruned, int Evaluated, int Checked, int CheckRounds, string SolverStatus, double WallSeconds);

/// <summary>Ranked plans, the alternatives that lost and why, the devices asked for that are in neither, and the statistics.</summary>
public sealed record PlanResult(IReadOnlyList<Plan> Plans, IReadOnlyList<(Plan Plan, string Reason)> Alternatives, IReadOnlyList<Plan> ParetoCostLatency, IReadOnlyList<Capacity> Capacities, SearchStats Stats)
{
    /// <summary>Plans no other beats on both output tokens per second per device and tokens per second per user.</summary>
    public IReadOnlyList<Plan> ParetoThroughput { get; init; } = [];

    /// <summary>Every device asked for that appears in no plan and no alternative, with the reason and the option that would bring it in.</summary>
    public IReadOnlyList<Exclusion> Excluded { get; init; } = [];

    /// <summary>Why the first plan is first (against the second, or alone).</summary>
    public string WhyFirst { get; init; } = "";
}

/// <summary>No plan can exist: says which constraint binds and what to relax.</summary>
public sealed class InfeasibleException(string message) : Exception(message);

/// <summary>Checks a plan at the demanded rate (the simulator in production, the analytic model as a fallback).</summary>
public interface IPlanChecker
{
    /// <summary>Predicted p90 TTFT and TPOT of the plan at the demanded rate; the plan meets its SLOs when both are within target.</summary>
    (double TtftP90, double TpotP90, double Goodput) Check(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo);

    /// <summary>
    /// The check with each request class judged by its own targets when there are several (<see cref="PlanCheck.Classes"/>);
    /// by default the single-class <see cref="Check"/>.
    /// </summary>
    PlanCheck CheckPlan(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        var (ttft, tpot, goodput) = Check(items, disaggregated, demand, slo);
        return new PlanCheck(ttft, tpot, goodput, []);
    }

    /// <summary>How this checker obtains latencies.</summary>
    CheckMethod Method { get; }
}

/// <summary>
/// Searches replica configurations (device, TP, PP, EP, quantization, batch limit, role), prunes those that cannot
/// fit or cannot meet the SLOs even at batch 1, estimates each survivor's capacity, asks CP-SAT for the cheapest
/// mix that serves the demand (aggregated, and disaggregated prefill/decode pools), checks the winners and, if a
/// plan misses its SLOs, derates the capacities it used and solves again. Every device asked for ends in a plan,
/// an alternative, or the excluded list with the reason.
/// </summary>
public sealed class Planner(ICapacityModel capacity, IPlanChecker? checker = null)
{
    /// <summary>
    /// The candidate configurations for a request. Every device x TP (powers of two up to the node: 8 for an HGX node,
    /// 64 in an NVL72 rack of 72) x PP x EP (1 or TP for MoE) x quantization x batch limit x role; for a mixture-of-experts
    /// model also the attention-data-parallel layouts DEP2, DEP4, ... (TP 1, DP = EP, powers of two dividing the experts)
    /// up to the device limit, across nodes over the inter-node link (wide EP) where the cluster has one. A DP layout
    /// whose weights do not fit at a quantization is dropped here, before any costing (the TP layouts keep their
    /// "does not fit" reasons for the output).
    /// </summary>
    public static List<CandidateConfig> SearchSpace(PlanRequest req)
    {
        var list = new List<CandidateConfig>();
        var m = req.Model;
        foreach (var hw in req.Hardware)
        {
            var quants = req.Quantizations
                ?? (req.Engine is { } engine ? DefaultQuantizations(hw.Device, m).Select(q => engine.ResolveKvCache(q, false).Scheme).ToList() : DefaultQuantizations(hw.Device, m));
            int perNode = hw.Cluster.DevicesPerNode;
            void AddAll(Parallelism par, ClusterSpec cluster, QuantizationScheme q)
            {
                foreach (int b in req.MaxBatches)
                {
                    AddVariants(list, req, new CandidateConfig(hw.Device, cluster, par, q, b, ReplicaRole.Aggregated) { Efficiency = hw.Efficiency });
                    if (req.AllowDisaggregation)
                    {
                        AddVariants(list, req, new CandidateConfig(hw.Device, cluster, par, q, b, ReplicaRole.Prefill) { Efficiency = hw.Efficiency });
                        AddVariants(list, req, new CandidateConfig(hw.Device, cluster, par, q, b, ReplicaRole.Decode) { Efficiency = hw.Efficiency });
                    }
                }
            }
            for (int tp = 1; tp <= perNode; tp *= 2)
                for (int pp = 1; pp <= req.Settings.MaxPipelineStages && tp * pp <= Math.Min(req.Limits.MaxDevicesTotal, hw.Cluster.TotalDevices); pp *= 2)
                    foreach (int ep in m.Moe is null ? [1] : tp > 1 ? new[] { 1, tp } : [1])
                    {
                        var par = new Parallelism(tp, pp, ep);
                        if (Deployment.Validate(m, hw.Device, par, hw.Cluster).Count > 0) continue;
                        foreach (var q in quants) AddAll(par, hw.Cluster, q);
                    }
            if (m.Moe is null || !req.Settings.SearchAttentionDataParallel) continue;
            for (int dp = 2; dp <= req.Limits.MaxDevicesTotal && dp <= req.Settings.MaxExpertParallel; dp *= 2)
            {
                if (dp > perNode && hw.Cluster.InterNode is null) break;
                if (req.Limits.MaxDevices.TryGetValue(hw.Device.Name, out int inventory) && dp > inventory) break;
                var par = new Parallelism(1, 1, dp, dp);
                var cluster = dp > hw.Cluster.TotalDevices ? hw.Cluster with { Nodes = (dp + perNode - 1) / perNode } : hw.Cluster;
                if (Deployment.Validate(m, hw.Device, par, cluster).Count > 0) continue;
                foreach (var q in quants)
                {
                    // Prune by memory before costing: a DP layout whose weights do not fit is not worth a candidate.
                    var d = Deployment.Create(m, hw.Device, q, par, cluster, efficiency: hw.Efficiency);
                    if (!MemoryModel.For(d).WeightsFit) continue;
                    AddAll(par, cluster, q);
                }
            }
        }
        return list;
    }

    /// <summary>
    /// A configuration with each serving feature the request considers, off and on: prefix caching where prompts are
    /// prefilled (not in a decode pool), speculative decoding where tokens are decoded (not in a prefill pool). The
    /// solver then picks, per configuration, whichever serves the demand cheaper.
    /// </summary>
    private static void AddVariants(List<CandidateConfig> list, PlanRequest req, CandidateConfig c)
    {
        bool[] prefix = !req.ConsidersPrefixCaching || c.Role == ReplicaRole.Decode ? [false]
            : req.PrefixCaching == PrefixCachingMode.On ? [true] : [false, true];
        SpeculativeConfig?[] spec = req.Speculative is null || c.Role == ReplicaRole.Prefill ? [null] : [null, req.Speculative];
        foreach (bool pc in prefix)
            foreach (var sp in spec)
                list.Add(pc || sp is not null ? c with { PrefixCaching = pc, Speculative = sp } : c);
    }

    /// <summary>
    /// 16-bit always; fp8 where the device has it; 4-bit floating point where it has an fp4 peak: nvfp4, or mxfp4 on
    /// AMD (CDNA 4's FP4 peak is for the OCP MX format; NVFP4 checkpoints are re-quantized to MXFP4 there); int4 weights
    /// (w4a16) always. Devices without fp4 get exactly the list they had before FP4 existed.
    /// </summary>
    public static List<QuantizationScheme> DefaultQuantizations(HardwareProfile device, ModelSpec model)
    {
        var list = new List<QuantizationScheme> { device.Supports(DataType.Bf16) ? QuantizationScheme.Bf16 : QuantizationScheme.Fp16 };
        if (device.Supports(DataType.Fp8)) list.Add(QuantizationScheme.Parse("fp8"));
        if (device.Supports(DataType.Fp4))
            list.Add(QuantizationScheme.Parse(device.Vendor.Equals("AMD", StringComparison.OrdinalIgnoreCase) ? "mxfp4" : "nvfp4", model.NativeDType));
        list.Add(QuantizationScheme.Parse("w4a16", device.Supports(DataType.Bf16) ? DataType.Bf16 : DataType.Fp16));
        return list;
    }

    /// <summary>Seconds to move one prompt's KV cache from a prefill replica to a decode replica.</summary>
    public static double KvTransferSeconds(ModelSpec m, CandidateConfig decode, double inputTokens)
    {
        var link = KvTransfer.DefaultLink(decode.Cluster, null);
        return link is null ? 0 : KvTransfer.Seconds(KvTransfer.Bytes(m, decode.Quant, inputTokens), link);
    }

    /// <summary>The hourly price in force for a device: the user's (--price), else the profile's (NaN when neither).</summary>
    public static double Hourly(PlanRequest req, HardwareProfile d) =>
        req.Limits.HourlyUsd.TryGetValue(d.Name, out var h) ? h : d.Price.HourlyUsd;

    /// <summary>The purchase price in force for a device: the user's (--purchase-price), else the profile's (NaN when neither).</summary>
    public static double Purchase(PlanRequest req, HardwareProfile d) =>
        req.Limits.PurchaseUsd.TryGetValue(d.Name, out var p) ? p : d.Price.PurchaseUsd;

    /// <summary>Idle power of a device: the profile's, else a quarter of its board power (the simulator's documented default).</summary>
    public static double IdleWatts(HardwareProfile d) => double.IsNaN(d.IdlePowerWatts) ? 0.25 * d.PowerWatts : d.IdlePowerWatts;

    public PlanResult Plan(PlanRequest req)
    {
        var clock = Stopwatch.StartNew();
        var configs = SearchSpace(req);
        if (configs.Count == 0) throw new InfeasibleException($"infeasible: no parallel plan of {req.Model.Name} fits the given hardware and --max-devices {req.Limits.MaxDevicesTotal}; allow more devices or other hardware.");

        // Disaggregated prefill must leave room for the KV transfer inside the TTFT target.
        double transfer = req.AllowDisaggregation ? configs.Where(c => c.Role == ReplicaRole.Decode).Select(c => KvTransferSeconds(req.Model, c, req.Demand.MeanInputTokens)).DefaultIfEmpty(0).Max() : 0;
        var caps = new Capacity[configs.Count];
        Parallel.For(0, configs.Count, i =>
        {
            var c = configs[i];
            var slo = c.Role == ReplicaRole.Prefill ? req.Slo with { TtftSeconds = req.Slo.TtftSeconds - transfer } : req.Slo;
            caps[i] = capacity.Capacity(c, req.Demand, slo);
        });
        var priced = caps.Select(c => Priced(req, c)).ToArray();
        var usable = priced.Where(c => c.Usable).ToList();
        int pruned = priced.Length - usable.Count;
        bool anyAggregated = usable.Any(c => c.Config.Role == ReplicaRole.Aggregated);
        bool anyPools = usable.Any(c => c.Config.Role == ReplicaRole.Prefill) && usable.Any(c => c.Config.Role == ReplicaRole.Decode);
        if (!anyAggregated && !anyPools) throw new InfeasibleException(WhyNothingFits(req, priced));

        var derate = new Dictionary<string, double>();
        var plans = new List<Plan>();
        var parts = new List<string>();
        int rounds = 0, checkedPlans = 0;
        foreach (bool dis in req.AllowDisaggregation ? new[] { false, true } : [false])
        {
            string part = dis ? "disaggregated" : "aggregated";
            var pool = usable.Where(c => dis ? c.Config.Role != ReplicaRole.Aggregated : c.Config.Role == ReplicaRole.Aggregated).ToList();
            if (pool.Count == 0 || (dis && (!pool.Any(c => c.Config.Role == ReplicaRole.Prefill) || !pool.Any(c => c.Config.Role == ReplicaRole.Decode))))
            {
                parts.Add($"{part}: no usable configuration");
                continue;
            }
            string outcome = "";
            for (int round = 1; round <= req.Settings.MaxCheckRounds; round++)
            {
                rounds = Math.Max(rounds, round);
                var items = pool.Select(c => Item(req, c, derate.GetValueOrDefault(c.Config.Key, 1.0))).ToList();
                var result = CountSolver.Solve(items, req.CapacityTarget, req.Limits, req.Objective, dis);
                if (!result.Feasible)
                {
                    outcome = round == 1 ? "no plan within the limits" : $"{outcome}; no plan within the limits after derating";
                    break;
                }
                outcome = result.Status.ToLowerInvariant() + (round > 1 ? $" after {round} rounds" : "");
                var chosen = pool.Select((c, i) => new PlanItem(c, result.Counts[i])).Where(p => p.Count > 0).ToList();
                var plan = Build(req, chosen, dis, $"CP-SAT {result.Status.ToLowerInvariant()}, round {round}", PlanOrigin.Solver);
                checkedPlans++;
                if (plan.MeetsSlo || round == req.Settings.MaxCheckRounds)
                {
                    plans.Add(plan);
                    if (!plan.MeetsSlo) outcome += ", misses a target when checked";
                    break;
                }
                foreach (var it in chosen) derate[it.Capacity.Config.Key] = derate.GetValueOrDefault(it.Capacity.Config.Key, 1.0) * req.Settings.CheckDerate;
            }
            parts.Add($"{part}: {outcome}");
        }
        string status = string.Join("; ", parts);
        if (plans.Count == 0) throw new InfeasibleException(WhySolverFails(req, usable) + $" (solver: {status})");

        // Alternatives: each usable configuration alone (homogeneous plans), for the Pareto fronts and the "why not".
        var alternatives = new List<Plan>();
        foreach (var c in usable.Where(c => c.Config.Role == ReplicaRole.Aggregated))
        {
            int n = (int)Math.Ceiling(req.CapacityTarget / c.RequestsPerSecond - 1e-9);
            if ((long)n * c.Config.Devices > req.Limits.MaxDevicesTotal) continue;
            if (req.Limits.MaxDevices.TryGetValue(c.Config.Device.Name, out int inv) && (long)n * c.Config.Devices > inv) continue;
            var alt = Build(req, [new PlanItem(c, n)], false, "homogeneous", PlanOrigin.Homogeneous, analyticOnly: true);
            if (alt.CostPerHour > req.Limits.BudgetUsdPerHour || alt.PowerWatts > req.Limits.PowerBudgetWatts) continue;
            alternatives.Add(alt);
        }
        var ranked = Rank(req, plans.Concat(alternatives).Where(p => p.MeetsSlo).GroupBy(Signature).Select(g => g.First()));
        if (ranked.Count == 0) ranked = Rank(req, plans);
        // The leading alternatives were judged analytically; check them like the solver's plans, then rank again:
        // plans that meet the targets when checked first, then by the objective and the tie-breaks.
        int shown = Math.Max(1, req.Top) + req.Settings.ExtraAlternatives;
        if (checker is not null)
        {
            var head = ranked.Take(shown).Select(p => p.Origin == PlanOrigin.Homogeneous && p.Check == CheckMethod.Analytic
                ? Build(req, p.Items.ToList(), p.Disaggregated, "homogeneous, checked", PlanOrigin.Homogeneous) : p).ToList();
            checkedPlans += head.Count(p => p.Origin == PlanOrigin.Homogeneous && p.Check == checker.Method);
            ranked = Rank(req, head).Concat(ranked.Skip(shown)).ToList();
        }
        if (req.ConsidersFeatures)
        {
            // Each plan says which serving features it runs and why, against the same configuration with the feature flipped.
            var byKey = priced.ToDictionary(c => c.Config.Key);
            ranked = ranked.Select(p => p with { FeatureChoice = FeatureChoice(req, p, byKey) }).ToList();
        }
        var best = ranked[0];
        var top = ranked.Take(Math.Max(1, req.Top)).ToList();
        var reasons = ranked.Skip(1).Take(Math.Max(0, req.Top - 1) + req.Settings.ExtraAlternatives).Select(p => (p, Reason(req, best, p))).ToList();

        // Every device asked for appears somewhere: its best plan as an alternative, or the excluded list with the reason.
        var excluded = new List<Exclusion>();
        foreach (var hw in req.Hardware.DistinctBy(h => h.Device.Name))
        {
            string name = hw.Device.Name;
            if (top.Any(p => p.DeviceNames.Contains(name)) || reasons.Any(r => r.p.DeviceNames.Contains(name))) continue;
            var own = ranked.FirstOrDefault(p => p.DeviceNames.Contains(name))
                ?? alternatives.Concat(plans).Where(p => p.DeviceNames.Contains(name)).OrderBy(p => Score(req, p)).FirstOrDefault();
            if (own is not null) reasons.Add((own, Reason(req, best, own)));
            else excluded.Add(Exclude(req, hw, priced.Where(c => c.Config.Device.Name == name).ToList()));
        }

        var pareto = Pareto(ranked, p => p.CostPerHour, p => p.PredictedTtftP90Seconds);
        // Throughput per device against tokens per second each user sees (1 / TPOT): both higher is better.
        var paretoThroughput = Pareto(ranked.Where(p => p.PredictedTpotP90Seconds > 0), p => -p.CapacityRequestsPerSecond * req.Demand.MeanOutputTokens / p.Devices, p => p.PredictedTpotP90Seconds);
        return new PlanResult(top, reasons, pareto, priced, new SearchStats(configs.Count, pruned, caps.Length, checkedPlans, rounds, status, clock.Elapsed.TotalSeconds))
        {
            ParetoThroughput = paretoThroughput,
            Excluded = excluded,
            WhyFirst = WhyFirst(req, ranked),
        };
    }

    /// <summary>
    /// Plans that meet the targets first, then by the objective (to the cent, watt or device), then fewer devices
    /// paid for, then lower p90 latency (TTFT + TPOT × output tokens), then more headroom, then by signature.
    /// </summary>
    internal static List<Plan> Rank(PlanRequest req, IEnumerable<Plan> plans) => plans
        .OrderByDescending(p => p.MeetsSlo)
        .ThenBy(p => RoundedScore(req, p))
        .ThenBy(p => p.BilledDevices)
        .ThenBy(p => Latency(req, p))
        .ThenByDescending(p => Math.Round(p.HeadroomAt(req.Demand.RequestsPerSecond), 4))
        .ThenBy(Signature, StringComparer.Ordinal).ToList();

    private static double Latency(PlanRequest req, Plan p) => p.PredictedTtftP90Seconds + p.PredictedTpotP90Seconds * req.Demand.MeanOutputTokens;

    private static double RoundedScore(PlanRequest req, Plan p) => req.Objective switch
    {
        Objective.Cost => Math.Round(p.CostPerHour, 2),
        Objective.Purchase or Objective.Tco => Math.Round(Score(req, p), 0),
        _ => Math.Round(Score(req, p), 3),
    };

    /// <summary>Why the first plan is first, in words: the objective, or the tie-break that decided.</summary>
    internal static string WhyFirst(PlanRequest req, List<Plan> ranked)
    {
        var a = ranked[0];
        string what = ObjectiveWords(req);
        if (!a.MeetsSlo) return "no plan met the targets when checked; this one comes closest on the objective";
        if (ranked.Count < 2) return $"the only plan that meets the targets ({what} {ScoreText(req, a)})";
        var b = ranked[1];
        if (!b.MeetsSlo) return $"the only plan that meets the targets when checked ({what} {ScoreText(req, a)})";
        if (RoundedScore(req, a) < RoundedScore(req, b)) return $"lowest {what}: {ScoreText(req, a)} against {ScoreText(req, b)} for #2";
        string tied = $"tied with #2 on {what} ({ScoreText(req, a)})";
        if (a.BilledDevices < b.BilledDevices) return $"{tied}; fewer devices ({a.BilledDevices} against {b.BilledDevices})";
        if (Latency(req, a) < Latency(req, b)) return $"{tied} and devices ({a.BilledDevices}); lower p90 latency (TTFT {a.PredictedTtftP90Seconds * 1e3:0} ms, TPOT {a.PredictedTpotP90Seconds * 1e3:0.#} ms against {b.PredictedTtftP90Seconds * 1e3:0} ms, {b.PredictedTpotP90Seconds * 1e3:0.#} ms)";
        double ha = a.HeadroomAt(req.Demand.RequestsPerSecond), hb = b.HeadroomAt(req.Demand.RequestsPerSecond);
        if (Math.Round(ha, 4) > Math.Round(hb, 4)) return $"{tied}, devices and latency; more headroom ({ha * 100:0}% spare capacity against {hb * 100:0}%)";
        return $"{tied}, devices, latency and headroom; first by name";
    }

    private static string ObjectiveWords(PlanRequest req) => req.Objective switch
    {
        Objective.Cost => "hourly cost",
        Objective.Purchase => "purchase cost",
        Objective.Power => "power",
        Objective.Tco => $"total cost of ownership over {req.Tco.PeriodSeconds / (365.25 * 86400):0.#} years",
        _ => "device count",
    };

    private static string ScoreText(PlanRequest req, Plan p) => req.Objective switch
    {
        Objective.Cost => $"{p.CostPerHour:0.00} USD/h",
        Objective.Purchase => $"{p.PurchaseUsd:N0} USD",
        Objective.Power => $"{p.PowerWatts:0} W",
        Objective.Tco => p.Tco is { } t ? $"{t.TotalUsd:N0} USD" : "n/a",
        _ => $"{p.Devices} devices",
    };

    /// <summary>Prunes a usable configuration the objective cannot price, saying which price is missing.</summary>
    private static Capacity Priced(PlanRequest req, Capacity c)
    {
        if (!c.Usable) return c;
        var d = c.Config.Device;
        if (req.Objective is Objective.Cost && double.IsNaN(Hourly(req, d)))
            return c with { PrunedReason = $"{d.Name} has no hourly price", Cause = PruneCause.NoHourlyPrice };
        if (req.Objective is Objective.Purchase or Objective.Tco && double.IsNaN(Purchase(req, d)))
            return c with { PrunedReason = $"{d.Name} has no purchase price", Cause = PruneCause.NoPurchasePrice };
        return c;
    }

    /// <summary>Why a device the user asked for is in no plan, and the option that would bring it in.</summary>
    private static Exclusion Exclude(PlanRequest req, HardwareOption hw, List<Capacity> caps)
    {
        string name = hw.Device.Name;
        if (caps.Count == 0)
            return new Exclusion(name, $"no parallel plan of {req.Model.Name} fits {hw.Cluster.Name} within --max-devices {req.Limits.MaxDevicesTotal}",
                "allow more devices (--max-devices) or a larger cluster");
        if (caps.Any(c => c.Usable))
            return new Exclusion(name, "its configurations serve the rate only beyond the device limit, inventory, budget or power budget",
                "raise --max-devices, --inventory, --budget or --power-budget");
        // The cause closest to a plan: missing prices first (everything else worked), then latency, then memory.
        var order = new[] { PruneCause.NoHourlyPrice, PruneCause.NoPurchasePrice, PruneCause.NoLoadMeetsTargets, PruneCause.TpotAtBatchOne, PruneCause.TtftAtBatchOne, PruneCause.NoKvRoom, PruneCause.WeightsDoNotFit, PruneCause.Invalid };
        var cause = order.First(k => caps.Any(c => c.Cause == k) || k == PruneCause.Invalid);
        var example = caps.FirstOrDefault(c => c.Cause == cause) ?? caps[0];
        double fastestTtft = caps.Where(c => double.IsFinite(c.TtftSeconds)).Select(c => c.TtftSeconds).DefaultIfEmpty(double.NaN).Min();
        double fastestTpot = caps.Where(c => double.IsFinite(c.TpotSeconds)).Select(c => c.TpotSeconds).DefaultIfEmpty(double.NaN).Min();
        return cause switch
        {
            PruneCause.NoHourlyPrice => new Exclusion(name, $"{name} has no hourly price, and the objective is hourly cost", $"give one with --price {name}=USD/h (e.g. --price '{name}=2.5 USD/h')"),
            PruneCause.NoPurchasePrice => new Exclusion(name, $"{name} has no purchase price, and the objective needs one", $"give one with --purchase-price {name}=USD (e.g. --purchase-price '{name}=30000 USD')"),
            PruneCause.NoLoadMeetsTargets => new Exclusion(name, "no load level meets both targets", "relax --ttft-slo or --tpot-slo"),
            PruneCause.TpotAtBatchOne => new Exclusion(name, $"a decode step takes at least {fastestTpot * 1e3:0.#} ms even at batch 1, over the TPOT target {req.Slo.TpotSeconds * 1e3:0.#} ms", $"relax --tpot-slo to at least {Math.Ceiling(fastestTpot * 1e3 * 1.05):0} ms, allow more devices per replica, or a smaller quantization"),
            PruneCause.TtftAtBatchOne => new Exclusion(name, $"one prefill takes at least {fastestTtft * 1e3:0} ms, over the TTFT target {req.Slo.TtftSeconds * 1e3:0} ms", $"relax --ttft-slo to at least {Math.Ceiling(fastestTtft * 1e3 * 1.05):0} ms, or allow more devices per replica"),
            PruneCause.NoKvRoom or PruneCause.WeightsDoNotFit => new Exclusion(name, $"{req.Model.Name} does not fit: {example.PrunedReason}", "allow more devices per replica (--max-devices, a larger cluster) or a smaller quantization (--quant fp8,w4a16)"),
            _ => new Exclusion(name, example.PrunedReason ?? "no configuration can run", "see 'llmsim estimate' for this device"),
        };
    }

    /// <summary>
    /// For a fixed cluster (the request's inventory and device limit): the highest request rate some plan serves
    /// within the targets, found by doubling and then bisecting the rate with the fast analytic check, then
    /// confirmed with this planner's checker, stepping the rate down while the check fails.
    /// </summary>
    public (double Rate, PlanResult Result) HighestGoodput(PlanRequest req)
    {
        var fast = new Planner(capacity);
        bool Feasible(double rate)
        {
            try { return fast.Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate } }).Plans[0].MeetsSlo; }
            catch (InfeasibleException) { return false; }
        }
        double lo = 0, hi = req.Settings.GoodputStartRate;
        while (Feasible(hi) && hi < 1e6) { lo = hi; hi *= 2; }
        if (lo == 0)
        {
            // Even the first rate fails: let the planner say why.
            Plan(req with { Demand = req.Demand with { RequestsPerSecond = hi } });
            throw new InfeasibleException("infeasible: the cluster cannot meet the targets at any rate; relax the SLO targets or use a larger cluster.");
        }
        for (int i = 0; i < 14; i++)
        {
            double mid = (lo + hi) / 2;
            if (Feasible(mid)) lo = mid; else hi = mid;
        }
        double rate = lo;
        PlanResult result = Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate } });
        for (int i = 0; i < 10 && !result.Plans[0].MeetsSlo; i++)
        {
            rate *= req.Settings.GoodputStepDown;
            result = Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate } });
        }
        return (rate, result);
    }

    /// <summary>What a plan runs, independent of how it was found (to drop duplicates).</summary>
    /// <remarks>Batch limits are left out: plans that differ only in a limit the load never reaches are the same plan.</remarks>
    public static string Signature(Plan p) => string.Join(" + ", p.Items
        .Select(i => $"{i.Count}x {i.Capacity.Config.Device.Name} {i.Capacity.Config.Parallelism} {i.Capacity.Config.Quant.Label} {i.Capacity.Config.Role}" + FeatureTag(i.Capacity.Config))
        .Order(StringComparer.Ordinal));

    /// <summary>" prefix-caching spec-draft-k4" or empty.</summary>
    private static string FeatureTag(CandidateConfig c) =>
        (c.PrefixCaching ? " prefix-caching" : "") + (c.Speculative is { } s ? $" spec-{SpeculativeConfig.MethodName(s.Method)}-k{s.K}" : "");

    /// <summary>
    /// In words: which of the features the request considers each configuration of the plan runs, and why: its capacity
    /// (requests per second within the targets, analytic) with the choice and with the feature flipped.
    /// </summary>
    private static string FeatureChoice(PlanRequest req, Plan p, IReadOnlyDictionary<string, Capacity> byKey)
    {
        var parts = new List<string>();
        string Rate(Capacity? c) => c is null || !c.Usable ? "none within the targets" : $"{c.RequestsPerSecond:0.##} req/s";
        foreach (var item in p.Items)
        {
            var c = item.Capacity.Config;
            string who = p.Items.Count > 1 ? $"{c.Role.ToString().ToLowerInvariant()} {c.Device.Name} TP{c.Parallelism.Tp}: " : "";
            if (req.ConsidersPrefixCaching && c.Role != ReplicaRole.Decode)
            {
                byKey.TryGetValue((c with { PrefixCaching = !c.PrefixCaching }).Key, out var other);
                double cached = Math.Min(req.Demand.MeanCachedTokens, req.Demand.MeanInputTokens - 1);
                string share = $"{cached:0} of {req.Demand.MeanInputTokens:0} prompt tokens per request are shared prefixes ({cached / req.Demand.MeanInputTokens:P0} of the prefill work)";
                string text = c.PrefixCaching
                    ? req.PrefixCaching == PrefixCachingMode.On
                        ? $"prefix caching on (asked for): {share}"
                        : $"prefix caching on: {share}; a replica serves {Rate(item.Capacity)} with it, {Rate(other)} without"
                    : $"prefix caching off: a replica serves {Rate(item.Capacity)} without it, {Rate(other)} with it; {OffBecause(item.Capacity, other)}";
                parts.Add(who + text);
            }
            if (req.Speculative is { } spec && c.Role != ReplicaRole.Prefill)
            {
                byKey.TryGetValue((c with { Speculative = c.Speculative is null ? spec : null }).Key, out var other);
                double e = req.Demand.ExpectedTokensPerStep(spec);
                bool loses = other is null || !other.Usable || other.RequestsPerSecond <= item.Capacity.RequestsPerSecond;
                string text = c.Speculative is not null
                    ? $"speculative decoding on ({spec.Describe()}): {e:0.##} tokens per step; a replica serves {Rate(item.Capacity)} with it, {Rate(other)} without"
                    : loses
                        ? $"speculative decoding off: at the batch this replica runs, verifying {spec.K + 1} tokens per request and {spec.K} drafting passes cost more than the {e:0.##} tokens per step save; a replica serves {Rate(item.Capacity)} without it, {Rate(other)} with it"
                        : $"speculative decoding off: a replica serves {Rate(item.Capacity)} without it, {Rate(other)} with it; {OffBecause(item.Capacity, other)}";
                parts.Add(who + text);
            }
        }
        return string.Join("; ", parts.Distinct());
    }

    /// <summary>Why a plan runs without a feature whose configuration serves more with it (by the analytic model).</summary>
    private static string OffBecause(Capacity without, Capacity? with) =>
        with is null || !with.Usable || with.RequestsPerSecond <= without.RequestsPerSecond
            ? "it saves nothing here"
            : "the plans with it missed a target when checked by simulation, or cost no less";

    /// <summary>Purchase plus energy and hosting at board power over the TCO period: one device's cost, an upper bound used to rank.</summary>
    private static double TcoPerDevice(PlanRequest req, HardwareProfile d) =>
        Z(Purchase(req, d)) + req.Tco.RunningUsd(d.PowerWatts, d.PowerWatts);

    private static SolverItem Item(PlanRequest req, Capacity c, double derate) => new(
        c.Config.Key, c.Config.Device.Name, c.Config.Devices, c.Config.Cluster.DevicesPerNode, c.RequestsPerSecond * derate, c.Config.Role,
        Z(Hourly(req, c.Config.Device)), Z(Purchase(req, c.Config.Device)), c.Config.Device.PowerWatts, c.Config.Quant.Name, TcoPerDevice(req, c.Config.Device));

    private static double Z(double v) => double.IsNaN(v) ? 0 : v;

    private static double Score(PlanRequest req, Plan p) => req.Objective switch
    {
        Objective.Cost => p.CostPerHour,
        Objective.Purchase => p.PurchaseUsd,
        Objective.Power => p.PowerWatts,
        Objective.Tco => p.Tco?.TotalUsd ?? double.PositiveInfinity,
        _ => p.Devices,
    };

    private Plan Build(PlanRequest req, List<PlanItem> items, bool dis, string note, PlanOrigin origin, bool analyticOnly = false)
    {
        var solverItems = items.Select(i => Item(req, i.Capacity, 1.0)).ToList();
        var counts = items.Select(i => i.Count).ToList();
        bool whole = req.Limits.WholeNodes;
        double cost = CountSolver.ObjectiveValue(solverItems, counts, Objective.Cost, whole);
        bool purchaseKnown = items.All(i => !double.IsNaN(Purchase(req, i.Capacity.Config.Device)));
        double purchase = purchaseKnown ? CountSolver.ObjectiveValue(solverItems, counts, Objective.Purchase, whole) : double.NaN;
        double power = CountSolver.ObjectiveValue(solverItems, counts, Objective.Power, whole);
        int devices = items.Sum(i => i.Count * i.Capacity.Config.Devices);
        int billed = CountSolver.BilledDevices(solverItems, counts, whole);
        int nodes = items.GroupBy(i => i.Capacity.Config.Device.Name).Sum(g => (int)Math.Ceiling(g.Sum(i => i.Count * i.Capacity.Config.Devices) / (double)Math.Max(1, g.First().Capacity.Config.Cluster.DevicesPerNode)));
        double cap = dis
            ? Math.Min(items.Where(i => i.Capacity.Config.Role == ReplicaRole.Prefill).Sum(i => i.Count * i.Capacity.RequestsPerSecond), items.Where(i => i.Capacity.Config.Role == ReplicaRole.Decode).Sum(i => i.Count * i.Capacity.RequestsPerSecond))
            : items.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
        IPlanChecker used = analyticOnly || checker is null ? new AnalyticChecker(capacity, req.Model) : checker;
        var check = used.CheckPlan(items, dis, req.Demand, req.Slo);
        var (ttft, tpot, goodput) = (check.TtftP90, check.TpotP90, check.Goodput);
        // Several classes: each is judged by its own targets; otherwise by the plan's.
        bool meets = check.Classes.Count > 0 ? check.Classes.All(c => c.Meets) : ttft <= req.Slo.TtftSeconds && tpot <= req.Slo.TpotSeconds;
        var plan = new Plan(items, dis, cost, purchase, power, devices, nodes, cap, ttft, tpot, meets, note)
        {
            Goodput = goodput, BilledDevices = billed, Origin = origin, Check = used.Method, Classes = check.Classes,
        };
        return plan with { Tco = purchaseKnown ? Tco(req, plan) : null };
    }

    /// <summary>
    /// Purchase, energy and hosting over the period. Devices in use draw their idle power plus the busy share
    /// (demand ÷ capacity) of the rest; devices paid for but idle (the rest of a whole node) draw idle power;
    /// hosting is charged on board power. Device power only: host CPUs, NICs and fans are not in the profiles.
    /// </summary>
    private static TcoBreakdown Tco(PlanRequest req, Plan p)
    {
        double util = p.CapacityRequestsPerSecond > 0 ? Math.Min(1, req.Demand.RequestsPerSecond / p.CapacityRequestsPerSecond) : 1;
        double avg = 0, board = 0;
        foreach (var g in p.Items.GroupBy(i => i.Capacity.Config.Device.Name))
        {
            var d = g.First().Capacity.Config.Device;
            int usedDevices = g.Sum(i => i.Count * i.Capacity.Config.Devices);
            int perNode = Math.Max(1, g.First().Capacity.Config.Cluster.DevicesPerNode);
            int paid = req.Limits.WholeNodes ? (usedDevices + perNode - 1) / perNode * perNode : usedDevices;
            double idle = IdleWatts(d);
            avg += usedDevices * (idle + (d.PowerWatts - idle) * util) + (paid - usedDevices) * idle;
            board += paid * d.PowerWatts;
        }
        var t = req.Tco;
        double energy = avg / 1000 * t.Pue * t.Hours * t.EnergyUsdPerKwh;
        double hosting = board / 1000 * t.Months * t.HostingUsdPerKwMonth;
        return new TcoBreakdown(p.PurchaseUsd, energy, hosting, avg, t.PeriodSeconds);
    }

    private static string Reason(PlanRequest req, Plan best, Plan p)
    {
        if (!p.MeetsSlo) return "misses an SLO when checked";
        string Pct(double a, double b) => b > 0 ? $"{(a / b - 1) * 100:0}%" : "n/a";
        string main = req.Objective switch
        {
            Objective.Cost => $"costs {p.CostPerHour:0.00} USD/h, {Pct(p.CostPerHour, best.CostPerHour)} more than the best",
            Objective.Purchase => $"costs {p.PurchaseUsd:0} USD to buy, {Pct(p.PurchaseUsd, best.PurchaseUsd)} more",
            Objective.Power => $"draws {p.PowerWatts:0} W, {Pct(p.PowerWatts, best.PowerWatts)} more",
            Objective.Tco => p.Tco is { } t && best.Tco is { } bt ? $"costs {t.TotalUsd:N0} USD to own, {Pct(t.TotalUsd, bt.TotalUsd)} more" : "has no purchase price",
            _ => $"needs {p.Devices} devices, {p.Devices - best.Devices} more",
        };
        if (RoundedScore(req, p) == RoundedScore(req, best))
        {
            main = $"ties with the best on {ObjectiveWords(req)}";
            if (p.BilledDevices > best.BilledDevices) main += $" but needs {p.BilledDevices} devices against {best.BilledDevices}";
            else if (Latency(req, p) > Latency(req, best)) main += $" but its p90 latency is higher";
            else main += " but has less headroom";
        }
        return main + (p.PredictedTtftP90Seconds < best.PredictedTtftP90Seconds ? $"; but its TTFT is lower ({p.PredictedTtftP90Seconds * 1e3:0} ms)" : "");
    }

    /// <summary>Plans no other plan beats on both criteria (lower is better for both), sorted by the first.</summary>
    public static List<Plan> Pareto(IEnumerable<Plan> plans, Func<Plan, double> a, Func<Plan, double> b)
    {
        var sorted = plans.Where(p => double.IsFinite(a(p)) && double.IsFinite(b(p))).OrderBy(a).ThenBy(b).ToList();
        var front = new List<Plan>();
        double bestB = double.PositiveInfinity;
        foreach (var p in sorted)
            if (b(p) < bestB) { front.Add(p); bestB = b(p); }
        return front;
    }

    private static string WhyNothingFits(PlanRequest req, Capacity[] caps)
    {
        var reasons = caps.Where(c => c.PrunedReason is not null).GroupBy(c => c.PrunedReason!.Split(" (")[0].Split(',')[0]).OrderByDescending(g => g.Count()).Take(3)
            .Select(g => $"{g.Count()} x {g.First().PrunedReason}");
        double fastestTtft = caps.Where(c => double.IsFinite(c.TtftSeconds)).Select(c => c.TtftSeconds).DefaultIfEmpty(double.NaN).Min();
        double fastestTpot = caps.Where(c => double.IsFinite(c.TpotSeconds)).Select(c => c.TpotSeconds).DefaultIfEmpty(double.NaN).Min();
        string prices = caps.Any(c => c.Cause == PruneCause.NoHourlyPrice) ? " Devices without an hourly price need --price NAME=USD/h." : caps.Any(c => c.Cause == PruneCause.NoPurchasePrice) ? " Devices without a purchase price need --purchase-price NAME=USD." : "";
        return $"infeasible: no configuration of {req.Model.Name} on {string.Join(", ", req.Hardware.Select(h => h.Device.Name))} meets TTFT {req.Slo.TtftSeconds * 1e3:0} ms and TPOT {req.Slo.TpotSeconds * 1e3:0.#} ms. "
            + $"Fastest seen at batch 1: TTFT {fastestTtft * 1e3:0} ms, TPOT {fastestTpot * 1e3:0.#} ms. Relax the SLO targets, allow more devices per replica, or add faster hardware.{prices} Reasons: {string.Join("; ", reasons)}.";
    }

    private static string WhySolverFails(PlanRequest req, List<Capacity> usable)
    {
        double best = usable.Where(c => c.Config.Role == ReplicaRole.Aggregated).Select(c => c.RequestsPerSecond / c.Config.Devices).DefaultIfEmpty(0).Max();
        long needed = best > 0 ? (long)Math.Ceiling(req.CapacityTarget / best) : long.MaxValue;
        bool inventory = req.Limits.MaxDevices.Count > 0 && req.Hardware.All(h => req.Limits.MaxDevices.ContainsKey(h.Device.Name));
        string binding = needed > req.Limits.MaxDevicesTotal
            ? $"the device limit binds: the most efficient configuration serves {best:0.###} req/s per device, so {req.CapacityTarget:0.##} req/s needs at least {needed} devices but --max-devices is {req.Limits.MaxDevicesTotal}; allow more devices or lower the rate"
            : req.Limits.PowerBudgetWatts < double.MaxValue ? "the power budget binds; raise --power-budget"
            : req.Limits.BudgetUsdPerHour < double.MaxValue ? "the budget cap binds; raise --budget"
            : inventory ? "the per-type device inventory binds; allow more devices of some type (--inventory)"
            : "whole-node billing or the one-quantization-per-device rule leaves no plan within the device limit; raise --max-devices or turn --whole-nodes off";
        return $"infeasible: {binding}.";
    }
}

/// <summary>Checks a plan with the analytic capacity model at each replica's share of the load (load split in proportion to capacity).</summary>
public sealed class AnalyticChecker(ICapacityModel capacity, ModelSpec model) : IPlanChecker
{
    public CheckMethod Method => CheckMethod.Analytic;

    public (double TtftP90, double TpotP90, double Goodput) Check(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        double ttft = 0, tpot = 0;
        foreach (var role in disaggregated ? new[] { ReplicaRole.Prefill, ReplicaRole.Decode } : [ReplicaRole.Aggregated])
        {
            var group = items.Where(i => i.Capacity.Config.Role == role).ToList();
            double total = group.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
            foreach (var it in group)
            {
                double share = demand.RequestsPerSecond * it.Capacity.RequestsPerSecond / total;
                var (a, b) = capacity.LatencyAt(it.Capacity.Config, demand, share);
                if (double.IsFinite(a) || double.IsPositiveInfinity(a)) ttft = Math.Max(ttft, a);
                if (double.IsFinite(b) || double.IsPositiveInfinity(b)) tpot = Math.Max(tpot, b);
            }
        }
        if (disaggregated)
        {
            var decode = items.Where(i => i.Capacity.Config.Role == ReplicaRole.Decode).Select(i => i.Capacity.Config).FirstOrDefault();
            if (decode is not null) ttft += Planner.KvTransferSeconds(model, decode, demand.MeanInputTokens);
        }
        bool ok = ttft <= slo.TtftSeconds && tpot <= slo.TpotSeconds;
        return (ttft, tpot, ok ? demand.RequestsPerSecond : 0);
    }
}
