using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

/// <summary>
/// Models whose layers mix sliding-window and global attention (Gemma 2/3, gpt-oss): global layers attend the whole
/// context, sliding layers at most the window, in the cost model (FLOPs, KV reads) and in the memory model (KV bytes).
/// </summary>
public class SlidingWindowTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    // Two layers: layer 0 slides with a window of 4 tokens, layer 1 is global. 4 heads, 2 KV heads, head_dim 16:
    // one token's K and V in one layer is 2 x 2 x 16 elements x 2 bytes = 128 bytes.
    private static readonly ModelSpec Toy = new()
    {
        Name = "toy", DisplayName = "toy", Source = "test", ModelType = "gemma2",
        HiddenSize = 64, NumLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16,
        IntermediateSize = 128, VocabSize = 100, SlidingWindow = 4, SlidingWindowLayers = new LayerSet([0]),
    };

    private static Deployment Deploy(ModelSpec m, bool flash = true, string hw = "h100-sxm")
    {
        var device = Lib.Hardware(hw);
        return Deployment.Create(m, device, QuantizationScheme.Bf16, new Parallelism(1), Lib.DefaultCluster(device), flash);
    }

    private static OperatorCost Op(CostModel cost, BatchShape s, string name)
    {
        foreach (var o in cost.Operators(s)) if (o.Name == name) return o;
        throw new Xunit.Sdk.XunitException($"no operator {name}");
    }

    // Flash attention FLOPs for p query-key pairs: QK^T 2·p·heads·d + PV 2·p·heads·d + softmax 5·p·heads
    // = p x 4 x (4 x 16 + 5) = 276·p for the toy.
    private const double FlopsPerPair = 4 * (4 * 16 + 5);

    [Fact]
    public void Decode_global_layer_attends_the_context_sliding_layer_the_window()
    {
        // One request with 10 cached tokens: the new token attends 11 keys in the global layer, min(11, 4) = 4 in the
        // sliding one; K/V read 11 x 128 = 1,408 bytes and 4 x 128 = 512 bytes.
        var cost = new CostModel(Deploy(Toy));
        var s = BatchShape.Create(4);
        s.AddDecode(10);
        Assert.Equal(11, s.DecodePairsFull);
        Assert.Equal(4, s.DecodePairs);
        var global = Op(cost, s, "attention_decode");
        var local = Op(cost, s, "attention_decode_local");
        Assert.Equal((1, 1), (global.Layers, local.Layers));
        Assert.Equal(11 * FlopsPerPair, global.Flops);
        Assert.Equal(4 * FlopsPerPair, local.Flops);
        Assert.Equal(1408, global.KvReadBytes);
        Assert.Equal(512, local.KvReadBytes);
    }

    [Fact]
    public void Prefill_pairs_of_a_mixed_model_by_hand()
    {
        // 6 new tokens, nothing cached. Global: query j sees j keys, 1+2+...+6 = 21 pairs. Sliding (window 4):
        // min(j, 4) = 1+2+3+4+4+4 = 18 pairs. Both read the 6 tokens' K/V.
        var cost = new CostModel(Deploy(Toy));
        var s = BatchShape.Create(4);
        s.AddPrefill(6);
        Assert.Equal(21 * FlopsPerPair, Op(cost, s, "attention_prefill").Flops);
        Assert.Equal(18 * FlopsPerPair, Op(cost, s, "attention_prefill_local").Flops);
        Assert.Equal(6 * 128, Op(cost, s, "attention_prefill").KvReadBytes);
        Assert.Equal(6 * 128, Op(cost, s, "attention_prefill_local").KvReadBytes);

        // A chunk of 3 after 10 cached. Global: 3 x 10 + (1+2+3) = 36 pairs over 13 tokens of K/V. Sliding: each query
        // sees min(10 + j, 4) = 4 keys, 12 pairs, over min(13, 4 + 3) = 7 tokens (the window behind the first query).
        var c = BatchShape.Create(4);
        c.AddPrefill(3, 10);
        Assert.Equal(36 * FlopsPerPair, Op(cost, c, "attention_prefill").Flops);
        Assert.Equal(12 * FlopsPerPair, Op(cost, c, "attention_prefill_local").Flops);
        Assert.Equal(13 * 128, Op(cost, c, "attention_prefill").KvReadBytes);
        Assert.Equal(7 * 128, Op(cost, c, "attention_prefill_local").KvReadBytes);
    }

    [Fact]
    public void Unfused_attention_splits_the_same_way()
    {
        var cost = new CostModel(Deploy(Toy, flash: false));
        var s = BatchShape.Create(4);
        s.AddDecode(10);
        // QK^T alone: 2 x pairs x 4 heads x 16 = 128 FLOPs per pair.
        Assert.Equal(11 * 128.0, Op(cost, s, "attn_score_decode").Flops);
        Assert.Equal(4 * 128.0, Op(cost, s, "attn_score_decode_local").Flops);
        Assert.Equal(4 * 5 * 4.0, Op(cost, s, "softmax_decode_local").Flops);
        Assert.Equal(4 * 128.0, Op(cost, s, "attn_value_decode_local").Flops);
    }

    [Fact]
    public void A_window_on_every_layer_keeps_one_attention_entry()
    {
        // Mistral 7B v0.1: all 32 layers slide, so there is no global entry and no "_local" one, as before.
        var cost = new CostModel(Deploy(Lib.Model("mistral-7b")));
        var s = BatchShape.Create(4096);
        s.AddDecode(10_000);
        var names = cost.Operators(s).ToArray().Select(o => o.Name).ToList();
        Assert.DoesNotContain(names, n => n.EndsWith("_local", StringComparison.Ordinal));
        var attention = Op(cost, s, "attention_decode");
        Assert.Equal(32, attention.Layers);
        Assert.Equal(4096.0 * 2 * 8 * 128 * 2, attention.KvReadBytes); // window 4096 x (K and V, 8 KV heads, 128, bf16)
    }

    [Fact]
    public void Kv_bytes_of_a_request_count_sliding_layers_up_to_the_window()
    {
        // c x (global layers' bytes per token) + min(c, window) x (sliding layers' bytes per token), 128 B each here:
        // c = 10: 10 x 128 + 4 x 128 = 1,792 bytes; c = 3: 3 x 128 + 3 x 128 = 768 bytes.
        var mem = MemoryModel.For(Deploy(Toy));
        Assert.Equal(256, mem.KvBytesPerToken);
        Assert.Equal(128, mem.SlidingKvBytesPerToken);
        Assert.Equal(1792, mem.RequestKvBytes(10));
        Assert.Equal(768, mem.RequestKvBytes(3));
        Assert.Equal(3 * 1792, mem.BatchKvBytes(3, 10));
        Assert.Equal(1792, ModelMath.KvCacheBytes(Toy, 10));
        // Without a window, or with one on every layer, every token counts in every layer, as before.
        var mistral = MemoryModel.For(Deploy(Lib.Model("mistral-7b")));
        Assert.Equal(10_000 * mistral.KvBytesPerToken, mistral.RequestKvBytes(10_000));
    }

    [Fact]
    public void Estimator_fits_gemma_2_with_the_window()
    {
        // Gemma 2 9B, 4 requests of 8,000 + 192 tokens (context 8,192 at the end). Per layer and token:
        // 2 x 8 KV heads x 256 x 2 bytes = 8,192 B. 21 global layers keep 8,192 tokens, 21 sliding layers 4,096:
        // 21 x 8,192 x (8,192 + 4,096) = 2,113,929,216 B per request, 8,455,716,864 B for 4 (not the 11.27 GB of 42 full layers).
        var device = Lib.Hardware("h100-sxm");
        var d = Deployment.Create(Lib.Model("gemma-2-9b"), device, QuantizationScheme.Bf16, new Parallelism(1), Lib.DefaultCluster(device));
        var e = Estimator.Run(d, new Workload(4, 8000, 192));
        Assert.Equal(8_455_716_864.0, e.KvCacheBytes);
        double act = MemoryModel.ActivationBytes(d, 4.0 * 8000, 4);
        Assert.Equal((int)Math.Floor((e.Memory.FreeBytes - act) / 2_113_929_216.0), e.MaxBatchAtThisContext);
    }

    [Fact]
    public void Gemma_decode_flops_are_twice_the_weights_plus_attention_per_layer()
    {
        // Independent arithmetic: every weight outside the embedding table does one multiply-add per token, the tied LM
        // head another 2 x vocab x hidden, and attention 4 x heads x head_dim per attended key per layer: 21 global layers
        // attend 10,001 keys, 21 sliding ones 4,096.
        var m = Lib.Model("gemma-2-9b");
        var cost = new CostModel(Deploy(m, hw: "h200-sxm"));
        var s = BatchShape.Create(m.SlidingWindow ?? 0);
        s.AddDecode(10_000);
        double flops = 0;
        foreach (var o in cost.Operators(s)) flops += o.Flops * o.Layers;
        var p = ModelMath.Parameters(m);
        double expected = 2 * (p.Total - p.Embedding) + 2.0 * m.VocabSize * m.HiddenSize
            + 4.0 * m.NumAttentionHeads * m.HeadDim * (21 * 10_001.0 + 21 * 4096.0);
        Assert.InRange(flops / expected, 0.99, 1.01);
    }

    [Fact]
    public void A_mixed_step_allocates_nothing()
    {
        var cost = new CostModel(Deploy(Lib.Model("gemma-3-27b")));
        double sink = 0;
        void Step()
        {
            var s = BatchShape.Create(1024);
            s.AddDecode(20_000, 48);
            s.AddPrefill(512, 3000);
            sink += cost.StepSeconds(s);
        }
        Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sink > 0);
    }
}
