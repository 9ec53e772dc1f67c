using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>Latencies at low load against the cost model, and queueing delay against queueing theory.</summary>
public class LatencyTests
{
    /// <summary>Seconds of a prefill step of one prompt, straight from the cost model.</summary>
    private static double Prefill(CostModel cm, int tokens, int cached = 0, bool emits = true)
    {
        var s = BatchShape.Create();
        s.AddPrefill(tokens, cached, emits);
        return cm.StepSeconds(s);
    }

    /// <summary>Seconds of a decode step of one request with <paramref name="context"/> tokens cached.</summary>
    private static double Decode(CostModel cm, int context)
    {
        var s = BatchShape.Create();
        s.AddDecode(context);
        return cm.StepSeconds(s);
    }

    [Theory]
    [InlineData(SchedulerKind.Static)]
    [InlineData(SchedulerKind.Continuous)]
    [InlineData(SchedulerKind.Chunked)]
    public void At_very_low_load_ttft_is_the_prefill_step_and_tpot_the_mean_decode_step(SchedulerKind scheduler)
    {
        const int input = 512, output = 64;
        var replica = Setups.Replica(scheduler);
        var cm = new CostModel(replica.Deployment);
        // One request every 100 s: each finds the replica idle (a request takes well under a second).
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(input, output, new ConstantArrivals(0.01)), new RunOptions { Requests = 5 }, records);

        double ttft = Prefill(cm, input);
        // Decode step g (g = 1 .. output-1) feeds generated token g with input + g - 1 tokens cached.
        double decodeSum = 0;
        for (int g = 1; g < output; g++) decodeSum += Decode(cm, input + g - 1);
        double tpot = decodeSum / (output - 1);

        Assert.Equal(5, records.Records.Count);
        foreach (var r in records.Records)
        {
            Assert.Equal(0, r.QueueDelay, 12);
            Assert.Equal(ttft, r.Ttft, 1e-12);
            Assert.Equal(tpot, r.Tpot, 1e-12);
            Assert.Equal(ttft + decodeSum, r.E2e, 1e-12);
        }
    }

    [Fact]
    public void Chunked_prefill_ttft_is_the_sum_of_its_chunks()
    {
        // Budget 256: a 1000-token prompt runs as chunks 256, 256, 256 (no token) and 232 (emits the first token),
        // each attending the chunks before it.
        var replica = Setups.Replica(SchedulerKind.Chunked) with { TokenBudget = 256 };
        var cm = new CostModel(replica.Deployment);
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(1000, 4, new ConstantArrivals(1)), new RunOptions { Requests = 1 }, records);
        double expected = Prefill(cm, 256, 0, false) + Prefill(cm, 256, 256, false) + Prefill(cm, 256, 512, false) + Prefill(cm, 232, 768, true);
        Assert.Equal(expected, records.Records[0].Ttft, 1e-12);
    }

    [Fact]
    public void Static_batching_admits_nobody_while_a_batch_runs()
    {
        // Two requests 10 ms apart: with static batching the second waits for the whole first request.
        var replica = Setups.Replica(SchedulerKind.Static);
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(128, 100, new ConstantArrivals(100)), new RunOptions { Requests = 2 }, records);
        var (first, second) = (records.Records[0], records.Records[1]);
        Assert.Equal(first.CompletionTime - second.ArrivalTime, second.QueueDelay, 1e-12);
    }

    [Fact]
    public void Continuous_batching_admits_a_new_prompt_at_the_next_step()
    {
        // The same two requests under continuous batching: the second waits at most one decode step.
        var replica = Setups.Replica(SchedulerKind.Continuous);
        var cm = new CostModel(replica.Deployment);
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(128, 100, new ConstantArrivals(100)), new RunOptions { Requests = 2 }, records);
        Assert.InRange(records.Records[1].QueueDelay, 0, Decode(cm, 300) * 1.01);
    }

    [Theory]
    [InlineData(0.5, 200_000, 0.03)]
    [InlineData(0.8, 1_000_000, 0.05)]
    public void Static_batch_1_with_fixed_lengths_is_an_MD1_queue(double rho, int requests, double tolerance)
    {
        // M/D/1: Poisson arrivals at rate lambda, one server, deterministic service time S. Pollaczek-Khinchine:
        // mean wait in queue W = lambda S^2 / (2 (1 - rho)), rho = lambda S. Here S = one prefill step of 64 tokens
        // plus one decode step (2 output tokens), both from the cost model.
        const int input = 64, output = 2;
        var replica = Setups.Replica(SchedulerKind.Static) with { MaxBatch = 1 };
        var cm = new CostModel(replica.Deployment);
        double s = Prefill(cm, input) + Decode(cm, input);
        double lambda = rho / s;
        double expected = lambda * s * s / (2 * (1 - rho));

        var r = ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(input, output, new PoissonArrivals(lambda)),
            new RunOptions { Seed = 7, Requests = requests });

        Assert.Equal(requests, r.Completed);
        Assert.Equal(s, r.E2e.P50 - r.QueueDelay.P50, 1e-9); // service time of every request is exactly S
        Assert.InRange(r.QueueDelay.Mean / expected, 1 - tolerance, 1 + tolerance);
    }
}
