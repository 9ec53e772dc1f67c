using Simulator.Serving;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Planner.Tests;

/// <summary>
/// The ranking rules of issue 10, each tie-break on its own: plans that meet the targets first, then the objective to
/// the cent, then fewer devices paid for, then lower p90 latency (TTFT + TPOT x mean output), then more headroom.
/// </summary>
public class RankingTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    // 10 req/s with 200 output tokens on average.
    private static readonly PlanRequest Req = new(Lib.Model("llama-3.1-8b"), [new HardwareOption(Lib.Hardware("h100-sxm"), Lib.DefaultCluster(Lib.Hardware("h100-sxm")))],
        new Demand(10, 1000, 200), new Slo(1, 0.05), null, [64],
        new Constraints(new Dictionary<string, double>(), new Dictionary<string, int>(), 64, false, double.MaxValue, double.MaxValue), Objective.Cost, false);

    private static Plan P(string note, double cost, int billed, double ttft, double tpot, double capacity, bool meets = true) =>
        new([], false, cost, 0, 0, billed, 1, capacity, ttft, tpot, meets, note) { BilledDevices = billed };

    private static string First(params Plan[] plans) => Planner.Rank(Req, plans)[0].Note;

    [Fact]
    public void A_plan_that_meets_the_targets_beats_a_cheaper_one_that_does_not()
    {
        Assert.Equal("meets", First(P("misses", 5, 1, 0.1, 0.01, 20, meets: false), P("meets", 8, 2, 0.1, 0.01, 20)));
        Assert.Contains("the only plan that meets the targets", Planner.WhyFirst(Req, Planner.Rank(Req, [P("misses", 5, 1, 0.1, 0.01, 20, meets: false), P("meets", 8, 2, 0.1, 0.01, 20)])));
    }

    [Fact]
    public void Cost_decides_to_the_cent_then_fewer_billed_devices()
    {
        Assert.Equal("cheaper", First(P("dearer", 8.01, 1, 0.1, 0.01, 20), P("cheaper", 8.00, 2, 0.1, 0.01, 20)));
        // 8.001 and 8.004 round to the same cent: the plan paying for fewer devices wins.
        var ranked = Planner.Rank(Req, [P("more devices", 8.001, 4, 0.1, 0.01, 20), P("fewer devices", 8.004, 2, 0.1, 0.01, 20)]);
        Assert.Equal("fewer devices", ranked[0].Note);
        Assert.Contains("fewer devices (2 against 4)", Planner.WhyFirst(Req, ranked));
    }

    [Fact]
    public void Equal_cost_and_devices_go_to_lower_p90_latency_then_more_headroom()
    {
        // Latency = TTFT + TPOT x 200: 0.2 + 0.01 x 200 = 2.2 s against 0.1 + 0.012 x 200 = 2.5 s.
        var byLatency = Planner.Rank(Req, [P("slower", 8, 2, 0.1, 0.012, 20), P("faster", 8, 2, 0.2, 0.010, 20)]);
        Assert.Equal("faster", byLatency[0].Note);
        Assert.Contains("lower p90 latency", Planner.WhyFirst(Req, byLatency));
        // Same latency: headroom 1 - 10/25 = 60% beats 1 - 10/20 = 50%.
        var byHeadroom = Planner.Rank(Req, [P("tight", 8, 2, 0.1, 0.01, 20), P("spare", 8, 2, 0.1, 0.01, 25)]);
        Assert.Equal("spare", byHeadroom[0].Note);
        Assert.Contains("more headroom (60% spare capacity against 50%)", Planner.WhyFirst(Req, byHeadroom));
    }
}
