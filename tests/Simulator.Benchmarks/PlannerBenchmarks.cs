using Simulator.Serving;
using BenchmarkDotNet.Attributes;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Planner;
using Simulator.Tests;

namespace Simulator.Benchmarks;

/// <summary>
/// The issue-5 planning problem: Llama-3.1-70B over three GPU types, every TP/PP/quantization option,
/// aggregated and disaggregated, up to 64 devices, 10 req/s of chat traffic. Target: under 60 s here, aim 10 s.
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private PlanRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var model = lib.Model("llama-3.1-70b");
        var hw = new[] { "h100-sxm", "a100-80gb-sxm", "h200-sxm" }.Select(n => { var d = lib.Hardware(n); return new HardwareOption(d, lib.DefaultCluster(d)); }).ToList();
        // H200 has no public list price in its profile; 3.80 USD/h stands in so it takes part (a benchmark input, not a claim).
        var limits = new Constraints(new Dictionary<string, double> { ["h200-sxm"] = 3.80 }, new Dictionary<string, int>(), 64, true, double.MaxValue, double.MaxValue);
        _request = new PlanRequest(model, hw, new Demand(10, 1155, 211), new Slo(1.0, 0.05), null, [32, 64, 128, 256], limits, Objective.Cost, true);
    }

    [Benchmark(Description = "plan Llama-3.1-70B, 3 GPU types, agg + disagg, <= 64 devices")]
    public double Plan70b() => new Planner.Planner(new AnalyticCapacity(_request.Model)).Plan(_request).Plans[0].CostPerHour;
}
