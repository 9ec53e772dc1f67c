using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>Pipeline-parallel replicas: several batches in flight, one per stage.</summary>
public class PipelineTests
{
    [Fact]
    public void At_low_load_a_pipelined_step_still_takes_the_whole_step_time()
    {
        var replica = Setups.Replica(model: "llama-3.1-70b", tp: 4, pp: 2);
        var cm = new CostModel(replica.Deployment);
        var s = BatchShape.Create();
        s.AddPrefill(700);
        var records = new RecordList();
        ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(700, 8, new ConstantArrivals(0.1)), new RunOptions { Requests = 2 }, records);
        Assert.All(records.Records, r => Assert.Equal(cm.StepSeconds(s), r.Ttft, 1e-12));
    }

    [Fact]
    public void Under_load_up_to_pp_batches_overlap_and_throughput_beats_one_batch_at_a_time()
    {
        var pp2 = Setups.Replica(model: "llama-3.1-70b", tp: 4, pp: 2);
        var steps = new List<StepRecord>();
        var work = Presets.Get("chat", new PoissonArrivals(12));
        var r = ServingSimulator.Run(Setups.Cluster(pp2), work, new RunOptions { Seed = 3, Requests = 600 }, null, steps.Add);
        Assert.Equal(600, r.Completed);
        // At any step start, the steps still running (including it) number at most PP = 2, and some steps overlap.
        int most = 0, overlaps = 0;
        for (int i = 0; i < steps.Count; i++)
        {
            int running = 1;
            for (int j = Math.Max(0, i - 4); j < i; j++)
                if (steps[j].End > steps[i].Start) running++;
            most = Math.Max(most, running);
            if (running > 1) overlaps++;
        }
        Assert.Equal(2, most);
        Assert.True(overlaps > steps.Count / 4, $"{overlaps} of {steps.Count} steps overlap");
        // Each stage's devices are busy half of every step: busy fraction at most 1.
        Assert.InRange(r.DeviceBusyFraction, 0.3, 1.0);
    }
}
