using Simulator.Planner;
using Simulator.Roofline;
using Simulator.Serving;

namespace Simulator.Deploy.Autoscale;

/// <summary>p90 latency of one replica at a share of its capacity.</summary>
/// <param name="Utilization">Offered rate ÷ the replica's capacity within the targets.</param>
/// <param name="RatePerSecond">The rate one replica was offered.</param>
public sealed record LatencyPoint(double Utilization, double RatePerSecond, double TtftP90Seconds, double TpotP90Seconds);

/// <summary>One minute of the day: demand, replicas serving and paid for, backlog and latency.</summary>
/// <param name="Ready">Replicas serving.</param>
/// <param name="Provisioned">Replicas paid for (serving, or starting up: scale-up delay and model load).</param>
/// <param name="Backlog">Requests waiting beyond the serving replicas' capacity at the minute's end.</param>
/// <param name="TtftP90Seconds">p90 TTFT in this minute (infinity with no replica serving).</param>
/// <param name="Missed">Requests of this minute that miss their targets (beyond capacity, or behind a backlog longer than the TTFT target).</param>
public sealed record DayMinute(int Minute, double RatePerSecond, int Ready, int Provisioned, double Backlog, double TtftP90Seconds, double TpotP90Seconds, double Missed);

/// <summary>One hour of the day, summarised from its minutes.</summary>
public sealed record DayHour(int Hour, double RatePerSecond, double PeakRatePerSecond, int ReadyMin, int ReadyMax, int ProvisionedMax, double ReplicaHours,
    double CostUsd, double TtftP90Seconds, double TpotP90Seconds, double Requests, double SloMisses, double SloMissesDuringScaleUp, int FixedReplicas, double FixedSloMisses);

/// <summary>
/// A day (or any span of hours) of traffic served two ways: replicas that follow the demand under an
/// <see cref="AutoscalePolicy"/>, and a fixed fleet sized for the peak. Costs are per device-hour for both.
/// </summary>
/// <param name="PeakPlan">The planner's plan for the peak rate at the target utilisation: the fixed fleet.</param>
/// <param name="Unit">The replica configuration the autoscaler adds and removes (the peak plan's largest group).</param>
/// <param name="ReplicaCapacity">Requests per second one unit replica serves within the targets.</param>
/// <param name="ReplicaCostPerHour">Hourly price of one unit replica (its devices × the device's price; NaN without a price).</param>
/// <param name="ModelLoadSeconds">Load time in force (the policy's, or the default for the replica's weights).</param>
/// <param name="LatencyFrom">"simulated" (p90 of simulated requests per utilisation) or "analytic" (means).</param>
public sealed record DayResult(
    PlanRequest Request,
    Plan PeakPlan,
    CandidateConfig Unit,
    double ReplicaCapacity,
    double ReplicaCostPerHour,
    AutoscalePolicy Policy,
    double ModelLoadSeconds,
    string LatencyFrom,
    IReadOnlyList<LatencyPoint> Curve,
    IReadOnlyList<DayMinute> Minutes,
    IReadOnlyList<DayHour> Hours,
    int FixedReplicas,
    double FixedCapacity,
    double FixedCostUsd,
    double AutoscaledCostUsd,
    double Requests,
    double SloMisses,
    double SloMissesDuringScaleUp,
    double FixedSloMisses,
    IReadOnlyList<string> Notes)
{
    /// <summary>Share of the fixed fleet's cost the autoscaled one saves (negative when it costs more).</summary>
    public double Saving => FixedCostUsd > 0 ? 1 - AutoscaledCostUsd / FixedCostUsd : double.NaN;
}

