namespace Simulator.Deploy.Autoscale;

/// <summary>
/// Demand over a period, minute by minute: requests per second in each minute. Built from a rate per hour (each
/// hour's rate holds for its 60 minutes) or from a trace's arrival times (each minute's count ÷ 60).
/// </summary>
/// <param name="RatePerMinute">Requests per second in each minute, from minute 0.</param>
/// <param name="Source">Where the profile comes from (said in outputs).</param>
public sealed record TrafficProfile(IReadOnlyList<double> RatePerMinute, string Source)
{
    /// <summary>Most hours a profile may span (a week).</summary>
    public const int MaxHours = 168;

    /// <summary>Hours covered (whole hours, rounded up).</summary>
    public int Hours => (RatePerMinute.Count + 59) / 60;

    /// <summary>The highest rate of any minute.</summary>
    public double Peak => RatePerMinute.Count == 0 ? 0 : RatePerMinute.Max();

    /// <summary>A profile holding each hour's rate for 60 minutes.</summary>
    public static TrafficProfile FromHourly(IReadOnlyList<double> ratesPerHour, string source)
    {
        if (ratesPerHour.Count is 0 or > MaxHours) throw new ArgumentException($"a profile needs 1 to {MaxHours} hourly rates, not {ratesPerHour.Count}");
        if (ratesPerHour.Any(r => !(r >= 0) || !double.IsFinite(r))) throw new ArgumentException("hourly rates must be finite and not negative");
        if (ratesPerHour.All(r => r == 0)) throw new ArgumentException("every hourly rate is 0: there is no traffic to plan for");
        return new TrafficProfile(ratesPerHour.SelectMany(r => Enumerable.Repeat(r, 60)).ToArray(), source);
    }

    /// <summary>A profile from arrival times in seconds (any order), counted per minute from 0 to the last arrival's hour end.</summary>
    public static TrafficProfile FromArrivals(IReadOnlyList<double> arrivalSeconds, string source)
    {
        if (arrivalSeconds.Count == 0) throw new ArgumentException("the trace has no requests");
        double last = arrivalSeconds.Max();
        int hours = Math.Max(1, (int)Math.Ceiling((last + 1e-9) / 3600));
        if (hours > MaxHours) throw new ArgumentException($"the trace spans {hours} hours; a profile covers at most {MaxHours} (speed it up with --time-scale)");
        var counts = new double[hours * 60];
        foreach (double t in arrivalSeconds) counts[Math.Min(counts.Length - 1, (int)(t / 60))]++;
        return new TrafficProfile(counts.Select(c => c / 60).ToArray(), source);
    }

    /// <summary>Mean rate of hour <paramref name="hour"/>.</summary>
    public double HourMean(int hour) => RatePerMinute.Skip(hour * 60).Take(60).DefaultIfEmpty(0).Average();
}

/// <summary>
/// How replicas are added and removed, as a Kubernetes HorizontalPodAutoscaler on request rate would: every minute
/// the wanted count is the observed rate ÷ (target utilisation × one replica's capacity), rounded up, within
/// [min, max]; new replicas serve after the scale-up delay plus the model load time; the count goes down only
/// when it has been wanted lower for the whole scale-down window (HPA's stabilisation window).
/// </summary>
/// <param name="TargetUtilization">Share of a replica's capacity within the latency targets it may carry (0.7: scale up at 70%).</param>
/// <param name="ScaleUpDelaySeconds">From the decision to a replica's pod running (node provisioning, scheduling, image pull).</param>
/// <param name="ModelLoadSeconds">From the pod running to serving: weights loaded, engine started (null: the default for the replica's weights).</param>
/// <param name="MinReplicas">Replicas kept however low the traffic.</param>
/// <param name="ScaleDownDelaySeconds">How long a lower count must be wanted before replicas go (HPA's default window is 300 s).</param>
/// <param name="MaxReplicas">Most replicas (from the device limit).</param>
public sealed record AutoscalePolicy(double TargetUtilization, double ScaleUpDelaySeconds, double? ModelLoadSeconds, int MinReplicas, double ScaleDownDelaySeconds, int MaxReplicas)
{
    /// <summary>Default target utilisation (an assumption: a fifth to a third spare absorbs bursts within a minute).</summary>
    public const double DefaultTargetUtilization = 0.7;
    /// <summary>Default scale-up delay (an assumption: a node autoscaler bringing up a GPU node takes minutes).</summary>
    public const double DefaultScaleUpDelaySeconds = 180;
    /// <summary>Default scale-down window: the Kubernetes HPA's default downscale stabilisation window, 5 minutes.</summary>
    public const double DefaultScaleDownDelaySeconds = 300;
    /// <summary>Engine start-up on top of reading the weights (an assumption: CUDA graph capture and compilation take tens of seconds).</summary>
    public const double EngineStartSeconds = 60;
    /// <summary>Rate at which a device's weights load (an assumption: one NVMe drive or a fast network volume, about 2 GB/s).</summary>
    public const double LoadBytesPerSecond = 2e9;

    /// <summary>Default model load time: engine start-up plus a device's weight bytes at <see cref="LoadBytesPerSecond"/> (devices load in parallel).</summary>
    public static double DefaultModelLoadSeconds(double weightBytesPerDevice) => EngineStartSeconds + weightBytesPerDevice / LoadBytesPerSecond;
}
