using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Simulator.Serving;

/// <summary>A distribution of token counts (prompt or output lengths); every sample is a whole number of at least 1.</summary>
public abstract record LengthDistribution
{
    /// <summary>Draws one length from <paramref name="rng"/>.</summary>
    public abstract int Sample(Random rng);

    /// <summary>The mean length (for reports and for sizing defaults).</summary>
    public abstract double Mean { get; }

    /// <summary>The largest length the distribution can produce.</summary>
    public abstract int Max { get; }

    /// <summary>A short description such as "lognormal(median 1020, sigma 0.98, 2..14050)".</summary>
    public abstract string Describe();

    protected static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// Bounded continuous distributions are truncated by redrawing (up to 64 times, then clamping), so the bounds
    /// do not pile probability mass onto the end points.
    /// </summary>
    protected static int Truncate(Func<double> draw, int min, int max)
    {
        for (int i = 0; i < 64; i++)
        {
            double v = Math.Round(draw());
            if (v >= min && v <= max) return (int)v;
        }
        return (int)Math.Clamp(Math.Round(draw()), min, max);
    }
}

/// <summary>Every request has the same length.</summary>
public sealed record FixedLength(int Value) : LengthDistribution
{
    public override int Sample(Random rng) => Value;
    public override double Mean => Value;
    public override int Max => Value;
    public override string Describe() => $"fixed {Value}";
}

/// <summary>Uniform whole numbers in [Min, Max].</summary>
public sealed record UniformLength(int Min, int MaxValue) : LengthDistribution
{
    public override int Sample(Random rng) => DiscreteUniform.Sample(rng, Min, MaxValue);
    public override double Mean => (Min + MaxValue) / 2.0;
    public override int Max => MaxValue;
    public override string Describe() => $"uniform {Min}..{MaxValue}";
}

/// <summary>Normal with mean and standard deviation, truncated to [Min, Max].</summary>
public sealed record NormalLength(double MeanValue, double StdDev, int Min, int MaxValue) : LengthDistribution
{
    public override int Sample(Random rng) => Truncate(() => Normal.Sample(rng, MeanValue, StdDev), Min, MaxValue);
    /// <summary>The mean of the truncated distribution that <see cref="Sample"/> draws from: μ + σ(φ(α) − φ(β)) / (Φ(β) − Φ(α)).</summary>
    public override double Mean
    {
        get
        {
            double a = (Min - MeanValue) / StdDev, b = (MaxValue - MeanValue) / StdDev;
            double z = Normal.CDF(0, 1, b) - Normal.CDF(0, 1, a);
            return z <= 0 ? Math.Clamp(MeanValue, Min, MaxValue) : MeanValue + StdDev * (Normal.PDF(0, 1, a) - Normal.PDF(0, 1, b)) / z;
        }
    }
    public override int Max => MaxValue;
    public override string Describe() => $"normal(mean {N(MeanValue)}, sd {N(StdDev)}, {Min}..{MaxValue})";
}

/// <summary>Lognormal given by its median (= e^mu) and sigma (of the log), truncated to [Min, Max].</summary>
public sealed record LogNormalLength(double Median, double Sigma, int Min, int MaxValue) : LengthDistribution
{
    public override int Sample(Random rng) => Truncate(() => LogNormal.Sample(rng, Math.Log(Median), Sigma), Min, MaxValue);
    /// <summary>
    /// The mean of the truncated distribution that <see cref="Sample"/> draws from (redrawing outside [Min, Max]):
    /// e^(μ+σ²/2) · [Φ((ln b − μ − σ²)/σ) − Φ((ln a − μ − σ²)/σ)] / [Φ((ln b − μ)/σ) − Φ((ln a − μ)/σ)].
    /// </summary>
    public override double Mean
    {
        get
        {
            double mu = Math.Log(Median), la = Math.Log(Min), lb = Math.Log(MaxValue);
            double z = Normal.CDF(0, 1, (lb - mu) / Sigma) - Normal.CDF(0, 1, (la - mu) / Sigma);
            if (z <= 0) return Math.Clamp(Median, Min, MaxValue);
            double num = Normal.CDF(0, 1, (lb - mu - Sigma * Sigma) / Sigma) - Normal.CDF(0, 1, (la - mu - Sigma * Sigma) / Sigma);
            return Math.Exp(mu + Sigma * Sigma / 2) * num / z;
        }
    }
    public override int Max => MaxValue;
    public override string Describe() => $"lognormal(median {N(Median)}, sigma {N(Sigma)}, {Min}..{MaxValue})";
}

/// <summary>Draws uniformly from a list of observed lengths (an empirical distribution, e.g. from a file).</summary>
public sealed record EmpiricalLength(IReadOnlyList<int> Values, string Source) : LengthDistribution
{
    private readonly double _mean = Values.Count == 0 ? throw new ArgumentException("an empirical distribution needs at least one value") : Values.Average();
    private readonly int _max = Values.Max();

    public override int Sample(Random rng) => Values[rng.Next(Values.Count)];
    public override double Mean => _mean;
    public override int Max => _max;
    public override string Describe() => $"empirical({Values.Count} values from {Source})";
}

/// <summary>
/// A distribution given by percentiles: (cumulative probability, length) points with probabilities rising from 0 to 1;
/// a uniform draw is mapped through the piecewise-linear inverse CDF. Used for the presets, whose points are the
/// percentiles of published traces.
/// </summary>
public sealed record QuantileLength(IReadOnlyList<(double P, int Value)> Points, string Source) : LengthDistribution
{
    private readonly double _mean = CheckedMean(Points);

    private static double CheckedMean(IReadOnlyList<(double P, int Value)> pts)
    {
        if (pts.Count < 2 || pts[0].P != 0 || pts[^1].P != 1) throw new ArgumentException("quantile points must start at p = 0 and end at p = 1");
        double mean = 0;
        for (int i = 1; i < pts.Count; i++)
        {
            if (pts[i].P <= pts[i - 1].P || pts[i].Value < pts[i - 1].Value) throw new ArgumentException("quantile points must rise");
            mean += (pts[i].P - pts[i - 1].P) * (pts[i].Value + pts[i - 1].Value) / 2.0;
        }
        return mean;
    }

    public override int Sample(Random rng)
    {
        double u = rng.NextDouble();
        int i = 1;
        while (i < Points.Count - 1 && Points[i].P < u) i++;
        var (p0, v0) = Points[i - 1];
        var (p1, v1) = Points[i];
        double v = v0 + (v1 - v0) * (u - p0) / (p1 - p0);
        return Math.Max(1, (int)Math.Round(v));
    }

    public override double Mean => _mean;
    public override int Max => Points[^1].Value;

    /// <summary>The length at cumulative probability <paramref name="p"/>.</summary>
    public double Quantile(double p)
    {
        int i = 1;
        while (i < Points.Count - 1 && Points[i].P < p) i++;
        var (p0, v0) = Points[i - 1];
        var (p1, v1) = Points[i];
        return v0 + (v1 - v0) * (p - p0) / (p1 - p0);
    }

    public override string Describe() => $"percentiles of {Source} (p50 {N(Quantile(0.5))}, p90 {N(Quantile(0.9))}, p99 {N(Quantile(0.99))}, max {Max})";
}