/// <summary>
/// Plans a day of traffic with autoscaling. The planner sizes the fleet for the peak minute at the target
/// utilisation (the fixed fleet) and its largest group's configuration is the replica the autoscaler adds and
/// removes. Latency comes from a curve of one replica's p90 TTFT and TPOT against its utilisation (simulated at ten
/// load levels, or the analytic model's means with --check analytic). Minute by minute, the autoscaler acts on the
/// last minute's rate; demand above the serving replicas' capacity queues (a fluid backlog, served first-come
/// first-served as capacity frees), and requests beyond capacity or behind a backlog longer than the TTFT target
/// count as SLO misses.
/// </summary>
public static class DayPlanner
{
    /// <summary>Load levels of the latency curve (shares of one replica's capacity).</summary>
    public static readonly IReadOnlyList<double> CurveLevels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

    /// <summary>Requests simulated per load level of the latency curve.</summary>
    public const int CurveRequests = 1000;

    /// <summary>Runs the day. <paramref name="built"/> is the planning problem at the peak rate (its headroom 1 − target utilisation).</summary>
    public static DayResult Run(BuiltPlan built, TrafficProfile traffic, AutoscalePolicy policy)
    {
        var (result, req, _) = PlanRequestBuilder.Run(built);
        var plan = result.Plans[0];
        var unit = Unit(result, req, plan, traffic, policy);
        var c = unit.Config;
        double mu = unit.RequestsPerSecond;
        double price = Planner.Planner.Hourly(req, c.Device) * c.Devices;
        var deployment = Deployment.Create(req.Model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: c.Efficiency);
        double load = policy.ModelLoadSeconds ?? AutoscalePolicy.DefaultModelLoadSeconds(MemoryModel.For(deployment).WeightBytes);
        var notes = new List<string>
        {
            $"the autoscaled replica is {c.Key.Replace(" aggregated", "")}: of the configurations that meet the targets, the one that costs least over the period when replica counts follow the demand at the target utilisation",
        };
        if (plan.Items.Count > 1)
            notes.Add($"the peak plan mixes {plan.Items.Count} replica configurations; their latency is read from the autoscaled replica's curve");
        if (policy.ModelLoadSeconds is null)
            notes.Add($"model load time {load:0} s = {AutoscalePolicy.EngineStartSeconds:0} s engine start + {MemoryModel.For(deployment).WeightBytes / 1e9:0.#} GB of weights per device at {AutoscalePolicy.LoadBytesPerSecond / 1e9:0} GB/s (assumptions; --model-load-time to set it)");

        var (curve, from) = Curve(built, req, c, mu);
        double slo = req.Slo.TtftSeconds;
        int maxReplicas = Math.Max(policy.MinReplicas, Math.Min(policy.MaxReplicas, Math.Max(1, req.Limits.MaxDevicesTotal / c.Devices)));
        int Wanted(double rate) => Math.Clamp((int)Math.Ceiling(rate / (policy.TargetUtilization * mu) - 1e-9), policy.MinReplicas, maxReplicas);

        // The fixed fleet: the peak plan, always serving.
        double fixedCapacity = plan.Items.Sum(i => i.Count * i.Capacity.RequestsPerSecond);
        double fixedCost = plan.Items.Sum(i => i.Count * i.Capacity.Config.Devices * Planner.Planner.Hourly(req, i.Capacity.Config.Device)) * traffic.Hours;
        int fixedReplicas = plan.Items.Sum(i => i.Count);

        int startMinutes = (int)Math.Ceiling((policy.ScaleUpDelaySeconds + load) / 60 - 1e-9);
        int windowMinutes = (int)Math.Ceiling(policy.ScaleDownDelaySeconds / 60 - 1e-9);
        var readyAt = new List<int>();            // per provisioned replica: the minute it starts serving
        for (int i = 0; i < Wanted(traffic.RatePerMinute[0]); i++) readyAt.Add(0);   // the day starts warm for its first minute
        var recent = new Queue<int>();            // wanted counts within the scale-down window
        var minutes = new List<DayMinute>(traffic.RatePerMinute.Count);
        double backlog = 0, fixedBacklog = 0, fixedMissed = 0;
        var fixedMissedPerMinute = new double[traffic.RatePerMinute.Count];
        for (int t = 0; t < traffic.RatePerMinute.Count; t++)
        {
            double observed = traffic.RatePerMinute[Math.Max(0, t - 1)];
            int wanted = Wanted(observed);
            recent.Enqueue(wanted);
            while (recent.Count > Math.Max(1, windowMinutes)) recent.Dequeue();
            int target = Math.Max(wanted, recent.Max());
            if (target > readyAt.Count)
                for (int k = readyAt.Count; k < target; k++) readyAt.Add(t + startMinutes);
            else if (target < readyAt.Count)
            {
                // Remove replicas still starting first (latest first), then serving ones.
                readyAt.Sort();
                readyAt.RemoveRange(target, readyAt.Count - target);
            }
            int ready = readyAt.Count(r => r <= t);
            double rate = traffic.RatePerMinute[t];
            var (ttft, tpot, missed, next) = Minute(rate, ready * mu, backlog, curve, slo);
            backlog = next;
            var (_, _, fm, fnext) = Minute(rate, fixedCapacity, fixedBacklog, curve, slo);
            fixedBacklog = fnext;
            fixedMissed += fm;
            fixedMissedPerMinute[t] = fm;
            minutes.Add(new DayMinute(t, rate, ready, readyAt.Count, backlog, ttft, tpot, missed));
        }

        var hours = new List<DayHour>();
        for (int h = 0; h < traffic.Hours; h++)
        {
            var m = minutes.Skip(h * 60).Take(60).ToList();
            double replicaHours = m.Sum(x => x.Provisioned) / 60.0;
            hours.Add(new DayHour(h, m.Average(x => x.RatePerSecond), m.Max(x => x.RatePerSecond), m.Min(x => x.Ready), m.Max(x => x.Ready), m.Max(x => x.Provisioned),
                replicaHours, replicaHours * price, m.Max(x => x.TtftP90Seconds), m.Max(x => x.TpotP90Seconds), m.Sum(x => x.RatePerSecond * 60), m.Sum(x => x.Missed),
                m.Where(x => x.Provisioned > x.Ready).Sum(x => x.Missed), fixedReplicas, fixedMissedPerMinute.Skip(h * 60).Take(60).Sum()));
        }
        return new DayResult(req, plan, c, mu, price, policy, load, from, curve, minutes, hours, fixedReplicas, fixedCapacity, fixedCost,
            hours.Sum(h => h.CostUsd), minutes.Sum(x => x.RatePerSecond * 60), minutes.Sum(x => x.Missed), hours.Sum(h => h.SloMissesDuringScaleUp), fixedMissed, notes);
    }

