using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Roofline;
using Simulator.Tests;

namespace Simulator.Serving.Tests;

/// <summary>Engine profiles in the serving simulator: schedulers, request overheads, CUDA graphs, capped open loops.</summary>
public class EngineServingTests
{
    private static readonly EngineLibrary Engines = new(RepoPaths.EnginesDir);

    private static ReplicaConfig EngineReplica(string engine, string model = "llama-3.1-8b", string hardware = "h100-sxm") =>
        EngineSetup.Replica(Setups.Deploy(model, hardware), Setups.HostLink(hardware), Engines.Get(engine));

    [Fact]
    public void A_replica_takes_its_scheduler_limits_and_block_size_from_the_engine_and_explicit_choices_win()
    {
        var trt = EngineReplica("trtllm");
        Assert.Equal((SchedulerKind.NoEvict, 2048, 8192, 32), (trt.Scheduler, trt.MaxBatch, trt.TokenBudget, trt.BlockSize));
        var vllm = EngineReplica("vllm");
        Assert.Equal((SchedulerKind.Chunked, 1024, 8192, 16), (vllm.Scheduler, vllm.MaxBatch, vllm.TokenBudget, vllm.BlockSize));
        var sg = EngineReplica("sglang");
        Assert.Equal((SchedulerKind.Conservative, 1), (sg.Scheduler, sg.BlockSize));
        var chosen = EngineSetup.Replica(Setups.Deploy(), null, Engines.Get("vllm"), EngineChoices.None with { MaxBatch = 64, Scheduler = SchedulerKind.Continuous });
        Assert.Equal((SchedulerKind.Continuous, 64), (chosen.Scheduler, chosen.MaxBatch));
        foreach (var policy in EngineProfile.Policies) Assert.NotNull(Scheduler.ForPolicy(policy));
    }

    [Fact]
    public void Guaranteed_no_evict_never_preempts_where_optimistic_admission_does()
    {
        // Llama-3.1-8B on a 24 GB L4: a small KV cache, long outputs, a burst of requests.
        var workload = Setups.Fixed(512, 1500, new ConstantArrivals(200));
        var opts = new RunOptions { Requests = 150 };
        var optimistic = ServingSimulator.Run(Setups.Cluster(Setups.Replica(SchedulerKind.Chunked, hardware: "l4")), workload, opts);
        var noEvict = ServingSimulator.Run(Setups.Cluster(Setups.Replica(SchedulerKind.NoEvict, hardware: "l4") with { TokenBudget = 8192 }), workload, opts);
        Assert.True(optimistic.Preemptions > 0, "the chunked scheduler should have preempted");
        Assert.Equal(0, noEvict.Preemptions);
        Assert.Equal(150, noEvict.Completed);
    }

    [Fact]
    public void Conservative_admission_preempts_less_than_optimistic_admission()
    {
        var workload = Setups.Fixed(512, 1500, new ConstantArrivals(200));
        var opts = new RunOptions { Requests = 150 };
        var optimistic = ServingSimulator.Run(Setups.Cluster(Setups.Replica(SchedulerKind.Chunked, hardware: "l4")), workload, opts);
        var conservative = ServingSimulator.Run(Setups.Cluster(Setups.Replica(SchedulerKind.Conservative, hardware: "l4")), workload, opts);
        Assert.Equal(150, conservative.Completed);
        Assert.True(conservative.Preemptions < optimistic.Preemptions, $"{conservative.Preemptions} vs {optimistic.Preemptions}");
    }

    [Theory]
    [InlineData("vllm")]
    [InlineData("sglang")]
    [InlineData("trtllm")]
    public void At_very_low_load_ttft_is_request_overhead_plus_the_engine_prefill_step_plus_response(string engine)
    {
        const int input = 128, output = 32;
        var replica = EngineReplica(engine);
        var e = replica.Engine!;
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(input, output, new ConstantArrivals(0.01)), new RunOptions { Requests = 3 }, records);
        var cost = new EngineStepCost(new CostModel(replica.Deployment), e);
        var p = BatchShape.Create();
        p.AddPrefill(input);
        // Arrival → API server (request + per prompt token) → engine prefill step (GPU + CPU) → response to the client.
        double expected = e.Overheads.RequestSeconds + e.Overheads.RequestPerPromptTokenSeconds * input + cost.StepSeconds(p) + e.Overheads.ResponseSeconds;
        foreach (var r in records.Records) Assert.Equal(expected, r.Ttft, 9);
        // Decode steps: one request, graph of batch 1, context growing from the prompt.
        double decode = 0;
        for (int g = 1; g < output; g++)
        {
            var s = BatchShape.Create();
            s.AddDecode(input + g - 1);
            decode += cost.StepSeconds(s);
        }
        foreach (var r in records.Records) Assert.Equal(decode / (output - 1), r.Tpot, 9);
    }

    [Fact]
    public void Offline_runs_pay_no_api_server_overheads()
    {
        var replica = EngineReplica("trtllm");
        var cluster = Setups.Cluster(replica) with { RequestOverheads = false };
        var records = new RecordList();
        ServingSimulator.Run(cluster, Setups.Fixed(128, 8, new ConstantArrivals(0.01)), new RunOptions { Requests = 2 }, records);
        var p = BatchShape.Create();
        p.AddPrefill(128);
        double step = new EngineStepCost(new CostModel(replica.Deployment), replica.Engine!).StepSeconds(p);
        Assert.All(records.Records, r => Assert.Equal(step, r.Ttft, 12));
    }

    [Fact]
    public void A_capped_open_loop_never_has_more_requests_in_flight_than_its_cap()
    {
        var records = new RecordList();
        var capped = new CappedArrivals(new PoissonArrivals(100), 4);
        var result = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), Setups.Fixed(1000, 64, capped), new RunOptions { Requests = 300, Seed = 3 }, records);
        Assert.Equal(300, result.Completed);
        // Sweep arrivals and completions: at no time more than 4 between them (a completion at t frees its slot before a send at t).
        var events = records.Records.SelectMany(r => new[] { (T: r.ArrivalTime, D: +1), (T: r.ArrivalTime + r.E2e, D: -1) }).OrderBy(x => x.T).ThenBy(x => x.D).ToList();
        int inFlight = 0, most = 0;
        foreach (var (_, d) in events) { inFlight += d; most = Math.Max(most, inFlight); }
        Assert.Equal(4, most);
        // Offered 100/s; four at a time of ~0.5 s requests cannot keep up.
        Assert.True(result.RequestsPerSecond < 50, $"{result.RequestsPerSecond}");
    }

    [Fact]
    public void The_engine_kv_rule_sizes_the_replica_cache()
    {
        var vllm = EngineReplica("vllm");
        var trt = EngineReplica("trtllm");
        var generic = Setups.Replica(SchedulerKind.Chunked) with { TokenBudget = vllm.TokenBudget, MaxBatch = vllm.MaxBatch };
        // vLLM's rule is the generic engine's (gpu_memory_utilization 0.9 of total, less weights and activations).
        Assert.InRange(Math.Abs(vllm.KvCapacityTokens() - generic.KvCapacityTokens()), 0, 1);
        // TensorRT-LLM keeps 0.9 of what is free after the weights: more than 0.9 of total less weights.
        Assert.True(trt.KvCapacityTokens() > vllm.KvCapacityTokens());
    }
}
