using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Serving;
using Simulator.Tests;

namespace Simulator.Planner.Tests;

/// <summary>The analytic capacity model and the fixed-cluster search, tested directly against their formulas.</summary>
public class CapacityTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static CandidateConfig Config(ReplicaRole role, int maxBatch = 256)
    {
        var d = Lib.Hardware("h100-sxm");
        return new CandidateConfig(d, Lib.DefaultCluster(d), new Parallelism(1), QuantizationScheme.Bf16, maxBatch, role);
    }

    private static CostModel Cost() =>
        new(Deployment.Create(Lib.Model("llama-3.1-8b"), Lib.Hardware("h100-sxm"), QuantizationScheme.Bf16, new Parallelism(1), Lib.DefaultCluster(Lib.Hardware("h100-sxm"))));

    [Fact]
    public void A_prefill_pool_is_an_md1_server_at_the_load_where_ttft_meets_its_target()
    {
        // Prefill time tp of a 1,000-token prompt; M/D/1 TTFT = tp + rho tp / (2 (1 - rho)). Setting it to the target T:
        // rho / (2 (1 - rho)) = T / tp - 1 = a, so rho = 2a / (1 + 2a) and the capacity is rho / tp.
        var demand = new Demand(1, 1000, 200);
        var shape = BatchShape.Create();
        shape.AddPrefill(1000);
        double tp = Cost().StepSeconds(shape);
        double target = 0.5;
        var c = new AnalyticCapacity(Lib.Model("llama-3.1-8b")).Capacity(Config(ReplicaRole.Prefill), demand, new Slo(target, 0.05));
        double a = target / tp - 1, rho = 2 * a / (1 + 2 * a);
        Assert.True(c.Usable, c.PrunedReason);
        Assert.Equal(rho / tp, c.RequestsPerSecond, 1e-6 * rho / tp);
        Assert.Equal(target, c.TtftSeconds, 1e-6);
    }

    [Fact]
    public void A_decode_pool_holds_the_largest_batch_whose_step_meets_tpot()
    {
        // Capacity = B / (output tokens x td(B)) for the largest searched batch B with td(B) <= the TPOT target.
        var demand = new Demand(1, 1000, 200);
        var cm = Cost();
        double Td(int b) { var s = BatchShape.Create(); s.AddDecode(1000 + 100, b); return cm.StepSeconds(s); }
        double target = 0.012;
        var c = new AnalyticCapacity(Lib.Model("llama-3.1-8b")).Capacity(Config(ReplicaRole.Decode), demand, new Slo(1, target));
        Assert.True(c.Usable, c.PrunedReason);
        double b = c.RequestsPerSecond * 200 * c.TpotSeconds;
        int batch = (int)Math.Round(b);
        Assert.Equal(batch, b, 1e-6);
        Assert.True(Td(batch) <= target);
        Assert.Equal(Td(batch), c.TpotSeconds, 1e-12);
        Assert.True(Td((int)Math.Ceiling(batch * 1.25) + 1) > target, "a batch a step larger would miss the target");
    }

    [Fact]
    public void An_aggregated_replica_meets_both_targets_at_its_capacity_and_misses_one_beyond_it()
    {
        var model = new AnalyticCapacity(Lib.Model("llama-3.1-8b"));
        var demand = new Demand(1, 1000, 200);
        var slo = new Slo(0.5, 0.03);
        var cfg = Config(ReplicaRole.Aggregated);
        var c = model.Capacity(cfg, demand, slo);
        Assert.True(c.Usable, c.PrunedReason);
        var (ttft, tpot) = model.LatencyAt(cfg, demand, c.RequestsPerSecond);
        Assert.True(ttft <= slo.TtftSeconds + 1e-9 && tpot <= slo.TpotSeconds + 1e-9);
        var (ttft2, tpot2) = model.LatencyAt(cfg, demand, c.RequestsPerSecond * 1.05);
        Assert.True(ttft2 > slo.TtftSeconds || tpot2 > slo.TpotSeconds, $"5% more load still meets both targets: {ttft2}, {tpot2}");
    }

    [Fact]
    public void The_fixed_cluster_search_finds_a_rate_it_serves_and_not_one_a_tenth_above()
    {
        var d = Lib.Hardware("h100-sxm");
        var cluster = Lib.DefaultCluster(d);
        var m = Lib.Model("llama-3.1-8b");
        var limits = new Constraints(new Dictionary<string, double>(), new Dictionary<string, int> { ["h100-sxm"] = 8 }, 8, false, double.MaxValue, double.MaxValue);
        var req = new PlanRequest(m, [new HardwareOption(d, cluster)], new Demand(1, 1000, 200), new Slo(1, 0.05), [QuantizationScheme.Bf16], [64, 256], limits, Objective.Devices, false);
        var planner = new Planner(new AnalyticCapacity(m));
        var (rate, result) = planner.HighestGoodput(req);
        Assert.True(result.Plans[0].MeetsSlo);
        Assert.True(result.Plans[0].Devices <= 8);
        Assert.True(result.Plans[0].CapacityRequestsPerSecond >= rate - 1e-9);
        Assert.Throws<InfeasibleException>(() => planner.Plan(req with { Demand = req.Demand with { RequestsPerSecond = rate * 1.1 } }));
    }
}

/// <summary>A pipeline stage's time, tested directly.</summary>
public class StageTimeTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Fact]
    public void A_stage_runs_its_share_of_the_layers_plus_the_once_per_step_operators()
    {
        var d = Lib.Hardware("h100-sxm");
        var dep = Deployment.Create(Lib.Model("llama-3.1-70b"), d, QuantizationScheme.Parse("fp8"), new Parallelism(4, 2), Lib.DefaultCluster(d));
        var cm = new CostModel(dep);
        var shape = BatchShape.Create();
        shape.AddDecode(2000, 32);
        var ops = cm.Operators(shape).ToArray();
        double perLayer = ops.Where(o => o.Scope == OpScope.PerLayer).Sum(o => o.TotalSeconds);
        double perModel = ops.Where(o => o.Block == OpBlock.Model).Sum(o => o.TotalSeconds);
        double transfer = ops.Where(o => o.Block == OpBlock.Pipeline).Sum(o => o.TotalSeconds);
        Assert.True(transfer > 0, "PP 2 sends activations across one stage boundary");
        Assert.Equal(perLayer / 2 + perModel, cm.StageSeconds(shape), 1e-12);
        Assert.Equal(perLayer + perModel + transfer, cm.StepSeconds(shape), 1e-12);
        Assert.True(cm.StageSeconds(shape) < cm.StepSeconds(shape) * 0.6);
    }
}
