using Simulator.Core.Specs;

namespace Simulator.Core.Tests;

public class QuantizationTests
{
    [Theory]
    [InlineData("bf16", DataType.Bf16, DataType.Bf16, DataType.Bf16, 0)]
    [InlineData("fp16", DataType.Fp16, DataType.Fp16, DataType.Fp16, 0)]
    [InlineData("fp8", DataType.Fp8, DataType.Fp8, DataType.Bf16, 0)]
    [InlineData("fp8kv8", DataType.Fp8, DataType.Fp8, DataType.Fp8, 0)]
    [InlineData("w8a8", DataType.Int8, DataType.Int8, DataType.Bf16, 0)]
    [InlineData("int8", DataType.Int8, DataType.Int8, DataType.Bf16, 0)]
    [InlineData("w8a16", DataType.Int8, DataType.Bf16, DataType.Bf16, 0)]
    [InlineData("w4a16", DataType.Int4, DataType.Bf16, DataType.Bf16, 128)]
    [InlineData("W4A16KV8", DataType.Int4, DataType.Bf16, DataType.Fp8, 128)]
    [InlineData("w4a16g64", DataType.Int4, DataType.Bf16, DataType.Bf16, 64)]
    [InlineData("awq", DataType.Int4, DataType.Bf16, DataType.Bf16, 128)]
    [InlineData("w4a4", DataType.Int4, DataType.Int4, DataType.Bf16, 128)]
    public void Parses_weight_activation_kv_triple(string name, DataType w, DataType a, DataType kv, int group)
    {
        var q = QuantizationScheme.Parse(name);
        Assert.Equal((w, a, kv, group), (q.Weights, q.Activations, q.KvCache, q.GroupSize));
    }

    [Fact]
    public void W4A16_computes_in_16_bit_and_W8A8_in_int8()
    {
        Assert.Equal(DataType.Bf16, QuantizationScheme.Parse("w4a16").ComputeType);
        Assert.Equal(DataType.Int8, QuantizationScheme.Parse("w8a8").ComputeType);
        Assert.Equal(DataType.Fp8, QuantizationScheme.Parse("fp8").ComputeType);
    }

    [Fact]
    public void Group_scales_add_bytes_per_weight()
    {
        // 4-bit weights = 0.5 B; one 16-bit scale per 128 weights = 2/128 B.
        Assert.Equal(0.5 + 2.0 / 128, QuantizationScheme.Parse("w4a16").WeightBytesPerElement, 12);
        Assert.Equal(2.0, QuantizationScheme.Parse("bf16").WeightBytesPerElement, 12);
    }

