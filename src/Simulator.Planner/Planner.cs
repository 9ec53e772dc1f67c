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
    int Top = 5);

/// <summary>How the search went.</summary>
public sealed record SearchStats(int Considered, int Pruned, int Evaluated, int Checked, int CheckRounds, string SolverStatus, double WallSeconds);

/// <summary>Ranked plans, the alternatives that lost and why, and the statistics.</summary>
public sealed record PlanResult(IReadOnlyList<Plan> Plans, IReadOnlyList<(Plan Plan, string Reason)> Alternatives, IReadOnlyList<Plan> ParetoCostLatency, IReadOnlyList<Capacity> Capacities, SearchStats Stats)
{
    /// <summary>Plans no other beats on both output tokens per second per device and tokens per second per user.</summary>
    public IReadOnlyList<Plan> ParetoThroughput { get; init; } = [];
}

/// <summary>No plan can exist: says which constraint binds and what to relax.</summary>
public sealed class InfeasibleException(string message) : Exception(message);

/// <summary>Checks a plan at the demanded rate (the simulator in production, the analytic model as a fallback).</summary>
public interface IPlanChecker
{
    /// <summary>Predicted p90 TTFT and TPOT of the plan at the demanded rate; the plan meets its SLOs when both are within target.</summary>
    (double TtftP90, double TpotP90, double Goodput) Check(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo);
}

/// <summary>
/// Searches replica configurations (device, TP, PP, EP, quantization, batch limit, role), prunes those that cannot
/// fit or cannot meet the SLOs even at batch 1, estimates each survivor's capacity, asks CP-SAT for the cheapest
/// mix that serves the demand (aggregated, and disaggregated prefill/decode pools), checks the winners and, if a
/// plan misses its SLOs, derates the capacities it used and solves again.
/// </summary>
public sealed class Planner(ICapacityModel capacity, IPlanChecker? checker = null)
{
    public const int MaxCheckRounds = 5;

    /// <summary>The candidate configurations for a request (before pruning).</summary>
    public static List<ReplicaConfig> SearchSpace(PlanRequest req)
    {
        var list = new List<ReplicaConfig>();
        var m = req.Model;
        foreach (var hw in req.Hardware)
        {
            var quants = req.Quantizations ?? DefaultQuantizations(hw.Device, m);
            int perNode = hw.Cluster.DevicesPerNode;
            for (int tp = 1; tp <= perNode; tp *= 2)
                for (int pp = 1; pp <= 4 && tp * pp <= Math.Min(req.Limits.MaxDevicesTotal, hw.Cluster.TotalDevices); pp *= 2)
                    foreach (int ep in m.Moe is null ? [1] : tp > 1 ? new[] { 1, tp } : [1])
                    {
                        var par = new Parallelism(tp, pp, ep);
                        if (Deployment.Validate(m, hw.Device, par, hw.Cluster).Count > 0) continue;
                        foreach (var q in quants)
                            foreach (int b in req.MaxBatches)
                            {
                                list.Add(new ReplicaConfig(hw.Device, hw.Cluster, par, q, b, Role.Aggregated) { Efficiency = hw.Efficiency });
                                if (req.AllowDisaggregation)
                                {
                                    list.Add(new ReplicaConfig(hw.Device, hw.Cluster, par, q, b, Role.Prefill) { Efficiency = hw.Efficiency });
                                    list.Add(new ReplicaConfig(hw.Device, hw.Cluster, par, q, b, Role.Decode) { Efficiency = hw.Efficiency });
                                }
                            }
                    }
        }
        return list;
    }

    /// <summary>16-bit always; fp8 where the device has it; int4 weights (w4a16) always.</summary>
    public static List<QuantizationScheme> DefaultQuantizations(HardwareProfile device, ModelSpec model)
    {
        var list = new List<QuantizationScheme> { device.Supports(DataType.Bf16) ? QuantizationScheme.Bf16 : QuantizationScheme.Fp16 };
        if (device.Supports(DataType.Fp8)) list.Add(QuantizationScheme.Parse("fp8"));
        list.Add(QuantizationScheme.Parse("w4a16", device.Supports(DataType.Bf16) ? DataType.Bf16 : DataType.Fp16));
        return list;
    }

