using System.Globalization;

namespace Simulator.Plotting;

/// <summary>Which latency a target bounds.</summary>
public enum SloMetric
{
    /// <summary>Time to first token.</summary>
    Ttft,

    /// <summary>Time per output token.</summary>
    Tpot,
}

/// <summary>A latency target to draw on a latency chart.</summary>
/// <param name="Metric">The latency it bounds.</param>
/// <param name="Seconds">The target, in seconds.</param>
/// <param name="Classes">The request classes it applies to, when a workload has several with different targets (null: all).</param>
public sealed record SloTarget(SloMetric Metric, double Seconds, string? Classes = null)
{
    /// <summary>"TTFT" or "TPOT".</summary>
    public string MetricName => Metric == SloMetric.Ttft ? "TTFT" : "TPOT";

    /// <summary>The target with its unit: "250 ms", "1.5 s".</summary>
    public string Value => Seconds >= 1
        ? Seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s"
        : (Seconds * 1e3).ToString("0.###", CultureInfo.InvariantCulture) + " ms";

    /// <summary>Legend text: "TTFT target 250 ms", with the classes when given.</summary>
    public string Label => $"{MetricName} target {Value}" + (Classes is null ? "" : $" ({Classes})");

    /// <summary>Tag text on the line itself: "TTFT 250 ms".</summary>
    public string ShortLabel => $"{MetricName} {Value}";
}
