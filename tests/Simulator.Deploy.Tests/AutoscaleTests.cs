using Simulator.Core.Loading;
using Simulator.Deploy.Autoscale;
using Simulator.Planner;
using Simulator.Tests;

namespace Simulator.Deploy.Tests;

/// <summary>A day of traffic: the minute model by hand, profiles from hourly rates and traces, and the autoscaler against a fixed fleet.</summary>
public class AutoscaleTests
{
    private static readonly IReadOnlyList<LatencyPoint> Flat = DayPlanner.CurveLevels.Select(u => new LatencyPoint(u, u, 0.1 + 0.1 * u, 0.02)).ToList();

    [Fact]
    public void A_minute_within_capacity_misses_nothing_and_reads_latency_from_the_curve()
    {
        // 6 req/s on 10 req/s of capacity: utilisation 0.6, TTFT 0.1 + 0.06 = 0.16 s, no backlog.
        var (ttft, tpot, missed, backlog) = DayPlanner.Minute(6, 10, 0, Flat, 1.0);
        Assert.Equal((0.16, 0.02, 0.0, 0.0), (Math.Round(ttft, 12), tpot, missed, backlog));
    }

    [Fact]
    public void Demand_beyond_capacity_queues_and_the_overflow_misses()
    {
        // 12 req/s on 10: 720 arrive, 600 served, 120 left waiting at the minute's end, and those miss.
        var (ttft, _, missed, backlog) = DayPlanner.Minute(12, 10, 0, Flat, 1.0);
        Assert.Equal(120, backlog, 9);
        Assert.Equal(120, missed, 9);
        // TTFT = the curve at full load (0.2 s) + the mean backlog (0 + 120) / 2 over 10 req/s = 6 s.
        Assert.Equal(0.2 + 6, ttft, 9);
        // Next minute at 8 req/s: the 120 waiting take 12 s to clear, longer than the 1 s target, so all 480 arrivals miss; 60 still wait.
        var (_, _, missed2, backlog2) = DayPlanner.Minute(8, 10, 120, Flat, 1.0);
        Assert.Equal((480.0, 0.0), (Math.Round(missed2, 9), Math.Round(backlog2, 9)));
    }

    [Fact]
    public void Profiles_from_hourly_rates_and_from_arrivals()
    {
        var p = TrafficProfile.FromHourly([1, 3], "test");
        Assert.Equal((120, 2, 3.0), (p.RatePerMinute.Count, p.Hours, p.Peak));
        // 120 arrivals in minute 0 and 60 in minute 61: 2 req/s and 1 req/s; the profile covers whole hours.
        var t = TrafficProfile.FromArrivals([.. Enumerable.Repeat(10.0, 120), .. Enumerable.Repeat(3670.0, 60)], "trace");
        Assert.Equal((120, 2.0, 1.0, 0.0), (t.RatePerMinute.Count, t.RatePerMinute[0], t.RatePerMinute[61], t.RatePerMinute[1]));
        Assert.Throws<ArgumentException>(() => TrafficProfile.FromHourly([0, 0], "zero"));
    }

