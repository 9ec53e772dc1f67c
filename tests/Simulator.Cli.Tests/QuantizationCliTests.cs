using System.Text.Json;

namespace Simulator.Cli.Tests;

/// <summary>Every output that names a quantization also names the KV-cache format; FP4 fallbacks are printed.</summary>
public class QuantizationCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Theory]
    [InlineData("fp8", "bf16")]
    [InlineData("fp8kv8", "fp8")]
    [InlineData("nvfp4kvnvfp4", "nvfp4")]
    [InlineData("w4a16", "bf16")]
    public void Estimate_json_has_kvCacheDtype(string quant, string kv)
    {
        var (code, stdout, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "b200-sxm", "--quant", quant, "--format", "json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(kv, root.GetProperty("kvCacheDtype").GetString());
    }

    [Fact]
    public void Estimate_and_roofline_tables_say_fp8_means_a_16_bit_kv_cache()
    {
        var (code, stdout, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--quant", "fp8");
        Assert.Equal(0, code);
        Assert.Contains("(fp8, KV bf16, TP1 PP1)", stdout);
        (code, stdout, _) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "decode", "--batch", "1", "--seq", "128", "--quant", "fp8kv8");
        Assert.Equal(0, code);
        Assert.Contains("(fp8kv8, KV fp8, TP1,", stdout);
        (code, stdout, _) = Run("roofline", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--phase", "decode", "--batch", "1", "--seq", "128", "--quant", "fp8", "--format", "json");
        Assert.Equal(0, code);
        Assert.Equal("bf16", JsonDocument.Parse(stdout).RootElement.GetProperty("kvCacheDtype").GetString());
    }

    [Fact]
    public void Plan_rows_name_the_kv_cache()
    {
        var (code, stdout, _) = Run("plan", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--rate", "1", "--quant", "fp8", "--check", "analytic");
        Assert.Equal(0, code);
        Assert.Contains("fp8 (KV bf16) b", stdout);
    }

    [Fact]
    public void Nvfp4_on_h100_prints_the_fallback()
    {
        var (code, stdout, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "h100-sxm", "--quant", "nvfp4");
        Assert.Equal(0, code);
        Assert.Contains("note: h100-sxm has no fp4 peak; matrix multiplies use fp8 instead", stdout);
        (code, stdout, _) = Run("estimate", "--model", "llama-3.1-8b", "--hardware", "b200-sxm", "--quant", "nvfp4");
        Assert.Equal(0, code);
        Assert.DoesNotContain("fp4 peak", stdout);
    }

    [Fact]
    public void Mixed_precision_is_one_quant_value_and_plan_lists_still_split_on_commas()
    {
        var (code, stdout, err) = Run("estimate", "--model", "mixtral-8x7b", "--hardware", "b200-sxm", "--quant", "mxfp4-experts", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Equal("bf16+experts=mxfp4", JsonDocument.Parse(stdout).RootElement.GetProperty("quantization").GetString());
        (code, stdout, err) = Run("plan", "--model", "mixtral-8x7b", "--hardware", "b200-sxm", "--rate", "1", "--quant", "bf16+experts=mxfp4,fp8", "--check", "analytic", "--format", "json");
        Assert.True(code == 0, err);
        Assert.Contains("experts=mxfp4", stdout);
    }
}
