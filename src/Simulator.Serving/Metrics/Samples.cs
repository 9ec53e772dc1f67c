namespace Simulator.Serving;

/// <summary>
/// Exact percentiles of one metric: every value is kept (8 bytes a request; 5 metrics x 1M requests = 40 MB) and
/// sorted once at the end. Percentiles interpolate linearly between the closest ranks (Hyndman and Fan type 7,
/// NumPy's default).
/// </summary>
public sealed class Samples
{
    private double[] _values = new double[1024];
    private bool _sorted = true;
    private double _sum;

    public int Count { get; private set; }

    public void Add(double v)
    {
        if (double.IsNaN(v)) return;
        if (Count == _values.Length) Array.Resize(ref _values, _values.Length * 2);
        _values[Count++] = v;
        _sum += v;
        _sorted = false;
    }

    public double Mean => Count == 0 ? double.NaN : _sum / Count;

    /// <summary>Population standard deviation (NumPy's np.std, which vllm bench serve reports as std_*); NaN when empty.</summary>
    public double StandardDeviation()
    {
        if (Count == 0) return double.NaN;
        double mean = Mean, ss = 0;
        for (int i = 0; i < Count; i++) ss += (_values[i] - mean) * (_values[i] - mean);
        return Math.Sqrt(ss / Count);
    }

    /// <summary>The sorted values (sorts on first use).</summary>
    public ReadOnlySpan<double> Sorted()
    {
        if (!_sorted) { Array.Sort(_values, 0, Count); _sorted = true; }
        return _values.AsSpan(0, Count);
    }

    /// <summary>The <paramref name="p"/>-quantile, p in [0, 1]; NaN when empty.</summary>
    public double Quantile(double p) => QuantileOfSorted(Sorted(), p);

    /// <summary>The <paramref name="p"/>-quantile of sorted values (<see cref="Core.Statistics.Quantile.OfSorted"/>, type 7).</summary>
    public static double QuantileOfSorted(ReadOnlySpan<double> s, double p) => Core.Statistics.Quantile.OfSorted(s, p);

    public LatencyStats Stats() => Count == 0
        ? LatencyStats.Empty
        : new LatencyStats(Mean, Quantile(0.5), Quantile(0.9), Quantile(0.95), Quantile(0.99), Sorted()[^1], Count);
}

/// <summary>Mean, percentiles and maximum of a latency in seconds (NaN when there are no samples).</summary>
public sealed record LatencyStats(double Mean, double P50, double P90, double P95, double P99, double Max, long Count)
{
    public static LatencyStats Empty { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
}

/// <summary>
/// Percentiles of a per-token metric (inter-token latency) in bounded memory: a histogram with 1,024 buckets per
/// power of two (relative width 2^-10, under 0.1%) from 2^-40 s to 2^24 s, indexed straight from the bits of the
/// double. Quantiles return the bucket's midpoint, so they are within 0.05% of the exact value; the mean is exact.
/// </summary>
public sealed class LogHistogram
{
    private const int MantissaBits = 10;
    private const int MinExponent = 1023 - 40, MaxExponent = 1023 + 24;
    private readonly long[] _counts = new long[(MaxExponent - MinExponent + 1) << MantissaBits];
    private double _sum, _sumSquares, _max;

    public long Count { get; private set; }

    /// <summary>Exact mean; NaN when empty.</summary>
    public double Mean => Count == 0 ? double.NaN : _sum / Count;

    /// <summary>Population standard deviation from exact sums (NumPy's np.std); NaN when empty.</summary>
    public double StandardDeviation => Count == 0 ? double.NaN : Math.Sqrt(Math.Max(0, _sumSquares / Count - Mean * Mean));

    public void Add(double v)
    {
        if (!(v >= 0)) return;
        _counts[Index(v)]++;
        Count++;
        _sum += v;
        _sumSquares += v * v;
        if (v > _max) _max = v;
    }

    private static int Index(double v)
    {
        long bits = BitConverter.DoubleToInt64Bits(v);
        int e = (int)((bits >> 52) & 0x7FF);
        if (e < MinExponent) return 0;
        if (e > MaxExponent) return ((MaxExponent - MinExponent + 1) << MantissaBits) - 1;
        return ((e - MinExponent) << MantissaBits) | (int)((bits >> (52 - MantissaBits)) & ((1 << MantissaBits) - 1));
    }

    private static double Midpoint(int index)
    {
        int e = (index >> MantissaBits) + MinExponent - 1023;
        int m = index & ((1 << MantissaBits) - 1);
        return Math.ScaleB(1 + (m + 0.5) / (1 << MantissaBits), e);
    }

    /// <summary>The <paramref name="p"/>-quantile (nearest rank), NaN when empty.</summary>
    public double Quantile(double p)
    {
        if (Count == 0) return double.NaN;
        long rank = Math.Max(1, (long)Math.Ceiling(p * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(Midpoint(i), _max);
        }
        return _max;
    }

    public LatencyStats Stats() => Count == 0
        ? LatencyStats.Empty
        : new LatencyStats(_sum / Count, Quantile(0.5), Quantile(0.9), Quantile(0.95), Quantile(0.99), _max, Count);
}

/// <summary>
/// KV-cache usage over time in bounded memory: a point every interval of simulated time (starting at 10 ms); when
/// 1,024 points are held, every other one is dropped and the interval doubles, so any run ends with 512 to 1,024
/// evenly spaced points.
/// </summary>
public sealed class KvUsageSeries
{
    public const int MaxPoints = 1024;
    private readonly List<(double Time, double Mean, double Max)> _points = [];
    private double _interval = 0.01, _next;

    /// <summary>Whether a sample is due at <paramref name="now"/>.</summary>
    public bool Due(double now) => now >= _next;

    /// <summary>Records usage (mean over replicas and the fullest replica) at <paramref name="now"/>.</summary>
    public void Add(double now, double mean, double max)
    {
        _points.Add((now, mean, max));
        _next = now + _interval;
        if (_points.Count >= MaxPoints)
        {
            for (int i = 0; i < _points.Count / 2; i++) _points[i] = _points[2 * i];
            _points.RemoveRange(_points.Count / 2, _points.Count - _points.Count / 2);
            _interval *= 2;
        }
    }

    public IReadOnlyList<(double Time, double Mean, double Max)> Points => _points;
}
