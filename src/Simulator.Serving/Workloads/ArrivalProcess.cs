using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Simulator.Serving;

/// <summary>How requests arrive: an open-loop process of inter-arrival times, a closed loop of users, or a trace.</summary>
public abstract record ArrivalProcess
{
    /// <summary>A short description for reports.</summary>
    public abstract string Describe();

    protected static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>An open-loop process: independent inter-arrival gaps, regardless of how the system keeps up.</summary>
public abstract record OpenArrivals(double RatePerSecond) : ArrivalProcess
{
    /// <summary>Seconds until the next arrival.</summary>
    public abstract double NextGap(Random rng);
}

/// <summary>Poisson arrivals: exponential gaps with mean 1 / rate.</summary>
public sealed record PoissonArrivals(double Rate) : OpenArrivals(Rate)
{
    public override double NextGap(Random rng) => Exponential.Sample(rng, Rate);
    public override string Describe() => $"Poisson {N(Rate)} req/s";
}

/// <summary>
/// Gamma-distributed gaps with mean 1 / rate and coefficient of variation <paramref name="Cv"/> (shape 1/cv^2):
/// cv = 1 is Poisson, cv &gt; 1 is bursty, cv &lt; 1 is smoother than Poisson.
/// </summary>
public sealed record GammaArrivals(double Rate, double Cv) : OpenArrivals(Rate)
{
    // shape k = 1/cv^2 and rate parameter k * rate, so the mean gap is k / (k * rate) = 1 / rate and sd/mean = cv.
    public override double NextGap(Random rng) => Gamma.Sample(rng, 1 / (Cv * Cv), Rate / (Cv * Cv));
    public override string Describe() => $"Gamma {N(Rate)} req/s, cv {N(Cv)}";
}

/// <summary>Arrivals exactly 1 / rate apart.</summary>
public sealed record ConstantArrivals(double Rate) : OpenArrivals(Rate)
{
    public override double NextGap(Random rng) => 1 / Rate;
    public override string Describe() => $"constant {N(Rate)} req/s";
}

/// <summary>
/// An open-loop process whose requests are sent only while fewer than <paramref name="MaxConcurrency"/> are in flight, as
/// <c>vllm bench serve --request-rate R --max-concurrency N</c> (and SGLang's bench_serving) do: arrivals follow
/// <paramref name="Inner"/>; a request arriving while N are in flight waits at the client (a semaphore) and is sent when
/// one finishes. Its latencies count from when it is sent, as the benchmark measures them, so the achieved rate can be
/// lower than the offered one. Unlike <see cref="ClosedLoopArrivals"/> (each of N users sends its next request when its
/// last one ends), the offered load here is the rate, and the cap only bounds it.
/// </summary>
public sealed record CappedArrivals(OpenArrivals Inner, int MaxConcurrency) : ArrivalProcess
{
    public override string Describe() => $"{Inner.Describe()}, at most {MaxConcurrency} in flight";
}

/// <summary>
/// A closed loop: <paramref name="Users"/> users each send a request, wait for its last token (or its rejection),
/// think for an exponentially distributed time of mean <paramref name="ThinkTimeSeconds"/> (0: none) and send the next.
/// Without think time or a request limit, a user whose request is rejected stops (it would resend at the same instant forever).
/// </summary>
public sealed record ClosedLoopArrivals(int Users, double ThinkTimeSeconds) : ArrivalProcess
{
    public override string Describe() => ThinkTimeSeconds > 0 ? $"closed loop, {Users} users, think {N(ThinkTimeSeconds)} s" : $"closed loop, {Users} users";
}

/// <summary>Replay of recorded requests: each has its own arrival time and lengths.</summary>
public sealed record TraceArrivals(Trace Trace) : ArrivalProcess
{
    public override string Describe() => $"trace {Trace.Source} ({Trace.Rows.Count} requests over {N(Trace.SpanSeconds)} s)";
}
