using Simulator.Core.Loading;
using Simulator.Core.Specs;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>
/// What a config.json leaves out: known families get their transformers config class's defaults; any other model_type
/// imports with a warning that lists every value the importer assumed. Also: files given by path load whatever their name.
/// </summary>
public sealed class ImportDefaultsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "llmsim-import-" + Guid.NewGuid().ToString("N"));

    public ImportDefaultsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string file, string text)
    {
        string path = Path.Combine(_dir, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    // The bare minimum a config.json must give; everything else is the family's (or assumed).
    private const string Dims = "\"hidden_size\": 1024, \"num_hidden_layers\": 4, \"num_attention_heads\": 8, \"intermediate_size\": 4096, \"vocab_size\": 32000";

    private Loaded<ModelSpec> Load(string modelType, string extra = "") =>
        SpecFiles.LoadModel(Write($"{modelType}/config.json", $"{{\"model_type\": \"{modelType}\", {Dims}{extra}}}"));

    [Fact]
    public void Unknown_family_imports_with_a_warning_that_lists_every_assumed_field()
    {
        var loaded = Load("mystery");
        var m = loaded.OrThrow();
        string warning = Assert.Single(loaded.Warnings);
        Assert.Contains("config.json: model_type 'mystery' is not one the importer knows; assumed: ", warning);
        foreach (var assumed in new[]
        {
            "tie_word_embeddings=false (not in the config)",
            "attention_bias=false (not in the config)",
            "attention_output_bias=false",
            "mlp_bias=false (not in the config)",
            "lm_head_bias=false (not in the config)",
            "hidden_act=silu (not in the config)",
            "mlp=gated (from hidden_act 'silu'",
            "norm=rmsnorm (not in the config)",
            "qk_norm=false (not in the config)",
            "parallel_residual=false (not in the config)",
            "sandwich_norm=false (two norms per layer",
            "head_dim=128 (hidden_size / num_attention_heads; not in the config)",
            "num_key_value_heads=8 (= num_attention_heads; not in the config)",
            "sliding_window=none (not in the config",
            "partial_rotary_factor=1 (not in the config)",
            "torch_dtype=bfloat16 (not in the config)",
        })
            Assert.Contains(assumed, warning);
        // The same list travels with the spec's notes, so a written YAML keeps it.
        Assert.StartsWith("assumed: ", m.Notes);
        Assert.Contains("tie_word_embeddings=false (not in the config)", m.Notes);
        Assert.Contains("notes: \"assumed: ", ModelSpecWriter.ToYaml(m));
    }

    [Fact]
    public void Unknown_family_reports_only_what_the_config_left_out()
    {
        var loaded = Load("mystery", ", \"tie_word_embeddings\": true, \"head_dim\": 64, \"num_key_value_heads\": 2, \"sliding_window\": 512, \"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"]");
        string warning = Assert.Single(loaded.Warnings);
        Assert.DoesNotContain("tie_word_embeddings", warning);
        Assert.DoesNotContain("head_dim", warning);
        Assert.DoesNotContain("num_key_value_heads", warning);
        Assert.DoesNotContain("sliding_window", warning);
        Assert.DoesNotContain("layer_types", warning);
        var m = loaded.OrThrow();
        Assert.Equal(new LayerSet([0, 2]), m.SlidingWindowLayers); // gpt-oss style layer_types
    }

    [Fact]
    public void A_window_without_layer_types_is_an_assumption_for_an_unknown_family()
    {
        string warning = Assert.Single(Load("mystery", ", \"sliding_window\": 512").Warnings);
        Assert.Contains("layer_types=sliding_attention on every layer", warning);
    }

    [Fact]
    public void Known_family_defaults_are_not_warnings()
    {
        var loaded = Load("llama");
        Assert.Empty(loaded.Warnings);
        Assert.Null(loaded.OrThrow().Notes);
    }

    [Fact]
    public void Families_default_like_their_transformers_config_classes()
    {
        // MistralConfig: sliding_window 4096 when the key is absent (every layer), num_key_value_heads 8; an explicit null means none.
        var mistral = Load("mistral").OrThrow();
        Assert.Equal(4096, mistral.SlidingWindow);
        Assert.Null(mistral.SlidingWindowLayers);
        Assert.Equal(8, mistral.NumKeyValueHeads);
        Assert.Null(SpecFiles.LoadModel(Write("mistral-null/config.json", $"{{\"model_type\": \"mistral\", {Dims}, \"sliding_window\": null}}")).OrThrow().SlidingWindow);
        // Qwen2: q/k/v biases always; the window only with use_sliding_window, and only from layer max_window_layers on.
        // (Qwen2Config's default of 32 KV heads would exceed this toy's 8 heads, so the toy states its own.)
        var qwen2 = Load("qwen2", ", \"num_key_value_heads\": 8, \"sliding_window\": 2048, \"use_sliding_window\": true, \"max_window_layers\": 2").OrThrow();
        Assert.True(qwen2.AttentionBias);
        Assert.False(qwen2.AttentionOutputBias);
        Assert.Equal(new LayerSet([2, 3]), qwen2.SlidingWindowLayers);
        Assert.Null(Load("qwen2", ", \"num_key_value_heads\": 8, \"sliding_window\": 2048").OrThrow().SlidingWindow); // use_sliding_window defaults to false
        // Qwen3Config: head_dim 128 even when hidden / heads differs; q/k norms.
        var qwen3 = SpecFiles.LoadModel(Write("qwen3/config.json",
            "{\"model_type\": \"qwen3\", \"hidden_size\": 2048, \"num_hidden_layers\": 4, \"num_attention_heads\": 32, \"intermediate_size\": 4096, \"vocab_size\": 32000}")).OrThrow();
        Assert.Equal(128, qwen3.HeadDim);
        Assert.True(qwen3.QkNorm);
        // PhiConfig: partial_rotary_factor 0.5, LayerNorm, parallel residual, biases everywhere.
        var phi = Load("phi").OrThrow();
        Assert.Equal(0.5, phi.PartialRotaryFactor);
        Assert.True(phi.ParallelResidual && phi.LmHeadBias && phi.MlpBias && phi.AttentionOutputBias);
        // GemmaConfig: tied, head_dim 256, GeGLU even with hidden_act "gelu", two norms (Gemma 1 has no sandwich norms).
        var gemma = Load("gemma", ", \"num_key_value_heads\": 1, \"hidden_act\": \"gelu\"").OrThrow();
        Assert.True(gemma.TieWordEmbeddings && gemma.GatedMlp);
        Assert.Equal(256, gemma.HeadDim);
        Assert.False(gemma.SandwichNorm);
    }

    [Fact]
    public void Layer_types_must_match_the_layers_and_name_known_kinds()
    {
        var loaded = Load("mystery", ", \"sliding_window\": 128, \"layer_types\": [\"sliding_attention\", \"chunked_attention\", \"full_attention\"]");
        Assert.False(loaded.Ok);
        Assert.Contains(loaded.Errors, e => e.Field == "layer_types" && e.Message.Contains("lists 3 layers"));
        Assert.Contains(loaded.Errors, e => e.Field == "layer_types" && e.Message.Contains("'chunked_attention'"));
    }

    [Fact]
    public void Yaml_sliding_window_layers_outside_the_model_name_the_line()
    {
        string path = Write("toy.yaml", """
            name: toy
            display_name: Toy
            source: test
            model_type: llama
            hidden_size: 64
            num_hidden_layers: 2
            num_attention_heads: 4
            intermediate_size: 128
            vocab_size: 100
            sliding_window: 4
            sliding_window_layers: [0, 2]
            """);
        var loaded = SpecFiles.LoadModel(path);
        var e = Assert.Single(loaded.Errors);
        Assert.Equal(11, e.Line);
        Assert.Equal("sliding_window_layers", e.Field);
        Assert.Contains("layer 2 is outside 0..1", e.Message);
    }

    [Fact]
    public void Import_write_and_load_by_path_under_another_name_keeps_the_counts()
    {
        // A spec named gemma-3-27b written to other-name.yaml: given by path it loads; its figures survive the round trip.
        var imported = SpecFiles.LoadModel(Path.Combine(RepoPaths.Fixtures, "hf-configs", "gemma-3-27b", "config.json")).OrThrow();
        string path = Write("other-name.yaml", ModelSpecWriter.ToYaml(imported));
        var back = SpecFiles.LoadModel(path).OrThrow();
        Assert.Equal("gemma-3-27b", back.Name);
        Assert.Equal(ModelMath.Parameters(imported), ModelMath.Parameters(back));
        Assert.Equal(ModelMath.KvCacheBytesPerToken(imported), ModelMath.KvCacheBytesPerToken(back));
        Assert.Equal(imported with { FilePath = null }, back with { FilePath = null });
        // Found by name in a library folder, the name must still match the file, or lookups by name would be ambiguous.
        var lib = new SpecLibrary(_dir, _dir);
        var ex = Assert.Throws<SpecException>(() => lib.Model("other-name"));
        Assert.Contains("differs from the file name", ex.Message);
        Assert.Equal("gemma-3-27b", lib.Model(path).Name);
    }

    [Fact]
    public void Library_hands_a_config_warning_to_its_caller_once()
    {
        string path = Write("mystery/config.json", $"{{\"model_type\": \"mystery\", {Dims}}}");
        var seen = new List<string>();
        var lib = new SpecLibrary(_dir, _dir, seen.Add);
        lib.Model(path);
        lib.Model(path);
        string warning = Assert.Single(seen);
        Assert.Contains("model_type 'mystery'", warning);
        Assert.Equal(seen, lib.Warnings);
    }
}
