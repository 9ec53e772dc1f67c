namespace Simulator.Serving.Tests;

public class SmokeTests
{
    [Fact]
    public void Chat_runs()
    {
        var cluster = Setups.Cluster(Setups.Replica());
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = ServingSimulator.Run(cluster, Presets.Get("chat", new PoissonArrivals(10)), new RunOptions { Seed = 1, Requests = 10000 });
        Console.WriteLine($"{sw.Elapsed.TotalSeconds} s, steps {r.Steps}, completed {r.Completed}, rejected {r.Rejected}, dur {r.DurationSeconds}, ttft p50 {r.Ttft.P50} p99 {r.Ttft.P99} tpot {r.Tpot.Mean} busy {r.DeviceBusyFraction} kvpeak {r.Pools[0].PeakKvUsage} cap {r.Pools[0].KvCapacityTokens} pre {r.Preemptions}");
        Assert.Equal(r.Requests, r.Completed + r.Rejected);
    }
}
