using System.Globalization;
using System.Text;
using Simulator.Core.Specs;

namespace Simulator.Core.Loading;

/// <summary>Writes an engine profile as YAML that <see cref="EngineProfileReader"/> reads back to an equal profile (a calibrated profile, say).</summary>
public static class EngineProfileWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The YAML text; <paramref name="header"/> lines become comments at the top.</summary>
    public static string ToYaml(EngineProfile p, IEnumerable<string>? header = null)
    {
        var w = new StringBuilder();
        foreach (var h in header ?? []) w.Append("# ").Append(h.Replace('\n', ' ')).Append('\n');
        w.Append($"engine: {p.Engine}\n");
        w.Append($"version: {Q(p.Version)}\n");
        if (p.Backend.Length > 0) w.Append($"backend: {p.Backend}\n");
        w.Append($"display_name: {Q(p.DisplayName)}\n");
        w.Append($"source: {Q(p.Source)}\n");
        if (p.Calibration is { } c) w.Append($"calibration: {Q(c)}\n");
        var s = p.Scheduler;
        w.Append("scheduler:\n");
        w.Append($"  policy: {s.Policy}\n  max_batch: {s.MaxBatch}\n  token_budget: {s.TokenBudget}\n  block_size: {s.BlockSize}\n  preemption: {s.Preemption}\n  watermark: {N(s.Watermark)}\n");
        if (s.Policy == "conservative")
            w.Append($"  new_token_ratio: {N(s.NewTokenRatio)}\n  min_new_token_ratio: {N(s.MinNewTokenRatio)}\n  new_token_ratio_decay_steps: {s.NewTokenRatioDecaySteps}\n  clip_max_new_tokens: {s.ClipMaxNewTokens}\n");
        w.Append($"  source: {Q(s.Source)}\n");
        if (p.Tiers.Count > 0)
        {
            w.Append("tiers:\n");
            foreach (var t in p.Tiers)
            {
                var parts = new List<string>();
                if (!double.IsNaN(t.BelowBytes)) parts.Add($"below: {N(t.BelowBytes / (1L << 30))} GiB");
                if (t.NameContains is { } n) parts.Add($"name_contains: {Q(n)}");
                if (t.TokenBudget > 0) parts.Add($"token_budget: {t.TokenBudget}");
                if (t.MaxBatch > 0) parts.Add($"max_batch: {t.MaxBatch}");
                if (t.GraphMaxBatch > 0) parts.Add($"graph_max_batch: {t.GraphMaxBatch}");
                w.Append("  - {").Append(string.Join(", ", parts)).Append("}\n");
            }
        }
        var m = p.Memory;
        string rule = m.Rule switch { KvMemoryRule.StaticFraction => "static-fraction", KvMemoryRule.FreeAfterWeights => "free-after-weights", _ => "total-minus-non-kv" };
        w.Append($"memory:\n  rule: {rule}\n  fraction: {(double.IsNaN(m.Fraction) ? "auto" : N(m.Fraction))}\n  kv_cache_dtype: {(m.KvDtype == KvDtypeRule.Checkpoint ? "checkpoint" : "model")}\n");
        if (m.KvDtypeSource.Length > 0) w.Append($"  kv_cache_dtype_source: {Q(m.KvDtypeSource)}\n");
        w.Append($"  source: {Q(m.Source)}\n");
        var g = p.Graphs;
        w.Append($"cuda_graphs:\n  decode_sizes: [{string.Join(", ", g.DecodeSizes)}]\n");
        if (!g.Padding) w.Append("  padding: false\n");
        w.Append($"  prefill: {(g.Prefill == PrefillGraphMode.Piecewise ? "piecewise" : "eager")}\n");
        if (g.DecodeSizes.Count > 0) w.Append($"  kernel_overhead: {T(g.KernelOverheadSeconds)}\n");
        w.Append($"  source: {Q(g.Source)}\n");
        var o = p.Overheads;
        w.Append($"overheads:\n  step: {T(o.StepSeconds)}\n  step_per_request: {T(o.StepPerRequestSeconds)}\n  overlap: {(o.Overlap ? "true" : "false")}\n");
        w.Append($"  request: {T(o.RequestSeconds)}\n  request_per_prompt_token: {T(o.RequestPerPromptTokenSeconds)}\n  response: {T(o.ResponseSeconds)}\n  source: {Q(o.Source.Length > 0 ? o.Source : "none")}\n");
        if (p.PrefixCaching is bool pcOn) w.Append($"prefix_caching:\n  enabled: {(pcOn ? "true" : "false")}\n  source: {Q(p.PrefixCachingSource)}\n");
        var k = p.Kernels;
        w.Append($"kernel_efficiency:\n  gemm: {N(k.Gemm)}\n  attention: {N(k.Attention)}\n  memory: {N(k.Memory)}\n  source: {Q(k.Source.Length > 0 ? k.Source : "the device's own efficiencies")}\n");
        return w.ToString();
    }

    private static string N(double v) => v.ToString("0.####", Inv);

    /// <summary>A time in microseconds with its unit (exact enough for any overhead: 0.001 us).</summary>
    private static string T(double seconds) => (seconds * 1e6).ToString("0.###", Inv) + " us";

    /// <summary>A double-quoted YAML scalar.</summary>
    private static string Q(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", " ") + "\"";
}
