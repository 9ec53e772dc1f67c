using MathNet.Numerics.Random;
using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>The KV offload tier: evicted prefix blocks come back over the host link (or from SSD) at their copy time; swaps need room there.</summary>
public class KvOffloadTests
{
    /// <summary>Requests one second apart, each a 1,024-token prefix of template <paramref name="groups"/>[i] (64 blocks) plus a 20-token question, 4 output tokens.</summary>
    private static WorkloadSpec Templates(IReadOnlyList<int> groups)
    {
        var rows = groups.Select((g, i) => new TraceRow(i, 1044, 4) { PrefixGroup = g, PrefixTokens = 1024 }).ToArray();
        return new WorkloadSpec("templates", [new RequestClass("t", 1, new FixedLength(1044), new FixedLength(4), Slo.None)],
            new TraceArrivals(new Trace("templates", TraceFormat.BurstGpt, rows, 0, [], [])));
    }

    private static double Prefill(CostModel cm, int tokens, int cached)
    {
        var s = BatchShape.Create();
        s.AddPrefill(tokens, cached, true);
        return cm.StepSeconds(s);
    }

    // Llama-3.1-8B on one H100: a block of 16 tokens is 16 x 131,072 B = 2 MiB.
    private const double BlockBytes = 16 * 131_072.0;

    [Fact]
    public void Evicted_template_blocks_come_back_from_host_memory_at_the_links_copy_time()
    {
        // The device cache has room for one request only (66 blocks, no watermark at this size), so every finished
        // template is evicted by the next request; templates cycle 1, 2, 3, so from the fourth request on each finds its
        // 64 blocks in host memory. TTFT = copy of 64 blocks over PCIe 5 (latency + 64 x 2 MiB / bandwidth) + prefill
        // of the 20-token question after 1,024 cached tokens.
        var link = Setups.HostLink("h100-sxm")!;
        var replica = Setups.Replica() with { PrefixCaching = true, KvBlockLimit = 66, KvOffload = new KvOffloadConfig(16e9) };
        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(replica), Templates(Enumerable.Range(0, 30).Select(i => 1 + i % 3).ToArray()), new RunOptions(), records);
        var cm = new CostModel(replica.Deployment);
        double copy = link.LatencySeconds + 64 * BlockBytes / link.BandwidthBytesPerSecond;
        double expected = copy + Prefill(cm, 20, 1024);
        foreach (var x in records.Records.Where(x => x.Id >= 3)) Assert.Equal(expected, x.Ttft, 1e-12);
        Assert.Equal(27L * 64, r.PrefixCache!.HostHitBlocks);
        Assert.Equal(27L * 64, r.PrefixCache.HitBlocks);
        Assert.Equal(27 * copy, r.PrefixCache.OffloadLoadSeconds, 1e-9);
        // Copying 128 MiB back is far cheaper than recomputing 1,024 tokens.
        Assert.True(expected < Prefill(cm, 1044, 0), $"{expected} vs {Prefill(cm, 1044, 0)}");
    }

    [Fact]
    public void Blocks_that_overflow_host_memory_come_back_from_the_ssd()
    {
        // Host memory holds one template (64 blocks of 2 MiB = 128 MiB), the SSD all three: the template needed next was
        // evicted from host to SSD two requests ago. SSD read: 100 us + 128 MiB / 7 GB/s (slower than PCIe 5).
        var link = Setups.HostLink("h100-sxm")!;
        var off = new KvOffloadConfig(64 * BlockBytes) { SsdBytes = 1e12 };
        var replica = Setups.Replica() with { PrefixCaching = true, KvBlockLimit = 66, KvOffload = off };
        var records = new RecordList();
        var r = ServingSimulator.Run(Setups.Cluster(replica), Templates(Enumerable.Range(0, 30).Select(i => 1 + i % 3).ToArray()), new RunOptions(), records);
        var cm = new CostModel(replica.Deployment);
        double ssd = 100e-6 + Math.Max(64 * BlockBytes / 7e9, 64 * BlockBytes / link.BandwidthBytesPerSecond);
        foreach (var x in records.Records.Where(x => x.Id >= 3)) Assert.Equal(ssd + Prefill(cm, 20, 1024), x.Ttft, 1e-12);
        Assert.Equal(27L * 64, r.PrefixCache!.SsdHitBlocks);
        Assert.Equal(0, r.PrefixCache.HostHitBlocks);
    }

    [Fact]
    public void Host_memory_instead_of_device_memory_recovers_the_hit_rate()
    {
        // 16 templates drawn uniformly, device room for about 5 between requests: with a host tier for all of them the hit rate recovers
        // and TTFT falls ("more CPU memory instead of more GPUs").
        var rng = new Xoshiro256StarStar(3, threadSafe: false);
        var work = Templates(Enumerable.Range(0, 400).Select(_ => 1 + rng.Next(16)).ToArray());
        var small = Setups.Replica() with { PrefixCaching = true, KvBlockLimit = 4 * 64 + 70 };
        var without = ServingSimulator.Run(Setups.Cluster(small), work, new RunOptions());
        var with = ServingSimulator.Run(Setups.Cluster(small with { KvOffload = new KvOffloadConfig(64e9) }), work, new RunOptions());
        Assert.InRange(without.PrefixCache!.BlockHitRate, 0.2, 0.45);
        Assert.InRange(with.PrefixCache!.BlockHitRate, 0.9, 1.0);
        Assert.True(with.Ttft.Mean < 0.5 * without.Ttft.Mean, $"{with.Ttft.Mean} vs {without.Ttft.Mean}");
    }

    [Fact]
    public void A_swap_that_does_not_fit_the_offload_tier_recomputes_instead()
    {
        // The preempting L4 run of the invariant tests with swap preemption and a host tier of one block: no request can
        // be swapped out, so every preemption recomputes, exactly as with recompute preemption.
        var work = Setups.Fixed(3000, 2000, new PoissonArrivals(20));
        var run = new RunOptions { Seed = 3, Requests = 60 };
        var recompute = new RecordList();
        var tiny = new RecordList();
        var baseline = Setups.Replica(SchedulerKind.Continuous, hardware: "l4");
        var a = ServingSimulator.Run(Setups.Cluster(baseline with { Preemption = PreemptionMode.Recompute }), work, run, recompute);
        var b = ServingSimulator.Run(Setups.Cluster(baseline with { Preemption = PreemptionMode.Swap, KvOffload = new KvOffloadConfig(BlockBytes / 4) }), work, run, tiny);
        Assert.True(a.Preemptions > 0);
        Assert.Equal(recompute.Records, tiny.Records);
        // A tier large enough takes the swaps: then the run differs.
        var big = ServingSimulator.Run(Setups.Cluster(baseline with { Preemption = PreemptionMode.Swap, KvOffload = new KvOffloadConfig(200e9) }), work, run);
        Assert.NotEqual(a.E2e.Mean, big.E2e.Mean);
    }
}
