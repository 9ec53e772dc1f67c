using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Roofline.Tests;

/// <summary>
/// FP4 and block-scaled formats in the cost and memory models: FP4 tensor cores where a device lists an fp4 peak and a
/// visible fallback where it does not; per-module formats (experts in FP4, attention in FP8) byte for byte on a toy
/// model; GGUF files against llama.cpp's documented sizes.
/// </summary>
public class QuantizationFormatTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static Deployment Deploy(ModelSpec model, string hw, string quant, int tp = 1)
    {
        var device = Lib.Hardware(hw);
        return Deployment.Create(model, device, QuantizationScheme.Parse(quant, model.NativeDType), new Parallelism(tp), Lib.DefaultCluster(device));
    }

    private static Deployment Deploy(string model, string hw, string quant, int tp = 1) => Deploy(Lib.Model(model), hw, quant, tp);

    private static OperatorCost Op(CostModel cost, BatchShape s, string name)
    {
        foreach (var o in cost.Operators(s)) if (o.Name == name) return o;
        throw new Xunit.Sdk.XunitException($"no operator {name}");
    }

    [Theory]
    [InlineData("b200-sxm", 9000e12)]
    [InlineData("gb200", 10000e12)]
    [InlineData("b300-sxm", 13500e12)]
    [InlineData("mi355x", 10066.3e12)]
    public void Nvfp4_runs_on_fp4_tensor_cores_where_the_device_has_them(string hw, double fp4Peak)
    {
        var d = Deploy("llama-3.1-8b", hw, "nvfp4");
        Assert.Equal(DataType.Fp4, d.GemmType);
        Assert.Equal(fp4Peak, d.GemmPeak, 1e-3 * fp4Peak);
        Assert.DoesNotContain(d.Notes, n => n.Contains("fp4"));
        // A 4096-token prefill of qkv_proj is compute-bound; its compute time is FLOPs / (fp4 peak x efficiency).
        var s = BatchShape.Create();
        s.AddPrefill(4096);
        var qkv = Op(new CostModel(d), s, "qkv_proj");
        Assert.Equal(DataType.Fp4, qkv.ComputeType);
        Assert.Equal(qkv.Flops / (fp4Peak * d.Efficiency.Gemm(DataType.Fp4, 4096, 6144, 4096)), qkv.ComputeSeconds, 1e-12);
    }

    [Fact]
    public void Nvfp4_on_h100_falls_back_to_fp8_and_says_so()
    {
        var d = Deploy("llama-3.1-8b", "h100-sxm", "nvfp4");
        Assert.Equal(DataType.Fp8, d.GemmType);
        Assert.Equal(1978.9e12, d.GemmPeak, 1e9);
        var note = Assert.Single(d.Notes, n => n.Contains("fp4"));
        Assert.Equal("h100-sxm has no fp4 peak; matrix multiplies use fp8 instead: the 4-bit weights stay in memory at 4.5 bits per weight and are dequantized to fp8 before each multiply", note);
    }

    [Fact]
    public void Nvfp4_on_a100_falls_back_to_bf16_and_says_so()
    {
        // A100 has neither fp4 nor fp8: fp4 -> fp8 -> bf16.
        var d = Deploy("llama-3.1-8b", "a100-80gb-sxm", "nvfp4");
        Assert.Equal(DataType.Bf16, d.GemmType);
        Assert.Contains(d.Notes, n => n.StartsWith("a100-80gb-sxm has no fp4 peak; matrix multiplies use bf16 instead", StringComparison.Ordinal));
    }

    [Fact]
    public void Nvfp4_weights_move_half_a_byte_plus_scales()
    {
        // Decode of one token: qkv_proj of Llama-3.1-8B reads (4096 + 2 x 1024) x 4096 = 25,165,824 weights at 0.5625 B
        // = 14,155,776 B; in bf16 2 B each = 50,331,648 B.
        var s = BatchShape.Create();
        s.AddDecode(100);
        Assert.Equal(14_155_776, Op(new CostModel(Deploy("llama-3.1-8b", "b200-sxm", "nvfp4")), s, "qkv_proj").WeightBytes, 1e-6);
        Assert.Equal(50_331_648, Op(new CostModel(Deploy("llama-3.1-8b", "b200-sxm", "bf16")), s, "qkv_proj").WeightBytes, 1e-6);
    }

    [Fact]
    public void Nvfp4_kv_cache_halves_fp8_kv_plus_scales()
    {
        // Llama-3.1-8B: 32 layers x 2 (K, V) x 8 KV heads x 128 = 65,536 elements per token; FP8: 65,536 B;
        // NVFP4: 65,536 x 0.5625 = 36,864 B.
        Assert.Equal(65_536, MemoryModel.For(Deploy("llama-3.1-8b", "b200-sxm", "nvfp4kv8")).KvBytesPerToken, 1e-9);
        Assert.Equal(36_864, MemoryModel.For(Deploy("llama-3.1-8b", "b200-sxm", "nvfp4kvnvfp4")).KvBytesPerToken, 1e-9);
    }

    // Two MoE layers: hidden 64, 4 heads and 2 KV heads of 16, 4 routed experts (top-2) and 1 shared expert of
    // intermediate 32 (gated: 3 x 64 x 32 = 6,144 weights each), vocabulary 100, untied.
    private static readonly ModelSpec ToyMoe = new()
    {
        Name = "toy-moe", DisplayName = "toy MoE", Source = "test", ModelType = "qwen2_moe",
        HiddenSize = 64, NumLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16,
        IntermediateSize = 128, VocabSize = 100,
        Moe = new MoeConfig(NumExperts: 4, ExpertsPerToken: 2, ExpertIntermediateSize: 32, NumSharedExperts: 1, SharedExpertIntermediateSize: 0, FirstDenseLayers: 0, LayerFrequency: 1),
    };

    [Fact]
    public void Mixed_precision_weight_bytes_of_a_toy_moe_by_hand()
    {
        // bf16 base, attention in fp8, routed experts in MXFP4 (0.53125 B); shared expert follows the dense MLP (bf16).
        // Per layer: attention q, k, v, o = 64x64 + 64x32 + 64x32 + 64x64 = 12,288 weights x 1 B        = 12,288 B
        //            routed experts 4 x 6,144 = 24,576 weights x 0.53125 B                                  = 13,056 B
        //            shared expert 6,144 weights x 2 B                                                     = 12,288 B
        //            router 64 x 4 = 256 weights x 2 B                                                     =    512 B
        //            two RMSNorms 2 x 64 x 2 B                                                             =    256 B
        //            layer total 38,400 B; two layers 76,800 B
        // Embedding and LM head 2 x 100 x 64 x 2 B = 25,600 B.  Total 102,400 B.
        var mem = MemoryModel.For(Deploy(ToyMoe, "h100-sxm", "bf16+attn=fp8+experts=mxfp4"));
        Assert.Equal(102_400, mem.WeightBytes, 1e-9);
        // The same model all in bf16: 2 layers x ((12,288 + 24,576 + 6,144 + 256) x 2 B + 256 B of norms) + 25,600 B = 199,168 B.
        Assert.Equal(199_168, MemoryModel.For(Deploy(ToyMoe, "h100-sxm", "bf16")).WeightBytes, 1e-9);
    }

    [Fact]
    public void Mixed_precision_in_the_cost_model_by_hand()
    {
        // One decode token: top-2 of 4 experts touches 4 x (1 - (1 - 2/4)^1) = 2 experts.
        // experts_gate_up: 2 x (2 x 32) x 64 = 8,192 weights x 0.53125 = 4,352 B; experts_down 2 x 32 x 64 = 4,096 x 0.53125 = 2,176 B.
        // qkv_proj: (64 + 2 x 32) x 64 = 8,192 weights x 1 B (fp8); shared_expert_gate_up 2 x 32 x 64 = 4,096 x 2 B = 8,192 B.
        var s = BatchShape.Create();
        s.AddDecode(10);
        var onH100 = new CostModel(Deploy(ToyMoe, "h100-sxm", "bf16+attn=fp8+experts=mxfp4"));
        Assert.Equal(4_352, Op(onH100, s, "experts_gate_up").WeightBytes, 1e-9);
        Assert.Equal(2_176, Op(onH100, s, "experts_down").WeightBytes, 1e-9);
        Assert.Equal(8_192, Op(onH100, s, "qkv_proj").WeightBytes, 1e-9);
        Assert.Equal(8_192, Op(onH100, s, "shared_expert_gate_up").WeightBytes, 1e-9);
        Assert.Equal(DataType.Fp8, Op(onH100, s, "qkv_proj").ComputeType);
        Assert.Equal(DataType.Bf16, Op(onH100, s, "shared_expert_gate_up").ComputeType);
        // H100 has no fp4: the experts multiply in fp8, and the output says so.
        Assert.Equal(DataType.Fp8, Op(onH100, s, "experts_gate_up").ComputeType);
        Assert.Contains(onH100.Deployment.Notes, n => n.Contains("experts matrix multiplies (mxfp4) use fp8 instead"));
        // B200 has fp4 tensor cores: no fallback.
        var onB200 = new CostModel(Deploy(ToyMoe, "b200-sxm", "bf16+attn=fp8+experts=mxfp4"));
        Assert.Equal(DataType.Fp4, Op(onB200, s, "experts_gate_up").ComputeType);
        Assert.Empty(onB200.Deployment.Notes);
    }

    [Fact]
    public void Gguf_q4_k_m_llama_3_1_8b_is_llama_cpp_documented_size()
    {
        // llama.cpp tools/quantize/README.md, Llama-3.1-8B: Q4_K_M 4.8944 bits/weight, 4.58 GiB (whole file: layers,
        // token_embd in Q4_K, output in Q6_K). Ours: layers at 4.80 bpw, embedding 4.5, head 6.5625, norms 16-bit.
        var d = Deploy("llama-3.1-8b", "h100-sxm", "q4_k_m");
        double bytes = MemoryModel.For(d).WeightBytes;
        double bpw = bytes * 8 / ModelMath.Parameters(d.Model).Total;
        Assert.InRange(bpw / 4.8944, 0.99, 1.01);
        Assert.InRange(bytes / (4.58 * (1L << 30)), 0.99, 1.01);
    }

    [Fact]
    public void Gguf_q8_0_llama_3_1_8b_is_llama_cpp_documented_size()
    {
        // Same README: Q8_0 8.5008 bits/weight, 7.95 GiB. Every tensor in Q8_0 (8.5 bpw); norms 16-bit.
        var d = Deploy("llama-3.1-8b", "h100-sxm", "q8_0");
        double bytes = MemoryModel.For(d).WeightBytes;
        Assert.InRange(bytes * 8 / ModelMath.Parameters(d.Model).Total / 8.5008, 0.995, 1.005);
        Assert.InRange(bytes / (7.95 * (1L << 30)), 0.99, 1.01);
    }

    [Fact]
    public void Gguf_quantizes_the_lm_head()
    {
        // Q4_0 keeps output.weight in Q6_K: 128,256 x 4,096 weights x 6.5625 / 8 B = 430,964,736 B read per decode step.
        var s = BatchShape.Create();
        s.AddDecode(10);
        Assert.Equal(128_256.0 * 4096 * 6.5625 / 8, Op(new CostModel(Deploy("llama-3.1-8b", "h100-sxm", "q4_0")), s, "lm_head").WeightBytes, 1e-3);
    }

    [Fact]
    public void Gguf_multiplies_in_int8_where_the_device_has_it_else_visibly_in_16_bit()
    {
        Assert.Equal(DataType.Int8, Deploy("llama-3.1-8b", "rtx-4090", "q4_0").GemmType);
        var apple = Deploy("llama-3.1-8b", "apple-m2-ultra", "q4_0");
        Assert.Equal(DataType.Fp16, apple.GemmType);
        Assert.Contains(apple.Notes, n => n.Contains("apple-m2-ultra has no int8 peak; matrix multiplies use fp16 instead"));
    }
}
