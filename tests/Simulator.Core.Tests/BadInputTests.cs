using Simulator.Core.Loading;
using Simulator.Tests;

namespace Simulator.Core.Tests;

/// <summary>Every broken file gives one clear message naming the file, the line and the field; nothing throws.</summary>
public class BadInputTests
{
    private static string Bad(string name) => Path.Combine(RepoPaths.Fixtures, "bad", name);

    [Theory]
    // file, expected line, expected field, words the message must contain
    [InlineData("unknown-field.yaml", 11, "memory[0].bandwith", "Did you mean 'bandwidth'")]
    [InlineData("missing-field.yaml", 1, "power", "required field is missing")]
    [InlineData("no-unit.yaml", 10, "memory[0].capacity", "no unit")]
    [InlineData("wrong-unit.yaml", 11, "memory[0].bandwidth", "size in bytes")]
    [InlineData("negative.yaml", 7, "peak.bf16", "must be positive")]
    [InlineData("zero.yaml", 10, "memory[0].capacity", "must be positive")]
    [InlineData("nan.yaml", 12, "power", "not a number")]
    [InlineData("absurd.yaml", 10, "memory[0].capacity", "implausibly large")]
    [InlineData("bad-kind.yaml", 3, "kind", "expected gpu, fpga, npu, tpu or cpu")]
    [InlineData("bad-dtype.yaml", 7, "peak.bf61", "Did you mean 'bf16'")]
    [InlineData("malformed.yaml", 4, "", "malformed YAML")]
    [InlineData("not-a-map.yaml", 0, "", "")]
    public void Broken_hardware_profiles_name_file_line_and_field(string file, int line, string field, string words)
    {
        var loaded = SpecFiles.LoadProfile(Bad(file));
        Assert.False(loaded.Ok);
        var e = Assert.Single(loaded.Errors.Where(x => x.Message.Contains(words)).Take(1));
        Assert.EndsWith(file, e.File);
        if (line > 0) Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData("model-typo.yaml", 8, "num_key_value_head", "Did you mean 'num_key_value_heads'")]
    [InlineData("model-heads.yaml", 8, "num_key_value_heads", "not a multiple of 5")]
    [InlineData("model-text.yaml", 5, "hidden_size", "expected a whole number")]
    [InlineData("model-negative.yaml", 6, "num_hidden_layers", "must be at least 1")]
    [InlineData("duplicate-key.yaml", 6, "", "Duplicate key hidden_size")]
    [InlineData("broken-config.json", 4, "", "malformed JSON")]
    public void Broken_model_specs_name_file_line_and_field(string file, int line, string field, string words)
    {
        var loaded = SpecFiles.LoadModel(Bad(file));
        Assert.False(loaded.Ok);
        var e = loaded.Errors.First(x => x.Message.Contains(words));
        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Unreadable_file_is_an_error_value_not_an_exception()
    {
        var loaded = SpecFiles.LoadProfile(Bad("does-not-exist.yaml"));
        Assert.False(loaded.Ok);
        Assert.Contains("cannot be read", loaded.Errors[0].Message);
    }

    [Fact]
    public void A_folder_given_as_a_file_is_reported()
    {
        var loaded = SpecFiles.LoadModel(Path.Combine(RepoPaths.Fixtures, "bad"));
        Assert.Contains("folder", Assert.Single(loaded.Errors).Message);
    }

    [Fact]
    public void Error_text_reads_file_colon_line_colon_field()
    {
        var e = new SpecError("a.yaml", 3, "peak.bf16", "must be positive");
        Assert.Equal("a.yaml:3: peak.bf16: must be positive", e.ToString());
    }

    [Fact]
    public void Unknown_name_suggests_the_closest()
    {
        var lib = new SpecLibrary(RepoPaths.HardwareDir, RepoPaths.ModelsDir);
        var ex = Assert.Throws<SpecException>(() => lib.Hardware("h100-smx"));
        Assert.Contains("'h100-sxm'", ex.Message);
    }
}
