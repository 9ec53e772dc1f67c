using System.Globalization;
using System.Text;
using MathNet.Numerics.Random;

namespace Simulator.Serving.Tests;

/// <summary>Invariants that must hold under any workload and configuration.</summary>
public class InvariantTests
{
    /// <summary>A random but reproducible configuration: scheduler, preemption, replicas, router, bursty mixed traffic.</summary>
    private static (ClusterConfig Cluster, WorkloadSpec WorkloadSpec, RunOptions Options) RandomCase(int caseSeed)
    {
        var rng = new Xoshiro256StarStar(caseSeed, threadSafe: false);
        var scheduler = (SchedulerKind)rng.Next(3);
        var preemption = (PreemptionMode)rng.Next(2);
        // An L4 (24 GB) holds about 40k tokens of Llama-3.1-8B KV beside its 16 GB of weights: long prompts and a
        // high rate run it out of blocks, so preemption happens.
        int pp = 1 + rng.Next(2);
        var replica = Setups.Replica(scheduler, hardware: "l4", pp: pp) with
        {
            Preemption = preemption,
            MaxBatch = 8 + rng.Next(120),
            TokenBudget = scheduler == SchedulerKind.Chunked ? 128 + rng.Next(2048) : 8192,
        };
        var cluster = Setups.Cluster(replica, 1 + rng.Next(3), (RouterKind)rng.Next(3));
        var classes = new[]
        {
            new RequestClass("short", 3, new LogNormalLength(300, 1, 1, 4000), new LogNormalLength(200, 1, 1, 2000), new Slo(0.5, 0.05)),
            new RequestClass("long", 1, new UniformLength(2000, 7000), new UniformLength(500, 3000), new Slo(5, 0.1)),
            // Some prompts cannot fit at all: they must be rejected with a reason, not lost.
            new RequestClass("huge", 0.05, new FixedLength(500_000), new FixedLength(10), Slo.None),
        };
        // With PP = 2 each L4 holds half the layers, so the KV cache is larger: offer more load to still preempt.
        var workload = new WorkloadSpec("mixed", classes, new GammaArrivals(pp * (2 + rng.NextDouble() * 6), 0.5 + rng.NextDouble() * 3));
        return (cluster, workload, new RunOptions { Seed = caseSeed, Requests = 300 });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_request_completes_or_is_rejected_kv_stays_within_capacity_and_time_moves_forward(int caseSeed)
    {
        var (cluster, workload, options) = RandomCase(caseSeed);
        var records = new RecordList();
        double lastStart = 0;
        long steps = 0;
        var result = ServingSimulator.Run(cluster, workload, options, records, step =>
        {
            steps++;
            Assert.True(step.UsedBlocks <= step.TotalBlocks, $"KV usage {step.UsedBlocks} > {step.TotalBlocks} blocks");
            Assert.True(step.Start >= lastStart, $"time went back from {lastStart} to {step.Start}");
            Assert.True(step.End > step.Start);
            Assert.True(step.Sequences <= cluster.Pool.Replica.MaxBatch);
            lastStart = step.Start;
        });

        Assert.Equal(options.Requests, result.Requests);
        Assert.Equal(result.Requests, result.Completed + result.Rejected);
        Assert.Equal(result.Requests, records.Records.Count);
        Assert.Equal(Enumerable.Range(0, (int)result.Requests).Select(i => (long)i), records.Records.Select(r => r.Id).Order());
        Assert.All(records.Records.Where(r => !r.Completed), r => Assert.False(string.IsNullOrEmpty(r.RejectReason)));
        Assert.All(records.Records.Where(r => r.InputTokens == 500_000), r => Assert.False(r.Completed));
        Assert.All(records.Records.Where(r => r.Completed), r =>
        {
            Assert.True(r.QueueDelay >= 0 && r.Ttft >= r.QueueDelay && r.E2e >= r.Ttft);
            Assert.True(r.ItlMax >= 0 || r.OutputTokens == 1);
        });
        Assert.True(result.Pools.All(p => p.PeakKvUsage <= 1));
        // Every block taken is given back: when every request has completed, been rejected or moved on, no KV is held.
        // (The allocator itself throws beyond capacity, so the per-step check above only guards the reporting.)
        Assert.All(result.Pools, p => Assert.Equal(0, p.KvBlocksHeldAtEnd));
        Assert.Equal(steps, result.Steps);
    }

    [Fact]
    public void Tight_memory_forces_preemption_under_both_modes()
    {
        foreach (var mode in new[] { PreemptionMode.Recompute, PreemptionMode.Swap })
        {
            var replica = Setups.Replica(SchedulerKind.Continuous, hardware: "l4") with { Preemption = mode, MaxBatch = 256 };
            var work = Setups.Fixed(3000, 2000, new PoissonArrivals(20));
            var records = new RecordList();
            var r = ServingSimulator.Run(Setups.Cluster(replica), work, new RunOptions { Seed = 3, Requests = 60 }, records);
            Assert.Equal(60, r.Completed);
            Assert.True(r.Preemptions > 0, $"{mode}: no preemption");
            Assert.Equal(r.Preemptions, records.Records.Sum(x => (long)x.Preemptions));
            Assert.True(r.PreemptedRequests > 0);
        }
    }

    [Fact]
    public void Swapping_over_a_slower_host_link_costs_its_transfer_time()
    {
        // The same preempting run with the L4's PCIe link and with a 1 GB/s one: every swap out and in is paid in
        // step time, so the slow link stretches the run.
        var fast = Setups.Replica(SchedulerKind.Continuous, hardware: "l4") with { Preemption = PreemptionMode.Swap };
        var slow = fast with { HostLink = fast.HostLink! with { BandwidthBytesPerSecond = 1e9 } };
        var work = Setups.Fixed(3000, 2000, new PoissonArrivals(20));
        var a = ServingSimulator.Run(Setups.Cluster(fast), work, new RunOptions { Seed = 3, Requests = 60 });
        var b = ServingSimulator.Run(Setups.Cluster(slow), work, new RunOptions { Seed = 3, Requests = 60 });
        Assert.True(a.Preemptions > 0 && b.Preemptions > 0);
        Assert.True(b.E2e.Mean > a.E2e.Mean, $"{b.E2e.Mean} <= {a.E2e.Mean}");
        Assert.True(b.Itl.Max > a.Itl.Max);
    }

    private static string Fingerprint(int seed)
    {
        var (cluster, workload, options) = RandomCase(3);
        var sb = new StringBuilder();
        var records = new RecordList();
        var r = ServingSimulator.Run(cluster, workload, options with { Seed = seed }, records);
        foreach (var x in records.Records)
            sb.Append(CultureInfo.InvariantCulture, $"{x.Id},{x.ArrivalTime:R},{x.InputTokens},{x.OutputTokens},{x.Replica},{x.Ttft:R},{x.E2e:R},{x.Preemptions},{x.RejectReason}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{r.Ttft.P99:R},{r.Tpot.Mean:R},{r.Itl.P50:R},{r.EnergyJoules:R},{r.DurationSeconds:R}");
        return sb.ToString();
    }

    [Fact]
    public void Same_seed_gives_identical_output_and_another_seed_other_samples()
    {
        string a = Fingerprint(11), b = Fingerprint(11), c = Fingerprint(12);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void A_closed_loop_never_has_more_requests_in_flight_than_users()
    {
        var replica = Setups.Replica(SchedulerKind.Continuous);
        var work = Presets.Get("chat", new ClosedLoopArrivals(4, 0.5));
        int most = 0;
        var r = ServingSimulator.Run(Setups.Cluster(replica), work, new RunOptions { Seed = 1, Requests = 200 }, null, s => most = Math.Max(most, s.Sequences));
        Assert.Equal(200, r.Completed);
        Assert.InRange(most, 1, 4);
    }

    [Fact]
    public void A_closed_loop_whose_requests_are_all_rejected_ends()
    {
        var replica = Setups.Replica(SchedulerKind.Chunked, hardware: "l4");
        var r = ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(100_000, 10, new ClosedLoopArrivals(3, 0)), new RunOptions { DurationSeconds = 60 });
        Assert.Equal(3, r.Requests);
        Assert.Equal(3, r.Rejected);
    }

    [Fact]
    public void Round_robin_sends_requests_to_replicas_in_turn_and_least_outstanding_balances()
    {
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(Setups.Replica(), 3), Setups.Fixed(100, 10, new ConstantArrivals(50)), new RunOptions { Requests = 30 }, records);
        Assert.All(records.Records, r => Assert.Equal((int)(r.Id % 3), r.Replica));

        var balanced = new RecordList();
        ServingSimulator.Run(Setups.Cluster(Setups.Replica(), 3, RouterKind.LeastOutstanding), Presets.Get("chat", new PoissonArrivals(30)), new RunOptions { Seed = 2, Requests = 600 }, balanced);
        var perReplica = balanced.Records.GroupBy(r => r.Replica).Select(g => g.Count()).ToArray();
        Assert.Equal(3, perReplica.Length);
        Assert.True(perReplica.Max() - perReplica.Min() < 60, string.Join(",", perReplica));

        var kv = new RecordList();
        ServingSimulator.Run(Setups.Cluster(Setups.Replica(), 2, RouterKind.LeastKvUsage), Presets.Get("chat", new PoissonArrivals(20)), new RunOptions { Seed = 2, Requests = 300 }, kv);
        Assert.Equal(2, kv.Records.Select(r => r.Replica).Distinct().Count());
    }

    [Fact]
    public void A_prompt_larger_than_the_kv_cache_is_rejected_with_a_reason()
    {
        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(Setups.Replica(SchedulerKind.Chunked, hardware: "l4")), Setups.Fixed(100_000, 10, new ConstantArrivals(1)),
            new RunOptions { Requests = 3 }, records);
        Assert.Equal(3, r.Rejected);
        Assert.Contains("KV cache", r.RejectReasons.Single().Reason);
        Assert.Equal(3, r.RejectReasons.Single().Count);
        Assert.Equal(0, r.SloAttainment);
    }
}
