namespace Simulator.Validation;

/// <summary>Error of one group of serving comparisons.</summary>
/// <param name="Engine">Engine and, for TensorRT-LLM, its backend (the TensorRT-engine flow of 0.14–0.17 or the PyTorch backend).</param>
/// <param name="Family">ttft, tpot, itl, e2el or throughput.</param>
/// <param name="HeldOut">Whether the rows are the held-out part (never fitted).</param>
public sealed record ServingSummaryRow(string Engine, ServingRegime Regime, string Family, bool HeldOut, int Count, int Skipped, double MedianAbsPct, double P90AbsPct, double BiasPct);

/// <summary>One of the accuracy targets, on the held-out part, with what was reached.</summary>
public sealed record ServingTarget(string Name, double Limit, double Reached, int Count)
{
    /// <summary>Whether it is met (false when there are no held-out rows to judge it).</summary>
    public bool Met => Count > 0 && Reached <= Limit;
}

/// <summary>Summaries of serving comparisons: per engine, regime, metric family and split; and the targets.</summary>
public static class ServingSummary
{
    /// <summary>The engine label of a run: "trtllm (PyTorch backend)", "trtllm (TensorRT engine)", "vllm", ...</summary>
    public static string EngineLabel(ServingSetup s)
    {
        string e = s.Engine.Length == 0 ? "unstated" : s.Engine;
        if (e != "trtllm") return e;
        return s.Settings.TryGetValue("backend", out var b) && b == "tensorrt-engine" ? "trtllm (TensorRT engine)" : "trtllm (PyTorch backend)";
    }

    /// <summary>Groups in a stable order: engine, regime, family, fitted part before held-out.</summary>
    public static List<ServingSummaryRow> Summarize(IEnumerable<ServingComparison> comparisons)
    {
        var rows = new List<ServingSummaryRow>();
        foreach (var g in comparisons.GroupBy(c => (Engine: EngineLabel(c.Record.Setup), c.Regime, c.Family, c.HeldOut))
                     .OrderBy(g => g.Key.Engine, StringComparer.Ordinal).ThenBy(g => g.Key.Regime).ThenBy(g => Array.IndexOf(FamilyOrder, g.Key.Family)).ThenBy(g => g.Key.HeldOut))
        {
            var ok = g.Where(c => c.Predicted is not null).ToList();
            var abs = ok.Select(c => c.AbsPctError).ToArray();
            var signed = ok.Select(c => c.SignedPctError).ToArray();
            rows.Add(new ServingSummaryRow(g.Key.Engine, g.Key.Regime, g.Key.Family, g.Key.HeldOut, ok.Count, g.Count() - ok.Count,
                ErrorStats.Quantile(abs, 0.5), ErrorStats.Quantile(abs, 0.9), ErrorStats.Quantile(signed, 0.5)));
        }
        return rows;
    }

    private static readonly string[] FamilyOrder = ["throughput", "ttft", "tpot", "itl", "e2el"];

    /// <summary>
    /// The targets on the held-out part: max-load output throughput (the engine's own, in-process runs; a served
    /// run sent all at once is client-limited and reported apart) median ≤ 4% and p90 ≤ 10%; TTFT and TPOT at
    /// low and at moderate load median ≤ 10% each. Where a source publishes mean ITL but not TPOT (TensorRT-LLM's online
    /// table), the ITL rows stand for TPOT: the mean gap between a request's tokens.
    /// </summary>
    public static List<ServingTarget> Targets(IEnumerable<ServingComparison> comparisons)
    {
        var held = comparisons.Where(c => c.HeldOut && c.Predicted is not null).ToList();
        double[] Abs(IEnumerable<ServingComparison> x) => x.Select(c => c.AbsPctError).ToArray();
        var maxLoad = Abs(held.Where(c => c.Regime == ServingRegime.MaxLoadThroughput && c.Metric.StartsWith("output_throughput", StringComparison.Ordinal)));
        var list = new List<ServingTarget>
        {
            new("max-load output throughput, median |error|", 4, ErrorStats.Quantile(maxLoad, 0.5), maxLoad.Length),
            new("max-load output throughput, p90 |error|", 10, ErrorStats.Quantile(maxLoad, 0.9), maxLoad.Length),
        };
        foreach (var (regime, word) in new[] { (ServingRegime.LowLoad, "low"), (ServingRegime.MediumLoad, "moderate") })
        {
            var ttft = Abs(held.Where(c => c.Regime == regime && c.Family == "ttft"));
            var tpotRows = held.Where(c => c.Regime == regime && c.Family == "tpot").ToList();
            var tpot = Abs(tpotRows.Count > 0 ? tpotRows : held.Where(c => c.Regime == regime && c.Family == "itl" && c.Metric == "itl_mean"));
            list.Add(new($"TTFT at {word} load, median |error|", 10, ErrorStats.Quantile(ttft, 0.5), ttft.Length));
            list.Add(new($"TPOT (or mean ITL) at {word} load, median |error|", 10, ErrorStats.Quantile(tpot, 0.5), tpot.Length));
        }
        return list;
    }

    /// <summary>Lower-case words for a regime, as tables and JSON write it.</summary>
    public static string Name(ServingRegime r) => r switch
    {
        ServingRegime.MaxLoadThroughput => "max-load throughput",
        ServingRegime.LowLoad => "low load",
        ServingRegime.MediumLoad => "medium load",
        ServingRegime.HighLoad => "high load",
        ServingRegime.MaxLoadLatency => "max-load latency",
        ServingRegime.ServedMaxLoadThroughput => "max-load throughput, served",
        _ => "throughput under load",
    };
}
