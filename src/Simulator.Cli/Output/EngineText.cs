using System.Globalization;
using Simulator.Core.Specs;
using F = Simulator.Core.Units.Format;

namespace Simulator.Cli.Output;

/// <summary>How an engine profile is described in every verb's output (one line, the same words everywhere).</summary>
public static class EngineText
{
    /// <summary>The rule's name as profiles write it.</summary>
    public static string MemoryRule(KvMemoryRule rule) => rule switch
    {
        KvMemoryRule.StaticFraction => "static-fraction",
        KvMemoryRule.FreeAfterWeights => "free-after-weights",
        _ => "total-minus-non-kv",
    };

    /// <summary>The name outputs give the engine when no --engine is given.</summary>
    public const string GenericName = EngineProfile.GenericName;

    /// <summary>What the generic engine assumes, in words (printed where an engine's summary would be).</summary>
    public const string Generic = EngineProfile.GenericDescription;

    /// <summary>
    /// <c>engine trtllm@1.0 (TensorRT-LLM ...): no-evict scheduler, max batch 2048, 8,192 tokens per step; KV cache fp8
    /// (free-after-weights 0.9); decode in CUDA graphs (1..128, exact sizes), prompts eager; CPU 1 ms + 5 us per sequence
    /// per step, overlapped; requests +3 ms</c>. <paramref name="offline"/>: the API server's per-request overheads are left out.
    /// </summary>
    public static string Summary(EngineProfile e, QuantizationScheme quant, bool offline)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = e.Scheduler;
        string fraction = double.IsNaN(e.Memory.Fraction) ? "auto" : e.Memory.Fraction.ToString("0.###", inv);
        string graphs = e.Graphs.DecodeSizes.Count == 0
            ? "no CUDA graphs"
            : $"decode in CUDA graphs ({e.Graphs.DecodeSizes[0]}..{e.Graphs.MaxSize}, {(e.Graphs.Padding ? "padded to the next captured size" : "exact sizes only")}), prompts {(e.Graphs.Prefill == PrefillGraphMode.Piecewise ? "in piecewise graphs" : "eager")}";
        var o = e.Overheads;
        string cpu = $"CPU {F.Seconds(o.StepSeconds)} + {F.Seconds(o.StepPerRequestSeconds)} per sequence per step{(o.Overlap ? ", overlapped with the GPU" : "")}";
        string requests = offline ? "offline: no API-server overheads" : $"requests +{F.Seconds(o.RequestSeconds)} before the engine, +{F.Seconds(o.ResponseSeconds)} per token to the client";
        return $"engine {e.Name} ({e.DisplayName}): {s.Policy} scheduler, max batch {s.MaxBatch.ToString("N0", inv)}, {s.TokenBudget.ToString("N0", inv)} tokens per step, "
            + $"KV blocks of {s.BlockSize}; KV cache {quant.KvCache.Name()} ({MemoryRule(e.Memory.Rule)} {fraction}); {graphs}; {cpu}; {requests}"
            + (e.PrefixCaching is bool pc ? $"; prefix caching {(pc ? "on" : "off")} by default" : "; prefix caching off (the profile does not say; --prefix-caching on to change)");
    }
}