    /// <summary>Seconds to move one prompt's KV cache from a prefill replica to a decode replica.</summary>
    public static double KvTransferSeconds(ModelSpec m, ReplicaConfig decode, double inputTokens)
    {
        double bytes = ModelMath.KvCacheElementsPerToken(m) * decode.Quant.KvBytesPerElement * inputTokens;
        var link = decode.Cluster.InterNode ?? decode.Cluster.IntraNode;
        return link is null ? 0 : Collectives.SendRecv(bytes, link);
    }

    public PlanResult Plan(PlanRequest req)
    {
        var clock = Stopwatch.StartNew();
        var configs = SearchSpace(req);
        if (configs.Count == 0) throw new InfeasibleException($"infeasible: no parallel plan of {req.Model.Name} fits the given hardware and --max-devices {req.Limits.MaxDevicesTotal}; allow more devices or other hardware.");

        // Disaggregated prefill must leave room for the KV transfer inside the TTFT target.
        double transfer = req.AllowDisaggregation ? configs.Where(c => c.Role == Role.Decode).Select(c => KvTransferSeconds(req.Model, c, req.Demand.MeanInputTokens)).DefaultIfEmpty(0).Max() : 0;
        var caps = new Capacity[configs.Count];
        Parallel.For(0, configs.Count, i =>
        {
            var c = configs[i];
            var slo = c.Role == Role.Prefill ? req.Slo with { TtftSeconds = req.Slo.TtftSeconds - transfer } : req.Slo;
            caps[i] = capacity.Capacity(c, req.Demand, slo);
        });
        var priced = caps.Select(c => c.Usable && req.Objective is Objective.Cost && double.IsNaN(Hourly(req, c.Config.Device)) ? c with { PrunedReason = $"{c.Config.Device.Name} has no hourly price (give one with --price)" } : c)
            .Select(c => c.Usable && req.Objective is Objective.Purchase && double.IsNaN(c.Config.Device.Price.PurchaseUsd) ? c with { PrunedReason = $"{c.Config.Device.Name} has no purchase price" } : c)
            .ToArray();
        var usable = priced.Where(c => c.Usable).ToList();
        int pruned = priced.Length - usable.Count;
        bool anyAggregated = usable.Any(c => c.Config.Role == Role.Aggregated);
        bool anyPools = usable.Any(c => c.Config.Role == Role.Prefill) && usable.Any(c => c.Config.Role == Role.Decode);
        if (!anyAggregated && !anyPools) throw new InfeasibleException(WhyNothingFits(req, priced));

        var derate = new Dictionary<string, double>();
        var plans = new List<Plan>();
        string status = "";
        int rounds = 0, checkedPlans = 0;
        foreach (bool dis in req.AllowDisaggregation ? new[] { false, true } : [false])
        {
            var pool = usable.Where(c => dis ? c.Config.Role != Role.Aggregated : c.Config.Role == Role.Aggregated).ToList();
            if (pool.Count == 0 || (dis && (!pool.Any(c => c.Config.Role == Role.Prefill) || !pool.Any(c => c.Config.Role == Role.Decode)))) continue;
            for (int round = 1; round <= MaxCheckRounds; round++)
            {
                rounds = Math.Max(rounds, round);
                var items = pool.Select(c => Item(req, c, derate.GetValueOrDefault(c.Config.Key, 1.0))).ToList();
                var result = CountSolver.Solve(items, req.Demand.RequestsPerSecond, req.Limits, req.Objective, dis);
                status = dis && status.Length > 0 ? status + "/" + result.Status : result.Status;
                if (!result.Feasible) break;
                var chosen = pool.Select((c, i) => new PlanItem(c, result.Counts[i])).Where(p => p.Count > 0).ToList();
                var plan = Build(req, chosen, dis, $"CP-SAT {result.Status.ToLowerInvariant()}, round {round}");
                checkedPlans++;
                if (plan.MeetsSlo || round == MaxCheckRounds) { plans.Add(plan); break; }
                foreach (var it in chosen) derate[it.Capacity.Config.Key] = derate.GetValueOrDefault(it.Capacity.Config.Key, 1.0) * 0.85;
            }
        }
        if (plans.Count == 0) throw new InfeasibleException(WhySolverFails(req, usable) + $" (solver status {status})");

        // Alternatives: each usable configuration alone (homogeneous plans), for the Pareto fronts and the "why not".
        var alternatives = new List<Plan>();
        foreach (var c in usable.Where(c => c.Config.Role == Role.Aggregated))
        {
            int n = (int)Math.Ceiling(req.Demand.RequestsPerSecond / c.RequestsPerSecond);
            if (n * c.Config.Devices > req.Limits.MaxDevicesTotal) continue;
            alternatives.Add(Build(req, [new PlanItem(c, n)], false, "homogeneous", analyticOnly: true));
        }
        // Equal scores (whole nodes make many plans cost the same) go to the faster plan, then the smaller one.
        var ranked = plans.Concat(alternatives).Where(p => p.MeetsSlo)
            .GroupBy(Signature).Select(g => g.First())
            .OrderBy(p => Math.Round(Score(req, p), 6)).ThenBy(p => p.PredictedTtftP90Seconds + p.PredictedTpotP90Seconds * req.Demand.MeanOutputTokens).ThenBy(p => p.Devices)
            .ThenBy(Signature, StringComparer.Ordinal).ToList();
        if (ranked.Count == 0) ranked = plans.OrderBy(p => Score(req, p)).ToList();
        // The leading alternatives were judged analytically; check them like the solver's plans, then rank again:
        // plans that meet the targets when checked first, then by the objective and the end-to-end latency.
        if (checker is not null)
        {
            int shown = Math.Max(1, req.Top) + 5;
            var head = ranked.Take(shown).Select(p => p.Note == "homogeneous" ? Build(req, p.Items.ToList(), p.Disaggregated, "homogeneous, checked") : p).ToList();
            checkedPlans += head.Count(p => p.Note == "homogeneous, checked");
            ranked = head.OrderByDescending(p => p.MeetsSlo).ThenBy(p => Math.Round(Score(req, p), 6))
                .ThenBy(p => p.PredictedTtftP90Seconds + p.PredictedTpotP90Seconds * req.Demand.MeanOutputTokens).ThenBy(p => p.Devices)
                .ThenBy(Signature, StringComparer.Ordinal).Concat(ranked.Skip(shown)).ToList();
        }
        var best = ranked[0];
        var top = ranked.Take(Math.Max(1, req.Top)).ToList();
        var reasons = ranked.Skip(1).Take(Math.Max(0, req.Top - 1) + 5).Select(p => (p, Reason(req, best, p))).ToList();
        var pareto = Pareto(ranked, p => p.CostPerHour, p => p.PredictedTtftP90Seconds);
        // Throughput per device against tokens per second each user sees (1 / TPOT): both higher is better.
        var paretoThroughput = Pareto(ranked.Where(p => p.PredictedTpotP90Seconds > 0), p => -p.CapacityRequestsPerSecond * req.Demand.MeanOutputTokens / p.Devices, p => p.PredictedTpotP90Seconds);
        return new PlanResult(top, reasons, pareto, priced, new SearchStats(configs.Count, pruned, caps.Length, checkedPlans, rounds, status, clock.Elapsed.TotalSeconds)) { ParetoThroughput = paretoThroughput };
    }

