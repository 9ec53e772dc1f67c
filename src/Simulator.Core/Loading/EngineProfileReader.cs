using System.Globalization;
using Simulator.Core.Specs;
using Simulator.Core.Units;

namespace Simulator.Core.Loading;

/// <summary>Reads engine profiles (<c>engine-profiles/ENGINE@VERSION.yaml</c>, format in docs/FORMATS.md).</summary>
public static class EngineProfileReader
{
    /// <summary>Engines a profile may describe.</summary>
    public static readonly IReadOnlyList<string> Engines = ["vllm", "sglang", "trtllm"];

    /// <summary>Most captured graph sizes a list may expand to (a typo such as 1-100000/1 is refused, not expanded).</summary>
    public const int MaxGraphSizes = 4096;

    /// <summary>Loads a profile file; problems name the file, line and field.</summary>
    public static Loaded<EngineProfile> Load(string path)
    {
        var errors = new List<SpecError>();
        var text = SpecFiles.ReadText(path, errors);
        var r = text is null ? null : YamlFieldReader.Open(path, text, errors);
        if (r is null) return new Loaded<EngineProfile>(null, errors);
        var value = Read(r, errors);
        if (value is not null)
        {
            string stem = Path.GetFileNameWithoutExtension(path);
            // A file in the library is found by name, so ENGINE@VERSION must be its name; a file given by path may be called anything.
            if (stem.Contains('@') && !string.Equals(stem, value.Name, StringComparison.OrdinalIgnoreCase))
                errors.Add(new SpecError(path, r.LineOfKey("version"), "version", $"the file is called '{stem}' but describes {value.Name}; name it {value.Name}.yaml"));
            value = value with { FilePath = path };
        }
        return new Loaded<EngineProfile>(errors.Count == 0 ? value : null, errors);
    }

    /// <summary>Reads a profile from its top-level mapping.</summary>
    public static EngineProfile? Read(YamlFieldReader r, List<SpecError> errors)
    {
        int before = errors.Count;
        string? engine = r.Str("engine", required: true);
        if (engine is not null && !Engines.Contains(engine))
            r.Error("engine", $"unknown engine '{engine}'; expected one of {string.Join(", ", Engines)}.{NameMatcher.Suggest(engine, Engines)}");
        string? version = r.Str("version", required: true);
        string display = r.Str("display_name") ?? $"{engine} {version}";
        string? source = r.Str("source", required: true);
        string? calibration = r.Str("calibration");
        string backend = r.Str("backend") ?? "";
        r.Ignore("notes");

        var sm = r.Map("scheduler", required: true);
        EngineScheduler? scheduler = sm is null ? null : ReadScheduler(sm);
        var mm = r.Map("memory", required: true);
        EngineMemory? memory = mm is null ? null : ReadMemory(mm);
        var gm = r.Map("cuda_graphs");
        EngineGraphs graphs = gm is null ? new EngineGraphs([], PrefillGraphMode.Eager, 0, "no CUDA graphs") : ReadGraphs(gm);
        var om = r.Map("overheads");
        EngineOverheads overheads = om is null ? EngineOverheads.None : ReadOverheads(om);
        var km = r.Map("kernel_efficiency");
        EngineKernels kernels = km is null ? EngineKernels.Neutral : ReadKernels(km);
        var tiers = r.MapList("tiers").Select(ReadTier).ToList();
        bool? prefix = null;
        string prefixSource = "";
        if (r.Map("prefix_caching") is { } pc)
        {
            prefix = pc.Bool("enabled");
            if (prefix is null) pc.Error("enabled", "required: true or false");
            prefixSource = pc.Str("source", required: true) ?? "";
            pc.Finish();
        }
        r.Finish();
        if (errors.Count > before || engine is null || version is null || source is null || scheduler is null || memory is null) return null;
        return new EngineProfile(engine, version, display, source, scheduler, memory, graphs, overheads, kernels) { Tiers = tiers, Calibration = calibration, Backend = backend, PrefixCaching = prefix, PrefixCachingSource = prefixSource };
    }

