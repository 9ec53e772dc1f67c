using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>
/// Gemma 2 and Gemma 3 config.json files import to the parameter counts Google publishes, with their sliding-window
/// layer pattern, tied embeddings, four norms per layer and (Gemma 3) q/k norms; multimodal Gemma 3 imports its text model.
/// </summary>
public class GemmaImportTests
{
    private static readonly SpecLibrary Lib = new(RepoPaths.HardwareDir, RepoPaths.ModelsDir);

    private static string Config(string folder) => Path.Combine(RepoPaths.Fixtures, "hf-configs", folder, "config.json");

    private static ModelSpec Import(string folder) => SpecFiles.LoadModel(Config(folder)).OrThrow();

    [Theory]
    // Published totals, tolerance 0.5%:
    // Gemma 2 report (arXiv:2408.00118) Table 2, embedding + non-embedding: 2B 590,118,912 + 2,024,517,888 = 2,614,636,800;
    // 9B 917,962,752 + 8,324,201,984 = 9,242,164,736; 27B 1,180,237,824 + 26,047,480,320 = 27,227,718,144.
    // Gemma 3 report (arXiv:2503.19786) Table 1, language model only (vision encoder excluded): 1B 302M + 698M = 1,000M;
    // 27B 1,416M + 25,600M = 27,016M.
    // Before the importer knew Gemma's tied embeddings, Gemma 2 9B came out at 10.16B (+9.9%).
    [InlineData("gemma-2-2b", 2_614_636_800.0)]
    [InlineData("gemma-2-9b", 9_242_164_736.0)]
    [InlineData("gemma-2-27b", 27_227_718_144.0)]
    [InlineData("gemma-3-1b", 1_000e6)]
    [InlineData("gemma-3-27b", 27_016e6)]
    public void Imported_gemma_totals_match_the_published_counts_within_half_a_percent(string folder, double published)
    {
        double total = ModelMath.Parameters(Import(folder)).Total;
        Assert.InRange(total / published, 0.995, 1.005);
    }

    [Theory]
    // The non-embedding counts are exact: Gemma 2 report Table 2. By hand for 9B: 42 layers x (q 3584x4096 + k, v 3584x2048 each
    // + o 4096x3584 = 44,040,192; GeGLU 3 x 3584 x 14336 = 154,140,672; four norms 4 x 3584 = 14,336) + final norm 3,584
    // = 8,324,201,984. (The embedding differs: the report counts a 256,128-entry vocabulary, config.json 256,000.)
    [InlineData("gemma-2-2b", 2_024_517_888.0)]
    [InlineData("gemma-2-9b", 8_324_201_984.0)]
    [InlineData("gemma-2-27b", 26_047_480_320.0)]
    public void Gemma_2_non_embedding_counts_are_exact(string folder, double published)
    {
        var p = ModelMath.Parameters(Import(folder));
        Assert.Equal(0, p.LmHead); // tied to the embedding
        Assert.Equal(published, p.Total - p.Embedding);
    }

    [Theory]
    // Gemma 3 report Table 1 rounds to millions: 1B 698M, 27B 25,600M non-embedding; ours 697.9M and 25,599.7M
    // (four norms and per-head q and k norms of head_dim weights each, per layer).
    [InlineData("gemma-3-1b", 698e6)]
    [InlineData("gemma-3-27b", 25_600e6)]
    public void Gemma_3_non_embedding_counts_match_to_the_million(string folder, double published)
    {
        var p = ModelMath.Parameters(Import(folder));
        Assert.InRange(p.Total - p.Embedding - published, -0.5e6, 0.5e6);
    }

    [Fact]
    public void Gemma_2_has_tied_embeddings_head_dim_256_geglu_and_four_norms_per_layer()
    {
        var m = Import("gemma-2-9b");
        Assert.True(m.TieWordEmbeddings);   // Gemma2Config default; the config.json has no tie_word_embeddings key
        Assert.Equal(256, m.HeadDim);       // given explicitly: 16 heads x 256 = 4096 != hidden 3584
        Assert.True(m.GatedMlp);            // GeGLU with gelu_pytorch_tanh
        Assert.True(m.SandwichNorm);
        Assert.False(m.QkNorm);
        // 42 layers x 4 norms x 3584 + final 3584
        Assert.Equal(42.0 * 4 * 3584 + 3584, ModelMath.Parameters(m).Norms);
    }

