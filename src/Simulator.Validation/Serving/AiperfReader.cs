using System.Text.Json;
using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// Reads NVIDIA AIPerf <c>profile_export_aiperf.json</c> (ai-dynamo/aiperf 0.1.1, JsonExportData) and GenAI-Perf
/// <c>*_genai_perf.json</c>, which share a layout: one object per metric tag with its <c>unit</c> and statistics (avg,
/// p1..p99, min, max, std), plus <c>input_config</c>. Trap: their <c>inter_token_latency</c> is (request latency − TTFT) /
/// (output − 1) per request, which is vLLM's TPOT, so it is read as tpot_*; <c>inter_chunk_latency</c> is vLLM's ITL.
/// </summary>
internal static class AiperfReader
{
    private static readonly (string Tag, string Metric)[] Latencies =
        [("time_to_first_token", "ttft"), ("inter_token_latency", "tpot"), ("inter_chunk_latency", "itl"), ("request_latency", "e2el")];

    private static readonly string[] Known =
    [
        "request_throughput", "output_token_throughput", "output_token_throughput_per_user", "output_sequence_length", "input_sequence_length",
        "request_count", "time_to_second_token", "goodput", "good_request_count", "output_token_count", "reasoning_token_count", "min_request_timestamp",
        "max_response_timestamp", "total_output_tokens", "total_reasoning_tokens", "benchmark_duration", "total_isl", "total_osl", "error_request_count",
        "error_isl", "total_error_isl", "input_config", "was_cancelled", "error_summary", "start_time", "end_time", "telemetry_stats",
    ];

    public static ServingRecord? Read(BenchJson j, string format, List<SpecError> errors, List<string> warnings)
    {
        var metrics = new List<ServingMetric>();
        j.Ignore(Known);
        foreach (var (tag, metric) in Latencies)
        {
            if (j.Object(tag) is not { } o) continue;
            string? unit = o.Str("unit");
            foreach (var (key, stat) in new[] { ("avg", "mean"), ("p50", "median"), ("std", "std"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99"), ("p25", "p25"), ("p75", "p75") })
                if (o.Number(key, errors) is double v && double.IsFinite(v))
                {
                    if (ServingFiles.Seconds(v, unit) is double s) metrics.Add(new ServingMetric($"{metric}_{stat}", s));
                    else { warnings.Add($"{j.File}:{o.Line}: {format}: {tag}: unit '{unit}' is not a time unit; skipped"); break; }
                }
        }
        double Avg(string tag) => j.Object(tag)?.Number("avg", errors) ?? double.NaN;
        if (double.IsFinite(Avg("request_throughput"))) metrics.Add(new ServingMetric("request_throughput", Avg("request_throughput")));
        if (double.IsFinite(Avg("output_token_throughput"))) metrics.Add(new ServingMetric("output_throughput", Avg("output_token_throughput")));
        double input = Avg("input_sequence_length"), output = Avg("output_sequence_length");
        int count = (int)(double.IsFinite(Avg("request_count")) ? Avg("request_count") : 0);

        // input_config: AIPerf nests loadgen and endpoint sections; GenAI-Perf writes its flat CLI arguments.
        string modelId = "";
        int? concurrency = null;
        double rate = double.NaN;
        if (j.Root.TryGetProperty("input_config", out var cfg) && cfg.ValueKind == JsonValueKind.Object)
        {
            modelId = FirstString(cfg, ["endpoint", "model_names"]) ?? FirstString(cfg, ["model_names"]) ?? FirstString(cfg, ["model"]) ?? "";
            concurrency = (int?)(FirstNumber(cfg, ["loadgen", "concurrency"]) ?? FirstNumber(cfg, ["concurrency"]));
            rate = FirstNumber(cfg, ["loadgen", "request_rate"]) ?? FirstNumber(cfg, ["request_rate"]) ?? double.NaN;
            if (!(input > 0)) input = FirstNumber(cfg, ["input", "prompt", "input_tokens", "mean"]) ?? FirstNumber(cfg, ["synthetic_input_tokens_mean"]) ?? double.NaN;
            if (!(output > 0)) output = FirstNumber(cfg, ["input", "prompt", "output_tokens", "mean"]) ?? FirstNumber(cfg, ["output_tokens_mean"]) ?? double.NaN;
            if (count == 0) count = (int)(FirstNumber(cfg, ["loadgen", "request_count"]) ?? FirstNumber(cfg, ["num_prompts"]) ?? 0);
        }
        j.ReportUnknown(warnings, format);
        if (metrics.Count == 0) { errors.Add(new SpecError(j.File, j.Line, "", $"{format} export without latency or throughput metrics")); return null; }
        var (model, dtype) = modelId.Length > 0 ? ServingFiles.ModelName(modelId) : ("", null);
        ServingLoad load = concurrency is int c && c > 0 ? ServingLoad.Concurrency : double.IsFinite(rate) && rate > 0 ? ServingLoad.Rate : ServingLoad.MaxThroughput;
        if (load == ServingLoad.MaxThroughput)
            warnings.Add($"{j.File}:{j.Line}: {format}: input_config gives neither a concurrency nor a request rate; simulated as every request at once");
        var setup = new ServingSetup
        {
            Model = model,
            Dtype = dtype ?? "",
            Tp = 0,
            Load = load,
            Concurrency = load == ServingLoad.Concurrency ? concurrency : null,
            RequestRate = load == ServingLoad.Rate ? rate : double.PositiveInfinity,
            InputTokens = double.IsFinite(input) ? input : 0,
            OutputTokens = double.IsFinite(output) ? output : 0,
            NumPrompts = count,
        };
        return new ServingRecord(j.File, j.Line, format, setup, metrics, $"{format} export {Path.GetFileName(j.File)}");
    }

    private static JsonElement? Find(JsonElement e, string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out var next)) return null;
            e = next;
        }
        return e;
    }

    private static string? FirstString(JsonElement e, string[] path) => Find(e, path) is { } v
        ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Array => v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()).FirstOrDefault(),
            _ => null,
        }
        : null;

    private static double? FirstNumber(JsonElement e, string[] path) => Find(e, path) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : null;
}
