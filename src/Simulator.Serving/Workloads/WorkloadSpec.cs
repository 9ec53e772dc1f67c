using System.Globalization;

namespace Simulator.Serving;

/// <summary>Latency targets of a request class; NaN means no target.</summary>
/// <param name="TtftSeconds">Time to first token target.</param>
/// <param name="TpotSeconds">Time per output token target (mean over the request's decode steps).</param>
public readonly record struct Slo(double TtftSeconds, double TpotSeconds)
{
    public static Slo None { get; } = new(double.NaN, double.NaN);

    /// <summary>Whether any target is set.</summary>
    public bool Any => !double.IsNaN(TtftSeconds) || !double.IsNaN(TpotSeconds);

    /// <summary>Whether a request with this TTFT and TPOT (NaN TPOT: a single output token) meets every target.</summary>
    public bool Met(double ttft, double tpot) =>
        (double.IsNaN(TtftSeconds) || ttft <= TtftSeconds) && (double.IsNaN(TpotSeconds) || double.IsNaN(tpot) || tpot <= TpotSeconds);

    public override string ToString()
    {
        static string S(double v) => double.IsNaN(v) ? "-" : (v * 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " ms";
        return $"TTFT {S(TtftSeconds)}, TPOT {S(TpotSeconds)}";
    }
}

/// <summary>A kind of request with its share of traffic, its length distributions and its latency targets.</summary>
public sealed record RequestClass(string Name, double Weight, LengthDistribution Input, LengthDistribution Output, Slo Slo);

/// <summary>
/// Traffic offered to the cluster: request classes (chosen by weight for each synthetic arrival) and an arrival
/// process. A trace brings its own lengths; its requests belong to the first class (for SLOs).
/// </summary>
public sealed record WorkloadSpec(string Name, IReadOnlyList<RequestClass> Classes, ArrivalProcess Arrivals)
{
    /// <summary>The same workload with every class's SLO replaced where the given targets are set.</summary>
    public WorkloadSpec WithSlo(double ttftSeconds, double tpotSeconds) => this with
    {
        Classes = Classes.Select(c => c with
        {
            Slo = new Slo(double.IsNaN(ttftSeconds) ? c.Slo.TtftSeconds : ttftSeconds, double.IsNaN(tpotSeconds) ? c.Slo.TpotSeconds : tpotSeconds),
        }).ToArray(),
    };

    /// <summary>The same workload with fixed prompt and/or output lengths for every class (0: keep).</summary>
    public WorkloadSpec WithFixedLengths(int inputTokens, int outputTokens) => this with
    {
        Classes = Classes.Select(c => c with
        {
            Input = inputTokens > 0 ? new FixedLength(inputTokens) : c.Input,
            Output = outputTokens > 0 ? new FixedLength(outputTokens) : c.Output,
        }).ToArray(),
    };

    /// <summary>The same workload with another arrival process.</summary>
    public WorkloadSpec WithArrivals(ArrivalProcess arrivals) => this with { Arrivals = arrivals };

    /// <summary>Mean prompt tokens over classes, weighted.</summary>
    public double MeanInputTokens => Arrivals is TraceArrivals t ? t.Trace.MeanInputTokens : Weighted(c => c.Input.Mean);

    /// <summary>Mean output tokens over classes, weighted.</summary>
    public double MeanOutputTokens => Arrivals is TraceArrivals t ? t.Trace.MeanOutputTokens : Weighted(c => c.Output.Mean);

    private double Weighted(Func<RequestClass, double> f)
    {
        double w = Classes.Sum(c => c.Weight);
        return Classes.Sum(c => c.Weight * f(c)) / w;
    }
}
