using System.Globalization;
using System.Text.RegularExpressions;
using Simulator.Core.Loading;

namespace Simulator.Validation;

/// <summary>
/// Reads serving-benchmark results as <see cref="ServingRecord"/>s, whatever wrote them: <c>vllm bench serve
/// --save-result</c> JSON (with <c>--save-detailed</c> arrays when present; <c>--append-result</c> files hold one object
/// per line), SGLang <c>bench_serving</c> JSONL, <c>trtllm-bench --report_json</c>, NVIDIA AIPerf
/// (<c>profile_export_aiperf.json</c>) and GenAI-Perf (<c>*_genai_perf.json</c>) exports, and the project's serving CSV
/// (validation/measured/published/serving). The format is recognised from the content. Fields a reader does not know are
/// reported as warnings and skipped; a run whose setup cannot be completed (no GPU named, say) is a problem that names the
/// file, the line and what to give.
/// </summary>
public static partial class ServingFiles
{
    /// <summary>Formats recognised.</summary>
    public static readonly string[] Formats = ["vllm", "sglang", "trtllm-bench", "aiperf", "genai-perf", "csv"];

    /// <summary>Whether a CSV file is in the serving schema (its header names engine and mode), as opposed to the kernel-level measured schema.</summary>
    public static bool IsServingCsv(string path)
    {
        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return false;
        string? header = File.ReadLines(path).FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        return header is not null && ServingCsv.LooksLikeHeader(header);
    }

    /// <summary>Whether a file is a serving result (JSON/JSONL of any supported tool, or a serving CSV).</summary>
    public static bool IsServingFile(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || IsServingCsv(path);

    /// <summary>Reads one file; <paramref name="hints"/> fill in what the file does not record.</summary>
    public static ServingReadResult Read(string path, ServingHints? hints = null)
    {
        hints ??= ServingHints.None;
        var errors = new List<SpecError>();
        var warnings = new List<string>();
        string? text = SpecFiles.ReadText(path, errors);
        if (text is null) return new ServingReadResult([], errors, warnings);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            var csv = ServingCsv.Parse(path, text, warnings, errors);
            return new ServingReadResult(csv.Select(r => Complete(r, hints, errors)).OfType<ServingRecord>().ToList(), errors, warnings);
        }
        var records = new List<ServingRecord>();
        var objects = BenchJson.Objects(text);
        if (objects.Count == 0) errors.Add(new SpecError(path, 1, "", "no JSON object found; expected a serving benchmark result (vllm bench serve, sglang bench_serving, trtllm-bench, AIPerf or GenAI-Perf)"));
        foreach (var (offset, length) in objects)
        {
            var j = BenchJson.Parse(path, text, offset, length, errors);
            if (j is null) continue;
            ServingRecord? r = Detect(j) switch
            {
                "trtllm-bench" => TrtllmBenchReader.Read(j, errors, warnings),
                "aiperf" => AiperfReader.Read(j, "aiperf", errors, warnings),
                "genai-perf" => AiperfReader.Read(j, "genai-perf", errors, warnings),
                "sglang" => VllmBenchReader.Read(j, sglang: true, errors, warnings),
                "vllm" => VllmBenchReader.Read(j, sglang: false, errors, warnings),
                _ => null,
            };
            if (r is null && Detect(j) is null)
                errors.Add(new SpecError(path, j.Line, "", $"not a result format llmsim reads ({string.Join(", ", Formats.Take(5))}); top-level keys: {string.Join(", ", j.Keys().Take(8))}"));
            if (r is not null && Complete(r, hints, errors) is { } done) records.Add(done);
        }
        return new ServingReadResult(records, errors, warnings);
    }

    /// <summary>Reads several files (comma-separated on the command line), problems and warnings together.</summary>
    public static ServingReadResult ReadAll(IEnumerable<string> paths, ServingHints? hints = null)
    {
        var records = new List<ServingRecord>();
        var errors = new List<SpecError>();
        var warnings = new List<string>();
        foreach (var p in paths)
        {
            var r = Read(p, hints);
            records.AddRange(r.Records);
            errors.AddRange(r.Problems);
            warnings.AddRange(r.Warnings);
        }
        return new ServingReadResult(records, errors, warnings);
    }

    /// <summary>The format of one parsed object, from the keys only that format writes; null when none matches.</summary>
    internal static string? Detect(BenchJson j)
    {
        var r = j.Root;
        bool Has(string k) => r.TryGetProperty(k, out _);
        if (Has("performance") && (Has("world_info") || Has("request_info") || Has("engine"))) return "trtllm-bench";
        if (Has("time_to_first_token") || Has("request_latency") || Has("inter_token_latency"))
            return Has("was_cancelled") || Has("error_summary") || Has("start_time") ? "aiperf" : "genai-perf";
        if (Has("mean_e2e_latency_ms") || Has("total_output_tokens_retokenized") || Has("total_input_text_tokens")) return "sglang";
        if (Has("mean_ttft_ms") || Has("request_throughput") && (Has("model_id") || Has("tokenizer_id") || Has("endpoint_type"))) return "vllm";
        return null;
    }

