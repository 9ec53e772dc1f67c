using System.Text.Json;
using Simulator.Tests;

namespace Simulator.Cli.Tests;

/// <summary>
/// <c>llmsim models import</c> and config.json files given as <c>--model</c>: Gemma imports, the -o round trip,
/// warnings for unknown families (never silent), and --strict.
/// </summary>
public sealed class ImportCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "llmsim-cli-import-" + Guid.NewGuid().ToString("N"));

    public ImportCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private string UnknownConfig()
    {
        string folder = Path.Combine(_dir, "mystery-7b");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "config.json");
        File.WriteAllText(path, """
            {"model_type": "mystery", "hidden_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 8,
             "intermediate_size": 4096, "vocab_size": 32000}
            """);
        return path;
    }

    [Fact]
    public void Import_with_output_and_no_name_names_the_spec_after_the_file_and_loads_back()
    {
        // Before, the spec kept the config's folder name ("gemma-2-9b") and other-name.yaml failed to load
        // ("'gemma-2-9b' differs from the file name 'other-name'").
        string output = Path.Combine(_dir, "other-name.yaml");
        var (code, _, err) = Run("models", "import", Path.Combine(RepoPaths.Fixtures, "hf-configs", "gemma-2-9b", "config.json"), "-o", output);
        Assert.True(code == 0, err);
        Assert.Contains("other-name, 9.24B parameters", err);
        Assert.Contains("name: other-name", File.ReadAllText(output));
        var (code2, stdout, err2) = Run("models", "show", output, "--format", "json");
        Assert.True(code2 == 0, err2);
        var root = JsonDocument.Parse(stdout).RootElement;
        // Gemma 2 report Table 2: 9,242,164,736 with a 256,128-entry vocabulary; config.json's 256,000 gives 9,241,705,984.
        Assert.Equal(9_241_705_984.0, root.GetProperty("totalParameters").GetDouble());
        Assert.Equal(21, root.GetProperty("globalLayers").GetInt32());
        // Found by name in that folder too.
        var err3 = new StringWriter();
        int code3 = Cli.Run(["models", "show", "other-name", "--hardware-dir", RepoPaths.HardwareDir, "--models-dir", _dir], new StringWriter(), err3);
        Assert.True(code3 == 0, err3.ToString());
    }

    [Fact]
    public void A_spec_file_given_by_path_loads_whatever_its_name()
    {
        string path = Path.Combine(_dir, "renamed.yaml");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(RepoPaths.ModelsDir, "gemma-3-27b.yaml")));
        var (code, stdout, err) = Run("models", "show", path, "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal("gemma-3-27b", JsonDocument.Parse(stdout).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public void Import_of_an_unknown_family_warns_on_stderr_and_writes_the_assumptions_into_the_notes()
    {
        var (code, stdout, err) = Run("models", "import", UnknownConfig());
        Assert.Equal(0, code);
        Assert.Contains("warning: ", err);
        Assert.Contains("model_type 'mystery' is not one the importer knows; assumed: ", err);
        Assert.Contains("tie_word_embeddings=false (not in the config)", err);
        Assert.Contains("head_dim=128 (hidden_size / num_attention_heads; not in the config)", err);
        Assert.Contains("notes: \"assumed: ", stdout);
        Assert.Contains("tie_word_embeddings=false (not in the config)", stdout);
    }

    [Fact]
    public void Strict_import_refuses_an_unknown_family()
    {
        var (code, stdout, err) = Run("models", "import", UnknownConfig(), "--strict");
        Assert.Equal(Cli.BadInput, code);
        Assert.Equal("", stdout);
        Assert.Contains("model_type 'mystery' is not one the importer knows", err);
        Assert.Contains("--strict", err);
        // A family it knows imports under --strict as usual.
        var (code2, _, err2) = Run("models", "import", Path.Combine(RepoPaths.Fixtures, "hf-configs", "gemma-3-27b", "config.json"), "--strict");
        Assert.True(code2 == 0, err2);
        Assert.DoesNotContain("warning", err2);
    }

    [Fact]
    public void A_config_json_of_an_unknown_family_as_model_warns_once()
    {
        string config = UnknownConfig();
        var (code, _, err) = Run("estimate", "--model", config, "--hardware", "h100-sxm", "--batch", "1", "--input", "128", "--output", "16");
        Assert.Equal(0, code);
        string warning = $"warning: {config}: model_type 'mystery' is not one the importer knows; assumed: ";
        int first = err.IndexOf(warning, StringComparison.Ordinal);
        Assert.True(first >= 0, err);
        Assert.Equal(-1, err.IndexOf(warning, first + 1, StringComparison.Ordinal));
    }

    [Fact]
    public void Roofline_of_gemma_3_lists_global_and_sliding_attention_apart()
    {
        var (code, stdout, err) = Run("roofline", "--model", "gemma-3-27b", "--hardware", "h100-sxm", "--phase", "decode", "--batch", "1", "--seq", "32000", "--format", "json");
        Assert.True(code == 0, err);
        var ops = JsonDocument.Parse(stdout).RootElement.GetProperty("operators").EnumerateArray()
            .ToDictionary(o => o.GetProperty("name").GetString()!, o => o);
        Assert.Equal(10, ops["attention_decode"].GetProperty("layers").GetInt32());
        Assert.Equal(52, ops["attention_decode_local"].GetProperty("layers").GetInt32());
    }
}