    /// <summary>
    /// For a fixed cluster (the request's inventory and device limit): the highest request rate some plan serves
    /// within the targets, found by doubling and then bisecting the rate with the fast analytic check, then
    /// confirmed with this planner's checker, stepping the rate down 5% at a time while the check fails.
    /// </summary>
    public (double Rate, PlanResult Result) HighestGoodput(PlanRequest req)
    {
        var fast = new Planner(capacity);
        bool Feasible(double rate)
        {
            try { return fast.Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate } }).Plans[0].MeetsSlo; }
            catch (InfeasibleException) { return false; }
        }
        double lo = 0, hi = 0.25;
        while (Feasible(hi) && hi < 1e6) { lo = hi; hi *= 2; }
        if (lo == 0)
        {
            // Even a quarter request per second fails: let the planner say why.
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
            rate *= 0.95;
            result = Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate } });
        }
        return (rate, result);
    }

    /// <summary>What a plan runs, independent of how it was found (to drop duplicates).</summary>
    /// <remarks>Batch limits are left out: plans that differ only in a limit the load never reaches are the same plan.</remarks>
    public static string Signature(Plan p) => string.Join(" + ", p.Items
        .Select(i => $"{i.Count}x {i.Capacity.Config.Device.Name} {i.Capacity.Config.Parallelism} {i.Capacity.Config.Quant} {i.Capacity.Config.Role}")
        .Order(StringComparer.Ordinal));

    private static double Hourly(PlanRequest req, HardwareProfile d) =>
        req.Limits.HourlyUsd.TryGetValue(d.Name, out var h) ? h : d.Price.HourlyUsd;

    private static SolverItem Item(PlanRequest req, Capacity c, double derate) => new(
        c.Config.Key, c.Config.Device.Name, c.Config.Devices, c.Config.Cluster.DevicesPerNode, c.RequestsPerSecond * derate, c.Config.Role,
        Z(Hourly(req, c.Config.Device)), Z(c.Config.Device.Price.PurchaseUsd), c.Config.Device.PowerWatts);

    private static double Z(double v) => double.IsNaN(v) ? 0 : v;

    private double Score(PlanRequest req, Plan p) => req.Objective switch
    {
        Objective.Cost => p.CostPerHour,
        Objective.Purchase => p.PurchaseUsd,
        Objective.Power => p.PowerWatts,
        _ => p.Devices,
    };

    private Plan Build(PlanRequest req, List<PlanItem> items, bool dis, string note, bool analyticOnly = false)
    {
        var solverItems = items.Select(i => Item(req, i.Capacity, 1.0)).ToList();
        var counts = items.Select(i => i.Count).ToList();
        double cost = CountSolver.ObjectiveValue(solverItems, counts, Objective.Cost, req.Limits.WholeNodes);
        double purchase = CountSolver.ObjectiveValue(solverItems, counts, Objective.Purchase, req.Limits.WholeNodes);
        double power = CountSolver.ObjectiveValue(solverItems, counts, Objective.Power, req.Limits.WholeNodes);
        int devices = items.Sum(i => i.Count * i.Capacity.Config.Devices);
        int nodes = items.GroupBy(i => i.Capacity.Config.Device.Name).Sum(g => (int)Math.Ceiling(g.Sum(i => i.Count * i.Capacity.Config.Devices) / (double)Math.Max(1, g.First().Capacity.Config.Cluster.DevicesPerNode)));
        double cap = dis
            ? Math.Min(items.Where(i => i.Capacity.Config.Role == Role.Prefill).Sum(i => i.Count * i.Capacity.RequestsPerSecond), items.Where(i => i.Capacity.Config.Role == Role.Decode).Sum(i => i.Count * i.Capacity.RequestsPerSecond))
            : items.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
        var (ttft, tpot, goodput) = (analyticOnly || checker is null ? new AnalyticChecker(capacity, req.Model) : checker).Check(items, dis, req.Demand, req.Slo);
        bool meets = ttft <= req.Slo.TtftSeconds && tpot <= req.Slo.TpotSeconds;
        return new Plan(items, dis, cost, purchase, power, devices, nodes, cap, ttft, tpot, meets, note) { Goodput = goodput };
    }

    private static string Reason(PlanRequest req, Plan best, Plan p)
    {
        if (!p.MeetsSlo) return "misses an SLO when checked";
        string Pct(double a, double b) => b > 0 ? $"{(a / b - 1) * 100:0}%" : "n/a";
        return req.Objective switch
        {
            Objective.Cost => $"costs {p.CostPerHour:0.00} USD/h, {Pct(p.CostPerHour, best.CostPerHour)} more than the best",
            Objective.Purchase => $"costs {p.PurchaseUsd:0} USD to buy, {Pct(p.PurchaseUsd, best.PurchaseUsd)} more",
            Objective.Power => $"draws {p.PowerWatts:0} W, {Pct(p.PowerWatts, best.PowerWatts)} more",
            _ => $"needs {p.Devices} devices, {p.Devices - best.Devices} more",
        } + (p.PredictedTtftP90Seconds < best.PredictedTtftP90Seconds ? $"; but its TTFT is lower ({p.PredictedTtftP90Seconds * 1e3:0} ms)" : "");
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
        return $"infeasible: no configuration of {req.Model.Name} on {string.Join(", ", req.Hardware.Select(h => h.Device.Name))} meets TTFT {req.Slo.TtftSeconds * 1e3:0} ms and TPOT {req.Slo.TpotSeconds * 1e3:0.#} ms. "
            + $"Fastest seen at batch 1: TTFT {fastestTtft * 1e3:0} ms, TPOT {fastestTpot * 1e3:0.#} ms. Relax the SLO targets, allow more devices per replica, or add faster hardware. Reasons: {string.Join("; ", reasons)}.";
    }

    private static string WhySolverFails(PlanRequest req, List<Capacity> usable)
    {
        double best = usable.Where(c => c.Config.Role == Role.Aggregated).Select(c => c.RequestsPerSecond / c.Config.Devices).DefaultIfEmpty(0).Max();
        int needed = best > 0 ? (int)Math.Ceiling(req.Demand.RequestsPerSecond / best) : int.MaxValue;
        string binding = needed > req.Limits.MaxDevicesTotal
            ? $"the device limit binds: the most efficient configuration serves {best:0.###} req/s per device, so {req.Demand.RequestsPerSecond:0.##} req/s needs at least {needed} devices but --max-devices is {req.Limits.MaxDevicesTotal}; allow more devices or lower the rate"
            : req.Limits.PowerBudgetWatts < double.MaxValue ? "the power budget binds; raise --power-budget"
            : req.Limits.BudgetUsdPerHour < double.MaxValue ? "the budget cap binds; raise --budget"
            : "the per-type device inventory binds; allow more devices of some type";
        return $"infeasible: {binding}.";
    }
}

/// <summary>Checks a plan with the analytic capacity model at each replica's share of the load (load split in proportion to capacity).</summary>
public sealed class AnalyticChecker(ICapacityModel capacity, ModelSpec model) : IPlanChecker
{
    public (double TtftP90, double TpotP90, double Goodput) Check(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        double ttft = 0, tpot = 0;
        foreach (var role in disaggregated ? new[] { Role.Prefill, Role.Decode } : [Role.Aggregated])
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
            var decode = items.Where(i => i.Capacity.Config.Role == Role.Decode).Select(i => i.Capacity.Config).FirstOrDefault();
            if (decode is not null) ttft += Planner.KvTransferSeconds(model, decode, demand.MeanInputTokens);
        }
        bool ok = ttft <= slo.TtftSeconds && tpot <= slo.TpotSeconds;
        return (ttft, tpot, ok ? demand.RequestsPerSecond : 0);
    }
}
