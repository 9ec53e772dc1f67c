using System.CommandLine;
using Simulator.Cli.Options;
using Simulator.Cli.Output;
using Simulator.Cli.Output.Contracts;
using Simulator.Core.Specs;
using Simulator.Core.Units;
using Simulator.Planner;
using Simulator.Serving;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Output;

/// <summary>How a plan reads in every verb that shows one (plan, report, day, simulate's scenario line): its label, the
/// latency source, the Pareto chart, the scenario it came from, and running the planner with the CLI's exit codes.</summary>
public static class PlanText
{
    /// <summary>Runs the planner; bad inputs exit 2, an impossible demand exits 4 with the planner's "infeasible" message.</summary>
    public static (PlanResult Result, PlanRequest Request, string? Note) Run(BuiltPlan built, ClusterSpec? fixedCluster = null)
    {
        try { return PlanRequestBuilder.Run(built, fixedCluster); }
        catch (InfeasibleException e) { throw new CliException(e.Message, Cli.Infeasible); }
    }

    /// <summary>How latencies in the output were obtained.</summary>
    public static string LatencyModel(bool simulated) => simulated
        ? $"p90 from the discrete-event simulator ({PlanRequestBuilder.CheckRequests} Poisson requests per plan checked); other alternatives analytic means"
        : "analytic means (cost model + queueing); --check analytic";

    /// <summary>
    /// Cost against TTFT for every plan found, with the Pareto front, the chosen plan (the first) marked, and each
    /// plan marked as checked by simulation or estimated analytically (from how the planner obtained its latencies).
    /// </summary>
    public static ScottPlot.Plot ParetoPlot(PlanRequest req, PlanResult result)
    {
        var front = new HashSet<Plan>(result.ParetoCostLatency, ReferenceEqualityComparer.Instance);
        var chosen = result.Plans[0];
        // The front may hold plans ranked below the alternatives shown; they belong on the chart too.
        var plans = result.Plans.Concat(result.Alternatives.Select(a => a.Plan)).Concat(result.ParetoCostLatency).Distinct(ReferenceEqualityComparer.Instance).Cast<Plan>()
            .Select(p => new Plotting.ParetoPoint(Label(p), p.CostPerHour, p.PredictedTtftP90Seconds, p.Check == CheckMethod.Simulated, front.Contains(p), ReferenceEquals(p, chosen)))
            .ToList();
        return Plotting.ParetoChart.Build(plans, $"{req.Model.Name} at {req.Demand.RequestsPerSecond} req/s: cost vs TTFT");
    }

    /// <summary>The scenario an output's options came from (null without one).</summary>
    public static ScenarioOutput? ScenarioOutputOf(CliContext ctx) => ctx.Scenario is { } s ? new ScenarioOutput(s.Name, s.File, s.Hash) : null;

    /// <summary>The scenario line of a table output (null without one).</summary>
    public static string? ScenarioLine(CliContext ctx) => ctx.Scenario is { } s ? $"scenario: {s.Name} ({s.File}, sha256 {s.Hash[..16]}...)" : null;

    public static string Label(Plan p) => string.Join(" + ", p.Items.Select(i =>
    {
        var c = i.Capacity.Config;
        string par = (c.Parallelism.Dp > 1 ? $"DP{c.Parallelism.Dp} " : "") + $"TP{c.Parallelism.Tp}" + (c.Parallelism.Pp > 1 ? $" PP{c.Parallelism.Pp}" : "") + (c.Parallelism.Ep > 1 ? $" EP{c.Parallelism.Ep}" : "");
        string role = c.Role == ReplicaRole.Aggregated ? "" : " " + c.Role.ToString().ToLowerInvariant();
        string features = (c.PrefixCaching ? " +prefix-cache" : "") + (c.Speculative is { } sp ? $" +spec {Serving.SpeculativeConfig.MethodName(sp.Method)} k{sp.K}" : "");
        return $"{i.Count}x {c.Device.Name} {par} {c.Quant.Label} b{c.MaxBatch}{role}{features}";
    }));
}