    private static EngineScheduler? ReadScheduler(YamlFieldReader m)
    {
        string? policy = m.Str("policy", required: true);
        if (policy is not null && !EngineProfile.Policies.Contains(policy))
        {
            m.Error("policy", $"unknown scheduler policy '{policy}'; expected one of {string.Join(", ", EngineProfile.Policies)}.{NameMatcher.Suggest(policy, EngineProfile.Policies)}");
            policy = null;
        }
        long? maxBatch = m.Int("max_batch", required: true, max: 1_000_000);
        long? budget = m.Int("token_budget", required: true, max: 100_000_000);
        long? block = m.Int("block_size", required: true, max: 4096);
        string preemption = m.Str("preemption") ?? "recompute";
        if (preemption is not ("recompute" or "swap")) { m.Error("preemption", $"expected recompute or swap, got '{preemption}'"); preemption = "recompute"; }
        double watermark = m.Number("watermark", min: 0, max: 0.5) ?? 0;
        double ratio = m.Number("new_token_ratio", min: 0, max: 1) ?? 0.7;
        double minRatio = m.Number("min_new_token_ratio", min: 0, max: 1) ?? ratio * 0.14;
        long decay = m.Int("new_token_ratio_decay_steps", max: 10_000_000) ?? 600;
        long clip = m.Int("clip_max_new_tokens", max: 100_000_000) ?? 4096;
        string? source = m.Str("source", required: true);
        m.Finish();
        if (policy is null || maxBatch is null || budget is null || block is null || source is null) return null;
        if (minRatio > ratio) m.Error("min_new_token_ratio", $"{minRatio} is above new_token_ratio {ratio}");
        return new EngineScheduler(policy, (int)maxBatch, (int)budget, (int)block, preemption, watermark, source)
        {
            NewTokenRatio = ratio,
            MinNewTokenRatio = minRatio,
            NewTokenRatioDecaySteps = (int)decay,
            ClipMaxNewTokens = (int)clip,
        };
    }

    private static EngineMemory? ReadMemory(YamlFieldReader m)
    {
        string? ruleText = m.Str("rule", required: true);
        KvMemoryRule? rule = ruleText switch
        {
            "total-minus-non-kv" => KvMemoryRule.TotalMinusNonKv,
            "static-fraction" => KvMemoryRule.StaticFraction,
            "free-after-weights" => KvMemoryRule.FreeAfterWeights,
            null => null,
            _ => null,
        };
        if (ruleText is not null && rule is null)
            m.Error("rule", $"expected total-minus-non-kv (vLLM), static-fraction (SGLang) or free-after-weights (TensorRT-LLM), got '{ruleText}'");
        double fraction = double.NaN;
        string? f = m.RawText("fraction");
        if (f is "auto") m.Ignore("fraction");
        else
        {
            double? v = m.Number("fraction", required: true, min: 0.01, max: 1);
            if (v is double d) fraction = d;
        }
        if (double.IsNaN(fraction) && f is "auto" && rule != KvMemoryRule.StaticFraction)
            m.Error("fraction", "'auto' is SGLang's computed mem_fraction_static; the other rules need a number");
        string? kvText = m.Str("kv_cache_dtype", required: true);
        KvDtypeRule kv = KvDtypeRule.ModelDtype;
        if (kvText is "checkpoint") kv = KvDtypeRule.Checkpoint;
        else if (kvText is not null and not "model") m.Error("kv_cache_dtype", $"expected model (the model's 16-bit type) or checkpoint (FP8 checkpoints get an FP8 KV cache), got '{kvText}'");
        string kvSource = m.Str("kv_cache_dtype_source") ?? "";
        string? source = m.Str("source", required: true);
        m.Finish();
        if (rule is null || source is null) return null;
        return new EngineMemory(rule.Value, fraction, kv, source) { KvDtypeSource = kvSource };
    }

