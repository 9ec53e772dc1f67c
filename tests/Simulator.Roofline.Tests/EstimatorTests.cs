using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

public class EstimatorTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static Estimate Run(string model, string hw, int tp, int batch, int input, int output, string quant = "bf16")
    {
        var device = Lib.Hardware(hw);
        var d = Deployment.Create(Lib.Model(model), device, QuantizationScheme.Parse(quant), new Parallelism(tp), Lib.DefaultCluster(device));
        return Estimator.Run(d, new Workload(batch, input, output));
    }

    [Fact]
    public void Llama_70b_does_not_fit_one_h100_at_16_bit()
    {
        // 70.6B parameters x 2 bytes = 141 GB > 80 GB.
        var e = Run("llama-3.1-70b", "h100-sxm", 1, 1, 128, 128);
        Assert.False(e.Fits);
        Assert.False(e.Memory.WeightsFit);
        Assert.Equal(0, e.MaxBatchAtThisContext);
    }

    [Fact]
    public void Batch_1_decode_time_is_weight_bytes_over_bandwidth_plus_launches()
    {
        // Llama-3.1-8B at batch 1 streams every weight once per token except the embedding table (one row is gathered):
        // 8,030,261,248 parameters - 525,336,576 embedding = 7,504,924,672 read at 2 bytes = 15.01 GB, at 3.35 TB/s x 0.85
        // (the GPU default memory efficiency; the H100 profile's calibration fits only its all-reduce link) = 5.271 ms.
        // Launches: 10 kernels per layer (input norm, QKV, rotary, KV write, attention, O, post-attention norm, gate/up,
        // activation, down; residual adds are fused) x 32 + embedding, final norm and LM head = 323 x 4 us = 1.292 ms.
        // The KV cache (576 tokens x 128 KiB) and activations add about 0.03 ms. Expected 6.59 ms; band +-3%.
        var e = Run("llama-3.1-8b", "h100-sxm", 1, 1, 512, 128);
        double weights = (8_030_261_248.0 - 525_336_576) * 2 / (3.35e12 * 0.85);
        double launches = (10 * 32 + 3) * 4e-6;
        double kv = 576.0 * 131_072 / (3.35e12 * 0.85);
        double expected = weights + launches + kv;
        Assert.InRange(e.TpotSeconds / expected, 0.97, 1.03);
        Assert.True(e.Fits);
    }

    [Fact]
    public void E2e_is_ttft_plus_remaining_tokens_times_tpot_and_throughput_follows()
    {
        var e = Run("llama-3.1-8b", "h100-sxm", 1, 8, 1024, 256);
        Assert.Equal(e.TtftSeconds + 255 * e.TpotSeconds, e.E2eSeconds, 1e-12);
        Assert.Equal(8 * 256 / e.E2eSeconds, e.TokensPerSecond, 1e-9);
    }

    [Fact]
    public void Bigger_batches_raise_throughput_until_compute_bound()
    {
        double prev = 0;
        foreach (int b in new[] { 1, 4, 16, 64 })
        {
            var e = Run("llama-3.1-8b", "h100-sxm", 1, b, 512, 128);
            Assert.True(e.TokensPerSecond > prev);
            prev = e.TokensPerSecond;
        }
    }

    [Fact]
    public void Kv_cache_bytes_match_hand_arithmetic()
    {
        // Llama-2-7B, 4 requests x (1000 + 24) tokens x 524,288 bytes.
        var e = Run("llama-2-7b", "a100-80gb-sxm", 1, 4, 1000, 24, "fp16");
        Assert.Equal(4.0 * 1024 * 524_288, e.KvCacheBytes);
    }
}
