namespace Simulator.Serving;

/// <summary>
/// Named workloads with documented length distributions. Lengths of chat, code and summarize are the percentiles
/// (p0, p1, p5, p10, p20, ..., p90, p95, p97.5, p99, p99.5, p99.9, p100) of published traces, as redistributed by Vidur
/// (microsoft/vidur data/processed_traces, MIT licence; percentiles computed with linear interpolation):
/// <list type="bullet">
/// <item>chat: splitwise_conv.csv, the Azure LLM inference trace 2023, conversation (Patel et al., Splitwise, ISCA 2024), 19,366 requests.</item>
/// <item>code: splitwise_code.csv, the same trace's coding service, 8,819 requests.</item>
/// <item>summarize: arxiv_summarization_stats_llama2_tokenizer_filtered_v2.csv, arXiv summarization (Cohan et al., 2018) with the Llama-2 tokenizer, 28,257 requests.</item>
/// <item>reasoning: an assumption, not a measurement: short prompts and long chains of thought (lognormal output, median 3,000 tokens).</item>
/// </list>
/// SLO targets follow DistServe (Zhong et al., OSDI 2024, Table 1): chatbot TTFT 0.25 s / TPOT 0.1 s, code completion
/// TTFT 0.125 s / TPOT 0.2 s, summarization TTFT 15 s / TPOT 0.15 s; reasoning's 2 s / 50 ms is an assumption.
/// </summary>
public static class Presets
{
    private static readonly double[] P = [0, 0.01, 0.05, 0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.90, 0.95, 0.975, 0.99, 0.995, 0.999, 1];

    private static QuantileLength Table(string source, params int[] values) => new(P.Zip(values).ToArray(), source);

    /// <summary>Names of the presets.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chat", "code", "summarize", "reasoning"];

    /// <summary>Conversation lengths: prompt p50 1020, p90 2734, p99 4142 tokens (mean 1155); output p50 129, p90 424, p99 601 (mean 211).</summary>
    public static RequestClass Chat { get; } = new("chat", 1,
        Table("Azure 2023 conversation prompts", 2, 29, 181, 207, 387, 403, 703, 1020, 1071, 1130, 1315, 2734, 4083, 4092, 4142, 4831, 6179, 14050),
        Table("Azure 2023 conversation outputs", 7, 16, 41, 54, 77, 91, 103, 129, 177, 384, 400, 424, 451, 522, 601, 643, 954, 1000),
        new Slo(0.25, 0.1));

    /// <summary>Coding lengths: prompt p50 1469, p90 5188, p99 7436 (mean 2048); output p50 13, p90 55, p99 251 (mean 28).</summary>
    public static RequestClass Code { get; } = new("code", 1,
        Table("Azure 2023 code prompts", 3, 17, 75, 147, 386, 770, 1075, 1469, 1909, 2433, 3192, 5188, 7303, 7435, 7436, 7436, 7437, 7437),
        Table("Azure 2023 code outputs", 6, 6, 6, 7, 8, 9, 11, 13, 16, 20, 29, 55, 90, 145, 251, 359, 825, 1899),
        new Slo(0.125, 0.2));

    /// <summary>Summarization lengths: prompt p50 2730, p90 3702, p99 3933 (mean 2588); output p50 167, p90 372, p99 3271 (mean 291).</summary>
    public static RequestClass Summarize { get; } = new("summarize", 1,
        Table("arXiv summarization prompts", 1, 73, 749, 1242, 1802, 2150, 2453, 2730, 2996, 3249, 3490, 3702, 3813, 3876, 3933, 3963, 4012, 4054),
        Table("arXiv summarization outputs", 5, 36, 60, 78, 104, 125, 145, 167, 192, 222, 268, 372, 736, 2507, 3271, 3582, 3844, 4056),
        new Slo(15, 0.15));

    /// <summary>Reasoning (assumed): prompt lognormal median 600, sigma 0.8, 16..8192; output lognormal median 3000, sigma 0.8, 256..32768.</summary>
    public static RequestClass Reasoning { get; } = new("reasoning", 1,
        new LogNormalLength(600, 0.8, 16, 8192),
        new LogNormalLength(3000, 0.8, 256, 32768),
        new Slo(2, 0.05));

    /// <summary>Whether <paramref name="name"/> is a preset (case-insensitive).</summary>
    public static bool IsPreset(string name) => Names.Contains(name.Trim().ToLowerInvariant());

    /// <summary>The preset's request class.</summary>
    public static RequestClass Class(string name) => name.Trim().ToLowerInvariant() switch
    {
        "chat" => Chat,
        "code" => Code,
        "summarize" => Summarize,
        "reasoning" => Reasoning,
        _ => throw new ArgumentException($"unknown workload preset '{name}'; presets: {string.Join(", ", Names)}"),
    };

    /// <summary>A one-class workload of the preset with the given arrivals.</summary>
    public static WorkloadSpec Get(string name, ArrivalProcess arrivals)
    {
        var c = Class(name);
        return new WorkloadSpec(c.Name, [c], arrivals);
    }
}