    /// <summary>Fills what the record lacks from the hints; a run still missing its GPU or model is a problem (null).</summary>
    private static ServingRecord? Complete(ServingRecord r, ServingHints h, List<SpecError> errors)
    {
        var s = r.Setup;
        s = s with
        {
            Device = s.Device.Length > 0 ? s.Device : h.Device ?? "",
            Model = s.Model.Length > 0 ? s.Model : h.Model ?? "",
            Dtype = s.Dtype.Length > 0 ? s.Dtype : h.Dtype ?? "",
            Tp = s.Tp > 0 ? s.Tp : h.Tp ?? 1,
            Engine = s.Engine.Length > 0 ? s.Engine : h.Engine is { } e ? e.Split('@')[0] : "",
            EngineVersion = s.EngineVersion.Length > 0 ? s.EngineVersion : h.Engine is { } ev && ev.Contains('@') ? ev.Split('@', 2)[1] : "",
            Offline = h.Offline ?? s.Offline,
        };
        var missing = new List<string>();
        if (s.Device.Length == 0) missing.Add("which GPU ran it (give --hardware, or --metadata hardware=NAME when benchmarking)");
        if (s.Model.Length == 0) missing.Add("which model (give --model)");
        if (!(s.InputTokens > 0) || !(s.OutputTokens > 0)) missing.Add("the prompt and output lengths");
        if (missing.Count > 0)
        {
            errors.Add(new SpecError(r.File, r.Line, "", $"{r.Format} result: the file does not say {string.Join("; nor ", missing)}"));
            return null;
        }
        return r with { Setup = s };
    }

    // ------------------------------------------------------------------ shared helpers for the readers

    [GeneratedRegex(@"^(mistral-7b)-v\d+(\.\d+)?$")]
    private static partial Regex MistralReleaseRegex();

    private static Regex MistralRelease() => MistralReleaseRegex();

    [GeneratedRegex(@"^(mean|median|std|p\d+(\.\d+)?)_(ttft|tpot|itl|e2el|e2e_latency)_ms$")]
    internal static partial Regex LatencyKey();

    /// <summary>The engine a benchmark's backend or engine field names (vllm, sglang, trtllm), or empty.</summary>
    public static string EngineOf(string? text)
    {
        string t = (text ?? "").Trim().ToLowerInvariant();
        if (t.Contains("sglang")) return "sglang";
        if (t.Contains("vllm")) return "vllm";
        if (t.Contains("trt") || t.Contains("tensorrt")) return "trtllm";
        return "";
    }

    /// <summary>
    /// A Hugging Face model id as a spec name: the part after the organisation, lower case, without a leading "meta-" and
    /// without suffixes that name a fine-tune or a checkpoint format (-instruct, -chat, -hf, -fp8, -fp8-dynamic, -awq, ...);
    /// the quantization such a suffix implies is returned with it. Llama-3.3-70B is the Llama-3.1-70B architecture.
    /// </summary>
    public static (string Name, string? Dtype) ModelName(string id)
    {
        string s = id.Trim().TrimEnd('/');
        s = s[(s.LastIndexOf('/') + 1)..].ToLowerInvariant();
        if (s.StartsWith("meta-", StringComparison.Ordinal)) s = s["meta-".Length..];
        string? dtype = null;
        string[] formats = ["-fp8-dynamic", "-fp8-kv", "-fp8", "-awq", "-gptq", "-w4a16", "-w8a8", "-int4", "-int8", "-fp4", "-nvfp4"];
        string[] tunes = ["-instruct", "-chat", "-hf", "-it", "-base"];
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var f in formats)
                if (s.EndsWith(f, StringComparison.Ordinal))
                {
                    dtype ??= f switch { "-fp8-dynamic" or "-fp8-kv" or "-fp8" => "fp8", "-awq" => "awq", "-gptq" => "gptq", "-w4a16" or "-int4" => "w4a16", "-w8a8" or "-int8" => "w8a8", _ => null };
                    s = s[..^f.Length];
                    changed = true;
                }
            foreach (var t in tunes)
                if (s.EndsWith(t, StringComparison.Ordinal)) { s = s[..^t.Length]; changed = true; }
        }
        // Mistral names its releases -v0.1, -v0.2, ...: the spec is the architecture.
        s = MistralRelease().Replace(s, "$1");
        if (s == "llama-3.3-70b") s = "llama-3.1-70b";
        return (s, dtype);
    }

    /// <summary>A quantization name for a dtype as benchmarks write it (bfloat16, float16, FP8, None), or empty.</summary>
    public static string DtypeName(string? dtype, string? quantization = null)
    {
        string q = (quantization ?? "").Trim().ToLowerInvariant();
        if (q.Contains("fp8")) return "fp8";
        if (q.Contains("fp4")) return "fp4";
        if (q.Contains("awq")) return "awq";
        if (q.Contains("gptq")) return "gptq";
        if (q.Contains("w4a16") || q.Contains("int4")) return "w4a16";
        if (q.Contains("w8a8") || q == "int8") return "w8a8";
        return (dtype ?? "").Trim().ToLowerInvariant() switch
        {
            "bfloat16" or "bf16" => "bf16",
            "float16" or "fp16" or "half" => "fp16",
            "fp8" or "float8" => "fp8",
            _ => "",
        };
    }

    /// <summary>Seconds from a value and its unit (ms, us, ns, s, sec).</summary>
    internal static double? Seconds(double value, string? unit) => (unit ?? "ms").Trim().ToLowerInvariant() switch
    {
        "ms" => value / 1e3,
        "us" or "µs" => value / 1e6,
        "ns" => value / 1e9,
        "s" or "sec" or "seconds" => value,
        _ => null,
    };

    internal static string Inv(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
