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
/// the analytic check, and say so.
/// </summary>
public sealed class SimulatorChecker(ModelSpec model, ICapacityModel analytic, Func<Demand, WorkloadSpec> workload, int requests = 2000, int seed = 1) : IPlanChecker
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
        try { return Simulate(items, disaggregated, demand, slo); }
        catch (ArgumentException)
        {
            // The simulator refuses configurations that cannot hold a full step's activations beside the KV cache:
            // such a plan does not pass its check.
            return (double.PositiveInfinity, double.PositiveInfinity, 0);
        }
    }

    private (double TtftP90, double TpotP90, double Goodput) Simulate(IReadOnlyList<PlanItem> items, bool disaggregated, Demand demand, Slo slo)
    {
        var spec = workload(demand).WithSlo(slo.TtftSeconds, slo.TpotSeconds);
        if (disaggregated)
        {
            var pre = items.Where(i => i.Capacity.Config.Role == ReplicaRole.Prefill).ToList();
            var dec = items.Where(i => i.Capacity.Config.Role == ReplicaRole.Decode).ToList();
            if (pre.Count != 1 || dec.Count != 1)
            {
                AnalyticFallbacks++;
                return new AnalyticChecker(analytic, model).Check(items, disaggregated, demand, slo);
            }
            var decodeCfg = dec[0].Capacity.Config;
            var cluster = new ClusterConfig(new PoolConfig(Replica(pre[0].Capacity.Config), pre[0].Count))
            {
                DecodePool = new PoolConfig(Replica(decodeCfg), dec[0].Count),
                KvLink = KvTransfer.DefaultLink(decodeCfg.Cluster, null),
                Router = RouterKind.LeastOutstanding,
            };
            var r = Run(cluster, spec, demand.RequestsPerSecond);
            return (r.Ttft.P90, r.Tpot.P90, r.Goodput);
        }
        double total = items.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
        double ttft = 0, tpot = 0, goodput = 0;
        foreach (var it in items)
        {
            double share = demand.RequestsPerSecond * it.Count * it.Capacity.RequestsPerSecond / total;
            var cluster = new ClusterConfig(new PoolConfig(Replica(it.Capacity.Config), it.Count)) { Router = RouterKind.LeastOutstanding };
            var r = Run(cluster, spec, share);
            ttft = Math.Max(ttft, r.Ttft.P90);
            tpot = Math.Max(tpot, r.Tpot.P90);
            goodput += r.Goodput;
        }
        return (ttft, tpot, goodput);
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
        return ServingSimulator.Run(cluster, spec.WithArrivals(new PoissonArrivals(rate)), new RunOptions { Seed = seed, Requests = requests });
    }

    private ReplicaConfig Replica(CandidateConfig c)
    {
        var d = Deployment.Create(model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: c.Efficiency);
        if (Engine is not null) return EngineSetup.Replica(d, null, Engine, EngineChoices.None with { MaxBatch = Math.Min(c.MaxBatch, Engine.ForDevice(c.Device).Scheduler.MaxBatch) });
        return new(d)
        {
            MaxBatch = c.MaxBatch,
            Scheduler = SchedulerKind.Continuous,
        };
    }
}
