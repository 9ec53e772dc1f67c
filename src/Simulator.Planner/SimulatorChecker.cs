using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Serving;

namespace Simulator.Planner;

/// <summary>
/// Checks a plan by simulating it request by request at the demanded rate (Poisson arrivals, the workload's
/// length distributions, continuous batching) and reading the p90 TTFT and TPOT and the goodput. Each group of
/// identical aggregated replicas is simulated with its capacity-proportional share of the traffic (the router's
/// split); a disaggregated plan with one prefill and one decode configuration is simulated whole, KV transfer
/// included. Plans the simulator cannot express (several configurations in one disaggregated pool) fall back to
/// the analytic check, and say so. With <paramref name="perClass"/> the workload's classes keep their own targets and
/// each is judged by its p90 TTFT and TPOT against them (<see cref="CheckPlan"/>).
/// </summary>
public sealed class SimulatorChecker(ModelSpec model, ICapacityModel analytic, Func<Demand, WorkloadSpec> workload, int requests = 2000, int seed = 1, bool perClass = false) : IPlanChecker
{
    public CheckMethod Method => CheckMethod.Simulated;

    /// <summary>The serving engine the checked replicas run (null: the generic engine with continuous batching).</summary>
    public EngineProfile? Engine { get; init; }

    /// <summary>Plans checked analytically because the simulator could not represent them.</summary>
    public int AnalyticFallbacks { get; private set; }

    /// <summary>Simulations run (for the search statistics).</summary>
    public int Simulations { get; private set; }

    public (double TtftP90, double TpotP90, double Goodput) Check(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        var c = CheckPlan(items, disaggregated, demand, slo);
        return (c.TtftP90, c.TpotP90, c.Goodput);
    }

    public PlanCheck CheckPlan(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        try { return Simulate(items, disaggregated, demand, slo); }
        catch (ArgumentException)
        {
            // The simulator refuses configurations that cannot hold a full step's activations beside the KV cache:
            // such a plan does not pass its check.
            var spec = workload(demand);
            return new PlanCheck(double.PositiveInfinity, double.PositiveInfinity, 0,
                perClass ? spec.Classes.Select(k => new ClassCheck(k.Name, k.Slo, double.PositiveInfinity, double.PositiveInfinity, false)).ToArray() : []);
        }
    }

    private PlanCheck Simulate(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        var spec = perClass ? workload(demand) : workload(demand).WithSlo(slo.TtftSeconds, slo.TpotSeconds);
        if (disaggregated)
        {
            var pre = items.Where(i => i.Capacity.Config.Role == ReplicaRole.Prefill).ToList();
            var dec = items.Where(i => i.Capacity.Config.Role == ReplicaRole.Decode).ToList();
            if (pre.Count != 1 || dec.Count != 1)
            {
                AnalyticFallbacks++;
                var (a, b, g) = new AnalyticChecker(analytic, model).Check(items, disaggregated, demand, slo);
                // The analytic latencies are the same for every class; each is still judged by its own targets.
                return new PlanCheck(a, b, g, perClass
                    ? spec.Classes.Select(k => new ClassCheck(k.Name, k.Slo, a, b, (double.IsNaN(k.Slo.TtftSeconds) || a <= k.Slo.TtftSeconds) && (double.IsNaN(k.Slo.TpotSeconds) || b <= k.Slo.TpotSeconds))).ToArray()
                    : []);
            }
            var decodeCfg = dec[0].Capacity.Config;
            var cluster = new ClusterConfig(new PoolConfig(Replica(pre[0].Capacity.Config), pre[0].Count))
            {
                DecodePool = new PoolConfig(Replica(decodeCfg), dec[0].Count),
                KvLink = KvTransfer.DefaultLink(decodeCfg.Cluster, null),
                Router = RouterKind.LeastOutstanding,
            };
            var r = Run(cluster, spec, demand.RequestsPerSecond);
            return new PlanCheck(r.Ttft.P90, r.Tpot.P90, r.Goodput, Classes(spec, [r]));
        }
        double total = items.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
        double ttft = 0, tpot = 0, goodput = 0;
        var runs = new List<SimulationResult>();
        foreach (var it in items)
        {
            double share = demand.RequestsPerSecond * it.Count * it.Capacity.RequestsPerSecond / total;
            // Prefix caching works best when a prefix's requests meet on one replica: the checker routes by prefix then.
            var router = it.Capacity.Config.PrefixCaching ? RouterKind.PrefixAffinity : RouterKind.LeastOutstanding;
            var cluster = new ClusterConfig(new PoolConfig(Replica(it.Capacity.Config), it.Count)) { Router = router };
            var r = Run(cluster, spec, share);
            runs.Add(r);
            ttft = Math.Max(ttft, r.Ttft.P90);
            tpot = Math.Max(tpot, r.Tpot.P90);
            goodput += r.Goodput;
        }
        return new PlanCheck(ttft, tpot, goodput, Classes(spec, runs));
    }

