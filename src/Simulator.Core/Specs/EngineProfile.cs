namespace Simulator.Core.Specs;

/// <summary>How an engine sizes its KV-cache pool from device memory.</summary>
public enum KvMemoryRule
{
    /// <summary>
    /// vLLM's <c>gpu_memory_utilization</c>: the engine may use <c>fraction</c> of the device's total memory; the KV cache
    /// gets what is left of it after weights and the activations of the largest step. KV = total × f − weights − activations.
    /// </summary>
    TotalMinusNonKv,
    /// <summary>
    /// SGLang's <c>mem_fraction_static</c>: weights and the KV pool together take <c>fraction</c> of total memory; activations
    /// and CUDA graphs live in the rest. KV = total × f − weights.
    /// </summary>
    StaticFraction,
    /// <summary>
    /// TensorRT-LLM's <c>free_gpu_memory_fraction</c>: the KV cache takes <c>fraction</c> of the memory still free after the
    /// weights and runtime buffers are allocated. KV = f × (total − weights − activations).
    /// </summary>
    FreeAfterWeights,
}

/// <summary>What KV-cache type an engine picks when the user does not name one (<c>--kv-cache-dtype auto</c>).</summary>
public enum KvDtypeRule
{
    /// <summary>The model's 16-bit type, whatever the checkpoint's weights (vLLM: <c>kv_cache_dtype = model dtype</c>).</summary>
    ModelDtype,
    /// <summary>
    /// What the checkpoint's quantization config says: an FP8 checkpoint (ModelOpt, <c>kv_cache_quant_algo: FP8</c>, as
    /// NVIDIA publishes them) gets an FP8 KV cache; others the model dtype (SGLang, TensorRT-LLM).
    /// </summary>
    Checkpoint,
}

/// <summary>How steps that carry prompt tokens run.</summary>
public enum PrefillGraphMode
{
    /// <summary>Eagerly: every kernel pays the device's launch overhead (TensorRT-LLM's PyTorch backend, SGLang by default).</summary>
    Eager,
    /// <summary>
    /// Piecewise CUDA graphs up to the largest captured size in tokens (vLLM's FULL_AND_PIECEWISE): a step of at most that
    /// many tokens is padded to the next captured size and its kernels pay the in-graph overhead; a larger step runs eagerly.
    /// </summary>
    Piecewise,
}

/// <summary>
/// A device-dependent override of an engine's defaults: the first tier whose conditions hold for the device applies
/// (vLLM: a 2,048-token budget below 70 GiB or on A100; SGLang: chunk size and graph batch by memory).
/// </summary>
/// <param name="BelowBytes">Applies to devices with less main memory than this (NaN: any memory).</param>
/// <param name="NameContains">Applies to devices whose profile name contains this text (null: any name).</param>
/// <param name="TokenBudget">Token budget per step in this tier (0: unchanged).</param>
/// <param name="MaxBatch">Most sequences per step in this tier (0: unchanged).</param>
/// <param name="GraphMaxBatch">Largest captured decode batch in this tier (0: unchanged).</param>
public sealed record EngineTier(double BelowBytes, string? NameContains, int TokenBudget, int MaxBatch, int GraphMaxBatch)
{
    /// <summary>Whether the tier applies to a device.</summary>
    public bool Matches(HardwareProfile device) =>
        (double.IsNaN(BelowBytes) || device.MemoryCapacityBytes < BelowBytes)
        && (NameContains is null || device.Name.Contains(NameContains, StringComparison.OrdinalIgnoreCase));
}

