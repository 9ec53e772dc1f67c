using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// Reads <c>trtllm-bench throughput --report_json</c> (TensorRT-LLM 1.0 generation, tensorrt_llm/bench/dataclasses/
/// reporting.py get_statistics_dict): the nested sections engine, world_info, request_info, performance and, when the
/// run streamed, streaming_metrics; latencies in milliseconds. trtllm-bench runs the engine in-process (no API server),
/// issues every request at once unless an issue rate is set, and does not record the GPU.
/// </summary>
internal static class TrtllmBenchReader
{
    public static ServingRecord? Read(BenchJson j, List<SpecError> errors, List<string> warnings)
    {
        var metrics = new List<ServingMetric>();
        var engine = j.Object("engine");
        var world = j.Object("world_info");
        var req = j.Object("request_info");
        var perf = j.Object("performance");
        var stream = j.Object("streaming_metrics");
        j.Ignore("decoding_stats", "dataset", "energy");
        string modelId = engine?.Str("model") ?? "";
        engine?.Ignore("model_path", "engine_dir", "backend", "max_input_length", "max_sequence_length");
        string version = engine?.Str("version") ?? "";
        string dtype = ServingFiles.DtypeName(engine?.Str("dtype"), engine?.Str("quantization"));
        string kv = ServingFiles.DtypeName(engine?.Str("kv_cache_dtype"), engine?.Str("kv_cache_dtype"));
        int tp = (int)(world?.Number("tp_size", errors) ?? 1), pp = (int)(world?.Number("pp_size", errors) ?? 1);
        world?.Ignore("ep_size", "world_size", "scheduling_policy");
        var settings = new Dictionary<string, string>();
        if (world?.Number("max_batch_size", errors) is double mb) settings["max_batch"] = ServingFiles.Inv(mb);
        if (world?.Number("max_num_tokens", errors) is double mt) settings["max_num_tokens"] = ServingFiles.Inv(mt);
        if (world?.Number("kv_cache_percentage", errors) is double kp && kp > 0) settings["kv_fraction"] = ServingFiles.Inv(kp > 1 ? kp / 100 : kp);
        double issueRate = world?.Number("issue_rate", errors) ?? 0;
        int n = (int)(req?.Number("num_requests", errors) ?? 0);
        double input = req?.Number("avg_input_length", errors) ?? 0, output = req?.Number("avg_output_length", errors) ?? 0;
        req?.Ignore("avg_num_concurrent_requests");
        if (perf is not null)
        {
            void Add(string key, string name, double scale = 1)
            {
                if (perf.Number(key, errors) is double v && double.IsFinite(v)) metrics.Add(new ServingMetric(name, v * scale));
            }
            Add("request_throughput_req_s", "request_throughput");
            Add("system_output_throughput_tok_s", "output_throughput");
            Add("system_total_throughput_tok_s", "total_token_throughput");
            Add("output_throughput_per_gpu_tok_s", "output_throughput_per_gpu");
            Add("avg_request_latency_ms", "e2el_mean", 1e-3);
            perf.Ignore("total_latency_ms", "output_throughput_per_user_tok_s");
            if (perf.Object("request_latency_percentiles_ms") is { } pc) Percentiles(pc, "e2el", metrics, errors);
            perf.ReportUnknown(warnings, "trtllm-bench");
        }
        if (stream is not null)
        {
            if (stream.Number("avg_ttft_ms", errors) is double ttft) metrics.Add(new ServingMetric("ttft_mean", ttft / 1e3));
            if (stream.Number("avg_tpot_ms", errors) is double tpot) metrics.Add(new ServingMetric("tpot_mean", tpot / 1e3));
            if (stream.Object("ttft_percentiles") is { } tp_) Percentiles(tp_, "ttft", metrics, errors);
            if (stream.Object("tpot_percentiles") is { } pp_) Percentiles(pp_, "tpot", metrics, errors);
            stream.Ignore("token_output_speed_tok_s", "gen_tps_percentiles");
            stream.ReportUnknown(warnings, "trtllm-bench");
        }
        engine?.ReportUnknown(warnings, "trtllm-bench");
        world?.ReportUnknown(warnings, "trtllm-bench");
        req?.ReportUnknown(warnings, "trtllm-bench");
        j.ReportUnknown(warnings, "trtllm-bench");
        if (metrics.Count == 0) { errors.Add(new SpecError(j.File, j.Line, "performance", "trtllm-bench report without throughput or latency figures")); return null; }
        var (model, _) = modelId.Length > 0 ? ServingFiles.ModelName(modelId) : ("", null);
        var setup = new ServingSetup
        {
            Engine = "trtllm",
            EngineVersion = version,
            Offline = true,
            Model = model,
            Dtype = dtype,
            KvDtype = kv,
            Tp = tp,
            Pp = pp,
            Load = issueRate > 0 ? ServingLoad.Rate : ServingLoad.MaxThroughput,
            RequestRate = issueRate > 0 ? issueRate : double.PositiveInfinity,
            InputTokens = input,
            OutputTokens = output,
            NumPrompts = n,
            Settings = settings,
        };
        return new ServingRecord(j.File, j.Line, "trtllm-bench", setup, metrics, $"trtllm-bench report {Path.GetFileName(j.File)}");
    }

    /// <summary>A percentile dictionary {minimum, maximum, average, p50, p90, p95, p99} in milliseconds.</summary>
    private static void Percentiles(BenchJson pc, string metric, List<ServingMetric> metrics, List<SpecError> errors)
    {
        foreach (var (key, stat) in new[] { ("average", "mean"), ("p50", "median"), ("p90", "p90"), ("p95", "p95"), ("p99", "p99") })
            if (pc.Number(key, errors) is double v && double.IsFinite(v) && !metrics.Any(m => m.Name == $"{metric}_{stat}"))
                metrics.Add(new ServingMetric($"{metric}_{stat}", v / 1e3));
        pc.Ignore("minimum", "maximum");
    }
}
