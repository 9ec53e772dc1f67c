using MathNet.Numerics.Random;
using Simulator.Roofline;

namespace Simulator.Serving.Tests;

/// <summary>Percentiles, KV capacity, energy, cost, goodput.</summary>
public class MetricsTests
{
    [Fact]
    public void Exact_percentiles_interpolate_between_ranks()
    {
        var s = new Samples();
        foreach (var v in new double[] { 4, 1, 3, 2, 5 }) s.Add(v);
        Assert.Equal(3, s.Quantile(0.5));
        Assert.Equal(4.6, s.Quantile(0.9), 12);   // rank 0.9 x 4 = 3.6 between 4 and 5
        Assert.Equal(3, s.Mean);
        s.Add(double.NaN); // NaN (no TPOT for one-token outputs) is not a sample
        Assert.Equal(5, s.Count);
    }

    [Fact]
    public void Histogram_percentiles_are_within_a_tenth_of_a_percent()
    {
        var rng = new Xoshiro256StarStar(3, threadSafe: false);
        var h = new LogHistogram();
        var exact = new Samples();
        for (int i = 0; i < 100_000; i++)
        {
            double v = MathNet.Numerics.Distributions.LogNormal.Sample(rng, Math.Log(0.02), 1);
            h.Add(v);
            exact.Add(v);
        }
        foreach (double p in new[] { 0.5, 0.9, 0.99 })
            Assert.InRange(h.Quantile(p) / exact.Quantile(p), 0.999, 1.001);
        Assert.Equal(exact.Mean, h.Stats().Mean, 1e-12);
    }

    [Fact]
    public void Kv_capacity_is_free_memory_less_activations_over_kv_bytes_per_token()
    {
        // Llama-3.1-8B on H100, bf16: 0.9 x 80 GB usable less weights, less the activations of a 2048-token step
        // (chunked default) with 256 LM-head rows; one token of KV is 2 x 8 heads x 128 x 32 layers x 2 B = 131,072 B.
        var replica = Setups.Replica(SchedulerKind.Chunked);
        var mem = MemoryModel.For(replica.Deployment);
        double act = 2.0 * 2048 * (2 * 14336) * 2 + 256.0 * 128256 * 4;
        Assert.Equal(act, MemoryModel.ActivationBytes(replica.Deployment, 2048, 256));
        long tokens = (long)Math.Floor((80e9 * 0.9 - mem.WeightBytes - act) / 131_072);
        Assert.Equal(tokens, replica.KvCapacityTokens());
        Assert.Equal(tokens / 16, replica.KvBlocks());
    }

    [Fact]
    public void Energy_counts_busy_and_idle_power_and_cost_uses_the_hourly_price()
    {
        var replica = Setups.Replica();
        var cm = new CostModel(replica.Deployment);
        var r = ServingSimulator.Run(Setups.Cluster(replica, 2), Setups.Fixed(256, 32, new ConstantArrivals(0.5)), new RunOptions { Requests = 4 });
        double busy = r.Pools[0].BusyFraction * 2 * r.DurationSeconds;
        // H100 SXM: 700 W busy, no idle figure in the profile, so 0.25 x 700 W idle.
        Assert.Equal(700 * busy + 175 * (2 * r.DurationSeconds - busy), r.EnergyJoules, 1e-6);
        Assert.Equal(r.EnergyJoules / (4 * 32), r.JoulesPerOutputToken, 1e-9);
        // The shipped H100 SXM hourly price (Lambda on-demand list, 3.99 USD per device-hour in 2026-09) x 2 devices.
        Assert.Equal(3.99, replica.Deployment.Device.Price.HourlyUsd);
        Assert.Equal(3.99 * 2 * r.DurationSeconds / 3600 / 128 * 1e6, r.CostUsdPerMillionOutputTokens, 1e-9);

        // Every step is one request alone: busy time = 4 x (prefill + 31 decode steps).
        double one = 0;
        var s = BatchShape.Create(); s.AddPrefill(256); one += cm.StepSeconds(s);
        for (int g = 1; g < 32; g++) { s = BatchShape.Create(); s.AddDecode(256 + g - 1); one += cm.StepSeconds(s); }
        Assert.Equal(4 * one, busy, 1e-9);
    }

    [Fact]
    public void A_device_without_a_price_has_no_cost()
    {
        var replica = Setups.Replica(hardware: "l4");
        var d = replica.Deployment;
        Assert.True(double.IsNaN(d.Device.Price.HourlyUsd) || d.Device.Price.HourlyUsd > 0);
        var noPrice = replica with { Deployment = Deployment.Create(d.Model, d.Device with { Price = new(double.NaN, double.NaN) }, d.Quant, d.Parallelism, d.Cluster) };
        var r = ServingSimulator.Run(Setups.Cluster(noPrice), Setups.Fixed(100, 10, new ConstantArrivals(1)), new RunOptions { Requests = 2 });
        Assert.True(double.IsNaN(r.CostUsdPerMillionOutputTokens));
        Assert.False(double.IsNaN(r.EnergyJoules));
    }

    [Fact]
    public void Goodput_counts_requests_that_meet_every_slo()
    {
        var replica = Setups.Replica();
        var cm = new CostModel(replica.Deployment);
        var s = BatchShape.Create(); s.AddPrefill(1000);
        double prefill = cm.StepSeconds(s);
        // A TTFT target just above one prefill: at low load every request meets it; a target below it fails all.
        var easy = ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(1000, 8, new ConstantArrivals(1), new Slo(prefill * 1.01, double.NaN)), new RunOptions { Requests = 10 });
        var hard = ServingSimulator.Run(Setups.Cluster(replica), Setups.Fixed(1000, 8, new ConstantArrivals(1), new Slo(prefill * 0.99, double.NaN)), new RunOptions { Requests = 10 });
        Assert.Equal(1, easy.SloAttainment);
        Assert.Equal(10 / easy.DurationSeconds, easy.Goodput, 1e-12);
        Assert.Equal(0, hard.SloAttainment);
        Assert.Equal(0, hard.Goodput);
    }

    [Fact]
    public void Kv_usage_series_stays_bounded_and_in_range()
    {
        var r = ServingSimulator.Run(Setups.Cluster(Setups.Replica()), Presets.Get("chat", new PoissonArrivals(12)), new RunOptions { Seed = 5, Requests = 3000 });
        Assert.InRange(r.KvUsage.Count, 2, KvUsageSeries.MaxPoints);
        Assert.All(r.KvUsage, p => Assert.InRange(p.Mean, 0, 1));
        Assert.True(r.KvUsage.Zip(r.KvUsage.Skip(1)).All(x => x.Second.Time > x.First.Time));
    }
}
