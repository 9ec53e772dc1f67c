using Simulator.Core.Specs;
using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>
/// The serving simulator with the issue-13 layouts and models: a replica that is one DEP group (attention data parallel
/// ranks with their own KV caches, pooled), Qwen3-Next's fixed linear-attention state, Llama 4's chunked attention and
/// gpt-oss; conservation, KV within capacity, time forward, and low-load latencies equal to the cost model's steps.
/// </summary>
public class FrontierServingTests
{
    private static Deployment Deploy(string model, string hw, string quant, Parallelism par, int nodes = 1)
    {
        var device = Setups.Lib.Hardware(hw);
        return Deployment.Create(Setups.Lib.Model(model), device, QuantizationScheme.Parse(quant), par, Setups.Lib.DefaultCluster(device) with { Nodes = nodes });
    }

    [Fact]
    public void A_dep_replica_pools_the_kv_caches_of_its_ranks()
    {
        var dep = new ReplicaConfig(Deploy("qwen3-235b-a22b", "h200-sxm", "fp8", new Parallelism(1, 1, 4, 4)));
        // Each of the 4 ranks holds the KV cache of its own requests: the replica's capacity is 4 x one rank's, where one
        // rank's activations are sized for its share of the token budget and of the batch.
        var mem = MemoryModel.For(dep.Deployment);
        double act = MemoryModel.ActivationBytes(dep.Deployment, (dep.EffectiveTokenBudget + 3) / 4, (dep.MaxBatch + 3) / 4);
        Assert.Equal(4 * (long)mem.MaxKvTokens(act), dep.KvCapacityTokens());
    }

    [Theory]
    [InlineData("qwen3-235b-a22b", "h200-sxm", "fp8", 1, 4, 4, 1)]
    [InlineData("deepseek-r1", "h200-sxm", "fp8", 1, 16, 16, 2)]
    [InlineData("qwen3-next-80b-a3b", "h200-sxm", "bf16", 2, 1, 1, 1)]
    [InlineData("llama-4-scout", "h100-sxm", "fp8", 4, 1, 1, 1)]
    [InlineData("gpt-oss-120b", "h200-sxm", "fp8", 1, 1, 1, 1)]
    public void Every_request_completes_or_is_rejected_and_kv_stays_within_capacity(string model, string hw, string quant, int tp, int ep, int dp, int nodes)
    {
        var replica = new ReplicaConfig(Deploy(model, hw, quant, new Parallelism(tp, 1, ep, dp), nodes)) { Scheduler = SchedulerKind.Chunked };
        var work = new WorkloadSpec("mixed", [new RequestClass("c", 1, new UniformLength(100, 12_000), new UniformLength(10, 600), Slo.None)], new PoissonArrivals(8));
        double last = 0;
        var result = ServingSimulator.Run(Setups.Cluster(replica), work, new RunOptions { Seed = 5, Requests = 200 }, null, step =>
        {
            Assert.True(step.UsedBlocks <= step.TotalBlocks);
            Assert.True(step.Start >= last);
            last = step.Start;
        });
        Assert.Equal(200, result.Completed + result.Rejected);
        Assert.True(result.Completed > 150, $"{result.Completed} completed");
    }

    [Fact]
    public void At_low_load_a_dep_replica_decodes_at_the_cost_models_step_time()
    {
        var d = Deploy("deepseek-r1", "h200-sxm", "fp8", new Parallelism(1, 1, 8, 8));
        var replica = new ReplicaConfig(d);
        // One request at a time: TTFT is its prefill step, TPOT the mean of its decode steps (context 100 .. 103).
        var work = Setups.Fixed(100, 5, new PoissonArrivals(0.01));
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), work, new RunOptions { Seed = 1, Requests = 3 }, records);
        var cost = new CostModel(d);
        var p = BatchShape.For(d.Model);
        p.AddPrefill(100);
        double tpot = 0;
        for (int c = 100; c < 104; c++)
        {
            var s = BatchShape.For(d.Model);
            s.AddDecode(c);
            tpot += cost.StepSeconds(s) / 4;
        }
        foreach (var r in records.Records)
        {
            Assert.Equal(cost.StepSeconds(p), r.Ttft - r.QueueDelay, 12);
            Assert.Equal(tpot, r.Tpot, 12);
        }
    }
}
