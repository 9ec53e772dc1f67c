using Simulator.Core.Specs;

namespace Simulator.Serving.Tests;

/// <summary>Prefill and decode pools with the KV cache moving between them.</summary>
public class DisaggregationTests
{
    [Fact]
    public void With_a_slow_link_ttft_and_e2e_grow_by_the_kv_transfer_time()
    {
        const int input = 1000, output = 20;
        // 1 GB/s and 50 us: Llama-3.1-8B holds 2 x 8 KV heads x 128 x 32 layers x 2 bytes = 131,072 bytes per token,
        // so a 1000-token prompt moves 131.072 MB in 50 us + 131.072 ms.
        var slow = new Interconnect("slow", "test link", 1e9, 50e-6, Topology.PointToPoint, "test");
        double transfer = 50e-6 + input * 131_072 / 1e9;
        var replica = Setups.Replica(SchedulerKind.Continuous);
        var unified = Setups.Cluster(replica);
        var split = unified with { DecodePool = new PoolConfig(replica, 1), KvLink = slow };
        var work = Setups.Fixed(input, output, new ConstantArrivals(0.1));
        var a = new RecordList();
        var b = new RecordList();
        ServingSimulator.Run(unified, work, new RunOptions { Requests = 3 }, a);
        var result = ServingSimulator.Run(split, work, new RunOptions { Requests = 3 }, b);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(a.Records[i].Ttft + transfer, b.Records[i].Ttft, 1e-9);
            Assert.Equal(a.Records[i].E2e + transfer, b.Records[i].E2e, 1e-9);
            Assert.Equal(a.Records[i].Tpot, b.Records[i].Tpot, 1e-12);
        }
        Assert.Equal(3, result.KvTransfers);
        Assert.Equal(transfer, result.KvTransferSecondsMean, 1e-12);
        Assert.Equal(2, result.Pools.Count);
        Assert.Equal(2, result.Devices);
    }

    [Fact]
    public void Without_a_given_link_the_decode_clusters_inter_node_link_is_used()
    {
        var replica = Setups.Replica();
        var split = Setups.Cluster(replica) with { DecodePool = new PoolConfig(replica, 2) };
        Assert.Equal("infiniband-ndr", split.EffectiveKvLink!.Name);
        var records = new RecordList();
        var r = ServingSimulator.Run(split, Presets.Get("chat", new PoissonArrivals(8)), new RunOptions { Seed = 4, Requests = 400 }, records);
        Assert.Equal(400, r.Completed + r.Rejected);
        Assert.All(records.Records.Where(x => x.Completed), x => Assert.InRange(x.Replica, 0, 1));
        Assert.Equal(2, records.Records.Where(x => x.Completed).Select(x => x.Replica).Distinct().Count());
    }

    [Fact]
    public void Transfers_into_one_decode_replica_queue_on_its_link()
    {
        // Two prompts finish prefill in the same step; the second transfer starts when the first ends.
        var slow = new Interconnect("slow", "test link", 1e9, 0, Topology.PointToPoint, "test");
        var replica = Setups.Replica();
        var split = Setups.Cluster(replica) with { DecodePool = new PoolConfig(replica, 1), KvLink = slow };
        var records = new RecordList();
        // Constant arrivals 1 us apart: both prompts are in the same prefill step.
        ServingSimulator.Run(split, Setups.Fixed(500, 5, new ConstantArrivals(1e6)), new RunOptions { Requests = 2 }, records);
        double one = 500 * 131_072 / 1e9;
        double firstTokenGap = records.Records[1].Ttft + records.Records[1].ArrivalTime - (records.Records[0].Ttft + records.Records[0].ArrivalTime);
        Assert.Equal(one, firstTokenGap, 1e-9);
    }
}
