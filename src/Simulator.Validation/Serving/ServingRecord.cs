using System.Globalization;

namespace Simulator.Validation;

/// <summary>How a serving benchmark loaded the server.</summary>
public enum ServingLoad
{
    /// <summary>Every request issued at once (trtllm-bench throughput, vllm bench serve with request rate inf): max load.</summary>
    MaxThroughput,
    /// <summary>An open-loop arrival rate (Poisson, or Gamma with a burstiness), optionally capped at a number in flight.</summary>
    Rate,
    /// <summary>A fixed number of requests in flight: each finished request is replaced at once (closed loop).</summary>
    Concurrency,
}

/// <summary>
/// What a serving benchmark ran: engine, device, model and parallelism, request lengths and load. Result files record
/// part of this; the rest comes from the user (<see cref="ServingHints"/>) or the file's own metadata.
/// </summary>
public sealed record ServingSetup
{
    /// <summary>vllm, sglang, trtllm, or empty when the file does not say (the generic engine unless the user names one).</summary>
    public string Engine { get; init; } = "";
    /// <summary>The engine version as the source states it (free text; the leading version number picks the profile).</summary>
    public string EngineVersion { get; init; } = "";
    /// <summary>Whether requests went through an HTTP API server (vllm serve, trtllm-serve, Triton) or an in-process engine (trtllm-bench).</summary>
    public bool Offline { get; init; }
    /// <summary>Hardware profile name.</summary>
    public string Device { get; init; } = "";
    /// <summary>Model spec name.</summary>
    public string Model { get; init; } = "";
    /// <summary>Quantization name as the simulator writes it (bf16, fp8, ...); empty: the model's 16-bit type.</summary>
    public string Dtype { get; init; } = "";
    /// <summary>The KV-cache type the benchmark states (empty: the engine's rule decides).</summary>
    public string KvDtype { get; init; } = "";
    public int Tp { get; init; } = 1;
    public int Pp { get; init; } = 1;
    public ServingLoad Load { get; init; }
    /// <summary>Requests per second offered (open loop); +∞ for all at once.</summary>
    public double RequestRate { get; init; } = double.PositiveInfinity;
    /// <summary>Gamma shape of the inter-arrival gaps (vllm bench serve's --burstiness; 1 = Poisson).</summary>
    public double Burstiness { get; init; } = 1;
    /// <summary>With <see cref="ServingLoad.Rate"/>: at most this many in flight (--max-concurrency); with <see cref="ServingLoad.Concurrency"/>: the number in flight.</summary>
    public int? Concurrency { get; init; }
    /// <summary>Mean prompt tokens.</summary>
    public double InputTokens { get; init; }
    /// <summary>Mean output tokens.</summary>
    public double OutputTokens { get; init; }
    /// <summary>Every request's prompt length, when the file has them (vLLM --save-detailed); else null.</summary>
    public IReadOnlyList<int>? InputLens { get; init; }
    /// <summary>Every request's output length, when the file has them.</summary>
    public IReadOnlyList<int>? OutputLens { get; init; }
    /// <summary>Requests in the run.</summary>
    public int NumPrompts { get; init; }
    /// <summary>Engine settings the benchmark changed from the engine's defaults (kv_fraction, max_batch, max_num_tokens, graph_max_batch, graph_padding, backend).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Devices of one replica.</summary>
    public int Devices => Tp * Pp;

    /// <summary>One line: "trtllm 1.0 on 2 x h100-sxm, llama-3.1-70b fp8 TP2, 128/128 tokens, max load, 30000 prompts".</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        string load = Load switch
        {
            ServingLoad.MaxThroughput => "max load",
            ServingLoad.Concurrency => $"concurrency {Concurrency}",
            _ => $"rate {RequestRate.ToString("0.###", inv)}/s" + (Concurrency is int c ? $" (max {c} in flight)" : ""),
        };
        return $"{(Engine.Length == 0 ? "engine unstated" : Engine)} {ShortVersion(EngineVersion)} on {Devices} x {Device}, {Model} {(Dtype.Length == 0 ? "16-bit" : Dtype)} TP{Tp}{(Pp > 1 ? $" PP{Pp}" : "")}, "
            + $"{InputTokens.ToString("0.#", inv)}/{OutputTokens.ToString("0.#", inv)} tokens, {load}, {NumPrompts} prompts{(Offline ? ", offline" : "")}";
    }

    /// <summary>The leading version number of a free-text version ("0.14.0 (Triton ...)" → "0.14.0", ">=0.19 PyTorch" → "0.19"), or empty.</summary>
    public static string ShortVersion(string text)
    {
        int i = 0;
        while (i < text.Length && !char.IsDigit(text[i])) i++;
        int j = i;
        while (j < text.Length && (char.IsDigit(text[j]) || text[j] == '.')) j++;
        return text[i..j].TrimEnd('.');
    }
}

/// <summary>One measured metric of a serving run, in SI units (seconds; per second).</summary>
/// <param name="Name">vLLM's result-file name without the unit suffix: ttft_mean, ttft_median, ttft_p99, tpot_std, itl_p90, e2el_mean, output_throughput, ...</param>
public sealed record ServingMetric(string Name, double Value);

/// <summary>A serving run read from a file: its setup, its metrics, where it came from.</summary>
/// <param name="Format">vllm, sglang, trtllm-bench, aiperf, genai-perf or csv.</param>
public sealed record ServingRecord(string File, int Line, string Format, ServingSetup Setup, IReadOnlyList<ServingMetric> Metrics, string Source);

/// <summary>What reading one or more serving files found: runs, problems that stopped a run being read, and warnings (unknown fields, assumptions).</summary>
public sealed record ServingReadResult(IReadOnlyList<ServingRecord> Records, IReadOnlyList<Core.Loading.SpecError> Problems, IReadOnlyList<string> Warnings);

/// <summary>Setup facts the user supplies for what a result file does not record (vLLM's JSON names neither the GPU nor TP).</summary>
public sealed record ServingHints
{
    public string? Engine { get; init; }
    public string? Device { get; init; }
    public string? Model { get; init; }
    public string? Dtype { get; init; }
    public int? Tp { get; init; }
    /// <summary>Whether the runs were offline (no API server); null: as the format implies (trtllm-bench offline, the rest served).</summary>
    public bool? Offline { get; init; }

    public static ServingHints None { get; } = new();
}

/// <summary>Metric names (vLLM's result-file convention) and their families.</summary>
public static class ServingMetrics
{
    /// <summary>Latency families: time to first token, time per output token (per request, after the first), inter-token latency (all gaps pooled), end-to-end latency.</summary>
    public static readonly string[] Latencies = ["ttft", "tpot", "itl", "e2el"];

    /// <summary>Throughput metrics.</summary>
    public static readonly string[] Throughputs = ["request_throughput", "output_throughput", "total_token_throughput", "input_throughput", "output_throughput_per_gpu"];

    /// <summary>Statistics a latency can carry: mean, median, std, or a percentile pNN (p99, p99.9).</summary>
    public static bool IsStat(string s) =>
        s is "mean" or "median" or "std" || (s.Length > 1 && s[0] == 'p' && double.TryParse(s[1..], NumberStyles.Float, CultureInfo.InvariantCulture, out double p) && p >= 0 && p <= 100);

    /// <summary>Whether a name is one the validator compares.</summary>
    public static bool IsKnown(string name)
    {
        if (Throughputs.Contains(name)) return true;
        int u = name.IndexOf('_');
        return u > 0 && Latencies.Contains(name[..u]) && IsStat(name[(u + 1)..]);
    }
}