    [Theory]
    [InlineData("w3a16")]
    [InlineData("fp9")]
    [InlineData("w16a4")]
    [InlineData("")]
    public void Rejects_unknown_schemes(string name)
    {
        Assert.False(QuantizationScheme.TryParse(name, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Canonical_names_round_trip()
    {
        foreach (var n in new[] { "bf16", "fp16", "fp8", "fp8kv8", "w8a8", "w4a16", "w4a16kv8", "w4a16g64", "w8a16" })
            Assert.Equal(n, QuantizationScheme.Parse(n).Name);
    }
}

/// <summary>Block-scaled and GGUF formats, KV formats and per-module formats (issue 13, Quantization).</summary>
public class QuantizationFormatTests
{
    [Theory]
    // NVFP4: 4-bit E2M1 + one 8-bit E4M3 scale per 16 values: (4 + 8/16) / 8 = 4.5 / 8 = 0.5625 B.
    [InlineData("nvfp4", 0.5625)]
    [InlineData("nvfp4kv8", 0.5625)]
    // MXFP4: 4-bit E2M1 + one 8-bit E8M0 scale per 32 values: (4 + 8/32) / 8 = 4.25 / 8 = 0.53125 B.
    [InlineData("mxfp4", 0.53125)]
    // W4A8: int4 weights + a 16-bit scale per 128: 0.5 + 2/128 = 0.515625 B.
    [InlineData("w4a8", 0.515625)]
    // DeepSeek block FP8: 8 bits + one FP32 scale per 128 x 128 = 16,384 weights: 1 + 4/16384 B.
    [InlineData("fp8block", 1.000244140625)]
    // GGUF Q4_0: block of 32 = fp16 scale (2 B) + 16 B of nibbles = 18 B / 32 = 0.5625 B (4.5 bpw).
    [InlineData("q4_0", 0.5625)]
    // GGUF Q8_0: block of 32 = fp16 scale (2 B) + 32 int8 = 34 B / 32 = 1.0625 B (8.5 bpw).
    [InlineData("q8_0", 1.0625)]
    // GGUF Q4_K_M layers: 4.80 bpw (Q4_K 4.5 bpw, attn_v/ffn_down of half the layers Q6_K 6.5625) = 0.6 B.
    [InlineData("q4_k_m", 0.6)]
    public void Bytes_per_weight_include_the_scales(string name, double bytes) =>
        Assert.Equal(bytes, QuantizationScheme.Parse(name).WeightBytesPerElement, 12);

    [Theory]
    [InlineData("q4_0", 4.5)]
    [InlineData("q8_0", 8.5)]
    [InlineData("Q4_K_M", 4.80)]
    [InlineData("nvfp4", 4.5)]
    [InlineData("mxfp4", 4.25)]
    public void Bits_per_weight_are_the_documented_figures(string name, double bits) =>
        Assert.Equal(bits, QuantizationScheme.Parse(name).WeightBitsPerElement, 9);

    [Theory]
    [InlineData("nvfp4", DataType.Fp4, DataType.Fp4, DataType.Bf16, DataType.Fp4)]
    [InlineData("nvfp4kv8", DataType.Fp4, DataType.Fp4, DataType.Fp8, DataType.Fp4)]
    [InlineData("mxfp4", DataType.Fp4, DataType.Fp4, DataType.Bf16, DataType.Fp4)]
    [InlineData("w4a8", DataType.Int4, DataType.Fp8, DataType.Bf16, DataType.Fp8)]
    [InlineData("w4aint8", DataType.Int4, DataType.Int8, DataType.Bf16, DataType.Int8)]
    [InlineData("fp8block", DataType.Fp8, DataType.Fp8, DataType.Bf16, DataType.Fp8)]
    [InlineData("q4_0", DataType.Int4, DataType.Int8, DataType.Bf16, DataType.Int8)]
    [InlineData("q8_0", DataType.Int8, DataType.Int8, DataType.Bf16, DataType.Int8)]
    [InlineData("q4_k_m", DataType.Int4, DataType.Int8, DataType.Bf16, DataType.Int8)]
    public void New_formats_carry_weights_activations_kv_and_compute(string name, DataType w, DataType a, DataType kv, DataType compute)
    {
        var q = QuantizationScheme.Parse(name);
        Assert.Equal((w, a, kv, compute), (q.Weights, q.Activations, q.KvCache, q.ComputeType));
    }

    [Theory]
    [InlineData("fp8", "fp8 (KV bf16)", "bf16")]
    [InlineData("fp8kv8", "fp8kv8 (KV fp8)", "fp8")]
    [InlineData("fp8kvfp8", "fp8kv8 (KV fp8)", "fp8")]
    [InlineData("nvfp4kv8", "nvfp4kv8 (KV fp8)", "fp8")]
    [InlineData("nvfp4kvnvfp4", "nvfp4kvnvfp4 (KV nvfp4)", "nvfp4")]
    [InlineData("w4a16kvfp4", "w4a16kvnvfp4 (KV nvfp4)", "nvfp4")]
    [InlineData("bf16", "bf16 (KV bf16)", "bf16")]
    public void Every_scheme_says_what_its_KV_cache_is(string name, string label, string kv)
    {
        var q = QuantizationScheme.Parse(name);
        Assert.Equal(label, q.Label);
        Assert.Equal(kv, q.KvCacheName);
    }

    [Fact]
    public void Fp16_models_keep_fp16_in_the_label() =>
        Assert.Equal("fp8 (KV fp16)", QuantizationScheme.Parse("fp8", DataType.Fp16).Label);

    [Fact]
    public void An_nvfp4_KV_cache_stores_its_scales()
    {
        // 4-bit values + an 8-bit scale per 16: 0.5 + 1/16 = 0.5625 B per element; FP8 KV: 1 B.
        Assert.Equal(0.5625, QuantizationScheme.Parse("nvfp4kvnvfp4").KvBytesPerElement, 12);
        Assert.Equal(1.0, QuantizationScheme.Parse("nvfp4kv8").KvBytesPerElement, 12);
    }

    [Fact]
    public void Canonical_names_of_new_formats_round_trip()
    {
        foreach (var n in new[] { "nvfp4", "nvfp4kv8", "nvfp4kvnvfp4", "mxfp4", "mxfp4kv8", "w4a8", "w4a8kv8", "w4aint8", "fp8block", "fp8blockkv8", "q4_0", "q4_k_m", "q8_0",
                     "bf16+experts=mxfp4", "fp8+attn=bf16+experts=nvfp4" })
            Assert.Equal(n, QuantizationScheme.Parse(n).Name);
    }

    [Fact]
    public void Mxfp4_experts_is_gpt_oss_as_shipped()
    {
        // gpt-oss: routed experts in MXFP4, attention (and everything else) in bf16.
        var q = QuantizationScheme.Parse("mxfp4-experts");
        Assert.Equal("bf16+experts=mxfp4", q.Name);
        Assert.Equal(2.0, q.For(QuantModule.Attention).WeightBytesPerElement, 12);
        Assert.Equal(2.0, q.For(QuantModule.Mlp).WeightBytesPerElement, 12);
        Assert.Equal(0.53125, q.For(QuantModule.Experts).WeightBytesPerElement, 12);
        Assert.Equal(DataType.Bf16, q.KvCache);
    }

    [Fact]
    public void Module_formats_apply_only_to_their_module()
    {
        var q = QuantizationScheme.Parse("fp8+experts=nvfp4");
        Assert.Equal(DataType.Fp8, q.For(QuantModule.Attention).ComputeType);
        Assert.Equal(DataType.Fp4, q.For(QuantModule.Experts).ComputeType);
        Assert.Same(q, q.For(QuantModule.Mlp));
        // A module given the base's own format is no override.
        Assert.Null(QuantizationScheme.Parse("bf16+attn=bf16").Modules);
    }

    [Theory]
    [InlineData("nvfp4g64")]
    [InlineData("bf16+gate=fp8")]
    [InlineData("bf16+experts")]
    [InlineData("bf16+experts=mxfp4+experts=nvfp4")]
    [InlineData("experts=mxfp4")]
    [InlineData("q5_k_m")]
    public void Rejects_malformed_new_names(string name)
    {
        Assert.False(QuantizationScheme.TryParse(name, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Theory]
    [InlineData("fp4")]
    [InlineData("nvfp4")]
    [InlineData("MXFP4")]
    [InlineData("e2m1")]
    public void Fp4_is_a_data_type(string name)
    {
        Assert.True(DataTypes.TryParse(name, out var t));
        Assert.Equal(DataType.Fp4, t);
        Assert.Equal(4, t.Bits());
    }
}