/// <summary>The engine's scheduler: policy (a registered scheduler of Simulator.Serving by name) and its limits.</summary>
/// <param name="Policy">static, continuous, chunked, no-evict or conservative (<see cref="EngineProfile.Policies"/>).</param>
/// <param name="MaxBatch">Most sequences per step (vLLM max_num_seqs, SGLang max_running_requests, TRT-LLM max_batch_size).</param>
/// <param name="TokenBudget">Most new tokens per step (max_num_batched_tokens, chunked_prefill_size, max_num_tokens).</param>
/// <param name="BlockSize">Tokens per KV block (page).</param>
/// <param name="Preemption">recompute or swap.</param>
/// <param name="Watermark">Fraction of KV blocks kept free when admitting.</param>
public sealed record EngineScheduler(string Policy, int MaxBatch, int TokenBudget, int BlockSize, string Preemption, double Watermark, string Source)
{
    /// <summary>
    /// SGLang's conservative admission (<c>schedule_conservativeness</c> 1.0): the starting ratio of a running request's
    /// remaining output that admission keeps free, the floor it decays to, and the decode steps the decay takes.
    /// </summary>
    public double NewTokenRatio { get; init; } = 0.7;
    /// <summary>Floor of the new-token ratio (SGLang: 0.7 × 0.14 = 0.098).</summary>
    public double MinNewTokenRatio { get; init; } = 0.098;
    /// <summary>Decode steps over which the ratio falls from its start to its floor (SGLang: 600).</summary>
    public int NewTokenRatioDecaySteps { get; init; } = 600;
    /// <summary>Output tokens a request counts for at most when admission estimates its future KV (SGLang: 4096).</summary>
    public int ClipMaxNewTokens { get; init; } = 4096;
}

/// <summary>How the engine sizes the KV pool and which KV type it picks.</summary>
/// <param name="Fraction">The rule's fraction of memory; NaN: computed by the engine (SGLang's auto rule).</param>
public sealed record EngineMemory(KvMemoryRule Rule, double Fraction, KvDtypeRule KvDtype, string Source)
{
    /// <summary>Source of the KV dtype rule.</summary>
    public string KvDtypeSource { get; init; } = "";
}

/// <summary>CUDA graphs: which decode batch sizes are captured, how prompt steps run, and the per-kernel cost inside a graph.</summary>
/// <param name="DecodeSizes">Captured decode batch sizes, ascending; a decode-only step is padded to the next one, a larger one runs eagerly. Empty: no graphs.</param>
/// <param name="Prefill">How steps carrying prompt tokens run.</param>
/// <param name="KernelOverheadSeconds">Per-kernel cost inside a graph (replaces the device's eager launch overhead).</param>
public sealed record EngineGraphs(IReadOnlyList<int> DecodeSizes, PrefillGraphMode Prefill, double KernelOverheadSeconds, string Source)
{
    /// <summary>Largest captured decode batch (0 without graphs).</summary>
    public int MaxSize => DecodeSizes.Count == 0 ? 0 : DecodeSizes[^1];

    /// <summary>
    /// Whether a decode batch between captured sizes is padded to the next one (vLLM, SGLang); without padding only a batch
    /// of exactly a captured size replays a graph and any other runs eagerly (TensorRT-LLM's enable_padding False).
    /// </summary>
    public bool Padding { get; init; } = true;

    /// <summary>
    /// The batch a decode-only step of <paramref name="sequences"/> sequences runs at in a graph, or 0 when it runs eagerly
    /// (no graph that large, or no exact size without padding). Allocation-free (binary search of the sorted sizes).
    /// </summary>
    public int GraphBatch(int sequences)
    {
        if (sequences < 1 || sequences > MaxSize) return 0;
        int lo = 0, hi = DecodeSizes.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (DecodeSizes[mid] >= sequences) hi = mid; else lo = mid + 1;
        }
        int size = DecodeSizes[lo];
        return size == sequences || Padding ? size : 0;
    }
}