    /// <summary>Each class judged in every run (replica group) that served it: met when its p90s are within its targets in all.</summary>
    private IReadOnlyList<ClassCheck> Classes(WorkloadSpec spec, IReadOnlyList<SimulationResult> runs)
    {
        if (!perClass) return [];
        return spec.Classes.Select((k, i) =>
        {
            var per = runs.Select(r => r.Classes[i]).ToList();
            double ttft = per.Max(x => x.Completed > 0 ? x.Ttft.P90 : double.PositiveInfinity);
            double tpot = per.Max(x => x.Completed > 0 && !double.IsNaN(x.Tpot.P90) ? x.Tpot.P90 : x.Completed > 0 ? 0 : double.PositiveInfinity);
            return new ClassCheck(k.Name, k.Slo, ttft, tpot, per.All(x => x.P90WithinSlo));
        }).ToArray();
    }

    private SimulationResult Run(ClusterConfig cluster, WorkloadSpec spec, double rate)
    {
        Simulations++;
        // Prompts longer than the step budget would be rejected: size the budget to the longest prompt the workload draws.
        int budget = Math.Max(ReplicaConfig.DefaultChunkedBudget, spec.Classes.Max(c => c.Input.Max));
        if (Engine is not null)
        {
            // An engine keeps its own budget unless, unchunked, it would reject prompts the workload draws.
            int Raise(ReplicaConfig r) => Scheduler.For(r.Scheduler).PromptsLimitedByBudget ? Math.Max(r.EffectiveTokenBudget, spec.Classes.Max(c => c.Input.Max)) : r.EffectiveTokenBudget;
            cluster = cluster with
            {
                Pool = cluster.Pool with { Replica = cluster.Pool.Replica with { TokenBudget = Raise(cluster.Pool.Replica) } },
                DecodePool = cluster.DecodePool is { } edp ? edp with { Replica = edp.Replica with { TokenBudget = Raise(edp.Replica) } } : null,
            };
            return ServingSimulator.Run(cluster, spec.WithArrivals(new PoissonArrivals(rate)), new RunOptions { Seed = seed, Requests = requests });
        }
        cluster = cluster with
        {
            Pool = cluster.Pool with { Replica = cluster.Pool.Replica with { TokenBudget = budget } },
            DecodePool = cluster.DecodePool is { } dp ? dp with { Replica = dp.Replica with { TokenBudget = budget } } : null,
        };
        // A session brings several requests: the arrival rate is the request rate over the requests per arrival.
        return ServingSimulator.Run(cluster, spec.WithArrivals(new PoissonArrivals(rate / spec.RequestsPerArrival)), new RunOptions { Seed = seed, Requests = requests });
    }

    private ReplicaConfig Replica(CandidateConfig c)
    {
        var d = Deployment.Create(model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: c.Efficiency);
        if (Engine is not null)
            return EngineSetup.Replica(d, null, Engine, EngineChoices.None with { MaxBatch = Math.Min(c.MaxBatch, Engine.ForDevice(c.Device).Scheduler.MaxBatch) })
                with { PrefixCaching = c.PrefixCaching, Speculative = c.Speculative };
        return new(d)
        {
            MaxBatch = c.MaxBatch,
            Scheduler = SchedulerKind.Continuous,
            PrefixCaching = c.PrefixCaching,
            Speculative = c.Speculative,
        };
    }
}
