using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>Real Hugging Face config.json files import into the same specs the library ships.</summary>
public class HfImportTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static ModelSpec Import(string file) =>
        SpecFiles.LoadModel(Path.Combine(RepoPaths.Fixtures, "hf-configs", file)).OrThrow();

    [Theory]
    [InlineData("llama-3.1-8b.json", "llama-3.1-8b")]
    [InlineData("mistral-7b.json", "mistral-7b")]
    [InlineData("mixtral-8x7b.json", "mixtral-8x7b")]
    [InlineData("deepseek-v3.json", "deepseek-v3")]
    [InlineData("qwen3-8b.json", "qwen3-8b")]
    [InlineData("qwen3-30b-a3b.json", "qwen3-30b-a3b")]
    [InlineData("qwen2-57b-a14b.json", "qwen2-57b-a14b")]
    public void Imported_config_has_the_same_totals_as_the_shipped_spec(string file, string shipped)
    {
        var imported = Import(file);
        var spec = Lib.Model(shipped);
        Assert.Equal(ModelMath.Parameters(spec).Total, ModelMath.Parameters(imported).Total);
        Assert.Equal(ModelMath.Parameters(spec).Active, ModelMath.Parameters(imported).Active);
        Assert.Equal(ModelMath.KvCacheBytesPerToken(spec), ModelMath.KvCacheBytesPerToken(imported));
    }

    [Fact]
    public void Mixtral_expert_fields_map_from_num_local_experts()
    {
        var m = Import("mixtral-8x7b.json");
        Assert.Equal(new MoeConfig(8, 2, 14336, 0, 0, 0, 1), m.Moe);
    }

    [Fact]
    public void DeepSeek_v3_maps_mla_and_routed_experts()
    {
        var m = Import("deepseek-v3.json");
        Assert.Equal(new MlaConfig(1536, 512, 128, 64, 128), m.Mla);
        Assert.Equal(256, m.Moe!.NumExperts);
        Assert.Equal(1, m.Moe.NumSharedExperts);
        Assert.Equal(3, m.Moe.FirstDenseLayers);
    }

    [Fact]
    public void Qwen3_has_qk_norm_and_no_qkv_bias()
    {
        var m = Import("qwen3-8b.json");
        Assert.True(m.QkNorm);
        Assert.False(m.AttentionBias);
    }

    [Fact]
    public void Written_spec_reads_back_identically()
    {
        var m = Import("deepseek-v3.json") with { Name = "roundtrip", Source = "test" };
        string dir = Path.Combine(Path.GetTempPath(), "llmsim-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "roundtrip.yaml");
            File.WriteAllText(path, ModelSpecWriter.ToYaml(m));
            var back = SpecFiles.LoadModel(path).OrThrow();
            Assert.Equal(m with { FilePath = null }, back with { FilePath = null });
        }
        finally { Directory.Delete(dir, true); }
    }
}