/// <summary>
/// CPU time around the GPU work: per engine step (scheduling, input preparation, sampling, output processing: a fixed
/// part and a part per sequence), whether it overlaps the GPU (an overlap scheduler), and per request (API server,
/// tokenization before the engine sees it; detokenization and streaming after a token leaves it).
/// </summary>
public sealed record EngineOverheads(double StepSeconds, double StepPerRequestSeconds, bool Overlap, double RequestSeconds,
    double RequestPerPromptTokenSeconds, double ResponseSeconds, string Source)
{
    /// <summary>No overhead at all (the generic engine).</summary>
    public static EngineOverheads None { get; } = new(0, 0, false, 0, 0, 0, "");

    /// <summary>CPU seconds of a step with <paramref name="sequences"/> sequences.</summary>
    public double StepCpuSeconds(int sequences) => StepSeconds + StepPerRequestSeconds * sequences;

    /// <summary>Seconds from a request's arrival until the engine's scheduler sees it.</summary>
    public double IngressSeconds(int promptTokens) => RequestSeconds + RequestPerPromptTokenSeconds * promptTokens;
}

/// <summary>Multipliers on the device's kernel efficiencies for this engine's kernels, per operator class (1 = the device's own).</summary>
public sealed record EngineKernels(double Gemm, double Attention, double Memory, string Source)
{
    /// <summary>No change.</summary>
    public static EngineKernels Neutral { get; } = new(1, 1, 1, "");

    /// <summary>Whether any multiplier differs from 1.</summary>
    public bool Changes => Gemm != 1 || Attention != 1 || Memory != 1;
}