    /// <summary>
    /// The replica the autoscaler adds and removes: among the usable aggregated configurations with a price, the one
    /// whose replica counts, following the demand minute by minute at the target utilisation (no start-up delay),
    /// cost least over the period; ties go to fewer devices per replica, then to the configuration's name. Without
    /// a priced configuration, the peak plan's largest group.
    /// </summary>
    public static Capacity Unit(PlanResult result, PlanRequest req, Plan plan, TrafficProfile traffic, AutoscalePolicy policy)
    {
        var candidates = result.Capacities
            .Where(x => x.Usable && x.Config.Role == ReplicaRole.Aggregated && double.IsFinite(Planner.Planner.Hourly(req, x.Config.Device)))
            .Select(x => (Capacity: x, Cost: IdealCost(x, req, traffic, policy)))
            .OrderBy(x => x.Cost).ThenBy(x => x.Capacity.Config.Devices).ThenBy(x => x.Capacity.Config.Key, StringComparer.Ordinal)
            .ToList();
        return candidates.Count > 0 ? candidates[0].Capacity : plan.Items.OrderByDescending(i => i.Count).First().Capacity;
    }

    private static double IdealCost(Capacity x, PlanRequest req, TrafficProfile traffic, AutoscalePolicy policy)
    {
        double perMinute = Planner.Planner.Hourly(req, x.Config.Device) * x.Config.Devices / 60;
        double replicas = 0;
        foreach (double rate in traffic.RatePerMinute)
            replicas += Math.Max(policy.MinReplicas, Math.Ceiling(rate / (policy.TargetUtilization * x.RequestsPerSecond) - 1e-9));
        return replicas * perMinute;
    }

