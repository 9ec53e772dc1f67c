using Simulator.Roofline;

namespace Simulator.Planner;

/// <summary>The two steps a plan's roofline shows: one prefill of the mean prompt and one decode at the mean context.</summary>
/// <param name="Deployment">The plan's main configuration (the replica group with the most devices), costed as the plan was.</param>
public sealed record PlanSteps(CandidateConfig Config, Deployment Deployment, BatchShape Prefill, BatchShape Decode, int DecodeBatch);

/// <summary>Which configuration and steps stand for a plan in a roofline chart.</summary>
public static class PlanRoofline
{
    /// <summary>Decode batch of the chart: the plan's batch limit, at most this (a typical decode batch at moderate load).</summary>
    public const int DecodeBatch = 32;

    /// <summary>The main configuration of <paramref name="plan"/> with the same device, efficiency model and cluster it was costed with, and its two steps.</summary>
    public static PlanSteps Of(PlanRequest req, Plan plan)
    {
        var main = plan.Items.OrderByDescending(i => i.Count * i.Capacity.Config.Devices).First().Capacity.Config;
        var dep = Deployment.Create(req.Model, main.Device, main.Quant, main.Parallelism, main.Cluster, efficiency: main.Efficiency);
        var pre = BatchShape.For(req.Model);
        pre.AddPrefill((long)req.Demand.MeanInputTokens);
        int batch = Math.Min(main.MaxBatch, DecodeBatch);
        var dec = BatchShape.For(req.Model);
        dec.AddDecode((long)(req.Demand.MeanInputTokens + req.Demand.MeanOutputTokens / 2), batch);
        return new PlanSteps(main, dep, pre, dec, batch);
    }
}
