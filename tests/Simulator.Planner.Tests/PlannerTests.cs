using Simulator.Serving;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Planner.Tests;

public class PlannerTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static PlanRequest Request(string model, string[] hw, double rate, double input, double output, double ttft, double tpot, bool disagg = true, int maxDevices = 64, string[]? quants = null)
    {
        var m = Lib.Model(model);
        return new PlanRequest(m, hw.Select(h => { var d = Lib.Hardware(h); return new HardwareOption(d, Lib.DefaultCluster(d)); }).ToList(),
            new Demand(rate, input, output), new Slo(ttft, tpot), quants?.Select(q => QuantizationScheme.Parse(q)).ToList(), [64, 256],
            new Constraints(new Dictionary<string, double>(), new Dictionary<string, int>(), maxDevices, false, double.MaxValue, double.MaxValue), Objective.Cost, disagg);
    }

    private static PlanResult Plan(PlanRequest r) => new Planner(new AnalyticCapacity(r.Model)).Plan(r);

    [Fact]
    public void A_demand_one_replica_serves_yields_one_replica()
    {
        var r = Plan(Request("llama-3.1-8b", ["h100-sxm"], 0.5, 1000, 200, 1.0, 0.05, disagg: false, quants: ["bf16"]));
        var best = r.Plans[0];
        Assert.Equal(1, best.Items.Sum(i => i.Count));
        Assert.Equal(1, best.Devices);
        Assert.True(best.MeetsSlo);
    }

    [Fact]
    public void Doubling_demand_never_lowers_the_cost()
    {
        double prev = 0;
        foreach (double rate in new[] { 1.0, 2, 4, 8, 16 })
        {
            var r = Plan(Request("llama-3.1-8b", ["h100-sxm", "a100-80gb-sxm"], rate, 1000, 200, 1.0, 0.05, disagg: false));
            Assert.True(r.Plans[0].CostPerHour >= prev - 1e-9, $"rate {rate}: {r.Plans[0].CostPerHour} < {prev}");
            Assert.True(r.Plans[0].CapacityRequestsPerSecond >= rate);
            prev = r.Plans[0].CostPerHour;
        }
    }

    [Fact]
    public void Disaggregation_wins_for_long_prompts_and_tight_tpot()
    {
        // 8,000-token prompts, 30 ms TPOT: aggregated replicas stall decode behind long prefills (TPOT = td / (1 - rho_p)),
        // so they must run far below capacity; separate pools keep decode steps short.
        var r = Plan(Request("llama-3.1-70b", ["h100-sxm"], 10, 8000, 200, 3.0, 0.03));
        Assert.True(r.Plans[0].Disaggregated, string.Join("; ", r.Plans.Select(p => $"{p.Disaggregated} {p.CostPerHour}")));
    }

    [Fact]
    public void Disaggregation_loses_for_short_prompts_and_loose_ttft()
    {
        var r = Plan(Request("llama-3.1-8b", ["h100-sxm"], 4, 200, 200, 5.0, 0.1));
        Assert.False(r.Plans[0].Disaggregated);
    }

    [Fact]
    public void Impossible_latency_is_reported_as_infeasible_with_what_to_relax()
    {
        var ex = Assert.Throws<InfeasibleException>(() => Plan(Request("llama-3.1-70b", ["a100-80gb-sxm"], 1, 1000, 200, 1.0, 0.001)));
        Assert.Contains("infeasible", ex.Message);
        Assert.Contains("TPOT", ex.Message);
        Assert.Contains("Relax", ex.Message);
    }

    [Fact]
    public void Too_few_devices_names_the_device_limit()
    {
        var ex = Assert.Throws<InfeasibleException>(() => Plan(Request("llama-3.1-8b", ["h100-sxm"], 500, 1000, 200, 1.0, 0.05, disagg: false, maxDevices: 2)));
        Assert.Contains("infeasible", ex.Message);
        Assert.Contains("--max-devices", ex.Message);
    }

    [Fact]
    public void Search_space_respects_heads_and_node_size()
    {
        // Qwen2.5-7B has 28 attention heads and 4 KV heads: TP 1, 2 and 4 divide them, TP 8 does not (28 / 8 = 3.5),
        // so an 8-GPU node offers TP up to 4 only. The node size caps TP at 8 anyway.
        var req = Request("qwen2.5-7b", ["h100-sxm"], 1, 1000, 200, 1, 0.05);
        var tps = Planner.SearchSpace(req).Select(c => c.Parallelism.Tp).Distinct().Order().ToArray();
        Assert.Equal(new[] { 1, 2, 4 }, tps);
        Assert.Equal(28, Lib.Model("qwen2.5-7b").NumAttentionHeads);
        // Llama-3.1-70B (64 heads) on the same node reaches TP 8 and never beyond the node.
        var tps70 = Planner.SearchSpace(Request("llama-3.1-70b", ["h100-sxm"], 1, 1000, 200, 1, 0.05)).Select(c => c.Parallelism.Tp).Distinct().Order().ToArray();
        Assert.Equal(new[] { 1, 2, 4, 8 }, tps70);
    }

    [Fact]
    public void Pareto_front_keeps_only_undominated_plans()
    {
        Plan P(double cost, double ttft) => new([], false, cost, 0, 0, 1, 1, 1, ttft, 0, true, "");
        var front = Planner.Pareto([P(1, 5), P(2, 3), P(3, 4), P(4, 1)], p => p.CostPerHour, p => p.PredictedTtftP90Seconds);
        Assert.Equal(new[] { 1.0, 2, 4 }, front.Select(p => p.CostPerHour).ToArray());
    }

    [Theory]
    [InlineData("h100-sxm", "bf16,fp8,w4a16")]
    [InlineData("a100-80gb-sxm", "bf16,w4a16")]
    [InlineData("b200-sxm", "bf16,fp8,nvfp4,w4a16")]
    [InlineData("gb200", "bf16,fp8,nvfp4,w4a16")]
    [InlineData("mi355x", "bf16,fp8,mxfp4,w4a16")]
    [InlineData("mi300x", "bf16,fp8,w4a16")]
    public void Default_quantizations_add_fp4_only_on_devices_with_an_fp4_peak(string hw, string expected) =>
        Assert.Equal(expected, string.Join(",", Planner.DefaultQuantizations(Lib.Hardware(hw), Lib.Model("llama-3.1-8b")).Select(q => q.Name)));

    [Fact]
    public void A_b200_plan_can_choose_nvfp4()
    {
        // Llama-3.1-70B at a rate one replica of several serves: on B200 the default search includes nvfp4, and a plan
        // of nvfp4 replicas costs no more than the cheapest plan restricted to today's list.
        var all = Plan(Request("llama-3.1-70b", ["b200-sxm"], 4, 1000, 200, 1.0, 0.05, disagg: false));
        var old = Plan(Request("llama-3.1-70b", ["b200-sxm"], 4, 1000, 200, 1.0, 0.05, disagg: false, quants: ["bf16", "fp8", "w4a16"]));
        Assert.True(all.Plans[0].CostPerHour <= old.Plans[0].CostPerHour + 1e-9);
        Assert.Contains(all.Plans, p => p.Items.Any(i => i.Capacity.Config.Quant.Name == "nvfp4"));
    }
}

