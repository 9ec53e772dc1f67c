using BenchmarkDotNet.Attributes;
using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Serving;
using Simulator.Tests;

namespace Simulator.Benchmarks;

/// <summary>
/// The serving simulator end to end (issue 4): chat requests (Azure conversation lengths, Poisson 10 req/s) on one
/// H100 replica of Llama-3.1-8B with continuous batching. Target: 100,000 requests under 2 s on one core,
/// 1,000,000 under 20 s with flat memory.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SimulationBenchmarks
{
    private ClusterConfig _cluster = null!;
    private WorkloadSpec _chat = null!;

    [Params(100_000)]
    public int Requests;

    [GlobalSetup]
    public void Setup()
    {
        (_cluster, _chat) = Build();
    }

    public static (ClusterConfig, WorkloadSpec) Build()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var h100 = lib.Hardware("h100-sxm");
        var d = Deployment.Create(lib.Model("llama-3.1-8b"), h100, QuantizationScheme.Bf16, new Parallelism(1), lib.DefaultCluster(h100));
        var cluster = new ClusterConfig(new PoolConfig(new ReplicaConfig(d) { Scheduler = SchedulerKind.Continuous }, 1));
        return (cluster, Presets.Get("chat", new PoissonArrivals(10)));
    }

    [Benchmark(Description = "chat on 1 x H100, Llama-3.1-8B, continuous batching")]
    public long Simulate() => ServingSimulator.Run(_cluster, _chat, new RunOptions { Seed = 1, Requests = Requests }).Completed;
}

/// <summary>
/// Wall time and peak memory of one run per size, in a fresh process each (run with
/// <c>dotnet run -c Release --project tests/Simulator.Benchmarks -- serving-scale 100000</c>): BenchmarkDotNet
/// reports allocations, not the peak working set that "flat memory" is about.
/// </summary>
public static class ServingScale
{
    public static void Run(long requests)
    {
        var (cluster, chat) = SimulationBenchmarks.Build();
        ServingSimulator.Run(cluster, chat, new RunOptions { Seed = 1, Requests = 2000 }); // JIT warm-up
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = ServingSimulator.Run(cluster, chat, new RunOptions { Seed = 1, Requests = requests });
        sw.Stop();
        var p = System.Diagnostics.Process.GetCurrentProcess();
        Console.WriteLine($"{requests:N0} requests: {sw.Elapsed.TotalSeconds:0.00} s, {r.Steps:N0} steps, {r.Events:N0} events, " +
            $"{sw.Elapsed.TotalMilliseconds * 1e3 / r.Steps:0.00} us/step, peak working set {p.PeakWorkingSet64 / 1e6:0} MB, " +
            $"GC heap after {GC.GetTotalMemory(false) / 1e6:0} MB, simulated {r.DurationSeconds:0} s");
    }
}