    /// <summary>
    /// One minute at <paramref name="rate"/> with <paramref name="capacity"/> requests/s serving and a backlog carried in:
    /// p90 TTFT and TPOT, requests that miss, and the backlog carried out.
    /// </summary>
    public static (double Ttft, double Tpot, double Missed, double Backlog) Minute(double rate, double capacity, double backlogIn, IReadOnlyList<LatencyPoint> curve, double ttftSlo)
    {
        double arrivals = rate * 60;
        double backlogOut = Math.Max(0, backlogIn + arrivals - capacity * 60);
        if (capacity <= 0) return (double.PositiveInfinity, double.PositiveInfinity, arrivals, backlogOut);
        double waitIn = backlogIn / capacity;
        // New arrivals wait behind the backlog: if that alone exceeds the TTFT target every arrival misses; otherwise those left waiting at the end miss.
        double missed = waitIn > ttftSlo ? arrivals : Math.Min(arrivals, backlogOut);
        double rho = rate / capacity;
        var (ttft, tpot) = At(curve, Math.Min(1, rho));
        if (backlogIn > 0 || backlogOut > 0) ttft = At(curve, 1).Ttft + (backlogIn + backlogOut) / 2 / capacity;
        return (ttft, tpot, missed, backlogOut);
    }

    /// <summary>The curve's p90s at utilisation <paramref name="rho"/>, linear between levels (the first level below it).</summary>
    public static (double Ttft, double Tpot) At(IReadOnlyList<LatencyPoint> curve, double rho)
    {
        if (rho <= curve[0].Utilization) return (curve[0].TtftP90Seconds, curve[0].TpotP90Seconds);
        for (int i = 1; i < curve.Count; i++)
            if (rho <= curve[i].Utilization)
            {
                var (a, b) = (curve[i - 1], curve[i]);
                double w = (rho - a.Utilization) / (b.Utilization - a.Utilization);
                return (a.TtftP90Seconds + w * (b.TtftP90Seconds - a.TtftP90Seconds), a.TpotP90Seconds + w * (b.TpotP90Seconds - a.TpotP90Seconds));
            }
        return (curve[^1].TtftP90Seconds, curve[^1].TpotP90Seconds);
    }

    private static (IReadOnlyList<LatencyPoint> Curve, string From) Curve(BuiltPlan built, PlanRequest req, CandidateConfig c, double mu)
    {
        var points = new List<LatencyPoint>();
        if (built.Workload is null)
        {
            var capacity = new AnalyticCapacity(req.Model, req.Settings);
            foreach (double level in CurveLevels)
            {
                var (ttft, tpot) = capacity.LatencyAt(c, req.Demand, level * mu);
                points.Add(new LatencyPoint(level, level * mu, ttft, tpot));
            }
            return (points, "analytic");
        }
        var replica = new ReplicaConfig(Deployment.Create(req.Model, c.Device, c.Quant, c.Parallelism, c.Cluster, efficiency: c.Efficiency))
        {
            MaxBatch = c.MaxBatch,
            Scheduler = SchedulerKind.Continuous,
        };
        foreach (double level in CurveLevels)
        {
            double rate = level * mu;
            var spec = built.Workload(req.Demand with { RequestsPerSecond = rate }).WithSlo(req.Slo.TtftSeconds, req.Slo.TpotSeconds);
            // As the planner's check does: a step budget that admits the longest prompt the workload draws.
            int budget = Math.Max(ReplicaConfig.DefaultChunkedBudget, spec.Classes.Max(k => k.Input.Max));
            var cluster = new ClusterConfig(new PoolConfig(replica with { TokenBudget = budget }, 1));
            var r = ServingSimulator.Run(cluster, spec.WithArrivals(new PoissonArrivals(rate)), new RunOptions { Seed = 1, Requests = CurveRequests });
            points.Add(new LatencyPoint(level, rate, r.Ttft.P90, r.Tpot.P90));
        }
        return (points, "simulated");
    }
}