    private static EngineGraphs ReadGraphs(YamlFieldReader m)
    {
        var sizes = new SortedSet<int>();
        int i = 0;
        foreach (var (value, line) in m.Scalars("decode_sizes"))
        {
            if (!TryExpand(value, sizes, out string? error)) m.ErrorAt($"decode_sizes[{i}]", line, error!);
            i++;
        }
        string prefillText = m.Str("prefill") ?? "eager";
        var prefill = PrefillGraphMode.Eager;
        if (prefillText == "piecewise") prefill = PrefillGraphMode.Piecewise;
        else if (prefillText != "eager") m.Error("prefill", $"expected eager or piecewise, got '{prefillText}'");
        double overhead = m.Quantity("kernel_overhead", QuantityKind.Time, required: sizes.Count > 0, max: QuantityChecks.MaxLatency, allowZero: true) ?? 0;
        bool padding = m.Bool("padding") ?? true;
        string source = m.Str("source", required: true) ?? "";
        m.Finish();
        return new EngineGraphs(sizes.ToArray(), prefill, overhead, source) { Padding = padding };
    }

    /// <summary>Adds one list item to <paramref name="sizes"/>: a batch size (<c>8</c>) or a range <c>A-B/S</c> (A, A+S, ..., up to B).</summary>
    public static bool TryExpand(string item, SortedSet<int> sizes, out string? error)
    {
        error = null;
        string s = item.Trim();
        var inv = CultureInfo.InvariantCulture;
        if (int.TryParse(s, NumberStyles.None, inv, out int n))
        {
            if (n < 1 || n > 1_000_000) { error = $"batch size {n} is outside 1..1,000,000"; return false; }
            sizes.Add(n);
            return true;
        }
        var parts = s.Split('/', 2);
        var ends = parts[0].Split('-', 2);
        if (parts.Length != 2 || ends.Length != 2 || !int.TryParse(ends[0], NumberStyles.None, inv, out int a) || !int.TryParse(ends[1], NumberStyles.None, inv, out int b)
            || !int.TryParse(parts[1], NumberStyles.None, inv, out int step))
        {
            error = $"'{item}' is neither a batch size nor a range such as 8-512/8 (8, 16, ..., 512)";
            return false;
        }
        if (a < 1 || b < a || step < 1 || b > 1_000_000 || (b - a) / step + 1 > MaxGraphSizes)
        {
            error = $"range '{item}' must run upwards from at least 1 with a positive step, at most {MaxGraphSizes} sizes up to 1,000,000";
            return false;
        }
        for (int x = a; x <= b; x += step) sizes.Add(x);
        return true;
    }

    private static EngineOverheads ReadOverheads(YamlFieldReader m)
    {
        double T(string key) => m.Quantity(key, QuantityKind.Time, max: 60, allowZero: true) ?? 0;
        double step = T("step"), perRequest = T("step_per_request"), request = T("request"), perToken = T("request_per_prompt_token"), response = T("response");
        bool overlap = m.Bool("overlap") ?? false;
        string source = m.Str("source", required: true) ?? "";
        m.Finish();
        return new EngineOverheads(step, perRequest, overlap, request, perToken, response, source);
    }

    private static EngineKernels ReadKernels(YamlFieldReader m)
    {
        double gemm = m.Number("gemm", min: 0.05, max: 2) ?? 1;
        double attention = m.Number("attention", min: 0.05, max: 2) ?? 1;
        double memory = m.Number("memory", min: 0.05, max: 2) ?? 1;
        string source = m.Str("source", required: true) ?? "";
        m.Finish();
        return new EngineKernels(gemm, attention, memory, source);
    }

    private static EngineTier ReadTier(YamlFieldReader m)
    {
        double below = m.Quantity("below", QuantityKind.Bytes, max: QuantityChecks.MaxBytes) ?? double.NaN;
        string? name = m.Str("name_contains");
        if (double.IsNaN(below) && name is null) m.Error("below", "a tier needs a condition: below (device memory) or name_contains");
        int budget = (int)(m.Int("token_budget", max: 100_000_000) ?? 0);
        int batch = (int)(m.Int("max_batch", max: 1_000_000) ?? 0);
        int graph = (int)(m.Int("graph_max_batch", max: 1_000_000) ?? 0);
        m.Ignore("note");
        m.Finish();
        return new EngineTier(below, name, budget, batch, graph);
    }
}
