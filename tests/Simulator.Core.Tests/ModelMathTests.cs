using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>Derived totals checked against the figures the model authors publish.</summary>
public class ModelMathTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    [Theory]
    // Published totals: Llama 2 paper (6.74B/13.0B/69.0B as "7B/13B/70B", HF card 6.74B), Llama 3.1 model card (8.03B, 70.6B, 405.9B),
    // Mistral 7B paper 7.24B, Mixtral paper 46.7B total / 12.9B active, DeepSeek-V3 report 671B / 37B, Qwen2.5 report 7.61B / 72.7B.
    [InlineData("llama-2-7b", 6.74e9, 0.005)]
    [InlineData("llama-7b", 6.7e9, 0.01)]              // LLaMA paper, Table 2
    [InlineData("llama-2-13b", 13.0e9, 0.01)]
    [InlineData("llama-2-70b", 69.0e9, 0.01)]
    [InlineData("llama-3.1-8b", 8.03e9, 0.005)]
    [InlineData("llama-3.1-70b", 70.6e9, 0.005)]
    [InlineData("llama-3.1-405b", 405.9e9, 0.005)]
    [InlineData("mistral-7b", 7.24e9, 0.005)]
    [InlineData("mixtral-8x7b", 46.7e9, 0.005)]
    [InlineData("mixtral-8x22b", 141e9, 0.01)]
    [InlineData("qwen2.5-7b", 7.61e9, 0.005)]
    [InlineData("qwen2.5-72b", 72.7e9, 0.005)]
    [InlineData("deepseek-v3", 671e9, 0.005)]
    public void Total_parameters_match_published_figures(string model, double published, double tolerance)
    {
        double total = ModelMath.Parameters(Lib.Model(model)).Total;
        Assert.InRange(total / published, 1 - tolerance, 1 + tolerance);
    }

    [Theory]
    [InlineData("mixtral-8x7b", 12.9e9, 0.01)]
    // DeepSeek-V3 reports 37B activated; our count includes the embedding and output head (1.85B), hence 2%.
    [InlineData("deepseek-v3", 37e9, 0.02)]
    public void Active_parameters_match_published_figures(string model, double published, double tolerance)
    {
        double active = ModelMath.Parameters(Lib.Model(model)).Active;
        Assert.InRange(active / published, 1 - tolerance, 1 + tolerance);
    }

    [Fact]
    public void Llama_2_7b_count_by_hand()
    {
        // 32 layers x (4 x 4096^2 attention + 3 x 4096 x 11008 MLP + 2 x 4096 norms) + 2 x 32000 x 4096 (embed + head) + 4096 final norm
        double expected = 32 * (4.0 * 4096 * 4096 + 3.0 * 4096 * 11008 + 2 * 4096) + 2.0 * 32000 * 4096 + 4096;
        Assert.Equal(expected, ModelMath.Parameters(Lib.Model("llama-2-7b")).Total);
        Assert.Equal(6_738_415_616, expected); // Hugging Face reports 6,738,415,616 for Llama-2-7b-hf
    }

    [Theory]
    // 2 (K and V) x layers x KV heads x head_dim x 2 bytes
    [InlineData("llama-2-7b", 2 * 32 * 32 * 128 * 2)]      // 524,288
    [InlineData("llama-3.1-70b", 2 * 80 * 8 * 128 * 2)]    // 327,680
    [InlineData("llama-3.1-8b", 2 * 32 * 8 * 128 * 2)]     // 131,072
    [InlineData("mistral-7b", 2 * 32 * 8 * 128 * 2)]       // 131,072
    // MLA caches the 512-wide latent plus the 64-wide shared rotary key per layer: 61 x 576 x 2 bytes
    [InlineData("deepseek-v3", 61 * (512 + 64) * 2)]       // 70,272
    public void Kv_cache_bytes_per_token_at_16_bit(string model, int expected)
    {
        var m = Lib.Model(model);
        Assert.Equal(expected, ModelMath.KvCacheBytesPerToken(m));
        Assert.Equal(expected / 2.0, ModelMath.KvCacheBytesPerToken(m, 8));
    }

    [Fact]
    public void Attention_kinds_are_recognised()
    {
        Assert.Equal(AttentionKind.Mha, Lib.Model("llama-2-7b").AttentionKind);
        Assert.Equal(AttentionKind.Gqa, Lib.Model("llama-3.1-8b").AttentionKind);
        Assert.Equal(AttentionKind.Mla, Lib.Model("deepseek-v3").AttentionKind);
        Assert.Equal(4096, Lib.Model("mistral-7b").SlidingWindow);
        Assert.Equal(58, Lib.Model("deepseek-v3").MoeLayerCount); // 61 layers, the first 3 dense
    }
}
