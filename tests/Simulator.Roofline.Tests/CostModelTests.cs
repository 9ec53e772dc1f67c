using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

/// <summary>The cost model against hand arithmetic: FLOP counts, bytes, bounds, and parallel splits.</summary>
public class CostModelTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static Deployment Deploy(string model, string hw = "h100-sxm", string quant = "bf16", int tp = 1, int pp = 1, int ep = 1, bool flash = true)
    {
        var device = Lib.Hardware(hw);
        return Deployment.Create(Lib.Model(model), device, QuantizationScheme.Parse(quant), new Parallelism(tp, pp, ep), Lib.DefaultCluster(device), flash);
    }

    private static (double Flops, double Bytes) Totals(Deployment d, BatchShape s)
    {
        double f = 0, b = 0;
        foreach (var o in new CostModel(d).Operators(s)) { f += o.Flops * o.Layers; b += o.Bytes * o.Layers; }
        return (f, b);
    }

    [Theory]
    [InlineData("llama-2-7b")]
    [InlineData("llama-3.1-8b")]
    [InlineData("llama-3.1-70b")]
    [InlineData("mistral-7b")]
    [InlineData("qwen2.5-7b")]
    public void Decode_flops_per_token_are_twice_the_parameters_plus_attention(string name)
    {
        var d = Deploy(name, tp: 1, hw: "h200-sxm");
        var m = d.Model;
        const int context = 1000;
        var s = BatchShape.Create(m.SlidingWindow ?? 0);
        s.AddDecode(context);
        // Independent arithmetic: every weight outside the embedding table does one multiply-add per token,
        // and attention does 2 x 2 x heads x head_dim FLOPs per cached token per layer (QK^T and PV).
        var p = ModelMath.Parameters(m);
        double attended = Math.Min(context + 1, m.SlidingWindow ?? int.MaxValue);
        double expected = 2 * (p.Total - p.Embedding) + m.NumLayers * 4.0 * m.NumAttentionHeads * m.HeadDim * attended;
        Assert.InRange(Totals(d, s).Flops / expected, 0.99, 1.01);
    }

    [Fact]
    public void Decode_at_batch_1_is_memory_bound_for_every_gemm()
    {
        var d = Deploy("llama-3.1-8b");
        var s = BatchShape.Create();
        s.AddDecode(2048);
        foreach (var o in new CostModel(d).Operators(s))
            if (o.Kind == OpKind.Gemm) Assert.Equal(Bound.Memory, o.RooflineBound);
    }

    [Fact]
    public void Prefill_of_2048_tokens_on_h100_is_compute_bound_for_projections()
    {
        var d = Deploy("llama-3.1-8b");
        var s = BatchShape.Create();
        s.AddPrefill(2048);
        // Intensity of an M x N x K GEMM in bf16 ~ 2MNK / 2(MK + NK + MN); with M = 2048 it is ~1000 FLOP/B,
        // far above the H100 ridge of 989e12 / 3.35e12 = 295 FLOP/B.
        foreach (var o in new CostModel(d).Operators(s))
            if (o.Kind == OpKind.Gemm && o.Name != "lm_head") Assert.Equal(Bound.Compute, o.RooflineBound);
    }

    [Fact]
    public void Decode_weight_bytes_equal_the_model_weights_at_batch_1()
    {
        // At batch 1 every dense weight is read once per step: bytes of weights = (parameters - embedding) x 2 for bf16
        // plus the embedding rows gathered (one row).
        var d = Deploy("llama-3.1-8b");
        var s = BatchShape.Create();
        s.AddDecode(10);
        double w = 0;
        foreach (var o in new CostModel(d).Operators(s)) w += o.WeightBytes * o.Layers;
        var p = ModelMath.Parameters(d.Model);
        Assert.InRange(w / ((p.Total - p.Embedding) * 2), 0.999, 1.001);
    }

    [Fact]
    public void Causal_prefill_counts_the_triangle_not_the_square()
    {
        // 2048 queries, causal: sum_{j=1..2048} j = 2048 x 2049 / 2 query-key pairs.
        var s = BatchShape.Create();
        s.AddPrefill(2048);
        Assert.Equal(2048.0 * 2049 / 2, s.PrefillPairs);
        // A chunk of 512 after 1536 cached: 512 x 1536 + 512 x 513 / 2.
        var c = BatchShape.Create();
        c.AddPrefill(512, 1536);
        Assert.Equal(512.0 * 1536 + 512.0 * 513 / 2, c.PrefillPairs);
    }

    [Fact]
    public void Sliding_window_caps_the_attended_context()
    {
        // Mistral-7B: window 4096. Decode at 10,000 tokens reads 4096 tokens of K/V, not 10,001.
        var s = BatchShape.Create(4096);
        s.AddDecode(10_000);
        Assert.Equal(4096, s.DecodeKvTokens);
        // Pairs for 8 queries after 4094 cached with window 4096: queries 1,2 see 4095, 4096; the other 6 see 4096.
        Assert.Equal(4095 + 4096 + 6 * 4096.0, BatchShape.CausalPairs(4094, 8, 4096));
    }

    [Fact]
    public void Decode_attention_reads_the_whole_kv_cache_once()
    {
        // Llama-3.1-70B (GQA, 8 KV heads): one request at 4000 cached tokens reads 4001 x 327,680 bytes per step.
        var d = Deploy("llama-3.1-70b", hw: "h200-sxm");
        var s = BatchShape.Create();
        s.AddDecode(4000);
        double kv = 0;
        foreach (var o in new CostModel(d).Operators(s)) kv += o.KvReadBytes * o.Layers;
        Assert.Equal(4001.0 * 327_680, kv, 1e-6 * kv);
    }

    [Fact]
    public void Mla_decode_reads_only_the_compressed_latent()
    {
        var d = Deploy("deepseek-v3", hw: "h200-sxm", quant: "fp8", tp: 8);
        var s = BatchShape.Create();
        s.AddDecode(4000);
        double kv = 0;
        foreach (var o in new CostModel(d).Operators(s)) kv += o.KvReadBytes * o.Layers;
        // 61 layers x (512 + 64) latent x 2 bytes per token (KV stays 16-bit under "fp8"), replicated on each TP rank.
        Assert.Equal(4001.0 * 61 * 576 * 2, kv, 1e-6 * kv);
    }

    [Fact]
    public void Flash_attention_never_writes_the_score_matrix()
    {
        var s = BatchShape.Create();
        s.AddPrefill(4096);
        double Act(bool flash)
        {
            double a = 0;
            foreach (var o in new CostModel(Deploy("llama-2-7b", flash: flash)).Operators(s))
                if (o.Kind == OpKind.Attention || o.Name.StartsWith("softmax")) a += o.ActivationBytes * o.Layers;
            return a;
        }
        // Unfused: 32 heads x 4096 x 4096 scores x 2 bytes, written and read back around the softmax (4 passes) per layer.
        double scores = 32.0 * 4096 * 4096 * 2 * 32;
        Assert.True(Act(false) - Act(true) >= 3.9 * scores, $"{Act(false) - Act(true)} vs {scores}");
    }

    [Fact]
    public void Tensor_parallel_halves_per_device_weight_bytes()
    {
        var m1 = MemoryModel.For(Deploy("llama-3.1-70b", tp: 1, hw: "h200-sxm"));
        var m2 = MemoryModel.For(Deploy("llama-3.1-70b", tp: 2, hw: "h200-sxm"));
        Assert.InRange(m2.WeightBytes / m1.WeightBytes, 0.499, 0.501);
    }

    [Fact]
    public void Collectives_cost_nothing_at_tp_1_and_something_at_tp_2()
    {
        var s = BatchShape.Create();
        s.AddDecode(100);
        Assert.DoesNotContain(new CostModel(Deploy("llama-3.1-8b", tp: 1)).Operators(s).ToArray(), o => o.Kind == OpKind.Communication);
        var tp2 = new CostModel(Deploy("llama-3.1-8b", tp: 2)).Operators(s).ToArray();
        Assert.Contains(tp2, o => o.Kind == OpKind.Communication && o.Seconds > 0);
    }

    [Fact]
    public void Ring_allreduce_matches_the_alpha_beta_formula()
    {
        // 8 devices, 64 MiB, 450 GB/s, 2 us: 2 x 7 x 2 us + 2 x 7/8 x 67,108,864 / 450e9 = 28 us + 261.0 us.
        var link = new Interconnect("l", "l", 450e9, 2e-6, Topology.Switch, "test");
        Assert.Equal(28e-6 + 2 * 7.0 / 8 * 67_108_864 / 450e9, Collectives.AllReduce(67_108_864, 8, link), 12);
        Assert.Equal(0, Collectives.AllReduce(1e9, 1, link));
    }

    [Fact]
    public void W4a16_reads_a_quarter_of_the_weight_bytes_plus_scales()
    {
        var s = BatchShape.Create();
        s.AddDecode(10);
        double Weights(string q)
        {
            double w = 0;
            foreach (var o in new CostModel(Deploy("llama-2-7b", quant: q)).Operators(s)) if (o.Name != "lm_head" && o.Kind == OpKind.Gemm) w += o.WeightBytes * o.Layers;
            return w;
        }
        // 16-bit: 2 B per weight. 4-bit with a 16-bit scale per 128 weights: 0.5 + 2/128 B.
        Assert.Equal((0.5 + 2.0 / 128) / 2, Weights("w4a16") / Weights("bf16"), 6);
    }

    [Fact]
    public void Fp8_on_an_a100_falls_back_to_bf16_and_says_so()
    {
        var d = Deploy("llama-3.1-8b", hw: "a100-80gb-sxm", quant: "fp8");
        Assert.Equal(DataType.Bf16, d.GemmType);
        Assert.Contains(d.Notes, n => n.Contains("fp8") && n.Contains("bf16"));
    }

    [Fact]
    public void Moe_touches_all_experts_at_large_batch_and_few_at_batch_1()
    {
        var d = Deploy("mixtral-8x7b", hw: "h200-sxm");
        double ExpertWeights(int tokens)
        {
            var s = BatchShape.Create();
            s.AddDecode(100, tokens);
            double w = 0;
            foreach (var o in new CostModel(d).Operators(s)) if (o.Name.StartsWith("experts_")) w += o.WeightBytes * o.Layers;
            return w;
        }
        // One expert: 3 x 4096 x 14336 x 2 bytes; 32 layers. Batch 1 touches k = 2 experts: E(1-(1-k/E)^1) = 2.
        double oneExpert = 3.0 * 4096 * 14336 * 2 * 32;
        Assert.Equal(2 * oneExpert, ExpertWeights(1), 1e-6 * oneExpert);
        Assert.InRange(ExpertWeights(256) / (8 * oneExpert), 0.999, 1.0);
    }

    [Theory]
    [InlineData("llama-3.1-8b", 3, "does not divide")]       // 32 heads
    [InlineData("llama-3.1-70b", 16, "devices")]             // 16 > 8 in one HGX node, cluster has 8
    public void Impossible_plans_are_rejected_with_a_reason(string model, int tp, string words)
    {
        var ex = Assert.Throws<PlanException>(() => Deploy(model, tp: tp));
        Assert.Contains(words, ex.Message);
    }

    [Fact]
    public void Pipeline_beyond_the_layer_count_is_rejected()
    {
        var device = Lib.Hardware("h100-sxm");
        var big = new ClusterSpec("big", "big", "t", device, 8, 8, Lib.Interconnect("nvlink4"), Lib.Interconnect("infiniband-ndr"));
        var ex = Assert.Throws<PlanException>(() => Deployment.Create(Lib.Model("llama-3.2-1b"), device, QuantizationScheme.Bf16, new Parallelism(1, 17), big));
        Assert.Contains("exceeds", ex.Message);
    }
}
