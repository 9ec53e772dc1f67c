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