/// <summary>
/// A serving engine at a version, as <c>engine-profiles/ENGINE@VERSION.yaml</c> describes it: its scheduler and limits,
/// how it sizes and types the KV cache, its CUDA graphs, its CPU overheads and its kernels' efficiency. Every section
/// names its source. Resolved against a device with <see cref="ForDevice"/> (device-dependent defaults).
/// </summary>
public sealed record EngineProfile(string Engine, string Version, string DisplayName, string Source, EngineScheduler Scheduler, EngineMemory Memory,
    EngineGraphs Graphs, EngineOverheads Overheads, EngineKernels Kernels)
{
    /// <summary>Scheduler policies a profile may name; each is registered in Simulator.Serving's scheduler registry.</summary>
    public static readonly IReadOnlyList<string> Policies = ["static", "continuous", "chunked", "no-evict", "conservative"];

    /// <summary>The name outputs give the engine when no profile is given.</summary>
    public const string GenericName = "generic";

    /// <summary>What the generic engine (no profile) assumes, in words: every output that has no engine says this.</summary>
    public const string GenericDescription = "engine generic (no --engine): kernels launched one by one (no CUDA graphs), no CPU time per step, no API-server overheads, "
        + "KV pool 90% of memory less weights and activations; --engine vllm|sglang|trtllm[@VERSION] models a real engine";

    /// <summary>Device-dependent overrides, first match wins.</summary>
    public IReadOnlyList<EngineTier> Tiers { get; init; } = [];

    /// <summary>
    /// Which of the engine's execution paths the profile describes, where an engine has several (TensorRT-LLM: pytorch,
    /// the default since 1.0, or tensorrt-engine, the compiled-engine flow of 0.x); empty when it has one.
    /// </summary>
    public string Backend { get; init; } = "";

    /// <summary>
    /// Whether the engine caches prompt prefixes by default (vLLM's hashed blocks, SGLang's radix tree, TensorRT-LLM's
    /// block reuse); null when the profile does not say. Data for the prefix-cache mechanism (not simulated on this branch):
    /// a replica's prefix-caching switch takes its default from here.
    /// </summary>
    public bool? PrefixCaching { get; init; }

    /// <summary>Where <see cref="PrefixCaching"/> comes from.</summary>
    public string PrefixCachingSource { get; init; } = "";

    /// <summary>The file the profile was read from (null when built in code).</summary>
    public string? FilePath { get; init; }

    /// <summary>What the profile's numbers were calibrated from, when a calibration wrote it (null: as read from sources).</summary>
    public string? Calibration { get; init; }

    /// <summary><c>engine@version</c>.</summary>
    public string Name => $"{Engine}@{Version}";

    /// <summary>
    /// Whether the engine runs on <paramref name="device"/> at all, and what the profile does not describe there.
    /// TensorRT-LLM runs on NVIDIA GPUs only. vLLM and SGLang profiles describe their CUDA/ROCm builds: on NVIDIA and AMD
    /// GPUs they apply; on other devices the engine runs a separate backend (vLLM's TPU, Gaudi and CPU backends) whose
    /// graphs and kernels the profile does not describe, which the caveat says.
    /// </summary>
    /// <returns>Null when supported as described; otherwise (Supported, Why).</returns>
    public (bool Supported, string Why)? Support(HardwareProfile device)
    {
        bool gpu = device.Kind == DeviceKind.Gpu;
        string vendor = device.Vendor.ToUpperInvariant();
        if (Engine == "trtllm")
            return gpu && vendor == "NVIDIA" ? null : (false, $"TensorRT-LLM runs on NVIDIA GPUs only; {device.Name} is a {device.Kind.ToString().ToLowerInvariant()} by {device.Vendor}");
        if (gpu && vendor is "NVIDIA" or "AMD") return null;
        return (true, $"{Name} describes the engine's CUDA/ROCm build; on {device.Name} ({device.Kind.ToString().ToLowerInvariant()}, {device.Vendor}) it runs another backend whose graphs, kernels and overheads the profile does not describe (the figures assume the GPU build)");
    }

    /// <summary>
    /// The profile with its device-dependent defaults applied: the first tier that matches the device sets the token
    /// budget, batch limit and largest captured graph batch (graph sizes above it are dropped).
    /// </summary>
    public EngineProfile ForDevice(HardwareProfile device)
    {
        var tier = Tiers.FirstOrDefault(t => t.Matches(device));
        if (tier is null) return this with { Tiers = [] };
        var s = Scheduler with
        {
            TokenBudget = tier.TokenBudget > 0 ? tier.TokenBudget : Scheduler.TokenBudget,
            MaxBatch = tier.MaxBatch > 0 ? tier.MaxBatch : Scheduler.MaxBatch,
        };
        var g = tier.GraphMaxBatch > 0 ? Graphs with { DecodeSizes = Graphs.DecodeSizes.Where(x => x <= tier.GraphMaxBatch).ToArray() } : Graphs;
        return this with { Scheduler = s, Graphs = g, Tiers = [] };
    }

    /// <summary>
    /// The KV-cache type this engine runs a checkpoint with. When the user named the KV type (<paramref name="kvGiven"/>, a
    /// <c>kv..</c> part in the quantization name) it stands. Otherwise the engine's rule decides: under
    /// <see cref="KvDtypeRule.Checkpoint"/> an FP8 checkpoint (FP8 weights and activations: an NVIDIA ModelOpt checkpoint whose
    /// quantization config carries <c>kv_cache_quant_algo: FP8</c>) gets an FP8 KV cache; under
    /// <see cref="KvDtypeRule.ModelDtype"/> the KV cache keeps the model's 16-bit type. Returns the scheme and, when the
    /// engine changed it, a sentence saying so.
    /// </summary>
    public (QuantizationScheme Scheme, string? Note) ResolveKvCache(QuantizationScheme scheme, bool kvGiven)
    {
        if (kvGiven || Memory.KvDtype != KvDtypeRule.Checkpoint) return (scheme, null);
        if (scheme.Weights != DataType.Fp8 || scheme.Activations != DataType.Fp8 || scheme.KvCache == DataType.Fp8) return (scheme, null);
        var kv = scheme with { Name = scheme.Name + "kv8", KvCache = DataType.Fp8 };
        return (kv, $"{Name}: an FP8 checkpoint runs with an FP8 KV cache (kv_cache_dtype auto follows the checkpoint's kv_cache_quant_algo); name the KV type in --quant (fp8kv16) to override");
    }

    /// <summary>Whether a quantization name states its KV-cache type (<c>fp8kv8</c>, <c>w4a16kv16</c>).</summary>
    public static bool NamesKvType(string? quantName) => quantName is not null && quantName.Contains("kv", StringComparison.OrdinalIgnoreCase);
}