    [Fact]
    public void Gemma_2_alternates_sliding_and_global_layers()
    {
        var m = Import("gemma-2-9b");
        // Gemma2Config.layer_types: layer i slides when (i + 1) mod 2 != 0, i.e. layers 0, 2, ..., 40 (21 of 42).
        Assert.Equal(4096, m.SlidingWindow);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => 2 * i), m.SlidingWindowLayers!.Layers);
        Assert.Equal(21, m.GlobalLayerCount);
        Assert.True(m.IsSlidingLayer(0));
        Assert.False(m.IsSlidingLayer(1));
    }

    [Fact]
    public void Gemma_3_keeps_one_global_layer_in_six()
    {
        // 27B: sliding_window 1024, no pattern in the config, Gemma3TextConfig's default 6: global layers 5, 11, ..., 59.
        var big = Import("gemma-3-27b");
        Assert.Equal(1024, big.SlidingWindow);
        Assert.Equal(52, big.SlidingLayerCount);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => 6 * i + 5), Enumerable.Range(0, 62).Where(l => !big.IsSlidingLayer(l)));
        // 1B: sliding_window 512 and sliding_window_pattern 6 stated: global layers 5, 11, 17, 23 of 26.
        var small = Import("gemma-3-1b");
        Assert.Equal(512, small.SlidingWindow);
        Assert.Equal(new[] { 5, 11, 17, 23 }, Enumerable.Range(0, 26).Where(l => !small.IsSlidingLayer(l)));
        Assert.True(small.QkNorm);
    }

    [Fact]
    public void Multimodal_gemma_3_imports_its_text_model_and_says_the_vision_tower_is_excluded()
    {
        var m = Import("gemma-3-27b");
        Assert.Equal("gemma3_text", m.ModelType);
        Assert.Equal(262_208, m.VocabSize);     // not in text_config: Gemma3TextConfig's default
        Assert.Equal(5376, m.HiddenSize);       // text_config, not vision_config (1152)
        Assert.Equal(62, m.NumLayers);          // not the vision tower's 27
        Assert.Equal(16, m.NumKeyValueHeads);
        Assert.Equal(128, m.HeadDim);
        Assert.True(m.TieWordEmbeddings && m.QkNorm && m.SandwichNorm);
        Assert.Equal(DataType.Bf16, m.NativeDType); // top-level torch_dtype
        Assert.Contains("vision tower", m.Notes);
        Assert.Contains("vision tower excluded", m.Source);
    }

    [Theory]
    [InlineData("gemma-2-2b")]
    [InlineData("gemma-2-9b")]
    [InlineData("gemma-2-27b")]
    [InlineData("gemma-3-1b")]
    [InlineData("gemma-3-27b")]
    public void Shipped_gemma_specs_are_what_the_importer_makes(string name)
    {
        var imported = Import(name);
        var shipped = Lib.Model(name);
        Assert.Equal(ModelMath.Parameters(imported), ModelMath.Parameters(shipped));
        Assert.Equal(ModelMath.KvCacheBytesPerToken(imported), ModelMath.KvCacheBytesPerToken(shipped));
        Assert.Equal(imported.SlidingWindow, shipped.SlidingWindow);
        Assert.Equal(imported.SlidingWindowLayers, shipped.SlidingWindowLayers);
        Assert.Contains("arXiv", shipped.Source);
    }

    [Fact]
    public void Known_gemma_configs_load_without_warnings()
    {
        foreach (var folder in new[] { "gemma-2-2b", "gemma-2-9b", "gemma-2-27b", "gemma-3-1b", "gemma-3-27b" })
            Assert.Empty(SpecFiles.LoadModel(Config(folder)).Warnings);
    }
}
