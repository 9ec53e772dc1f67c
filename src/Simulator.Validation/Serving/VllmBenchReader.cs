using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// Reads <c>vllm bench serve --save-result</c> JSON (vLLM 0.11; the newer keys failed, latencies, start_times,
/// queue_times and the spec_decode_* keys are known too) and SGLang <c>bench_serving</c> JSONL (v0.5.4), which shares
/// its layout: <c>{mean,median,std,pNN}_{metric}_ms</c> latencies in milliseconds, throughputs per second, the load
/// (request_rate, burstiness, max_concurrency) and, with <c>--save-detailed</c> / <c>--output-details</c>, every request's
/// lengths. vLLM's JSON names neither the GPU nor the parallelism; <c>--metadata hardware=h100-sxm tp=1</c> keys (written
/// at the top level) are read when present, else the user's hints fill them. SGLang writes <c>e2e_latency</c> for vLLM's
/// <c>e2el</c>, and no model id.
/// </summary>
internal static class VllmBenchReader
{
    private static readonly string[] VllmKnown =
    [
        "date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts", "request_rate", "burstiness", "max_concurrency",
        "ramp_up_strategy", "ramp_up_start_rps", "ramp_up_end_rps", "rps_change_events", "duration", "completed", "failed", "total_input_tokens",
        "total_output_tokens", "request_goodput", "max_output_tokens_per_s", "max_concurrent_requests", "generated_texts", "errors", "ttfts", "itls",
        "latencies", "start_times", "queue_times", "rtfx", "probe_completed", "probe_failed", "probe_median_e2el_ms", "probe_p99_e2el_ms", "probe_max_e2el_ms",
        "spec_decode_acceptance_rate", "spec_decode_acceptance_length", "spec_decode_num_drafts", "spec_decode_draft_tokens", "spec_decode_accepted_tokens",
        "spec_decode_per_position_acceptance_rates",
    ];

    private static readonly string[] SglangKnown =
    [
        "backend", "dataset_name", "request_rate", "max_concurrency", "sharegpt_output_len", "random_input_len", "random_output_len", "random_range_ratio",
        "duration", "completed", "total_input_tokens", "total_input_text_tokens", "total_input_vision_tokens", "total_output_tokens",
        "total_output_tokens_retokenized", "concurrency", "accept_length", "generated_texts", "errors", "ttfts", "itls",
    ];

    /// <summary>--metadata keys read as setup (vllm bench serve writes each KEY=VALUE as a top-level key).</summary>
    private static readonly string[] MetadataKeys =
        ["hardware", "device", "gpu", "tp", "tensor_parallel_size", "pp", "engine", "engine_version", "vllm_version", "sglang_version", "dtype", "quantization", "kv_cache_dtype", "model", "offline"];