public class SimulatorCheckTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Fact]
    public void Simulated_check_reports_p90_latencies_within_the_targets_it_accepts()
    {
        var m = Lib.Model("llama-3.1-8b");
        var d = Lib.Hardware("h100-sxm");
        var req = new PlanRequest(m, [new HardwareOption(d, Lib.DefaultCluster(d))], new Demand(4, 1000, 200), new Slo(1.0, 0.05), [QuantizationScheme.Bf16], [64],
            new Constraints(new Dictionary<string, double>(), new Dictionary<string, int>(), 16, false, double.MaxValue, double.MaxValue), Objective.Cost, false, 3);
        var capacity = new AnalyticCapacity(m);
        var checker = new SimulatorChecker(m, capacity, dem => Simulator.Serving.Presets.Get("chat", new Simulator.Serving.PoissonArrivals(dem.RequestsPerSecond))
            .WithFixedLengths((int)dem.MeanInputTokens, (int)dem.MeanOutputTokens), 1000);
        var best = new Planner(capacity, checker).Plan(req).Plans[0];
        Assert.True(checker.Simulations > 0);
        Assert.True(best.MeetsSlo);
        Assert.InRange(best.PredictedTtftP90Seconds, 1e-3, 1.0);
        Assert.InRange(best.PredictedTpotP90Seconds, 1e-3, 0.05);
        Assert.Equal(4, best.Goodput, 0.5); // goodput = completed-within-SLO rate ~ the offered 4 req/s
    }

}