    private static BuiltPlan Built(double peak, double target)
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var h = lib.Hardware("h100-sxm");
        return PlanRequestBuilder.Build(new PlanInputs
        {
            Model = lib.Model("llama-3.1-8b"), Hardware = [new HardwareOption(h, lib.DefaultCluster(h))], Rate = peak, Simulate = false,
            AllowDisaggregation = false, WholeNodes = false, Headroom = 1 - target, Quantizations = [Core.Specs.QuantizationScheme.Bf16], MaxBatches = [256],
        });
    }

    [Fact]
    public void Autoscaling_a_daily_cycle_costs_less_than_a_fleet_for_the_peak_and_misses_only_while_scaling_up()
    {
        double[] hourly = [2, 2, 2, 2, 2, 4, 8, 16, 24, 30, 30, 30, 30, 30, 30, 24, 16, 12, 10, 8, 6, 4, 2, 2];
        var policy = new AutoscalePolicy(0.7, 180, null, 1, 300, 64);
        // The autoscaled replica's capacity (a first run picks it) sets the scale: the day peaks at 12 replicas' worth at the target.
        double mu = DayPlanner.Run(Built(10, 0.7), TrafficProfile.FromHourly([10], "probe"), policy).ReplicaCapacity;
        var traffic = TrafficProfile.FromHourly(hourly.Select(r => r / 30 * 12 * 0.7 * mu).ToArray(), "diurnal");
        var day = DayPlanner.Run(Built(traffic.Peak, 0.7), traffic, policy);
        Assert.Equal(mu, day.ReplicaCapacity);
        Assert.Equal(24, day.Hours.Count);
        Assert.True(day.AutoscaledCostUsd < day.FixedCostUsd, $"autoscaled {day.AutoscaledCostUsd} vs fixed {day.FixedCostUsd}");
        Assert.Equal(0, day.FixedSloMisses, 9);
        // Misses come from the minutes after a rise (the rate doubles at hours 6, 7, 8), while new replicas start; a slower start misses more.
        Assert.True(day.SloMisses > 0);
        Assert.Equal(day.SloMisses, day.Hours.Where(h => h.Hour is >= 5 and <= 9).Sum(h => h.SloMisses), 6);
        var slower = DayPlanner.Run(Built(traffic.Peak, 0.7), traffic, policy with { ScaleUpDelaySeconds = 900 });
        Assert.True(slower.SloMisses > day.SloMisses);
        // Replicas at night: the 2 req/s hours need ceil(2/30 x 12) = 1; at the peak ceil(12 - tiny) = 12.
        Assert.Equal(1, day.Hours[2].ReadyMax);
        Assert.Equal(12, day.Hours[11].ReadyMin);
        // Cost = replica-hours paid for x devices x hourly price.
        Assert.Equal(day.Hours.Sum(h => h.ReplicaHours) * day.ReplicaCostPerHour, day.AutoscaledCostUsd, 6);
    }

    [Fact]
    public void The_autoscaled_replica_is_the_cheapest_to_follow_the_demand_with()
    {
        // With TP 1, 2, 4, 8 allowed, a small replica follows a low, varying demand more cheaply than a big one.
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var h = lib.Hardware("h100-sxm");
        var built = PlanRequestBuilder.Build(new PlanInputs
        {
            Model = lib.Model("llama-3.1-8b"), Hardware = [new HardwareOption(h, lib.DefaultCluster(h))], Rate = 30, Simulate = false,
            AllowDisaggregation = false, WholeNodes = false, Headroom = 0.3,
        });
        var traffic = TrafficProfile.FromHourly([2, 2, 2, 4, 8, 16, 30, 30, 30, 16, 8, 4], "cycle");
        var policy = new AutoscalePolicy(0.7, 180, 60, 1, 300, int.MaxValue);
        var day = DayPlanner.Run(built, traffic, policy);
        Assert.Equal(1, day.Unit.Devices);
        Assert.True(day.AutoscaledCostUsd < day.FixedCostUsd, $"{day.AutoscaledCostUsd} vs {day.FixedCostUsd}");
    }

    [Fact]
    public void Constant_traffic_keeps_a_constant_fleet_and_misses_nothing()
    {
        var traffic = TrafficProfile.FromHourly([10, 10, 10], "flat");
        var day = DayPlanner.Run(Built(10, 0.7), traffic, new AutoscalePolicy(0.7, 180, 60, 1, 300, 64));
        Assert.Equal((1, "bf16"), (day.Unit.Devices, day.Unit.Quant.Name));
        Assert.Equal(0, day.SloMisses, 9);
        Assert.Single(day.Minutes.Select(m => m.Ready).Distinct());
        Assert.Equal(60, day.ModelLoadSeconds);
    }
}