    public static ServingRecord? Read(BenchJson j, bool sglang, List<SpecError> errors, List<string> warnings)
    {
        string format = sglang ? "sglang" : "vllm";
        j.Ignore(sglang ? SglangKnown : VllmKnown);
        var metrics = new List<ServingMetric>();
        foreach (var key in j.Keys().ToList())
        {
            var m = ServingFiles.LatencyKey().Match(key);
            if (!m.Success) continue;
            if (j.Number(key, errors) is not double ms || double.IsNaN(ms)) continue;
            string stat = m.Groups[1].Value, metric = m.Groups[3].Value == "e2e_latency" ? "e2el" : m.Groups[3].Value;
            metrics.Add(new ServingMetric($"{metric}_{stat}", ms / 1e3));
        }
        foreach (var (key, name) in new[] { ("request_throughput", "request_throughput"), ("output_throughput", "output_throughput"), ("total_token_throughput", "total_token_throughput"), ("input_throughput", "input_throughput") })
            if (j.Number(key, errors) is double v && double.IsFinite(v)) metrics.Add(new ServingMetric(name, v));

        double completed = j.Number("completed", errors) ?? 0;
        int prompts = (int)(j.Number("num_prompts", errors) ?? completed);
        double input = completed > 0 ? (j.Number("total_input_tokens", errors) ?? 0) / completed : 0;
        double output = completed > 0 ? (j.Number("total_output_tokens", errors) ?? 0) / completed : 0;
        var inLens = j.IntList("input_lens", errors);
        var outLens = j.IntList("output_lens", errors);
        if (inLens is not null && outLens is not null && inLens.Count != outLens.Count)
        {
            warnings.Add($"{j.File}:{j.LineOf("input_lens")}: {format}: input_lens has {inLens.Count} entries and output_lens {outLens.Count}; the lengths are not used");
            inLens = outLens = null;
        }
        // Requests that produced no token are failures; their lengths are not a served request's.
        if (inLens is not null && outLens is not null)
        {
            var keep = Enumerable.Range(0, inLens.Count).Where(i => outLens[i] > 0 && inLens[i] > 0).ToList();
            inLens = keep.Select(i => inLens[i]).ToList();
            outLens = keep.Select(i => outLens[i]).ToList();
            if (inLens.Count == 0) inLens = outLens = null;
        }

        double rate = j.Number("request_rate", errors) ?? double.PositiveInfinity;
        if (j.Str("request_rate") == "trace") rate = double.NaN;
        double burst = j.Number("burstiness", errors) ?? 1;
        int? cap = j.Number("max_concurrency", errors) is double c && c >= 1 ? (int)c : null;
        ServingLoad load = double.IsPositiveInfinity(rate) ? (cap is null ? ServingLoad.MaxThroughput : ServingLoad.Concurrency) : ServingLoad.Rate;
        if (double.IsNaN(rate))
        {
            warnings.Add($"{j.File}:{j.LineOf("request_rate")}: {format}: a replayed trace's arrival times are not in the file; simulated as all requests at once");
            load = ServingLoad.MaxThroughput;
            rate = double.PositiveInfinity;
        }

        string Meta(params string[] keys) => keys.Select(k => j.Str(k)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim() ?? "";
        string modelId = sglang ? Meta("model") : Meta("model_id", "model");
        var (model, dtypeHint) = modelId.Length > 0 ? ServingFiles.ModelName(modelId) : ("", null);
        string engine = ServingFiles.EngineOf(Meta("engine").Length > 0 ? Meta("engine") : sglang ? j.Str("backend") is { } b && b.StartsWith("sglang", StringComparison.Ordinal) ? "sglang" : "" : j.Str("backend") == "vllm" ? "vllm" : "");
        string version = Meta("engine_version", sglang ? "sglang_version" : "vllm_version");
        if (Meta("engine").Contains('@')) version = Meta("engine").Split('@', 2)[1];
        int tp = int.TryParse(Meta("tp", "tensor_parallel_size"), out int t) ? t : 0;
        int pp = int.TryParse(Meta("pp"), out int p) ? p : 1;
        string dtype = ServingFiles.DtypeName(Meta("dtype"), Meta("quantization"));
        if (dtype.Length == 0 && dtypeHint is not null) dtype = dtypeHint;
        j.Ignore(MetadataKeys);
        j.ReportUnknown(warnings, format);
        if (metrics.Count == 0) { errors.Add(new SpecError(j.File, j.Line, "", $"{format} result without any latency or throughput field")); return null; }
        var setup = new ServingSetup
        {
            Engine = engine,
            EngineVersion = version,
            Offline = Meta("offline") is "true" or "1",
            Device = Meta("hardware", "device", "gpu"),
            Model = model,
            Dtype = dtype,
            KvDtype = ServingFiles.DtypeName(Meta("kv_cache_dtype")),
            Tp = tp,
            Pp = pp,
            Load = load,
            RequestRate = rate,
            Burstiness = burst > 0 ? burst : 1,
            Concurrency = cap,
            InputTokens = inLens is not null ? inLens.Average() : input,
            OutputTokens = outLens is not null ? outLens.Average() : output,
            InputLens = inLens,
            OutputLens = outLens,
            NumPrompts = Math.Max(prompts, (int)completed),
        };
        string source = $"{format} result {Path.GetFileName(j.File)}" + (j.Str("date") is { } d ? $" ({d})" : "");
        return new ServingRecord(j.File, j.Line, format, setup, metrics, source);
    }
}
